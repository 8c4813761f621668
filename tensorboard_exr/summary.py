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

import contextlib
import dataclasses
import functools
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

from tensorboard_exr import default_writer, encode, event_writer, image_job
from tensorboard_exr.background_writer import ExrWriteError, Writer
from tensorboard_exr.image_job import ImageJob, ImageOptions

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

INLINE_LIMIT_BYTES = image_job.INLINE_LIMIT_BYTES
"""`storage="auto"` keeps an EXR of at most this many bytes in the event file, larger ones in files.

Why 256 KiB: TensorBoard keeps every step of an EXR tag (the plugin's default) and both of its
loaders hold each kept inline EXR in RAM (bench/bench_scale.py: 1.0 byte of RSS per byte of EXR),
while a file-stored step costs the loaders only its few-hundred-byte event (200 4K steps: 100 MB
of RSS in all, vs 4.8 GB inline). With this limit, inline
steps cost at most 1 GB for 4 tags x 1000 steps; a 4K RGBA half image (~20-66 MB) would cost as
much in 12-50 steps. Files cost one object per image and a `plugins/` folder to copy along, which
below 256 KiB (a 256x256 RGBA half image with ZIP is ~150-500 KB) buys little.
"""


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


@contextlib.contextmanager
def as_default(writer: Any) -> Iterator[Any]:
    """Within the block, `image` and `comparison` without `writer=` write to `writer`.

    `writer` is a `Writer` or a PyTorch `SummaryWriter` (e.g. Lightning's
    `TensorBoardLogger.experiment`). Blocks nest; the innermost wins.
    """
    _check_writer_kind(writer)
    with default_writer.use(writer):
        yield writer


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
    chromaticities: str | Sequence[float] | None = None,
    adopted_neutral: Sequence[float] | None = None,
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
      chromaticities: The primaries and white point of the RGB values, written as the EXR's
        `chromaticities` attribute so every reader (and the EXR tab, which converts them to the
        display's Rec.709/sRGB primaries) knows what they mean: "rec709" (= "srgb", OpenEXR's
        default when the attribute is absent), "acescg" (AP1), "aces" (AP0, ACES2065-1),
        "rec2020", "p3" (Display P3), "xyz" (R, G, B are CIE X, Y, Z), or 8 numbers: red x, y,
        green x, y, blue x, y, white x, y. Only the attribute is written: the values are not
        converted, and no `adoptedNeutral` is added.
      adopted_neutral: CIE (x, y) of the white the viewer should show as neutral, written as the
        `adoptedNeutral` attribute (then the EXR tab adapts that white to D65 with Bradford);
        without it colours are converted without white-point adaptation.
      writer: A `Writer`, a PyTorch `SummaryWriter` (or anything with its `file_writer`), or None
        for the default set by `with writer.as_default():`.

    Raises:
      ValueError, TypeError: Bad arguments (message names the tag and the problem), including
        images over `MAX_DIMENSION` per side or `MAX_EXR_BYTES`.
      ExrWriteError: An earlier background write of this writer failed.
    """
    target = _resolve_writer(writer, tag)
    options = ImageOptions(
        group=group,
        role=role,
        description=description,
        display_name=display_name,
        channels=channels,
        pixel_type=pixel_type,
        compression=compression,
        dwa_level=dwa_level,
        layout=layout,
        chromaticities=chromaticities,
        adopted_neutral=adopted_neutral,
    )
    _submit(target, [image_job.make_job(tag, data, step, options)])


def comparison(
    group: str,
    step: int,
    *,
    writer: Any = None,
    pixel_type: str | Mapping[str, str] = "half",
    compression: str = "zip",
    description: str | None = None,
    chromaticities: str | Sequence[float] | None = None,
    adopted_neutral: Sequence[float] | None = None,
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
      chromaticities: As for `image`, applied to every role (the error maps between the roles
        are computed in one common space anyway, see docs/metrics.md).
      adopted_neutral: As for `image`, applied to every role.
      **images_by_role: The images, keyed by role.
    """
    if not isinstance(group, str) or not group:
        raise ValueError(f"comparison group must be a non-empty string, got {group!r}")
    if not images_by_role:
        raise ValueError(f"comparison {group!r}: no images given (pass them as role=image)")
    target = _resolve_writer(writer, group)
    shared = ImageOptions(
        group=group,
        description=description,
        pixel_type=pixel_type,
        compression=compression,
        chromaticities=chromaticities,
        adopted_neutral=adopted_neutral,
    )
    jobs = [
        image_job.make_job(f"{group}/{role}", data, step, dataclasses.replace(shared, role=role))
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
    chromaticities: str | Sequence[float] | None = None,
    adopted_neutral: Sequence[float] | None = None,
) -> summary_pb2.Summary:
    """Returns a `Summary` proto holding one EXR image, for any other event writer.

    The EXR is always inline (the proto has no run directory to put a file in), so TensorBoard
    holds it in memory; prefer `Writer` or a PyTorch `SummaryWriter` for images over
    `INLINE_LIMIT_BYTES`.

    For example TF2's `tf.summary.experimental.write_raw_pb(summary.SerializeToString(), step)`,
    or `SummaryWriter.file_writer.add_summary(summary, step)`. Arguments are those of `image`.
    """
    options = ImageOptions(
        group=group,
        role=role,
        description=description,
        display_name=display_name,
        channels=channels,
        pixel_type=pixel_type,
        compression=compression,
        dwa_level=dwa_level,
        layout=layout,
        chromaticities=chromaticities,
        adopted_neutral=adopted_neutral,
    )
    record = image_job.make_job(tag, data, 0, options).record("inline")
    return _summary_proto(tag, record.summary_metadata, record.values())


def _check_writer_kind(writer: Any) -> None:
    if isinstance(writer, Writer) or _torch_file_writer(writer, check_only=True) is not None:
        return
    raise TypeError(
        f"writer must be a tensorboard_exr Writer or a PyTorch SummaryWriter, got {type(writer).__name__}"
    )


def _resolve_writer(writer: Any, tag: str) -> Any:
    if writer is None:
        writer = default_writer.current()
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


def _submit(writer: Any, jobs: Sequence[ImageJob]) -> None:
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
        record = job.record("auto" if logdir else "inline")
        image_job.write_step(
            record, os.fspath(logdir or ""), functools.partial(_add_summary, file_writer, job, record)
        )


def _add_summary(file_writer: Any, job: ImageJob, record: image_job.StepRecord, values: list[bytes]) -> None:
    summary = _summary_proto(job.tag, record.summary_metadata, values)
    try:
        file_writer.add_summary(summary, global_step=job.step, walltime=job.wall_time)
    except TypeError:
        # tensorboardX has its own copies of the protos: hand it the same bytes in its class.
        from tensorboardX.proto import summary_pb2 as tbx_summary_pb2  # type: ignore[import-not-found]

        converted = tbx_summary_pb2.Summary.FromString(summary.SerializeToString())
        file_writer.add_summary(converted, global_step=job.step, walltime=job.wall_time)
