"""Deep parts (any number of samples per pixel) on the Python side.

The writer logs deep files byte for byte after checking their headers and chunk tables
(`describe`): OpenEXR's Python binding reads a deep file as one numpy array per pixel and channel
(a 1080p RGBAZ file with 4 samples a pixel: 5 s and 2.6 GB), too much to do in a training loop
for a check. The server-side metrics flatten a deep part as the viewer does (`flatten`, after
frontend/src/decoder/deep_flatten.ts; docs/decoder.md "Deep" states the rules): samples sorted by
Z, then ZBack, composited front to back in float32 as OpenEXR's DeepCompositing::composite_pixel
does, each channel with its alpha as "Interpreting Deep Pixels" associates them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Final

import numpy as np
import OpenEXR

from tensorboard_exr import exr_layout, metadata

MAX_BINDING_BYTES: Final = 4 << 30
"""Largest deep part the server reads with OpenEXR's Python binding (estimated memory)."""
BINDING_BYTES_PER_PIXEL_CHANNEL: Final = 240
"""What the binding holds per deep pixel and channel besides the samples (a numpy array object;
measured: a 1920x1080 part of 5 channels takes 2.6 GB for 100 MB of samples)."""

_ALPHAS: Final = frozenset({"A", "AR", "AG", "AB"})
_MATCHING_ALPHAS: Final = {"R": ("AR", "A"), "G": ("AG", "A"), "B": ("AB", "A")}
_UINT: Final = 0  # OpenEXR's pixel type number


def describe(tag: str, data: bytes, layout: exr_layout.FileLayout, compression: str) -> metadata.ExrImageInfo:
    """Checks a file with deep parts without decoding its samples, and describes it.

    OpenEXR parses the headers; every deep chunk must lie inside the file with the sizes its
    leader declares. Raises `ValueError` naming the tag.
    """
    try:
        OpenEXR.File(io.BytesIO(data), header_only=True)
    except Exception as e:
        raise ValueError(f"tag {tag!r}: the EXR bytes do not parse: {e}") from None
    info = metadata.ExrImageInfo(
        width=layout.parts[0].size[0],
        height=layout.parts[0].size[1],
        compression=compression,
        parts=len(layout.parts),
        part_types=[part.part_type for part in layout.parts],
    )
    if info.width <= 0 or info.height <= 0:
        raise ValueError(f"tag {tag!r}: the EXR file's image is empty")
    for index, part in enumerate(layout.parts):
        if part.deep:
            chunks = sum(1 for _ in exr_layout.deep_chunks(data, layout, index, f"tag {tag!r}"))
            if chunks == 0:
                raise ValueError(f"tag {tag!r}: deep part {index} has no chunks")
        for channel in sorted(part.channels, key=lambda c: c.name):
            info.channels.add(
                name=channel.name,
                pixel_type=channel.pixel_type + 1,
                part=index,
                x_sampling=channel.x_sampling,
                y_sampling=channel.y_sampling,
            )
    return info


def alpha_of(name: str, alphas: set[str]) -> str | None:
    """The alpha channel a channel is composited with ("Interpreting Deep Pixels"): R takes AR if
    its layer has one, else A, looked up from the channel's layer outwards; Z and ZBack take the
    base layer's A; None: every sample counts as opaque."""
    if name in alphas:
        return name
    if name in ("Z", "ZBack"):
        return "A" if "A" in alphas else None
    layer, _, base = name.rpartition(".")
    prefixes = (
        [".".join(layer.split(".")[:n]) + "." for n in range(len(layer.split(".")), 0, -1)] if layer else []
    )
    for prefix in [*prefixes, ""]:
        for alpha in _MATCHING_ALPHAS.get(base, ("A",)):
            if prefix + alpha in alphas:
                return prefix + alpha
    return None


def flatten(counts: np.ndarray, samples: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Composites every pixel's samples into one value per channel.

    `counts` is (H, W); `samples` maps each channel to its samples, pixel by pixel in row order
    (uint32 channels are ids: the front sample's value). Returns float32 (H, W) planes (uint32 for
    uint channels), 0 where a pixel has no samples.
    """
    height, width = counts.shape
    per_pixel = counts.ravel().astype(np.int64)
    total = int(per_pixel.sum())
    pixel = np.repeat(np.arange(height * width), per_pixel)
    index = np.arange(total)
    if "Z" in samples and samples["Z"].dtype != np.uint32:
        z = samples["Z"].astype(np.float32)
        back = samples["ZBack"].astype(np.float32) if "ZBack" in samples else z
        order = np.lexsort((index, back, z, pixel))  # NaN depths sort last
    else:
        order = index
    rank = index - np.repeat(np.cumsum(per_pixel) - per_pixel, per_pixel)  # position in its pixel
    # Positions (in depth order) of every pixel's first samples, then of its second ones, ...
    by_rank = np.split(np.argsort(rank, kind="stable"), np.cumsum(np.bincount(rank))[:-1]) if total else []
    alphas = {n for n, v in samples.items() if n.rpartition(".")[2] in _ALPHAS and v.dtype != np.uint32}
    weights: dict[str | None, np.ndarray] = {}
    out: dict[str, np.ndarray] = {}
    for name, values in samples.items():
        if values.dtype == np.uint32:
            plane = np.zeros(height * width, np.uint32)
            if by_rank:
                plane[pixel[by_rank[0]]] = values[order[by_rank[0]]]
            out[name] = plane.reshape(height, width)
            continue
        alpha = alpha_of(name, alphas)
        if alpha not in weights:
            coverage = samples[alpha].astype(np.float32)[order] if alpha else np.ones(total, np.float32)
            weights[alpha] = _transmittance(pixel, by_rank, coverage, height * width)
        plane = np.zeros(height * width, np.float32)
        sorted_values = values.astype(np.float32)[order]
        w = weights[alpha]
        for positions in by_rank:
            shown = positions[w[positions] != 0]
            target = pixel[shown]
            plane[target] = plane[target] + w[shown] * sorted_values[shown]
        out[name] = plane.reshape(height, width)
    return out


def _transmittance(
    pixel: np.ndarray, by_rank: list[np.ndarray], coverage: np.ndarray, pixels: int
) -> np.ndarray:
    """Per sample in depth order: 1 - the alpha accumulated in front of it (float32), 0 once the
    accumulated alpha reached 1 (composite_pixel stops there)."""
    accumulated = np.zeros(pixels, np.float32)
    weights = np.zeros(len(coverage), np.float32)
    one = np.float32(1)
    for positions in by_rank:
        target = pixel[positions]
        before = accumulated[target]
        open_ = ~(before >= one)  # NaN keeps compositing, as in composite_pixel
        positions, target, before = positions[open_], target[open_], before[open_]
        weight = one - before
        weights[positions] = weight
        accumulated[target] = before + weight * coverage[positions]
    return weights


def flattened_first_part(data: bytes, where: str) -> dict[str, np.ndarray]:
    """Part 0 of a deep file, flattened (see `flatten`). Raises `ValueError` naming `where`."""
    layout = exr_layout.read_layout(data, where)
    part = layout.parts[0]
    width, height = part.size
    samples = sum(c.unpacked_bytes for c in exr_layout.deep_chunks(data, layout, 0, where))
    needed = width * height * len(part.channels) * BINDING_BYTES_PER_PIXEL_CHANNEL + samples
    if needed > MAX_BINDING_BYTES:
        raise ValueError(
            f"{where}: the deep image is too large to compare on the server: OpenEXR's Python binding "
            f"would hold its {width}x{height} pixels x {len(part.channels)} channels in about "
            f"{needed >> 20} MiB, the limit is {MAX_BINDING_BYTES >> 20} MiB"
        )
    try:
        channels = OpenEXR.File(io.BytesIO(data), separate_channels=True).parts[0].channels
    except Exception as e:
        raise ValueError(f"{where}: the EXR bytes do not parse: {e}") from None
    if not channels:
        raise ValueError(f"{where}: the EXR pixel data is truncated or corrupt")
    cells = {name: channel.pixels.ravel() for name, channel in channels.items()}
    first = next(iter(cells.values()))
    counts = np.fromiter((0 if c is None else len(c) for c in first), np.int64, len(first)).reshape(
        height, width
    )
    dtypes = {c.name: (np.uint32 if c.pixel_type == _UINT else np.float32) for c in part.channels}
    flat_samples = {
        name: np.concatenate(
            [np.zeros(0, dtypes.get(name, np.float32))] + [c for c in column if c is not None]
        )
        for name, column in cells.items()
    }
    return flatten(counts, flat_samples)


def colour_of_first_part(data: bytes, where: str) -> np.ndarray:
    """What `metrics.decode_colour` compares of a deep file: part 0 flattened, its R, G, B (else
    Y, else its only colour channel) as float32 (H, W, C)."""
    planes = flattened_first_part(data, where)
    for names in (("R", "G", "B"), ("Y",)):
        if all(name in planes for name in names):
            return np.stack([planes[name].astype(np.float32) for name in names], axis=-1)
    colour = [n for n in planes if n.rpartition(".")[2] not in _ALPHAS and n not in ("Z", "ZBack")]
    if len(colour) == 1:
        return planes[colour[0]].astype(np.float32)[..., None]
    raise ValueError(f"{where}: no R,G,B or Y channels to compare (channels: {', '.join(sorted(planes))})")
