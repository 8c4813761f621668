"""Primaries and white points: the `chromaticities` a writer records, and the conversion of a file's
RGB to linear Rec.709 (sRGB primaries, D65), the space the viewer displays and compares images in.

The matrix is built as OpenEXR builds it (`RGBtoXYZ` of ImfChromaticities.cpp, which also works for
XYZ-primaries files whose blue primary is (0, 0)), with no white-point adaptation unless the file
has an `adoptedNeutral` (then Bradford, from that white to D65), as tev does for EXR and as
OpenEXR's own chromaticities sample images expect. The frontend's twins are
`frontend/src/decoder/chromaticities.ts` and `frontend/src/viewer/colour_space.ts`: the same
operations in the same order, so both give the same float64 matrices (docs/metrics.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import numpy as np

Chromaticities = tuple[float, float, float, float, float, float, float, float]
"""red x, y, green x, y, blue x, y, white x, y, as the `chromaticities` attribute stores them."""

Matrix3 = tuple[float, ...]
"""A 3x3 matrix in Imath's row-vector layout (xyz = rgb @ M; row i is the XYZ of primary i)."""

_D65: Final = (0.3127, 0.3290)
_ACES_WHITE: Final = (0.32168, 0.33767)
NAMED_CHROMATICITIES: Final[dict[str, Chromaticities]] = {
    "rec709": (0.64, 0.33, 0.30, 0.60, 0.15, 0.06, *_D65),
    "rec2020": (0.708, 0.292, 0.170, 0.797, 0.131, 0.046, *_D65),
    "p3": (0.680, 0.320, 0.265, 0.690, 0.150, 0.060, *_D65),  # Display P3 (P3 primaries, D65)
    "acescg": (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, *_ACES_WHITE),  # AP1
    "aces": (0.7347, 0.2653, 0.0, 1.0, 0.0001, -0.077, *_ACES_WHITE),  # AP0, OpenEXR's acesChromaticities
    "xyz": (1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1 / 3, 1 / 3),  # R, G, B are CIE X, Y, Z
}
"""Primaries `summary.image(chromaticities=...)` knows by name."""
_ALIASES: Final = {
    "srgb": "rec709",
    "bt709": "rec709",
    "displayp3": "p3",
    "ap1": "acescg",
    "ap0": "aces",
    "aces2065-1": "aces",
    "bt2020": "rec2020",
}

REC709: Final = tuple(float(np.float32(v)) for v in NAMED_CHROMATICITIES["rec709"])
"""OpenEXR's default chromaticities (a file without the attribute), as float32 values."""

_FLT_MAX: Final = float(np.finfo(np.float32).max)
# Bradford's cone response matrix (Lam 1985), in the row-vector layout: lms = xyz @ BRADFORD.
_BRADFORD: Final = (0.8951, -0.7502, 0.0389, 0.2664, 1.7135, -0.0685, -0.1614, 0.0367, 1.0296)


def chromaticities_argument(tag: str, value: Any) -> Chromaticities:
    """The 8 coordinates a `chromaticities=` argument names (a name of `NAMED_CHROMATICITIES`, an
    alias such as "srgb", "ap1", or 8 numbers); ValueError naming the tag otherwise."""
    if isinstance(value, str):
        key = value.strip().lower().replace("_", "").replace(" ", "")
        key = _ALIASES.get(key, key)
        if key in NAMED_CHROMATICITIES:
            return NAMED_CHROMATICITIES[key]
        known = ", ".join([*NAMED_CHROMATICITIES, *_ALIASES])
        raise ValueError(f"tag {tag!r}: unknown chromaticities {value!r}; use one of {known} or 8 numbers")
    try:
        numbers = tuple(float(v) for v in np.asarray(value, dtype=np.float64).reshape(-1))
    except (TypeError, ValueError):
        numbers = ()
    if len(numbers) != 8 or not all(math.isfinite(v) for v in numbers):
        raise ValueError(
            f"tag {tag!r}: chromaticities must be a name or 8 finite numbers "
            f"(red x, y, green x, y, blue x, y, white x, y), got {value!r}"
        )
    if not usable(numbers):
        raise ValueError(
            f"tag {tag!r}: chromaticities {numbers} define no colours (white y of 0, or collinear primaries)"
        )
    return numbers  # type: ignore[return-value]


def adopted_neutral_argument(tag: str, value: Any) -> tuple[float, float]:
    """An `adopted_neutral=` argument: CIE x, y of the white that should display as neutral."""
    try:
        x, y = (float(v) for v in np.asarray(value, dtype=np.float64).reshape(-1))
    except (TypeError, ValueError):
        raise ValueError(
            f"tag {tag!r}: adopted_neutral must be 2 numbers (CIE x, y), got {value!r}"
        ) from None
    if not (math.isfinite(x) and math.isfinite(y) and y != 0):
        raise ValueError(f"tag {tag!r}: adopted_neutral must be finite with y != 0, got {value!r}")
    return x, y


def _identity(x: float) -> float:
    return x


def fround(x: float) -> float:
    """The float32 nearest to x (what C's float arithmetic stores), as a Python float."""
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.float32(x))


def rgb_to_xyz(
    c: Sequence[float], y: float = 1.0, round: Callable[[float], float] = _identity
) -> Matrix3 | None:
    """OpenEXR's RGBtoXYZ(chroma, Y), every operation rounded by `round` (`fround`: the C++
    library's float32 results; default: float64). None where OpenEXR throws, or non-finite."""
    r = round
    rx, ry, gx, gy, bx, by, wx, wy = c
    if abs(wy) <= 1 and abs(r(wx * y)) >= r(abs(wy) * _FLT_MAX):
        return None
    big_x = r(r(wx * y) / wy)
    big_z = r(r(r(r(1 - wx) - wy) * y) / wy)
    xz = r(big_x + big_z)
    d = r(r(r(rx * r(by - gy)) + r(bx * r(gy - ry))) + r(gx * r(ry - by)))

    def term(py: float) -> float:
        return r(r(y * r(py - 1)) + r(py * xz))

    srn = r(r(r(big_x * r(by - gy)) - r(gx * term(by))) + r(bx * term(gy)))
    sgn = r(r(r(big_x * r(ry - by)) + r(rx * term(by))) - r(bx * term(ry)))
    sbn = r(r(r(big_x * r(gy - ry)) - r(rx * term(gy))) + r(gx * term(ry)))
    limit = r(abs(d) * _FLT_MAX)
    if abs(d) < 1 and (abs(srn) >= limit or abs(sgn) >= limit or abs(sbn) >= limit):
        return None
    sr, sg, sb = r(srn / d), r(sgn / d), r(sbn / d)
    m = (
        r(sr * rx), r(sr * ry), r(sr * r(r(1 - rx) - ry)),
        r(sg * gx), r(sg * gy), r(sg * r(r(1 - gx) - gy)),
        r(sb * bx), r(sb * by), r(sb * r(r(1 - bx) - by)),
    )  # fmt: skip
    return m if all(math.isfinite(v) for v in m) else None


def usable(c: Sequence[float]) -> bool:
    """Whether OpenEXR builds a matrix from these chromaticities (its float32 checks: a white y of
    0, or collinear primaries, make it throw)."""
    return rgb_to_xyz(c, 1.0, fround) is not None


def luminance_weights(c: Sequence[float]) -> tuple[float, float, float] | None:
    """RgbaYca::computeYw: the weights of Y = R yw0 + G yw1 + B yw2, in float32 exactly as OpenEXR."""
    m = rgb_to_xyz(c, 1.0, fround)
    if m is None:
        return None
    total = fround(fround(m[1] + m[4]) + m[7])
    yw = (fround(m[1] / total), fround(m[4] / total), fround(m[7] / total))
    return yw if all(math.isfinite(v) for v in yw) else None


def multiply(a: Matrix3, b: Matrix3) -> Matrix3:
    """a @ b of two row-major 3x3 matrices (sums in index order)."""
    return tuple(
        (a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j]) + a[3 * i + 2] * b[6 + j]
        for i in range(3)
        for j in range(3)
    )


def invert(m: Matrix3) -> Matrix3:
    """The inverse by cofactors (the same expression as the TypeScript twin)."""
    a, b, c, d, e, f, g, h, i = m
    co = (e * i - f * h, c * h - b * i, b * f - c * e,
          f * g - d * i, a * i - c * g, c * d - a * f,
          d * h - e * g, b * g - a * h, a * e - b * d)  # fmt: skip
    det = (a * co[0] + b * co[3]) + c * co[6]
    return tuple(v / det for v in co)


def same_chromaticities(a: Sequence[float], b: Sequence[float]) -> bool:
    """tev's test: the four points' squared distances sum to less than 1e-6."""
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) < 1e-6


def _white_xyz(x: float, y: float) -> tuple[float, float, float]:
    return (x / y, 1.0, ((1 - x) - y) / y)


def _bradford(source: tuple[float, float], target: tuple[float, float]) -> Matrix3:
    """XYZ -> XYZ adapting white `source` (x, y) to `target`, row-vector layout."""
    ls, lt = (multiply((*_white_xyz(*w), 0, 0, 0, 0, 0, 0), _BRADFORD)[:3] for w in (source, target))
    scale = (lt[0] / ls[0], 0.0, 0.0, 0.0, lt[1] / ls[1], 0.0, 0.0, 0.0, lt[2] / ls[2])
    return multiply(multiply(_BRADFORD, scale), invert(_BRADFORD))


def to_rec709(
    chromaticities: Sequence[float] | None, adopted_neutral: Sequence[float] | None = None
) -> Matrix3 | None:
    """The matrix taking a file's RGB to linear Rec.709 (rgb709 = rgb @ M), or None where the values
    are Rec.709 already (no attribute, Rec.709 chromaticities, no adaptation) or unusable."""
    source = REC709 if chromaticities is None else tuple(chromaticities)
    adapt = adopted_neutral is not None and not same_chromaticities(tuple(adopted_neutral), REC709[6:])
    if same_chromaticities(source, REC709) and not adapt:
        return None
    to_xyz = rgb_to_xyz(source)
    from_xyz = rgb_to_xyz(REC709)
    if to_xyz is None or from_xyz is None or not usable(source):
        return None
    if adapt:
        assert adopted_neutral is not None
        to_xyz = multiply(to_xyz, _bradford((adopted_neutral[0], adopted_neutral[1]), (REC709[6], REC709[7])))
    return multiply(to_xyz, invert(from_xyz))


def header_chromaticities(
    header: Mapping[str, Any],
) -> tuple[Chromaticities | None, tuple[float, float] | None]:
    """`chromaticities` and `adoptedNeutral` of a header as the OpenEXR binding returns it."""

    def numbers(key: str, count: int) -> tuple[float, ...] | None:
        value = header.get(key)
        if value is None:
            return None
        flat = tuple(float(v) for v in np.asarray(value, dtype=np.float64).reshape(-1))
        return flat if len(flat) == count and all(math.isfinite(v) for v in flat) else None

    chroma, neutral = numbers("chromaticities", 8), numbers("adoptedNeutral", 2)
    return chroma, (neutral[0], neutral[1]) if neutral else None  # type: ignore[return-value]


def convert_to_rec709(rgb: np.ndarray, matrix: Matrix3 | None) -> np.ndarray:
    """(H, W, 3) RGB times `to_rec709`'s matrix, in float64 (unchanged for None). Pixels with a
    non-finite channel keep their stored values, as the viewer's shader keeps them."""
    if matrix is None:
        return rgb
    values = np.asarray(rgb, np.float64)
    finite = np.isfinite(values).all(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", over="ignore"):
        converted = np.where(finite, values, 0.0) @ np.asarray(matrix, np.float64).reshape(3, 3)
    return np.where(finite, converted, values)
