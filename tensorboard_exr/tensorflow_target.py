"""Logging through TensorFlow's summary writers, as TensorBoard's own plugins' `summary_v2` do.

    with tf.summary.create_file_writer("logs/run1").as_default():
        tf.summary.experimental.set_step(step)
        exr_summary.image("val/output", output)       # tf.Tensor, numpy, ...; step from TensorFlow

Each image is encoded and written on the calling thread (TensorFlow's default writer belongs to
the thread that set it) with `tf.summary.write`, so `tf.summary.record_if` applies and TensorFlow
owns the event file. Its writers do not say where they write: images over `INLINE_LIMIT_BYTES` are
stored as files only when the call names the run directory (`logdir=`), see
`image_job.record_without_writer_directory`.

Only eager code can log an EXR: its pixels must reach Python to be encoded. Inside a
`tf.function` (Keras' `train_step` too) a call raises `RuntimeError` with `GRAPH_MODE_HINT`.

TensorFlow is never imported here: a TensorFlow writer exists only in a process that has already
imported it, so these functions look it up in `sys.modules`.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from tensorboard_exr import image_job
from tensorboard_exr.encode import GRAPH_MODE_HINT
from tensorboard_exr.image_job import ImageJob


def _tensorflow() -> ModuleType | None:
    return sys.modules.get("tensorflow")


def is_summary_writer(writer: Any) -> bool:
    """Whether `writer` is a TensorFlow 2 summary writer (`tf.summary.create_file_writer`)."""
    tf = _tensorflow()
    return tf is not None and isinstance(writer, tf.summary.SummaryWriter)


def has_default_writer() -> bool:
    """Whether this thread has a default TensorFlow summary writer (`writer.as_default()`)."""
    tf = _tensorflow()
    if tf is None:
        return False
    # The one function that tells "no writer" from "tf.summary.record_if(False)"; present in every
    # TensorFlow 2 release, but private: fall back to the public test that conflates both.
    summary_ops = sys.modules.get("tensorflow.python.ops.summary_ops_v2")
    check = getattr(summary_ops, "has_default_writer", None)
    if callable(check):
        return bool(check())
    return bool(tf.summary.should_record_summaries())


@dataclasses.dataclass(frozen=True)
class TensorFlowTarget:
    """A TensorFlow summary writer, or (`writer=None`) the thread's default one."""

    writer: Any
    logdir: str | None

    def __post_init__(self) -> None:
        tf = _tensorflow()
        if tf is not None and not tf.executing_eagerly():
            raise RuntimeError(f"tensorboard_exr cannot log inside a tf.function: {GRAPH_MODE_HINT}")

    def default_step(self, tag: str) -> Any:
        tf = _tensorflow()
        step = tf.summary.experimental.get_step() if tf is not None else None
        if step is None:
            raise ValueError(
                f"tag {tag!r}: no step: pass step=, or set TensorFlow's default step with "
                "tf.summary.experimental.set_step(step)"
            )
        return step

    def write(self, jobs: Sequence[ImageJob]) -> None:
        tf = _tensorflow()
        assert tf is not None, "a TensorFlow writer without TensorFlow"
        if self.writer is None:
            self._write_to_default(tf, jobs)
        else:
            with self.writer.as_default():
                self._write_to_default(tf, jobs)

    def _write_to_default(self, tf: ModuleType, jobs: Sequence[ImageJob]) -> None:
        if not bool(tf.summary.should_record_summaries()):
            return  # tf.summary.record_if(False): TensorFlow's own summaries are skipped too
        for job in jobs:
            record = image_job.record_without_writer_directory(job, self.logdir, "TensorFlow's writer")
            image_job.write_step(
                record, self.logdir or "", functools.partial(_write_summary, tf, job, record)
            )


def _write_summary(tf: ModuleType, job: ImageJob, record: image_job.StepRecord, values: list[bytes]) -> None:
    tf.summary.write(
        job.tag,
        tf.constant(values, dtype=tf.string),
        step=job.step,
        metadata=record.summary_metadata.SerializeToString(),
    )
