"""One image to log, from a logging call's arguments to the records written for it.

`make_job` checks a call's arguments in the caller's thread (`ImageOptions` carries everything
but tag, data and step); `ImageJob.record` encodes the image and builds its step's records once;
`write_step` writes a file-stored EXR before the event that refers to it. `summary` (the public
API, `pb`), `writer_targets` (PyTorch, tensorboardX, TensorFlow and CLU writers) and
`background_writer.Writer` all write through these.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
import os
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

from tensorboard_exr import encode, event_writer, metadata

INLINE_LIMIT_BYTES: Final = 256 * 1024
"""The storage rule's limit; documented (and exported) as `summary.INLINE_LIMIT_BYTES`."""

STORAGE_KINDS: Final = {"inline": metadata.STORAGE_INLINE, "file": metadata.STORAGE_FILE}
STORAGE_CHOICES: Final = ("auto", *STORAGE_KINDS)
"""The values of `Writer(storage=...)`."""


@dataclasses.dataclass(frozen=True)
class ImageOptions:
    """How to log an image, besides its tag, data and step: `summary.image`'s keyword arguments."""

    group: str | None = None
    role: str | None = None
    description: str | None = None
    display_name: str | None = None
    channels: Sequence[str] | Mapping[str, Sequence[str]] | None = None
    pixel_type: str | Mapping[str, str] = "half"
    compression: str = "zip"
    dwa_level: float | None = None
    layout: str = "HWC"
    chromaticities: Any = None
    adopted_neutral: Any = None


@dataclasses.dataclass(frozen=True)
class StepRecord:
    """What one logged image writes: its summary metadata, its `ExrStepInfo` and the EXR's bytes."""

    summary_metadata: summary_pb2.SummaryMetadata
    step_info: metadata.ExrStepInfo
    exr: bytes

    @property
    def stored_path(self) -> str:
        """The run-relative path of the EXR's stored file, "" if it goes into the event."""
        return self.step_info.path

    def values(self) -> list[bytes]:
        """The tensor's values: the step info, then the EXR unless it is file-stored."""
        step_info = self.step_info.SerializeToString()
        return [step_info] if self.stored_path else [step_info, self.exr]


@dataclasses.dataclass
class ImageJob:
    """One image to log: checked in the caller's thread, encoded and written by a writer."""

    tag: str
    step: int
    wall_time: float
    options: ImageOptions
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

    def record(self, storage: str = "inline") -> StepRecord:
        """Encodes the image and builds its records; `storage` is a `Writer` storage choice.

        "auto" is decided here from the EXR's size (`storage_kind`).
        """
        exr, info = self.encoded()
        kind = storage_kind(storage, len(exr))
        digest = hashlib.sha256(exr).digest()
        step_info = metadata.ExrStepInfo(
            version=metadata.PLUGIN_DATA_VERSION,
            storage=kind,
            size=len(exr),
            sha256=digest,
            image=info,
            path=metadata.stored_file_path(digest) if kind == metadata.STORAGE_FILE else "",
        )
        summary_metadata = metadata.create_summary_metadata(
            group=self.options.group or "",
            role=self.options.role or "",
            image=info,
            display_name=self.options.display_name,
            description=self.options.description,
        )
        return StepRecord(summary_metadata, step_info, exr)


def storage_kind(storage: str, exr_size: int) -> int:
    """The storage kind of one EXR under the writer's `storage` choice (the documented rule)."""
    if storage == "auto":
        return metadata.STORAGE_FILE if exr_size > INLINE_LIMIT_BYTES else metadata.STORAGE_INLINE
    return STORAGE_KINDS[storage]


def record_without_writer_directory(job: ImageJob, logdir: str | None, writer_kind: str) -> StepRecord:
    """The records of `job` for a writer that does not expose its run directory.

    With `logdir` (the caller names the writer's directory) the storage rule of `Writer`
    applies; without it every EXR goes into the event file, and the first one over
    `INLINE_LIMIT_BYTES` in this process warns that TensorBoard's memory then grows with it.
    """
    if logdir:
        return job.record("auto")
    record = job.record("inline")
    global _warned_inline
    if record.step_info.size > INLINE_LIMIT_BYTES and not _warned_inline:
        _warned_inline = True
        warnings.warn(
            f"tensorboard_exr: tag {job.tag!r}: a {record.step_info.size}-byte EXR went into the event "
            f"file: {writer_kind} does not expose its directory. TensorBoard keeps every step of it in "
            f"memory; pass logdir=<the writer's run directory> to store EXRs over {INLINE_LIMIT_BYTES} "
            "bytes as files there (this warning is shown once)",
            UserWarning,
            stacklevel=_stacklevel_of_caller(),
        )
    return record


_warned_inline = False


def _stacklevel_of_caller() -> int:
    """The `stacklevel` that makes a warning point at the first frame outside this package."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def summary_proto(
    tag: str, summary_metadata: summary_pb2.SummaryMetadata, values: Sequence[bytes]
) -> summary_pb2.Summary:
    """A `Summary` holding one step's values (`StepRecord.values`) as a string tensor under `tag`."""
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


def write_step(record: StepRecord, logdir: str, write_event: Callable[[list[bytes]], None]) -> None:
    """Writes a step: a file-stored EXR first, then the event, by `write_event(values)`.

    The stored file is written once, atomically, before the event that references it, so a
    reader that sees the event finds the whole file.
    """
    if record.stored_path:
        path = event_writer.join_path(logdir, *record.stored_path.split("/"))
        event_writer.write_file_atomically(path, record.exr)
    write_event(record.values())


def make_job(tag: str, data: Any, step: Any, options: ImageOptions) -> ImageJob:
    """Checks one image's arguments (ValueError/TypeError naming the tag) and plans its encoding."""
    if not isinstance(tag, str) or not tag:
        raise ValueError(f"tag must be a non-empty string, got {tag!r}")
    for name in ("group", "role", "description", "display_name"):
        value = getattr(options, name)
        if value is not None and not isinstance(value, str):
            raise TypeError(f"tag {tag!r}: {name} must be a string, got {type(value).__name__}")
    job = ImageJob(tag, _checked_step(tag, step), time.time(), options)
    if isinstance(data, (bytes, bytearray, memoryview, str, os.PathLike)):
        if (
            options.channels is not None
            or options.pixel_type != "half"
            or options.dwa_level is not None
            or options.layout != "HWC"
            or options.chromaticities is not None
            or options.adopted_neutral is not None
        ):
            raise ValueError(
                f"tag {tag!r}: an existing EXR file is logged as is; channels, pixel_type, "
                "dwa_level, layout, chromaticities and adopted_neutral do not apply"
            )
        job.exr = encode.read_exr_source(tag, data)
        job.info = encode.inspect_exr(tag, job.exr)
        return job
    job.plan = encode.plan_image(
        tag,
        data,
        channels=options.channels,
        pixel_type=options.pixel_type,
        compression=options.compression,
        dwa_level=options.dwa_level,
        layout=options.layout,
        chromaticities=options.chromaticities,
        adopted_neutral=options.adopted_neutral,
    )
    return job


def _checked_step(tag: str, step: Any) -> int:
    if isinstance(step, bool):
        raise TypeError(f"tag {tag!r}: step must be an integer, got {step!r}")
    try:
        step = operator.index(step)
    except TypeError:
        # 0-d tensors and numpy scalars with integer values: `.item()` (numpy, PyTorch, JAX) or
        # `.numpy()` (TensorFlow's tensors and variables, e.g. tf.summary.experimental.get_step()).
        value = getattr(step, "item", None) or getattr(step, "numpy", None)
        try:
            step = operator.index(value() if callable(value) else step)
        except TypeError:
            raise TypeError(f"tag {tag!r}: step must be an integer, got {step!r}") from None
    if not -(2**63) <= step < 2**63:
        raise ValueError(f"tag {tag!r}: step {step} does not fit in int64")
    return step
