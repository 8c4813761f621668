"""TFRecord event files with a native CRC32C, and EXR events serialised without copying the EXR.

TensorBoard's and PyTorch's writers checksum records in pure Python (about 1.5 s per 8 MB event);
`google-crc32c` does it in milliseconds. `exr_event_parts` builds the serialised `Event` around the
EXR bytes instead of copying them into a protobuf and out again, so a 60 MB image costs no extra
60 MB copies; the record's CRC is extended over the parts.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Sequence
from typing import Any, BinaryIO, Final

import google_crc32c
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

_MASK_DELTA: Final = 0xA282EAD8
_LENGTH_DELIMITED: Final = 2
_file_counter = itertools.count()


def masked_crc32c(data: bytes | memoryview) -> int:
    """TFRecord's masked CRC32C of `data` (same result as TensorBoard's pure-Python one)."""
    return _mask(google_crc32c.value(bytes(data) if isinstance(data, memoryview) else data))


def _mask(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def install_native_crc_in_tensorboard() -> None:
    """Makes TensorBoard's own record reader and writer use the native CRC32C (same checksums).

    Both compute CRC32C in pure Python when TensorFlow is absent: PyTorch's `SummaryWriter` spends
    ~1.5 s per 8 MB event on it, and TensorBoard's Python loader as long to read it back. The
    replacement returns identical values, so files and behaviour are unchanged, only faster.
    """
    from tensorboard.compat.tensorflow_stub import pywrap_tensorflow
    from tensorboard.summary.writer import record_writer

    pywrap_tensorflow.masked_crc32c = masked_crc32c
    record_writer.masked_crc32c = masked_crc32c


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _length_delimited_key(field_number: int, length: int) -> bytes:
    return _varint(field_number << 3 | _LENGTH_DELIMITED) + _varint(length)


def exr_event_parts(
    *,
    step: int,
    wall_time: float,
    tag: str,
    metadata: summary_pb2.SummaryMetadata,
    values: Sequence[bytes],
) -> list[bytes]:
    """The serialised `Event` of one blob-sequence summary, as parts whose concatenation it is.

    The last value (the EXR file) is one of the parts, uncopied. The result is byte-identical to
    `Event(wall_time, step, summary=Summary(value=[Value(tag, metadata, tensor)])).SerializeToString()`
    with `tensor` a rank-1 DT_STRING tensor of `values` (tests/test_event_writer.py checks it).
    """
    big = values[-1]
    # TensorProto: dtype=1, tensor_shape=2, string_val=8 (fields are serialised in number order).
    tensor_head = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=len(values))]
        ),
        string_val=list(values[:-1]),
    ).SerializeToString() + _length_delimited_key(8, len(big))
    tensor_length = len(tensor_head) + len(big)
    # Summary.Value: tag=1, tensor=8, metadata=9.
    value_head = (
        summary_pb2.Summary.Value(tag=tag).SerializeToString()
        + _length_delimited_key(8, tensor_length)
        + tensor_head
    )
    serialized_metadata = metadata.SerializeToString()
    tail = _length_delimited_key(9, len(serialized_metadata)) + serialized_metadata
    value_length = len(value_head) + len(big) + len(tail)
    # Summary: value=1. Event: wall_time=1, step=2, summary=5.
    summary_head = _length_delimited_key(1, value_length)
    summary_length = len(summary_head) + value_length
    head = (
        event_pb2.Event(wall_time=wall_time, step=step).SerializeToString()
        + _length_delimited_key(5, summary_length)
        + summary_head
        + value_head
    )
    return [head, big, tail]


def event_file_name(filename_suffix: str = "") -> str:
    """A name TensorBoard recognises (`events.out.tfevents.` prefix), unique within the host.

    The `.exr` component keeps it apart from PyTorch's `SummaryWriter`, which uses the same
    `<time>.<host>.<pid>.<counter>` pattern and truncates an existing file of that name.
    """
    unique = f"{socket.gethostname()}.{os.getpid()}.{next(_file_counter)}.exr"
    return f"events.out.tfevents.{int(time.time()):010d}.{unique}{filename_suffix}"


def _write_all(file: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = file.write(view)
        view = view[written:]


class EventFileWriter:
    """Appends TFRecord-framed `Event` records to a new event file in a run directory.

    Thread-safe: each record is written whole under a lock. The first record is the
    `file_version` event that TensorBoard expects. A local directory is written with unbuffered
    appends. Object stores cannot append: after each record the whole object is written again
    (each object version is complete, never torn), which is cheap for file storage's small events
    but grows with inline EXRs. `s3://` goes through TensorBoard's own gfile (boto3), the layer
    its loaders read with; `gs://` and every other URL through fsspec (`_RepublishedFile`).
    """

    def __init__(self, logdir: str | os.PathLike[str], filename_suffix: str = "") -> None:
        """Creates `logdir` if needed and a new event file in it.

        Args:
          logdir: Directory of the run: a local path or a URL TensorBoard's gfile knows.
          filename_suffix: Appended to the event file name.
        """
        self._logdir = os.fspath(logdir)
        self._lock = threading.Lock()
        self._file: BinaryIO | None = None
        self._remote: Any = None
        if is_remote_path(self._logdir):
            self._path = join_path(self._logdir, event_file_name(filename_suffix))
            if self._logdir.startswith("s3://"):
                gfile = remote_gfile()
                with contextlib.suppress(Exception):  # object stores have no directories
                    gfile.makedirs(self._logdir)
                self._remote = gfile.GFile(self._path, "wb")
            else:
                self._remote = _RepublishedFile(self._path)
        else:
            os.makedirs(self._logdir, exist_ok=True)
            self._path = os.path.join(self._logdir, event_file_name(filename_suffix))
            # Unbuffered: a record reaches the OS (and TensorBoard) as soon as it is written, and a
            # failed write leaves no buffered fragment behind to corrupt the next record or close().
            self._file = open(self._path, "xb", buffering=0)  # noqa: SIM115 - closed by close()
        self.write_event(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    @property
    def path(self) -> str:
        """Path of the event file."""
        return self._path

    def write_event(self, event: event_pb2.Event) -> None:
        """Appends one event."""
        self.write_record([event.SerializeToString()])

    def write_record(self, parts: Sequence[bytes]) -> None:
        """Appends one record whose payload is the concatenation of `parts` (never copied)."""
        length = sum(len(part) for part in parts)
        header = struct.pack("<Q", length)
        crc = 0
        for part in parts:
            crc = google_crc32c.extend(crc, part)
        chunks = [header + struct.pack("<I", masked_crc32c(header)), *parts, struct.pack("<I", _mask(crc))]
        with self._lock:
            if self._remote is not None:
                # One gfile write per record, then a flush: an object store gets a complete
                # object version that ends on a record boundary.
                self._remote.write(b"".join(chunks))
                self._remote.flush()
                return
            if self._file is None:
                raise ValueError(f"event file {self._path} is closed")
            if os.fstat(self._file.fileno()).st_nlink == 0:
                # Writes to a deleted file succeed and vanish: say so instead of losing the steps.
                raise FileNotFoundError(
                    errno.ENOENT, "the event file was deleted (did the logdir disappear?)", self._path
                )
            start = self._file.tell()
            try:
                for chunk in chunks:
                    _write_all(self._file, chunk)
            except BaseException:
                # Cut the torn record off so that later records stay readable.
                with contextlib.suppress(OSError):
                    self._file.truncate(start)
                    self._file.seek(start)
                raise

    def flush(self) -> None:
        """Nothing to do: records are handed to the operating system as they are written."""

    def close(self) -> None:
        """Flushes and closes the file; later writes raise `ValueError`."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            if self._remote is not None:
                remote, self._remote = self._remote, None
                remote.close()

    @property
    def closed(self) -> bool:
        """Whether `close()` was called."""
        return self._file is None and self._remote is None


class _RepublishedFile:
    """A file at an fsspec URL that is written whole again at each `flush`, from a local spool.

    TensorBoard's gfile appends to fsspec URLs with mode "ab", which gcsfs turns into an
    overwrite (GCS objects are immutable): each record would replace the whole event file.
    """

    def __init__(self, url: str) -> None:
        import fsspec

        self._fs, self._path = fsspec.core.url_to_fs(url)
        with contextlib.suppress(Exception):  # object stores have no directories
            self._fs.makedirs(self._path.rsplit("/", 1)[0], exist_ok=True)
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._published = 0

    def write(self, data: bytes) -> None:
        self._spool.seek(0, os.SEEK_END)
        self._spool.write(data)

    def flush(self) -> None:
        """Publishes the whole file; on failure the records since the last publish are dropped."""
        size = self._spool.seek(0, os.SEEK_END)
        if size == self._published:
            return
        self._spool.seek(0)
        try:
            self._fs.pipe_file(self._path, self._spool.read())
        except BaseException:
            self._spool.truncate(self._published)  # the caller is told; the next record stays whole
            raise
        self._published = size

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._spool.close()


def is_remote_path(path: str) -> bool:
    """Whether `path` is a URL (`s3://`, `gs://`, `file://`, ...) rather than a local path."""
    return "://" in path


def join_path(directory: str, *names: str) -> str:
    """`directory/name...` for local paths (os separators) and URLs (always `/`)."""
    if is_remote_path(directory):
        return "/".join([directory.rstrip("/"), *names])
    return os.path.join(directory, *names)


def remote_gfile() -> Any:
    """TensorBoard's gfile for URLs: TensorFlow's when installed, else its stub (boto3, fsspec)."""
    from tensorboard.compat import tf

    return tf.io.gfile


def write_file_atomically(path: str, data: bytes) -> bool:
    """Writes `data` to `path` so that no reader ever sees a partial file; False if it existed.

    The file is content-addressed by the caller: an existing file of the same size holds the
    same bytes and is kept. Local paths and fsspec URLs are written to a temporary name and
    renamed (a rename is atomic locally). Object stores publish an upload whole when it
    completes, so `s3://` URLs are one PUT through TensorBoard's gfile (boto3) and `gs://` URLs
    one upload through gcsfs (a rename there is a copy and a delete, or an API emulators lack).
    """
    if not is_remote_path(path):
        if os.path.exists(path) and os.path.getsize(path) == len(data):
            return False
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            with open(temporary, "wb") as f:
                _write_all(f, data)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return True
    if path.startswith("s3://"):
        gfile = remote_gfile()
        with contextlib.suppress(Exception):
            if gfile.stat(path).length == len(data):
                return False
        with gfile.GFile(path, "wb") as f:
            f.write(data)
        return True
    import fsspec

    fs, fs_path = fsspec.core.url_to_fs(path)
    with contextlib.suppress(FileNotFoundError):
        if fs.size(fs_path) == len(data):
            return False
    if path.startswith(("gs://", "gcs://")):
        fs.pipe_file(fs_path, data)
        return True
    parent = fs_path.rsplit("/", 1)[0]
    with contextlib.suppress(Exception):
        fs.makedirs(parent, exist_ok=True)
    temporary = f"{fs_path}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        fs.pipe_file(temporary, data)
        fs.mv(temporary, fs_path)
    finally:
        with contextlib.suppress(Exception):
            if fs.exists(temporary):
                fs.rm(temporary)
    return True
