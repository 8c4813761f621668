"""The background writer: `Writer` and what it needs, a buffer pool and the exit registry.

Public through `summary` (`exr_summary.Writer`, `exr_summary.ExrWriteError`): a call of
`summary.image` checks its arguments and hands `Writer` an `image_job.ImageJob`, which one thread
encodes and writes in call order (or the call itself, with `background=False`).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import dataclasses
import os
import threading
import weakref
from collections.abc import Sequence

import numpy as np

from tensorboard_exr import default_writer, event_writer, image_job
from tensorboard_exr.image_job import ImageJob


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
        if storage not in image_job.STORAGE_CHOICES:
            raise ValueError(f"storage must be one of {list(image_job.STORAGE_CHOICES)}, got {storage!r}")
        self._storage = storage
        self._file = event_writer.EventFileWriter(logdir, filename_suffix)
        self._logdir = os.fspath(logdir)
        self._background = background
        self._max_queue = max_queue
        self._max_queue_bytes = max_queue_bytes
        self._queue: collections.deque[ImageJob] = collections.deque()
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
        return default_writer.use(self)

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

    def _submit(self, jobs: Sequence[ImageJob]) -> None:
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

    def _write(self, job: ImageJob) -> None:
        record = job.record(self._storage)

        def write_event(values: list[bytes]) -> None:
            self._file.write_record(
                event_writer.exr_event_parts(
                    step=job.step,
                    wall_time=job.wall_time,
                    tag=job.tag,
                    metadata=record.summary_metadata,
                    values=values,
                )
            )

        image_job.write_step(record, self._logdir, write_event)

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
