"""Where a logging call's images go: each kind of writer `summary.image` accepts, behind one interface.

`resolve(writer, tag, logdir)` turns `image`'s `writer=` argument (or, without one, the default set
by `as_default`, else TensorFlow's default writer) into a `Target`:

- `Writer` (this package's): queued for its background thread, in its own event file;
- a PyTorch or tensorboardX `SummaryWriter` (so Lightning's `TensorBoardLogger.experiment`):
  through its `FileWriter.add_summary`, on the calling thread;
- TensorFlow's writers (`tf.summary.create_file_writer`, the thread's default one included):
  through `tf.summary.write`, on the calling thread (tensorflow_target.py);
- a CLU `MetricWriter` (what Flax/JAX training loops write with): its `write_summaries`.

A target that knows its run directory applies `Writer`'s storage rule (big EXRs as stored files);
TensorFlow's and CLU's writers do not expose theirs, so they use a `logdir=` given by the caller
(`image_job.record_without_writer_directory`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from tensorboard_exr import default_writer, event_writer, image_job, tensorflow_target
from tensorboard_exr.background_writer import Writer
from tensorboard_exr.image_job import ImageJob


class Target(Protocol):
    """One writer, seen the same way by `summary.image` and `summary.comparison`."""

    def default_step(self, tag: str) -> Any:
        """The step of a call that gave none (an error naming `tag` if the writer has none)."""

    def write(self, jobs: Sequence[ImageJob]) -> None:
        """Writes the images (or hands them to the writer's thread)."""


def resolve(writer: Any, tag: str, logdir: str | os.PathLike[str] | None = None) -> Target:
    """The target of a call with `writer=writer` (None: the default writer) and `logdir=logdir`.

    Raises ValueError/TypeError naming `tag` when there is no writer, it is of an unknown kind, or
    `logdir` is given to a writer that knows its own directory.
    """
    if writer is None:
        writer = default_writer.current()
        if writer is None:
            if tensorflow_target.has_default_writer():
                return tensorflow_target.TensorFlowTarget(None, _optional_path(logdir))
            raise ValueError(
                f"tag {tag!r}: no writer: pass writer=exr_summary.Writer(logdir) (or a PyTorch, "
                "tensorboardX or TensorFlow writer), or call inside `with writer.as_default():`"
            )
    if isinstance(writer, Writer):
        _refuse_logdir(tag, logdir, "a tensorboard_exr Writer")
        return _ExrWriterTarget(writer)
    if _file_writer(writer) is not None:
        _refuse_logdir(tag, logdir, f"a {type(writer).__name__} (it has get_logdir())")
        return _SummaryWriterTarget(writer)
    if tensorflow_target.is_summary_writer(writer):
        return tensorflow_target.TensorFlowTarget(writer, _optional_path(logdir))
    if callable(getattr(writer, "write_summaries", None)):
        return _MetricWriterTarget(writer, _optional_path(logdir))
    raise TypeError(
        f"tag {tag!r}: writer must be a tensorboard_exr Writer, a PyTorch or tensorboardX SummaryWriter, "
        f"a TensorFlow summary writer or a CLU MetricWriter, got {type(writer).__name__}"
    )


def is_writer(writer: Any) -> bool:
    """Whether `resolve` accepts `writer` as `writer=`."""
    try:
        resolve(writer, "-")
    except (TypeError, ValueError):
        return False
    return True


def _optional_path(logdir: str | os.PathLike[str] | None) -> str | None:
    return None if logdir is None else os.fspath(logdir)


def _refuse_logdir(tag: str, logdir: object, kind: str) -> None:
    if logdir is not None:
        raise ValueError(
            f"tag {tag!r}: logdir= is for writers that do not expose their directory (TensorFlow's, "
            f"CLU's); {kind} stores big EXRs in its own run directory"
        )


def _step_required(tag: str) -> TypeError:
    return TypeError(
        f"tag {tag!r}: step must be an integer, got None (only TensorFlow's writers have a default step)"
    )


@dataclasses.dataclass(frozen=True)
class _ExrWriterTarget:
    writer: Writer

    def default_step(self, tag: str) -> Any:
        raise _step_required(tag)

    def write(self, jobs: Sequence[ImageJob]) -> None:
        self.writer._submit(jobs)


def _file_writer(writer: Any, check_only: bool = True) -> Any:
    """The `FileWriter` of a PyTorch/tensorboardX `SummaryWriter`-like object, or None."""
    if hasattr(writer, "_get_file_writer"):  # PyTorch, tensorboardX: re-created after close()
        return writer if check_only else writer._get_file_writer()
    file_writer = getattr(writer, "file_writer", None)
    if file_writer is not None and hasattr(file_writer, "add_summary"):
        return file_writer
    return None


_native_crc_installed = False


@dataclasses.dataclass(frozen=True)
class _SummaryWriterTarget:
    writer: Any

    def default_step(self, tag: str) -> Any:
        raise _step_required(tag)

    def write(self, jobs: Sequence[ImageJob]) -> None:
        global _native_crc_installed
        if not _native_crc_installed:
            # PyTorch's writer would spend ~1.5 s per 8 MB in TensorBoard's pure-Python CRC.
            event_writer.install_native_crc_in_tensorboard()
            _native_crc_installed = True
        file_writer = _file_writer(self.writer, check_only=False)
        if file_writer is None:
            raise ValueError("the SummaryWriter is closed")
        # The same storage rule as `Writer(storage="auto")`, with files beside the writer's events.
        logdir = getattr(file_writer, "get_logdir", lambda: None)()
        for job in jobs:
            record = job.record("auto" if logdir else "inline")
            image_job.write_step(
                record, os.fspath(logdir or ""), functools.partial(_add_summary, file_writer, job, record)
            )


def _add_summary(file_writer: Any, job: ImageJob, record: image_job.StepRecord, values: list[bytes]) -> None:
    summary = image_job.summary_proto(job.tag, record.summary_metadata, values)
    try:
        file_writer.add_summary(summary, global_step=job.step, walltime=job.wall_time)
    except TypeError:
        # tensorboardX has its own copies of the protos: hand it the same bytes in its class.
        from tensorboardX.proto import summary_pb2 as tbx_summary_pb2  # type: ignore[import-not-found]

        converted = tbx_summary_pb2.Summary.FromString(summary.SerializeToString())
        file_writer.add_summary(converted, global_step=job.step, walltime=job.wall_time)


@dataclasses.dataclass(frozen=True)
class _MetricWriterTarget:
    """A CLU `MetricWriter`: `write_summaries(step, {tag: tensor}, {tag: metadata})`.

    CLU's `SummaryWriter` hands both to `tf.summary.write`; its `AsyncWriter`/`MultiWriter` pass
    them on (so `metric_writers.create_default_writer(logdir)` works) and its `LoggingWriter` logs
    only the shape.
    """

    writer: Any
    logdir: str | None

    def default_step(self, tag: str) -> Any:
        raise _step_required(tag)

    def write(self, jobs: Sequence[ImageJob]) -> None:
        for job in jobs:
            record = image_job.record_without_writer_directory(job, self.logdir, "a CLU MetricWriter")

            image_job.write_step(
                record, self.logdir or "", functools.partial(self._write_summary, job, record)
            )

    def _write_summary(self, job: ImageJob, record: image_job.StepRecord, values: list[bytes]) -> None:
        # An object array keeps each value's bytes whole (a bytes_ array would drop trailing NULs).
        tensor = np.empty(len(values), dtype=object)
        tensor[:] = values
        metadata = record.summary_metadata.SerializeToString()
        self.writer.write_summaries(job.step, {job.tag: tensor}, {job.tag: metadata})
