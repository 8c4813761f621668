"""A tonemapped PNG of an EXR: what a notebook shows where the viewer cannot run.

A static export of a notebook (nbconvert's HTML, GitHub's renderer) has no kernel and no widget
manager, so `ExrViewer` puts this PNG in its output beside the widget. It is the viewer's default
view of the first layer, computed from the decoded EXR: exposure 0, the sRGB curve, NaN magenta,
+Inf green, -Inf blue (the markers of frontend/src/render/pipeline.ts), alpha ignored, scaled
down by whole factors (a box filter over linear values) so that no side exceeds
`MAX_PREVIEW_SIDE`.
"""

from __future__ import annotations

import functools
import io
import math
import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import OpenEXR

MAX_PREVIEW_SIDE: Final = 1024
"""Largest side of the preview in pixels: it is stored in the notebook file with every output."""

_COLOUR_SETS: Final = (("R", "G", "B"), ("X", "Y", "Z"))
_MARKERS: Final = ((np.isnan, (255, 0, 255)), (np.isposinf, (0, 255, 0)), (np.isneginf, (0, 0, 255)))


_GAP: Final = 8
_GAP_COLOUR: Final = (58, 58, 62)  # the viewer's canvas background


def preview_png(exrs: Sequence[bytes]) -> bytes:
    """The PNG of the first layer of each EXR at the viewer's default settings, side by side.

    A comparison group is shown as a strip when its images have one height, else by its first
    image. Raises ValueError if an image cannot be read.
    """
    layers = [first_layer(_planes(exr)) for exr in exrs]
    if len({layer[0].shape[0] for layer in layers}) != 1:
        layers = layers[:1]
    width = sum(layer[0].shape[1] for layer in layers) + _GAP * (len(layers) - 1)
    factor = math.ceil(max(layers[0][0].shape[0], width) / MAX_PREVIEW_SIDE)
    shown = [_display(np.stack([_downscaled(plane, factor) for plane in layer], axis=-1)) for layer in layers]
    gap = np.empty((shown[0].shape[0], max(1, _GAP // factor), 3), np.uint8)
    gap[...] = _GAP_COLOUR
    pieces = [piece for image in shown for piece in (gap, image)][1:]
    return _png(np.concatenate(pieces, axis=1))


def _planes(exr: bytes) -> dict[str, np.ndarray]:
    try:
        part = OpenEXR.File(io.BytesIO(exr), separate_channels=True).parts[0]
        return {name: channel.pixels for name, channel in part.channels.items()}
    except Exception as e:
        raise ValueError(f"OpenEXR could not read the image: {e}") from None


def first_layer(planes: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """The 1 or 3 planes of the layer the viewer shows first (unprefixed RGB/XYZ, else a channel)."""
    names = list(planes)
    prefixes = dict.fromkeys(name.rpartition(".")[0] for name in names)
    ordered = sorted(prefixes, key=lambda prefix: prefix != "")  # the unprefixed "beauty" first
    for prefix in ordered:
        dotted = f"{prefix}." if prefix else ""
        for members in _COLOUR_SETS:
            if all(dotted + m in planes for m in members):
                layer = [planes[dotted + m] for m in members]
                if len({p.shape for p in layer}) != 1:
                    raise ValueError("the layer's channels are subsampled differently")
                return layer
        for name in names:
            if name.rpartition(".")[0] == prefix:
                return [planes[name]]
    raise ValueError("the image has no channels")


def _downscaled(plane: np.ndarray, factor: int) -> np.ndarray:
    """float32 means of factor x factor blocks (a block holding a NaN or an infinity stays so)."""
    if factor == 1:
        return plane.astype(np.float32)
    rows, cols = plane.shape[0] // factor, plane.shape[1] // factor
    total = np.zeros((rows, cols), np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        for dy in range(factor):
            for dx in range(factor):
                total += plane[dy : rows * factor : factor, dx : cols * factor : factor]
    return total / np.float32(factor * factor)


@functools.cache
def _srgb_of_half() -> np.ndarray:
    """The 8-bit sRGB encoding of every half value, by its 16 bits (non-finite ones: 0)."""
    v = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float64)
    with np.errstate(invalid="ignore"):
        v = np.clip(np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0), 0.0, 1.0)
        encoded = np.where(v <= 0.0031308, 12.92 * v, 1.055 * v ** (1 / 2.4) - 0.055)
    return np.rint(np.clip(encoded, 0.0, 1.0) * 255).astype(np.uint8)


def _display(values: np.ndarray) -> np.ndarray:
    """HxWx3 uint8: the sRGB encoding of `values` (1 or 3 channels), non-finite ones as markers.

    Through the half value of each (a table of 65536 entries instead of a power per pixel): exact
    for half images, within one 8-bit level of the float result for others.
    """
    rgb = np.repeat(values, 3, axis=-1) if values.shape[-1] == 1 else values
    with np.errstate(over="ignore"):
        pixels = _srgb_of_half()[rgb.astype(np.float16).view(np.uint16)]
    if np.isfinite(rgb).all():
        return pixels
    marked = np.zeros(rgb.shape[:2], dtype=bool)
    for test, colour in _MARKERS:
        hit = test(rgb).any(axis=-1) & ~marked
        pixels[hit] = colour
        marked |= hit
    return pixels


def _png(pixels: np.ndarray) -> bytes:
    """An 8-bit RGB PNG (no row filters, fast zlib: it is made while the cell waits)."""
    height, width, _ = pixels.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, width * 3)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + chunk(b"IEND", b"")
    )
