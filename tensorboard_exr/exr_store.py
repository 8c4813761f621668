"""One reader of logged EXR steps for every route: tags, step listings, step infos and EXR bytes.

Data is read only through TensorBoard's data provider, so the Python loader, the Rust data server
(`--load_fast`) and remote logdirs all work; a file-stored EXR is read with TensorBoard's gfile
from `--logdir`. Each step of an EXR tag is a blob sequence: value 0 a small `ExrStepInfo` (size,
sha256, image description), value 1 the EXR's bytes (inline storage) or nothing (file storage).

What a client can get wrong raises TensorBoard's own `tensorboard.errors.NotFoundError`, with a
message naming the run, tag and step; `route_errors.json_errors` answers it as JSON.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import functools
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, BinaryIO, Final

from tensorboard import context as tb_context
from tensorboard import errors
from tensorboard.compat import tf  # lazy: TensorFlow's gfile if installed, else TensorBoard's stub
from tensorboard.data import provider
from tensorboard.util import tensor_util

from tensorboard_exr import metadata

logger = logging.getLogger(__name__)

# read_blob_sequences returns at most this many steps per tag; the loaders' own reservoirs
# (`--samples_per_plugin`) decide how many exist. 0 would mean "none" at read time.
_READ_ALL: Final = 10**9
_STEP_INFO_CACHE_SIZE: Final = 100_000
# Step infos read from the Rust data server at once on a tag's first listing.
_INFO_READERS: Final = 8
# How long a run/tag's step listing answers single-step lookups (TensorBoard reloads every 5 s by default).
_LISTING_CACHE_SECONDS: Final = 2.0
_HASH_CHUNK_BYTES: Final = 1 << 20
# Local stored files whose SHA-256 was checked, by (path, device, inode, size, mtime): a 4K EXR
# takes ~50 ms of CPU to hash, which under many reviewers was most of the server's time.
_VERIFIED_FILES_KEPT: Final = 100_000


@dataclasses.dataclass(frozen=True)
class ReadScope:
    """What every data provider call needs: the request's context and its experiment."""

    context: tb_context.RequestContext
    experiment_id: str


@dataclasses.dataclass(frozen=True)
class ExrTag:
    """One EXR tag of a run: TensorBoard's description of the series and its parsed plugin data."""

    series: provider.BlobSequenceTimeSeries
    plugin_data: metadata.ExrPluginData


@dataclasses.dataclass(frozen=True)
class ExrStep:
    """One kept step of a run/tag and its `ExrStepInfo` (None, and `problem` says why, if unreadable)."""

    run: str
    tag: str
    datum: provider.BlobSequenceDatum
    info: metadata.ExrStepInfo | None
    problem: str = ""

    @property
    def step(self) -> int:
        return self.datum.step

    @property
    def where(self) -> str:
        """How every message names this step: "run 'r', tag 't', step N"."""
        return f"run {self.run!r}, tag {self.tag!r}, step {self.step}"

    def readable_info(self) -> metadata.ExrStepInfo:
        """The step info; raises `NotFoundError` naming the step and the problem if there is none."""
        if self.info is None:
            raise errors.NotFoundError(f"{self.where}: {self.problem}")
        return self.info

    @property
    def sha256_hex(self) -> str:
        """The SHA-256 of the step's EXR in hex (raises like `readable_info`)."""
        return self.readable_info().sha256.hex()


@dataclasses.dataclass(frozen=True)
class ExrBody:
    """A step's EXR ready to send: `size` bytes, either whole in `data` or an open local `file`
    (positioned at its start, already checked against the step's SHA-256; the caller closes it)."""

    size: int
    data: bytes | None = None
    file: BinaryIO | None = None


class ExrStore:
    """Reads EXR steps through a data provider, with a short-lived listing cache and an info cache."""

    def __init__(
        self, data_provider: provider.DataProvider, logdir: str, multiplexer: Any | None = None
    ) -> None:
        """`logdir` is TensorBoard's `--logdir` ("" under `--logdir_spec`), the root of stored files.

        `multiplexer` is the Python loader's (`TBContext.multiplexer`, None under the Rust data
        server), which `data_provider` reads: only used to read many step infos at once.
        """
        self._data_provider = data_provider
        self._logdir = logdir
        self._multiplexer = multiplexer
        self._info_pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._step_info_cache: collections.OrderedDict[tuple, metadata.ExrStepInfo | str] = (
            collections.OrderedDict()
        )
        self._listing_cache: dict[tuple, tuple[float, dict[int, provider.BlobSequenceDatum]]] = {}
        self._verified_files: collections.OrderedDict[tuple, None] = collections.OrderedDict()
        self._cache_lock = threading.Lock()

    def tags(self, scope: ReadScope) -> dict[str, dict[str, ExrTag]]:
        """Every run's EXR tags; a tag whose plugin data cannot be parsed is left out (and logged)."""
        listing = self._data_provider.list_blob_sequences(
            scope.context, experiment_id=scope.experiment_id, plugin_name=metadata.PLUGIN_NAME
        )
        result: dict[str, dict[str, ExrTag]] = {}
        for run, tags in listing.items():
            for tag, series in tags.items():
                try:
                    plugin_data = metadata.parse_plugin_data(series.plugin_content)
                except ValueError as e:
                    logger.warning("EXR plugin: run %r, tag %r skipped: %s", run, tag, e)
                    continue
                result.setdefault(run, {})[tag] = ExrTag(series, plugin_data)
        return result

    def steps(self, scope: ReadScope, run: str, tag: str) -> list[ExrStep]:
        """Every kept step of run/tag, sorted by step; raises `NotFoundError` for an unknown run or tag.

        The first listing of a tag reads every step's info: in bulk, so that a tag of thousands of
        steps is listed in about the time of a few (`_read_infos`).
        """
        listing = self._read_listing(scope, run, tag)
        self._read_infos(scope, run, tag, listing)
        return [self._with_info(scope, run, tag, datum) for datum in listing]

    def step(self, scope: ReadScope, run: str, tag: str, step: int) -> ExrStep:
        """The step whose EXR `exr_bytes` can read; raises `NotFoundError` saying why it cannot.

        Looked up in a listing at most `_LISTING_CACHE_SECONDS` old if it has the step: under the
        Rust data server each read costs ~40 ms, so a scrubbing panel fetching many steps in a
        row would otherwise pay it twice per image.
        """
        key = (scope.experiment_id, run, tag)
        with self._cache_lock:
            cached = self._listing_cache.get(key)
        datum = None
        if cached is not None and time.monotonic() - cached[0] < _LISTING_CACHE_SECONDS:
            datum = cached[1].get(step)
        if datum is None:
            datum = next((d for d in self._read_listing(scope, run, tag) if d.step == step), None)
        if datum is None:
            raise errors.NotFoundError(
                f"run {run!r}, tag {tag!r} has no step {step} (it may not be kept: see --samples_per_plugin)"
            )
        found = self._with_info(scope, run, tag, datum)
        _servable_info(found)
        return found

    def exr_bytes(self, scope: ReadScope, step: ExrStep) -> bytes:
        """The step's EXR exactly as logged, from the event (inline) or its stored file."""
        body = self.exr_body(scope, step)
        if body.file is None:
            assert body.data is not None
            return body.data
        with body.file:
            return body.file.read()

    def exr_body(self, scope: ReadScope, step: ExrStep) -> ExrBody:
        """The step's EXR to send: an open file for a local stored file (so a route can stream it
        in constant memory however many reviewers fetch 20 MB images at once), else the bytes."""
        info = _servable_info(step)
        if info.storage != metadata.STORAGE_FILE:
            data = self._data_provider.read_blob(scope.context, blob_key=step.datum.values[1].blob_key)
            return ExrBody(len(data), data=data)
        path = self._stored_file_path(step.run, info, step.where)
        if "://" in path:  # gs://, s3://, fsspec: TensorBoard's gfile reads them
            data = self._read_remote_file(path, info, step.where)
            return ExrBody(len(data), data=data)
        return ExrBody(info.size, file=self._open_local_file(path, info, step.where))

    def _stored_file_path(self, run: str, info: metadata.ExrStepInfo, where: str) -> str:
        """`<logdir>/<run>/plugins/exr/<sha256>.exr` for a step with file storage.

        The data provider only carries the event; the file is read from the logdir, with
        TensorBoard's gfile for remote ones (it knows the same file systems as the loaders).
        """
        expected = metadata.stored_file_path(info.sha256)
        if info.path != expected:  # never follow a path from the event file anywhere else
            raise errors.NotFoundError(
                f"{where}: invalid stored file path {info.path!r} (expected {expected!r})"
            )
        if not self._logdir:
            raise errors.NotFoundError(f"{where}: file storage needs --logdir (not --logdir_spec)")
        run_parts = [] if run == "." else run.split("/")
        if any(part in ("", ".", "..") for part in run_parts):
            raise errors.NotFoundError(f"{where}: run name {run!r} is not a directory below the logdir")
        return "/".join([self._logdir.rstrip("/"), *run_parts, expected])

    def _read_remote_file(self, path: str, info: metadata.ExrStepInfo, where: str) -> bytes:
        name = metadata.stored_file_path(info.sha256)
        try:
            with tf.io.gfile.GFile(path, "rb") as f:
                data = f.read()
        except Exception as e:  # gfile raises NotFoundError / OSError depending on the backend
            raise errors.NotFoundError(f"{where}: the stored EXR file {name} cannot be read: {e}") from None
        if len(data) != info.size:
            raise errors.NotFoundError(
                f"{where}: the stored EXR file {name} is {len(data)} bytes, expected {info.size}"
            )
        # The events' records are CRC-checked by the loaders; a file gets the same guarantee from
        # its name: bytes that do not hash to it (a partial copy, a damaged disk) are never served.
        if hashlib.sha256(data).digest() != info.sha256:
            raise errors.NotFoundError(f"{where}: the stored EXR file {name} does not match its SHA-256")
        return data

    def _open_local_file(self, path: str, info: metadata.ExrStepInfo, where: str) -> BinaryIO:
        """The local stored file, open and checked like a remote one: size, then SHA-256 (hashed
        in chunks, once per version of the file: its inode, size and modification time)."""
        name = metadata.stored_file_path(info.sha256)
        try:
            f = open(path, "rb")  # noqa: SIM115 - the caller streams and closes it
        except OSError as e:
            raise errors.NotFoundError(f"{where}: the stored EXR file {name} cannot be read: {e}") from None
        try:
            st = os.fstat(f.fileno())
            if st.st_size != info.size:
                raise errors.NotFoundError(
                    f"{where}: the stored EXR file {name} is {st.st_size} bytes, expected {info.size}"
                )
            version = (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, info.sha256)
            with self._cache_lock:
                verified = version in self._verified_files
                if verified:
                    self._verified_files.move_to_end(version)
            if not verified:
                digest = hashlib.sha256()
                while chunk := f.read(_HASH_CHUNK_BYTES):
                    digest.update(chunk)
                if digest.digest() != info.sha256:
                    raise errors.NotFoundError(
                        f"{where}: the stored EXR file {name} does not match its SHA-256"
                    )
                f.seek(0)
                with self._cache_lock:
                    self._verified_files[version] = None
                    if len(self._verified_files) > _VERIFIED_FILES_KEPT:
                        self._verified_files.popitem(last=False)
            return f
        except BaseException:
            f.close()
            raise

    def _read_listing(self, scope: ReadScope, run: str, tag: str) -> list[provider.BlobSequenceDatum]:
        """Reads run/tag's kept steps from the data provider and refreshes the listing cache."""
        sequences = self._data_provider.read_blob_sequences(
            scope.context,
            experiment_id=scope.experiment_id,
            plugin_name=metadata.PLUGIN_NAME,
            downsample=_READ_ALL,
            run_tag_filter=provider.RunTagFilter(runs=[run], tags=[tag]),
        )
        if tag not in sequences.get(run, {}):
            self._raise_unknown(scope, run, tag)
        data = list(sequences[run][tag])
        with self._cache_lock:
            self._listing_cache[(scope.experiment_id, run, tag)] = (
                time.monotonic(),
                {datum.step: datum for datum in data},
            )
        return data

    def _raise_unknown(self, scope: ReadScope, run: str, tag: str) -> None:
        # Filtered reads drop a run without the tag: ask once more to say which one is unknown.
        runs = self._data_provider.list_blob_sequences(
            scope.context,
            experiment_id=scope.experiment_id,
            plugin_name=metadata.PLUGIN_NAME,
            run_tag_filter=provider.RunTagFilter(runs=[run]),
        )
        if run not in runs:
            raise errors.NotFoundError(f"no EXR data for run {run!r}")
        raise errors.NotFoundError(f"no EXR tag {tag!r} in run {run!r}")

    def _read_infos(
        self, scope: ReadScope, run: str, tag: str, listing: list[provider.BlobSequenceDatum]
    ) -> None:
        """Reads the infos of `listing`'s steps that are not cached yet, in bulk.

        One at a time, they cost: with the Python loader, a scan of the tag's events per read
        (quadratic: 3000 steps took 0.8 s); with the Rust data server, one RPC per read (0.6 ms
        each, 1.8 s for 3000). So the Python loader's events are read once from its multiplexer,
        and the data server is asked `_INFO_READERS` reads at a time.
        """
        with self._cache_lock:
            missing = [
                d
                for d in listing
                if (scope.experiment_id, run, tag, d.step, d.wall_time) not in self._step_info_cache
            ]
        if len(missing) < 2:
            return
        if self._multiplexer is not None:
            try:
                events = self._multiplexer.Tensors(run, tag)
            except KeyError:  # gone since the listing: the single reads say so
                return
            first_by_step: dict[int, object] = {}
            for event in events:
                first_by_step.setdefault(event.step, event)  # as the provider's read_blob does
            for datum in missing:
                event = first_by_step.get(datum.step)
                if event is not None:
                    read = functools.partial(_first_value, event)
                    self._step_info(scope, run, tag, datum, read)
            return
        with self._pool_lock:
            if self._info_pool is None:
                self._info_pool = concurrent.futures.ThreadPoolExecutor(_INFO_READERS, "exr-step-info")
        list(self._info_pool.map(lambda d: self._step_info(scope, run, tag, d), missing))

    def _with_info(self, scope: ReadScope, run: str, tag: str, datum: provider.BlobSequenceDatum) -> ExrStep:
        info = self._step_info(scope, run, tag, datum)
        if isinstance(info, str):
            return ExrStep(run, tag, datum, None, info)
        return ExrStep(run, tag, datum, info)

    def _step_info(
        self,
        scope: ReadScope,
        run: str,
        tag: str,
        datum: provider.BlobSequenceDatum,
        read: Callable[[], bytes] | None = None,
    ) -> metadata.ExrStepInfo | str:
        """The step's `ExrStepInfo`, or a string saying why there is none.

        Cached per (run, tag, step, wall_time): a rewritten step (a restarted run) has another
        wall time, so it is never answered from the cache. `read` returns the info's bytes
        (default: the data provider's `read_blob` of the step's value 0).
        """
        key = (scope.experiment_id, run, tag, datum.step, datum.wall_time)
        with self._cache_lock:
            if key in self._step_info_cache:
                self._step_info_cache.move_to_end(key)
                return self._step_info_cache[key]
        if not datum.values:
            return "the step holds no values"
        info: metadata.ExrStepInfo | str
        try:
            if read is None:
                blob = self._data_provider.read_blob(scope.context, blob_key=datum.values[0].blob_key)
            else:
                blob = read()
            info = metadata.parse_step_info(blob)
        except errors.NotFoundError as e:
            return f"not available any more ({e})"  # evicted by a reload: don't cache
        except ValueError as e:
            info = str(e)
        except Exception as e:  # a tensor of another dtype or rank: the loaders' read_blob fails
            info = f"the step's tensor is not an EXR blob sequence ({type(e).__name__}: {e})"
        with self._cache_lock:
            self._step_info_cache[key] = info
            if len(self._step_info_cache) > _STEP_INFO_CACHE_SIZE:
                self._step_info_cache.popitem(last=False)
        return info


def _first_value(event: Any) -> bytes:
    """Value 0 of a tensor event of the Python loader, exactly as its `read_blob` returns it."""
    return tensor_util.make_ndarray(event.tensor_proto)[0]


def _servable_info(step: ExrStep) -> metadata.ExrStepInfo:
    """The step's info if its EXR can be read at all, else `NotFoundError` saying why not."""
    info = step.readable_info()
    if info.storage == metadata.STORAGE_INLINE and len(step.datum.values) < 2:
        raise errors.NotFoundError(f"{step.where}: the event holds no EXR bytes")
    if info.storage not in (metadata.STORAGE_INLINE, metadata.STORAGE_FILE):
        raise errors.NotFoundError(
            f"{step.where}: storage kind {info.storage} is not supported by this version"
        )
    return info
