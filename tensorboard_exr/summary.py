"""Log OpenEXR images from a training loop: `from tensorboard_exr import summary as exr_summary`.

    writer = exr_summary.Writer("logs/run1")
    with writer.as_default():
        for step in range(steps):
            ...
            exr_summary.image("val/output", output, step, group="val/kitchen", role="output")
            exr_summary.comparison("val/kitchen", step, input=x, output=y, reference=ref)
    writer.close()

Each call stores one EXR file, byte for byte: in the event file itself when it is small, else as
a content-addressed file under the run's `plugins/exr/` folder referenced from the event (see
`Writer`'s `storage` and `INLINE_LIMIT_BYTES`); the EXR tab of `tensorboard --logdir logs` shows
both alike, every step of every tag. Bad arguments raise `ValueError`/`TypeError` at the call,
naming the tag and the problem; an error while encoding or writing in the background is raised by
the writer's next call, `flush()` or `close()` as `ExrWriteError`, naming tag and step.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import contextvars
import dataclasses
import hashlib
import operator
import os
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

from tensorboard_exr import encode, event_writer, metadata

__all__ = [
    "ExrWriteError",
    "Writer",
    "as_default",
    "comparison",
    "image",
    "pb",
    "INLINE_LIMIT_BYTES",
    "MAX_DIMENSION",
    "MAX_EXR_BYTES",
]

MAX_DIMENSION = encode.MAX_DIMENSION
MAX_EXR_BYTES = encode.MAX_EXR_BYTES

INLINE_LIMIT_BYTES = 256 * 1024
"""`storage="auto"` keeps an EXR of at most this many bytes in the event file, larger ones in files.

Why 256 KiB: TensorBoard keeps every step of an EXR tag (the plugin's default) and both of its
loaders hold each kept inline EXR in RAM (bench/bench_scale.py: 1.0 byte of RSS per byte of EXR),
while a file-stored step costs the loaders only its few-hundred-byte event (200 4K steps: 100 MB
of RSS in all, vs 4.8 GB inline). With this limit, inline
steps cost at most 1 GB for 4 tags x 1000 steps; a 4K RGBA half image (~20-66 MB) would cost as
much in 12-50 steps. Files cost one object per image and a `plugins/` folder to copy along, which
below 256 KiB (a 256x256 RGBA half image with ZIP is ~150-500 KB) buys little.
"""


class ExrWriteError(RuntimeError):
    """An image could not be encoded or written in the writer's background thread.

    Attributes:
      tag: Tag of the first image that failed since the last raise.
      step: Step of that image.
      later_failures: How many images failed after it before this was raised.
    """

    def __init__(self, tag: str, step: int, cause: BaseException, later_failures: int = 0) -> None:
        more = f" ({later_failures} later images failed too)" if later_failures else ""
        super().__init__(f"tag {tag!r}, step {step}: logging the EXR failed in the background: {cause}{more}")
        self.tag = tag
        self.step = step
        self.later_failures = later_failures


@dataclasses.dataclass
class _Job:
    """One image to log: validated in the caller's thread, encoded and written by `_process`."""

    tag: str
    step: int
    wall_time: float
    group: str
    role: str
    display_name: str | None
    description: str | None
    plan: encode.ImagePlan | None = None  # arrays to encode
    exr: bytes | None = None  # or an existing, already checked EXR file
    info: metadata.ExrImageInfo | None = None  # description of `exr`

    @property
    def size(self) -> int:
        """Bytes this job holds in memory (for the writer's queue bound)."""
        return len(self.exr) if self.exr is not None else self.plan.raw_size if self.plan else 0

    def encoded(self) -> tuple[bytes, metadata.ExrImageInfo]:
        if self.exr is not None and self.info is not None:
            return self.exr, self.info
        assert self.plan is not None
        return encode.encode_plan(self.plan), self.plan.image_info()

    def summary_parts(
        self, storage: str = "inline"
    ) -> tuple[summary_pb2.SummaryMetadata, bytes, bytes]:
        """(metadata, serialized ExrStepInfo, EXR bytes); for file storage the caller writes the bytes.

        `storage` is a `Writer` storage choice; "auto" is decided here from the EXR's size.
        """
        exr, info = self.encoded()
        storage = _storage_for(storage, len(exr))
        digest = hashlib.sha256(exr).digest()
        step_info = metadata.ExrStepInfo(
            version=metadata.PLUGIN_DATA_VERSION,
            storage=storage,
            size=len(exr),
            sha256=digest,
            image=info,
            path=metadata.stored_file_path(digest) if storage == metadata.STORAGE_FILE else "",
        )
        summary_metadata = metadata.create_summary_metadata(
            group=self.group,
            role=self.role,
            image=info,
            display_name=self.display_name,
            description=self.description,
        )
        return summary_metadata, step_info.SerializeToString(), exr


def _storage_for(storage: str, exr_size: int) -> int:
    """The storage kind of one EXR under the writer's `storage` choice (the documented rule)."""
    if storage == "auto":
        return metadata.STORAGE_FILE if exr_size > INLINE_LIMIT_BYTES else metadata.STORAGE_INLINE
    return _STORAGE_KINDS[storage]


def _summary_proto(tag: str, summary_metadata: summary_pb2.SummaryMetadata, values: Sequence[bytes]):
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=len(values))]
        ),
        string_val=list(values),
    )
    return summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag=tag, metadata=summary_metadata, tensor=tensor)]
    )


_STORAGE_KINDS = {"inline": metadata.STORAGE_INLINE, "file": metadata.STORAGE_FILE}
STORAGE_CHOICES = ("auto", *_STORAGE_KINDS)


def _write_stored_file(logdir: str, relative_path: str, exr: bytes) -> None:
    """Writes a content-addressed EXR once, atomically (readers never see a partial file).

    Called before the event that references the file is written, so a reader that sees the
    event finds the whole file.
    """
    event_writer.write_file_atomically(event_writer.join_path(logdir, *relative_path.split("/")), exr)


class _BufferPool:
    """Recycles the background writer's pixel copies.

    Copying into memory that is already mapped is markedly cheaper than into a fresh allocation
    (which page-faults on every 4 kB), and the copy is what the training loop waits for. A few
    buffers per shape are kept, and only while the writer is open.
    """

    def __init__(self, per_shape: int = 2) -> None:
        self._per_shape = per_shape
        self._spare: dict[tuple[tuple[int, ...], str], list[np.ndarray]] = {}
        self._lock = threading.Lock()

    def take(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        with self._lock:
            spare = self._spare.get((shape, np.dtype(dtype).str))
            if spare:
                return spare.pop()
        return np.empty(shape, dtype)

    def give_back(self, arrays: Sequence[np.ndarray]) -> None:
        with self._lock:
            for array in arrays:
                spare = self._spare.setdefault((array.shape, array.dtype.str), [])
                if len(spare) < self._per_shape and array.flags.c_contiguous and array.flags.owndata:
                    spare.append(array)

    def clear(self) -> None:
        with self._lock:
            self._spare.clear()


class Writer:
    """Writes EXR summaries to a new TensorBoard event file in `logdir` (one run).

    With `background=True` (the default) a call validates its arguments, copies the pixels and
    queues them; one thread encodes and writes them in call order. The queue is bounded
    (`max_queue` images and `max_queue_bytes` of pixel data), so a writer that cannot keep up
    slows the loop down instead of filling the memory. With `background=False` each call encodes
    and writes before it returns.

    Use it as a context manager or call `close()`; writers still open at interpreter exit are
    closed then. Pass it as `writer=` or make it the default with `with writer.as_default():`.
    """

    def __init__(
        self,
        logdir: str | os.PathLike[str],
        *,
        background: bool = True,
        max_queue: int = 8,
        max_queue_bytes: int = 1 << 30,
        filename_suffix: str = "",
        storage: str = "auto",
    ) -> None:
        """Creates `logdir` and a new event file in it.

        Args:
          logdir: Directory of the run, e.g. `logs/run1`, or a URL that TensorBoard's gfile knows:
            `s3://bucket/logs/run1` (boto3; `S3_ENDPOINT` names a non-AWS endpoint), `gs://...`
            (gcsfs) or any fsspec URL such as `file:///data/logs/run1`.
          background: Encode and write on a background thread.
          max_queue: Most images waiting for the background thread.
          max_queue_bytes: Most pixel bytes waiting for the background thread (one image larger
            than this is still accepted when the queue is empty).
          filename_suffix: Appended to the event file's name.
          storage: "auto" (default): an EXR of at most `INLINE_LIMIT_BYTES` (256 KiB) goes into
            the event file, a larger one into a file, decided per image. "inline" always puts
            the EXR into the event file. "file" always writes it to
            `<logdir>/plugins/exr/<sha256>.exr` (atomically, before the event that refers to
            it; identical images are stored once; the files are ordinary EXRs any tool opens)
            and the event holds only its description, so TensorBoard's memory does not grow
            with the EXRs while it keeps every step. The EXR tab serves both alike; a logdir
            with file storage must be moved or copied with its plugins/ folder.
        """
        if max_queue < 1 or max_queue_bytes < 1:
            raise ValueError("max_queue and max_queue_bytes must be positive")
        if storage not in STORAGE_CHOICES:
            raise ValueError(f"storage must be one of {list(STORAGE_CHOICES)}, got {storage!r}")
        self._storage = storage
        self._file = event_writer.EventFileWriter(logdir, filename_suffix)
        self._logdir = os.fspath(logdir)
        self._background = background
        self._max_queue = max_queue
        self._max_queue_bytes = max_queue_bytes
        self._queue: collections.deque[_Job] = collections.deque()
        self._queued_bytes = 0
        self._busy = False
        self._closed = False
        self._failure: tuple[str, int, BaseException] | None = None  # first since the last raise
        self._later_failures = 0
        self._condition = threading.Condition()
        self._buffers = _BufferPool()
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._run, name=f"exr-writer:{self._logdir}", daemon=True)
            self._thread.start()
        _open_writers.add(self)

    @property
    def logdir(self) -> str:
        """The run directory."""
        return self._logdir

    @property
    def path(self) -> str:
        """The event file this writer appends to."""
        return self._file.path

    def as_default(self) -> contextlib.AbstractContextManager[Writer]:
        """Makes this writer the one `image`/`comparison` use when no `writer=` is given."""
        return as_default(self)

    def flush(self) -> None:
        """Waits until every queued image is written and handed to the OS.

        Raises `ExrWriteError` if a background write failed since the last raise.
        """
        with self._condition:
            while self._queue or self._busy:
                self._condition.wait()
        self._file.flush()
        self._raise_pending()

    def close(self) -> None:
        """Writes what is queued, stops the thread and closes the file. Safe to call twice.

        Raises `ExrWriteError` if a background write failed since the last raise.
        """
        with self._condition:
            already = self._closed
            self._closed = True
            self._condition.notify_all()
        if not already:
            if self._thread is not None:
                self._thread.join()
            self._file.close()
            self._buffers.clear()
            _open_writers.discard(self)
        self._raise_pending()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
            return
        try:  # don't hide the loop's own exception behind a logging one
            self.close()
        except ExrWriteError:
            pass

    def _submit(self, jobs: Sequence[_Job]) -> None:
        self._raise_pending()
        if self._closed:
            raise ValueError(f"writer for {self._logdir} is closed")
        if not self._background:
            for job in jobs:
                self._write(job)
            self._file.flush()
            return
        jobs = [
            dataclasses.replace(job, plan=job.plan.snapshot(self._buffers.take)) if job.plan else job
            for job in jobs
        ]
        with self._condition:
            for job in jobs:
                while self._queue and (
                    len(self._queue) >= self._max_queue
                    or self._queued_bytes + job.size > self._max_queue_bytes
                ):
                    self._condition.wait()
                if self._closed:
                    raise ValueError(f"writer for {self._logdir} is closed")
                self._queue.append(job)
                self._queued_bytes += job.size
                self._condition.notify_all()

    def _write(self, job: _Job) -> None:
        summary_metadata, step_info, exr = job.summary_parts(self._storage)
        values = [step_info, exr]
        stored_path = metadata.parse_step_info(step_info).path
        if stored_path:  # file storage: the file first, then the event that refers to it
            _write_stored_file(self._logdir, stored_path, exr)
            values = [step_info]
        self._file.write_record(
            event_writer.exr_event_parts(
                step=job.step,
                wall_time=job.wall_time,
                tag=job.tag,
                metadata=summary_metadata,
                values=values,
            )
        )

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._queue and not self._closed:
                    self._condition.wait()
                if not self._queue:
                    return
                job = self._queue.popleft()
                self._busy = True
            try:
                self._write(job)
                if not self._queue:
                    self._file.flush()
            except BaseException as e:  # noqa: BLE001 - reported to the caller, never swallowed
                with self._condition:
                    if self._failure is None:
                        self._failure = (job.tag, job.step, e)
                    else:
                        self._later_failures += 1
            finally:
                if job.plan is not None:
                    self._buffers.give_back(job.plan.pixel_buffers())
                with self._condition:
                    self._busy = False
                    self._queued_bytes -= job.size
                    self._condition.notify_all()

    def _raise_pending(self) -> None:
        with self._condition:
            failure, self._failure = self._failure, None
            later, self._later_failures = self._later_failures, 0
        if failure is not None:
            tag, step, cause = failure
            raise ExrWriteError(tag, step, cause, later) from cause


_open_writers: weakref.WeakSet[Writer] = weakref.WeakSet()


@atexit.register
def _close_open_writers() -> None:
    for writer in list(_open_writers):
        with contextlib.suppress(Exception):
            writer.close()


_default_writer: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "tensorboard_exr_default_writer", default=None
)


@contextlib.contextmanager
def as_default(writer: Any) -> Iterator[Any]:
    """Within the block, `image` and `comparison` without `writer=` write to `writer`.

    `writer` is a `Writer` or a PyTorch `SummaryWriter` (e.g. Lightning's
    `TensorBoardLogger.experiment`). Blocks nest; the innermost wins.
    """
    _check_writer_kind(writer)
    token = _default_writer.set(writer)
    try:
        yield writer
    finally:
        _default_writer.reset(token)


def image(
    tag: str,
    data: Any,
    step: int,
    *,
    group: str | None = None,
    role: str | None = None,
    description: str | None = None,
    channels: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    pixel_type: str | Mapping[str, str] = "half",
    compression: str = "zip",
    dwa_level: float | None = None,
    layout: str = "HWC",
    display_name: str | None = None,
    writer: Any = None,
) -> None:
    """Logs one EXR image at `step` under `tag`.

    Args:
      tag: Name of the image series, e.g. "val/output".
      data: The image, one of
        - an HxW or HxWxC array, or anything `numpy.asarray` takes (PyTorch tensors on any device,
          with or without grad, JAX and TensorFlow arrays). Channels default to Y (C=1), R,G,B
          (C=3), R,G,B,A (C=4); other counts need `channels=`.
        - a dict of named channels (`{"R": r, "G": g, "B": b}`; a 2-D array under a key that is a
          channel name such as R, G, B, A, Y, Z or contains a dot) and/or of layers
          (`{"beauty": rgb, "albedo": rgb, "normal": xyz, "depth": z}` gives R,G,B, albedo.R/G/B,
          normal.X/Y/Z, depth.Z). Layers "beauty", "rgb", "rgba", "color" are unprefixed; layers
          named like normal/position get X,Y,Z, depth/z get Z, motion/flow (2 channels) get X,Y.
          All layers must have the same height and width.
        - the bytes (or a path, `str`/`os.PathLike`) of an existing EXR file, logged byte for byte
          after OpenEXR has decoded it successfully; the other pixel arguments must be left alone.
      step: Training step (an integer).
      group: Comparison group: images of one group at one step are shown together.
      role: Role within the group, e.g. "input", "output", "reference".
      description: Markdown description shown with the tag.
      channels: Names of the C channels of an array (list, or "R,G,B" string), or for a dict a
        mapping from layer name to its channel names.
      pixel_type: "half" (default), "float" or "uint32"; or a mapping from channel or layer name
        to one of these (unnamed channels stay half). Floats beyond the half range become +-inf
        in half; NaN and Inf are kept. uint32 needs non-negative integer data.
      compression: Any compression this OpenEXR writes: none, rle, zips, zip (default), piz,
        pxr24, b44, b44a, dwaa, dwab, htj2k256, htj2k32, zstd, ... (see
        `tensorboard_exr.encode.COMPRESSIONS`).
      dwa_level: DWA quality for dwaa/dwab (OpenEXR's default is 45; lower is better quality).
      layout: "HWC" (default) or "CHW" for channel-first arrays such as PyTorch image tensors.
      display_name: Name shown instead of the tag.
      writer: A `Writer`, a PyTorch `SummaryWriter` (or anything with its `file_writer`), or None
        for the default set by `with writer.as_default():`.

    Raises:
      ValueError, TypeError: Bad arguments (message names the tag and the problem), including
        images over `MAX_DIMENSION` per side or `MAX_EXR_BYTES`.
      ExrWriteError: An earlier background write of this writer failed.
    """
    target = _resolve_writer(writer, tag)
    job = _make_job(
        tag,
        data,
        step,
        group=group,
        role=role,
        description=description,
        display_name=display_name,
        channels=channels,
        pixel_type=pixel_type,
        compression=compression,
        dwa_level=dwa_level,
        layout=layout,
    )
    _submit(target, [job])


def comparison(
    group: str,
    step: int,
    *,
    writer: Any = None,
    pixel_type: str | Mapping[str, str] = "half",
    compression: str = "zip",
    description: str | None = None,
    **images_by_role: Any,
) -> None:
    """Logs a whole comparison set at once: one image per role, tagged `<group>/<role>`.

        exr_summary.comparison("val/kitchen", step, input=x, output=y, reference=ref)

    Every image is checked before any is written, so a bad one logs none. Each value takes any
    form `image` accepts as `data`. The role "reference" is the panel's default right-hand side
    of error maps.

    Args:
      group: Group name, also the tag prefix.
      step: Training step.
      writer: As for `image`.
      pixel_type: As for `image`, applied to every role.
      compression: As for `image`, applied to every role.
      description: As for `image`, applied to every role.
      **images_by_role: The images, keyed by role.
    """
    if not isinstance(group, str) or not group:
        raise ValueError(f"comparison group must be a non-empty string, got {group!r}")
    if not images_by_role:
        raise ValueError(f"comparison {group!r}: no images given (pass them as role=image)")
    target = _resolve_writer(writer, group)
    jobs = [
        _make_job(
            f"{group}/{role}",
            data,
            step,
            group=group,
            role=role,
            description=description,
            display_name=None,
            channels=None,
            pixel_type=pixel_type,
            compression=compression,
            dwa_level=None,
            layout="HWC",
        )
        for role, data in images_by_role.items()
    ]
    _submit(target, jobs)


def pb(
    tag: str,
    data: Any,
    *,
    group: str | None = None,
    role: str | None = None,
    description: str | None = None,
    channels: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    pixel_type: str | Mapping[str, str] = "half",
    compression: str = "zip",
    dwa_level: float | None = None,
    layout: str = "HWC",
    display_name: str | None = None,
) -> summary_pb2.Summary:
    """Returns a `Summary` proto holding one EXR image, for any other event writer.

    The EXR is always inline (the proto has no run directory to put a file in), so TensorBoard
    holds it in memory; prefer `Writer` or a PyTorch `SummaryWriter` for images over
    `INLINE_LIMIT_BYTES`.

    For example TF2's `tf.summary.experimental.write_raw_pb(summary.SerializeToString(), step)`,
    or `SummaryWriter.file_writer.add_summary(summary, step)`. Arguments are those of `image`.
    """
    job = _make_job(
        tag,
        data,
        0,
        group=group,
        role=role,
        description=description,
        display_name=display_name,
        channels=channels,
        pixel_type=pixel_type,
        compression=compression,
        dwa_level=dwa_level,
        layout=layout,
    )
    summary_metadata, step_info, exr = job.summary_parts()
    return _summary_proto(tag, summary_metadata, [step_info, exr])


def _make_job(
    tag: str,
    data: Any,
    step: Any,
    *,
    group: str | None,
    role: str | None,
    description: str | None,
    display_name: str | None,
    channels: Any,
    pixel_type: Any,
    compression: Any,
    dwa_level: float | None,
    layout: str,
) -> _Job:
    if not isinstance(tag, str) or not tag:
        raise ValueError(f"tag must be a non-empty string, got {tag!r}")
    for name, value in (
        ("group", group),
        ("role", role),
        ("description", description),
        ("display_name", display_name),
    ):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"tag {tag!r}: {name} must be a string, got {type(value).__name__}")
    if isinstance(step, bool):
        raise TypeError(f"tag {tag!r}: step must be an integer, got {step!r}")
    try:
        step = operator.index(step)
    except TypeError:
        try:  # 0-d tensors / numpy scalars with integer values
            step = operator.index(getattr(step, "item", lambda: step)())
        except TypeError:
            raise TypeError(f"tag {tag!r}: step must be an integer, got {step!r}") from None
    if not -(2**63) <= step < 2**63:
        raise ValueError(f"tag {tag!r}: step {step} does not fit in int64")
    job = _Job(tag, step, time.time(), group or "", role or "", display_name, description)
    if isinstance(data, (bytes, bytearray, memoryview, str, os.PathLike)):
        if channels is not None or pixel_type != "half" or dwa_level is not None or layout != "HWC":
            raise ValueError(
                f"tag {tag!r}: an existing EXR file is logged as is; channels, pixel_type, "
                "dwa_level and layout do not apply"
            )
        job.exr = encode.read_exr_source(tag, data)
        job.info = encode.inspect_exr(tag, job.exr)
        return job
    job.plan = encode.plan_image(
        tag,
        data,
        channels=channels,
        pixel_type=pixel_type,
        compression=compression,
        dwa_level=dwa_level,
        layout=layout,
    )
    return job


def _check_writer_kind(writer: Any) -> None:
    if isinstance(writer, Writer) or _torch_file_writer(writer, check_only=True) is not None:
        return
    raise TypeError(
        f"writer must be a tensorboard_exr Writer or a PyTorch SummaryWriter, got {type(writer).__name__}"
    )


def _resolve_writer(writer: Any, tag: str) -> Any:
    if writer is None:
        writer = _default_writer.get()
        if writer is None:
            raise ValueError(
                f"tag {tag!r}: no writer: pass writer=exr_summary.Writer(logdir) (or a PyTorch "
                "SummaryWriter), or call inside `with writer.as_default():`"
            )
    _check_writer_kind(writer)
    return writer


def _torch_file_writer(writer: Any, check_only: bool = False) -> Any:
    """The `FileWriter` of a PyTorch/tensorboardX `SummaryWriter`-like object, or None."""
    if hasattr(writer, "_get_file_writer"):  # PyTorch: re-creates the file writer after close()
        return writer if check_only else writer._get_file_writer()
    file_writer = getattr(writer, "file_writer", None)
    if file_writer is not None and hasattr(file_writer, "add_summary"):
        return file_writer
    return None


_native_crc_installed = False


def _submit(writer: Any, jobs: Sequence[_Job]) -> None:
    if isinstance(writer, Writer):
        writer._submit(jobs)
        return
    global _native_crc_installed
    if not _native_crc_installed:
        # PyTorch's writer would spend ~1.5 s per 8 MB in TensorBoard's pure-Python CRC.
        event_writer.install_native_crc_in_tensorboard()
        _native_crc_installed = True
    file_writer = _torch_file_writer(writer)
    if file_writer is None:
        raise ValueError("the SummaryWriter is closed")
    # The same storage rule as `Writer(storage="auto")`, with files beside the SummaryWriter's events.
    logdir = getattr(file_writer, "get_logdir", lambda: None)()
    for job in jobs:
        summary_metadata, step_info, exr = job.summary_parts("auto" if logdir else "inline")
        values = [step_info, exr]
        stored_path = metadata.parse_step_info(step_info).path
        if stored_path:
            _write_stored_file(os.fspath(logdir), stored_path, exr)
            values = [step_info]
        summary = _summary_proto(job.tag, summary_metadata, values)
        try:
            file_writer.add_summary(summary, global_step=job.step, walltime=job.wall_time)
        except TypeError:
            # tensorboardX has its own copies of the protos: hand it the same bytes in its class.
            from tensorboardX.proto import summary_pb2 as tbx_summary_pb2  # type: ignore[import-not-found]

            converted = tbx_summary_pb2.Summary.FromString(summary.SerializeToString())
            file_writer.add_summary(converted, global_step=job.step, walltime=job.wall_time)
