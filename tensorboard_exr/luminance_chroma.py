"""Luminance/chroma (Y, RY, BY with RY/BY sampled 2x2) to RGB, exactly as OpenEXR's RgbaInputFile
reads such a file: the numpy twin of frontend/src/decoder/rgba_yca.c (which explains the steps),
used by the server's metrics (`metrics.decode_colour`). Every step stores half where the C++
library stores a half and computes in float32 in the library's order, so the result is the
library's bit for bit (tests/test_colour.py compares with RgbaInputFile itself).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

from tensorboard_exr import colour

TAPS: Final = np.array(
    [0.002128, -0.00754, 0.019597, -0.043159, 0.087929, -0.186077, 0.627123,
     0.627123, -0.186077, 0.087929, -0.043159, 0.019597, -0.00754, 0.002128],
    np.float32,
)  # fmt: skip
"""The reconstruction filter of ImfRgbaYca.cpp, for samples at offsets -13, -11, ..., +13."""


def _to_half(x: np.ndarray) -> np.ndarray:
    """float32 -> the nearest half (ties to even), back as float32: a value stored in a half."""
    with np.errstate(over="ignore", invalid="ignore"):
        return x.astype(np.float16).astype(np.float32)


def _filter(rows: Sequence[np.ndarray]) -> np.ndarray:
    """sum(rows[t] * TAPS[t]) in float32, left to right, rounded to half."""
    total = rows[0] * TAPS[0]
    for t in range(1, 14):
        total = total + rows[t] * TAPS[t]
    return _to_half(total)


def _reconstruct_rows(samples: np.ndarray, width: int) -> np.ndarray:
    """Chroma of every even row at every column (reconstructChromaHoriz): (H/2, W) float32."""
    c = samples.astype(np.float32)
    w2 = width // 2
    taps = np.clip(np.arange(w2)[:, None] - 6 + np.arange(14)[None, :], 0, w2 - 1)
    out = np.empty((c.shape[0], width), np.float32)
    out[:, 0::2] = c
    out[:, 1::2] = _filter([c[:, taps[:, t]] for t in range(14)])
    return out


def _max(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(a < b, b, a)  # std::max


def _min(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(b < a, b, a)  # std::min


def _saturation(r: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    high, low = _max(r, _max(g, b)), _min(r, _min(g, b))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(high > 0, np.float32(1) - low / high, np.float32(0)).astype(np.float32)


def reconstruct_rgb(
    luminance: np.ndarray, ry: np.ndarray, by: np.ndarray, weights: Sequence[float]
) -> np.ndarray:
    """RgbaInputFile's R, G, B (H, W, 3 float16) from Y (H, W half) and RY, BY (H/2, W/2 half)."""
    height, width = luminance.shape
    if height % 2 or width % 2 or ry.shape != (height // 2, width // 2) or by.shape != ry.shape:
        raise ValueError(
            f"luminance {luminance.shape} and chroma {ry.shape}/{by.shape} do not fit 2x2 sampling"
        )
    ywx, ywy, ywz = (np.float32(w) for w in weights)
    chroma = [_reconstruct_rows(ry, width), _reconstruct_rows(by, width)]
    # Rows -1 ... height (fixSaturation looks one row beyond either side), clamped as
    # readYCAScanLine clamps: above the window the first row, below it the second-to-last.
    lines = np.arange(-1, height + 1)
    clamped = np.where(lines < 0, 0, np.where(lines > height - 1, height - 2, lines))
    y_half = luminance.astype(np.float16)
    y_rows = y_half[clamped]
    rows_ry, rows_by = (np.empty((lines.size, width), np.float32) for _ in range(2))
    even = lines % 2 == 0
    odd_lines = lines[~even]
    sources = np.clip(odd_lines[:, None] - 13 + 2 * np.arange(14)[None, :], 0, height - 2) // 2
    for rows, c in zip((rows_ry, rows_by), chroma, strict=True):
        rows[even] = c[clamped[even] // 2]
        rows[~even] = _filter([c[sources[:, t]] for t in range(14)])  # reconstructChromaVert
    # YCAtoRGBA (grey where both chroma values are 0: R = G = B = Y, bit for bit)
    y = y_rows.astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        r = (rows_ry + np.float32(1)) * y
        b = (rows_by + np.float32(1)) * y
        g = ((y - r * ywx) - b * ywz) / ywy
        grey = (rows_ry == 0) & (rows_by == 0)
        rgb = [np.where(grey, y_rows, c.astype(np.float16)) for c in (r, g, b)]
    return _fix_saturation(*(c.astype(np.float32) for c in rgb), rgb, (ywx, ywy, ywz))


def _fix_saturation(
    r: np.ndarray, g: np.ndarray, b: np.ndarray, halves: list[np.ndarray], weights: tuple[np.float32, ...]
) -> np.ndarray:
    """RgbaYca::fixSaturation of rows 1 ... n-2 of (n, W) rows; returns (n-2, W, 3) float16."""
    sat = _saturation(r, g, b)
    width = sat.shape[1]
    left = np.maximum(np.arange(width) - 1, 0)
    right = np.minimum(np.arange(width) + 1, width - 1)
    above, below = sat[:-2], sat[2:]
    total = ((above[:, left] + above[:, right]) + below[:, left]) + below[:, right]
    s_mean = _min(np.float32(1), np.float32(0.25) * total)
    s = sat[1:-1]
    s_max = _min(np.float32(1), np.float32(1) - (np.float32(1) - s_mean) * np.float32(0.25))
    out = np.stack([h[1:-1] for h in halves], axis=-1)
    pick = (s > s_mean) & (s > s_max)
    if pick.any():
        centre = [c[1:-1][pick] for c in (r, g, b)]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out[pick] = _desaturate(centre, s_max[pick] / s[pick], weights)
    return out


def _desaturate(rgb: list[np.ndarray], factor: np.ndarray, weights: tuple[np.float32, ...]) -> np.ndarray:
    """RgbaYca's desaturate of some pixels: (n, 3) float16."""
    ywx, ywy, ywz = weights
    high = _max(rgb[0], _max(rgb[1], rgb[2]))
    out = [_to_half(_max(high - (high - c) * factor, np.float32(0))) for c in rgb]
    y_in = (rgb[0] * ywx + rgb[1] * ywy) + rgb[2] * ywz
    y_out = (out[0] * ywx + out[1] * ywy) + out[2] * ywz
    scale = y_in / y_out
    scaled = [np.where(y_out > 0, c * scale, c) for c in out]
    return np.stack(scaled, axis=-1).astype(np.float16)


def yc_channels(channels: Mapping[str, Any], prefix: str = "") -> bool:
    """Whether `prefix` names a luminance/chroma group RgbaInputFile reconstructs: Y at full rate
    with RY and/or BY sampled 2x2, and no R, G or B beside them (decoder/derived_colour.ts)."""
    y = channels.get(f"{prefix}Y")
    chroma = [channels.get(f"{prefix}{c}") for c in ("RY", "BY")]
    if y is None or all(c is None for c in chroma) or any(f"{prefix}{c}" in channels for c in "RGB"):
        return False
    if (y.xSampling, y.ySampling) != (1, 1) or y.pixels.dtype == np.uint32:
        return False
    return all(
        c is None or ((c.xSampling, c.ySampling) == (2, 2) and c.pixels.dtype != np.uint32) for c in chroma
    )


def decode_yc(channels: Mapping[str, Any], header: Mapping[str, Any], prefix: str = "") -> np.ndarray | None:
    """RGB (H, W, 3 float16) of a luminance/chroma group of an OpenEXR binding part, as RgbaInputFile
    reads it; None if the chromaticities are unusable (OpenEXR then refuses the file)."""
    chroma, _ = colour.header_chromaticities(header)
    weights = colour.luminance_weights(
        colour.REC709 if chroma is None else tuple(float(np.float32(v)) for v in chroma)
    )
    if weights is None:
        return None
    luminance = np.asarray(channels[f"{prefix}Y"].pixels)
    shape = (luminance.shape[0] // 2, luminance.shape[1] // 2)

    def samples(name: str) -> np.ndarray:
        channel = channels.get(prefix + name)
        with np.errstate(over="ignore"):
            return (
                np.zeros(shape, np.float16)
                if channel is None
                else np.asarray(channel.pixels).astype(np.float16)
            )

    with np.errstate(over="ignore"):
        luminance = luminance.astype(np.float16)
    return reconstruct_rgb(luminance, samples("RY"), samples("BY"), weights)
