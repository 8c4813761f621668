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
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tensorboard.compat.proto import summary_pb2

from tensorboard_exr import default_writer, encode, image_job, writer_targets
from tensorboard_exr.background_writer import ExrWriteError, Writer
from tensorboard_exr.image_job import ImageOptions

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


@contextlib.contextmanager
def as_default(writer: Any) -> Iterator[Any]:
    """Within the block, `image` and `comparison` without `writer=` write to `writer`.

    `writer` is any writer `image` takes as `writer=` (e.g. Lightning's
    `TensorBoardLogger.experiment`). Blocks nest; the innermost wins. (A TensorFlow writer
    needs none of this: its own `with writer.as_default():` is seen by `image`.)
    """
    if not writer_targets.is_writer(writer):
        raise TypeError(
            "writer must be a tensorboard_exr Writer, a PyTorch or tensorboardX SummaryWriter, a "
            f"TensorFlow summary writer or a CLU MetricWriter, got {type(writer).__name__}"
        )
    with default_writer.use(writer):
        yield writer


def image(
    tag: str,
    data: Any,
    step: int | None = None,
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
    logdir: str | os.PathLike[str] | None = None,
) -> None:
    """Logs one EXR image at `step` under `tag`.

    Args:
      tag: Name of the image series, e.g. "val/output".
      data: The image, one of
        - an HxW or HxWxC array, or anything `numpy.asarray` takes (PyTorch tensors on any device,
          with or without grad, `jax.Array`, eager `tf.Tensor`). Channels default to Y (C=1), R,G,B
          (C=3), R,G,B,A (C=4); other counts need `channels=`.
        - a dict of named channels (`{"R": r, "G": g, "B": b}`; a 2-D array under a key that is a
          channel name such as R, G, B, A, Y, Z or contains a dot) and/or of layers
          (`{"beauty": rgb, "albedo": rgb, "normal": xyz, "depth": z}` gives R,G,B, albedo.R/G/B,
          normal.X/Y/Z, depth.Z). Layers "beauty", "rgb", "rgba", "color" are unprefixed; layers
          named like normal/position get X,Y,Z, depth/z get Z, motion/flow (2 channels) get X,Y.
          All layers must have the same height and width.
        - the bytes (or a path, `str`/`os.PathLike`) of an existing EXR file, logged byte for byte
          after OpenEXR has decoded it successfully; the other pixel arguments must be left alone.
      step: Training step (an integer, or a 0-d integer tensor). Under TensorFlow's default
        writer it may be left out: `tf.summary.experimental.get_step()` is used, as TensorFlow's
        own summaries do.
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
      writer: Where to log; None for the default: the writer of the innermost
        `with writer.as_default():` of this package, else TensorFlow's default writer. One of
        - a `Writer` (encodes and writes on its background thread);
        - a PyTorch or tensorboardX `SummaryWriter` (Lightning's `logger.experiment`);
        - a TensorFlow summary writer (`tf.summary.create_file_writer`), written with
          `tf.summary.write` (so `tf.summary.record_if` applies); eager code only: inside a
          `tf.function` a call raises RuntimeError;
        - a CLU `MetricWriter` (`metric_writers.create_default_writer(logdir)` of Flax/JAX code),
          through its `write_summaries`.
        TensorFlow and PyTorch/tensorboardX writers encode and write on the calling thread.
      logdir: The run directory of a writer that does not expose it (TensorFlow's, CLU's), so
        that EXRs over `INLINE_LIMIT_BYTES` are stored as files there, as `Writer` does. Without
        it they go into the event file (TensorBoard then holds every step in memory) and the
        first such image warns once. Leave it out for the other writers.

    Raises:
      ValueError, TypeError: Bad arguments (message names the tag and the problem), including
        images over `MAX_DIMENSION` per side or `MAX_EXR_BYTES`.
      RuntimeError: Called inside a `tf.function` with a TensorFlow writer.
      ExrWriteError: An earlier background write of this writer failed.
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
    _write(writer, logdir, step, [(tag, data, options)])


def comparison(
    group: str,
    step: int | None = None,
    *,
    writer: Any = None,
    logdir: str | os.PathLike[str] | None = None,
    pixel_type: str | Mapping[str, str] = "half",
    compression: str = "zip",
    description: str | None = None,
    layout: str = "HWC",
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
      step: Training step, as for `image`.
      writer: As for `image`.
      logdir: As for `image`.
      pixel_type: As for `image`, applied to every role.
      compression: As for `image`, applied to every role.
      description: As for `image`, applied to every role.
      layout: As for `image`, applied to every array ("CHW" for PyTorch image tensors).
      chromaticities: As for `image`, applied to every role (the error maps between the roles
        are computed in one common space anyway, see docs/metrics.md).
      adopted_neutral: As for `image`, applied to every role.
      **images_by_role: The images, keyed by role.
    """
    if not isinstance(group, str) or not group:
        raise ValueError(f"comparison group must be a non-empty string, got {group!r}")
    if not images_by_role:
        raise ValueError(f"comparison {group!r}: no images given (pass them as role=image)")
    shared = ImageOptions(
        group=group,
        description=description,
        pixel_type=pixel_type,
        compression=compression,
        layout=layout,
        chromaticities=chromaticities,
        adopted_neutral=adopted_neutral,
    )
    images = [
        (f"{group}/{role}", data, dataclasses.replace(shared, role=role))
        for role, data in images_by_role.items()
    ]
    _write(writer, logdir, step, images)


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
    return image_job.summary_proto(tag, record.summary_metadata, record.values())


def _write(
    writer: Any,
    logdir: str | os.PathLike[str] | None,
    step: Any,
    images: Sequence[tuple[str, Any, ImageOptions]],
) -> None:
    """Checks every image (tag, data, options) at `step`, then hands them all to the writer."""
    first_tag = images[0][0]
    target = writer_targets.resolve(writer, first_tag, logdir)
    if step is None:
        step = target.default_step(first_tag)
    target.write([image_job.make_job(tag, data, step, options) for tag, data, options in images])
