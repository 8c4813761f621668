"""Python reference of the viewer's pixel pipeline (exposure/offset -> tonemap -> 8-bit sRGB).

Written from the definitions (IEC 61966-2-1 sRGB, tev's false-colour log scale, matplotlib's
viridis anchors), not from the shader, so the tests check the shader against an independent model.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

VIRIDIS = [
    (0x44, 0x01, 0x54),
    (0x47, 0x2C, 0x7A),
    (0x3B, 0x51, 0x8B),
    (0x2C, 0x71, 0x8E),
    (0x21, 0x90, 0x8D),
    (0x27, 0xAD, 0x81),
    (0x5C, 0xC8, 0x63),
    (0xAA, 0xDC, 0x32),
    (0xFD, 0xE7, 0x25),
]
RGB = list[int] | tuple[int, ...]
NAN_MARKER = (255, 0, 255)
POS_INF_MARKER = (0, 255, 0)
NEG_INF_MARKER = (0, 0, 255)


def srgb_encode(v: float) -> float:
    v = min(max(v, 0.0), 1.0)
    return 12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def to8(v: float) -> int:
    return round(min(max(v, 0.0), 1.0) * 255)


def viridis(t: float) -> tuple[int, int, int]:
    x = min(max(t, 0.0), 1.0) * (len(VIRIDIS) - 1)
    k = min(int(math.floor(x)), len(VIRIDIS) - 2)
    f = x - k
    return tuple(round(VIRIDIS[k][c] + (VIRIDIS[k + 1][c] - VIRIDIS[k][c]) * f) for c in range(3))  # type: ignore[return-value]


def half(v: float) -> float:
    """The value a half channel stores for v."""
    return float(np.float16(v))


REC709_CHROMATICITIES = (0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290)


def rgb_to_xyz(chromaticities: tuple[float, ...]) -> np.ndarray:
    """3x3 (column-vector) RGB -> XYZ of primaries and white given as CIE xy, with Y(white) = 1:
    the primaries' xyz columns scaled so that they sum to the white (solved, so a primary with
    y = 0, like the XYZ primaries' blue, is fine)."""
    xy = np.asarray(chromaticities, np.float64).reshape(4, 2)
    columns = np.stack([xy[:3, 0], xy[:3, 1], 1 - xy[:3, 0] - xy[:3, 1]])  # rows x, y, z
    wx, wy = xy[3]
    white = np.array([wx / wy, 1.0, (1 - wx - wy) / wy])
    return columns * np.linalg.solve(columns, white)[None, :]


def to_rec709(chromaticities: tuple[float, ...]) -> np.ndarray:
    """The matrix taking RGB in these primaries to linear Rec.709 (no white adaptation), rows."""
    return np.linalg.solve(rgb_to_xyz(REC709_CHROMATICITIES), rgb_to_xyz(chromaticities))


def displayed(
    rgb: tuple[float, ...],
    exposure: float = 0.0,
    offset: float = 0.0,
    gamma: float = 2.2,
    tonemap: str = "srgb",
    markers: bool = True,
    matrix: np.ndarray | None = None,
) -> tuple[int, int, int]:
    """8-bit display value of one pixel's colour channels (1 or 3 values); `matrix` (to_rec709)
    first converts finite RGB to the display's primaries."""
    if matrix is not None and all(math.isfinite(v) for v in rgb):
        rgb = tuple(float(v) for v in matrix @ np.asarray(rgb, np.float64))
    if markers:
        if any(math.isnan(v) for v in rgb):
            return NAN_MARKER
        if any(v == math.inf for v in rgb):
            return POS_INF_MARKER
        if any(v == -math.inf for v in rgb):
            return NEG_INF_MARKER
    values = [v * 2.0**exposure + offset for v in rgb]
    colour = values * 3 if len(values) == 1 else values
    if tonemap == "srgb":
        return tuple(to8(srgb_encode(v)) for v in colour)  # type: ignore[return-value]
    if tonemap == "gamma":
        return tuple(to8(min(max(v, 0.0), 1.0) ** (1 / gamma)) for v in colour)  # type: ignore[return-value]
    if tonemap == "falsecolour":
        mean = sum(values) / len(values)
        return viridis(math.log2(max(mean, 0.0) + 1 / 32) / 10 + 0.5)
    if tonemap == "posneg":
        n = len(values)
        neg = -2 * sum(min(v, 0.0) for v in values) / n
        pos = 2 * sum(max(v, 0.0) for v in values) / n
        return (to8(srgb_encode(neg)), to8(srgb_encode(pos)), 0)
    raise ValueError(tonemap)


def assert_close(
    got: list[int] | tuple[int, ...], want: tuple[int, ...], tol: int = 1, where: str = ""
) -> None:
    assert all(abs(g - w) <= tol for g, w in zip(got[:3], want, strict=True)), (
        f"{where}: got {list(got[:3])}, want {list(want)}"
    )


def assert_statistics(stats: dict, values: np.ndarray, names: list[str]) -> None:
    """Panel statistics equal numpy's on `values` (H x W x C), histogram included (log-spaced)."""
    assert [c["channel"] for c in stats["channels"]] == names
    edges = np.asarray(stats["edges"])
    lo, hi = np.log10(edges[0]), np.log10(edges[-1])
    for c, channel in enumerate(stats["channels"]):
        v = values[..., c].ravel().astype(np.float32).astype(np.float64)  # the GPU's float32 values
        finite = v[np.isfinite(v)]
        assert channel["count"] == finite.size and channel["nan"] == int(np.isnan(v).sum())
        assert channel["min"] == pytest.approx(finite.min(), rel=1e-5, abs=1e-6)
        assert channel["max"] == pytest.approx(finite.max(), rel=1e-5, abs=1e-6)
        assert channel["mean"] == pytest.approx(finite.mean(), rel=1e-4, abs=1e-6)
        m = np.abs(finite)
        with np.errstate(divide="ignore"):
            bins = np.where(m <= edges[0], 0, np.floor((np.log10(m) - lo) / (hi - lo) * (len(edges) - 1)))
        want = np.bincount(np.clip(bins, 0, len(edges) - 2).astype(int), minlength=len(edges) - 1)
        assert sum(channel["histogram"]) == finite.size
        assert np.abs(np.asarray(channel["histogram"]) - want).sum() <= 2  # bin-edge rounding only
