"""Error metrics between an image A and a reference B: the Python reference implementation.

docs/metrics.md documents every formula once; the viewer's shaders (`frontend/src/render/
view.frag.glsl`, `ssim.frag.glsl`) compute the same per pixel on the GPU, the browser tests compare
the two, and the plugin's comparison routes use these functions for per-step statistics.

All functions take float arrays of shape (H, W, C) (or (H, W)) and compute in float64.
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Callable
from typing import Any, Final

import numpy as np

DEFAULT_EPSILONS: Final[dict[str, float]] = {
    "rae": 0.01,  # tev's, on B
    "mape": 0.01,  # JERI's, on |B|
    "rse": 0.01,  # tev's
    "mrse": 1e-4,  # JERI's
    "smape": 0.02,  # JERI's
}
"""The ε of each metric whose formula has one: the `epsilon` of METRICS in pipeline.ts."""

_PER_PIXEL: Final[dict[str, Callable[[np.ndarray, np.ndarray, float], np.ndarray]]] = {
    "signed": lambda a, b, e: a - b,
    "l1": lambda a, b, e: np.abs(a - b),
    "l2": lambda a, b, e: (a - b) ** 2,
    "rae": lambda a, b, e: np.abs(a - b) / (b + e),
    "mape": lambda a, b, e: np.abs(a - b) / (np.abs(b) + e),
    "rse": lambda a, b, e: (a - b) ** 2 / (b * b + e),
    "mrse": lambda a, b, e: (a - b) ** 2 / (b * b + e),
    "smape": lambda a, b, e: 2.0 * np.abs(a - b) / (np.abs(a) + np.abs(b) + e),
}

PER_PIXEL_METRICS: Final = tuple(_PER_PIXEL)
"""Metrics computed channel by channel from the two pixels alone: the "per-pixel" rows of METRICS
in `frontend/src/render/pipeline.ts`, whose shader formulas are `applyMetric` in view.frag.glsl."""

METRICS: Final = (*PER_PIXEL_METRICS, "ssim")
"""Every metric this module computes, by the ids of `frontend/src/render/pipeline.ts`."""

FLIP_METRICS: Final[dict[str, str]] = {"flip-ldr": "ldr", "flip-hdr": "hdr"}
"""The viewer's FLIP metric ids (computed by the server) and the `flip` mode of each."""

LUMA_WEIGHTS: Final = (0.2126, 0.7152, 0.0722)
"""Rec. 709 weights, applied to sRGB-encoded values for SSIM's luma."""
SSIM_WINDOW_RADIUS: Final = 3
"""SSIM's window is (2r+1)^2 = 7x7 pixels, uniform (scikit-image's default size)."""
SSIM_C1: Final = (0.01 * 1.0) ** 2
SSIM_C2: Final = (0.03 * 1.0) ** 2

RELATIVE_EPSILON: Final = DEFAULT_EPSILONS["rse"]
"""The ε of relMSE, which is the mean of RSE: (A-B)^2 / (B^2 + ε)."""


def per_pixel(metric: str, a: np.ndarray, b: np.ndarray, epsilon: float | None = None) -> np.ndarray:
    """The error map `metric` of A against B, per pixel and channel (same shape as A).

    `metric` is one of `METRICS`; "ssim" returns 1 - SSIM per pixel with shape (H, W). `epsilon`
    replaces the metric's ε (default: `DEFAULT_EPSILONS`, 0 for formulas without one).
    """
    a64 = np.asarray(a, np.float64)
    b64 = np.asarray(b, np.float64)
    if a64.shape != b64.shape:
        raise ValueError(f"metric {metric!r}: A is {a64.shape}, B is {b64.shape}; they must match")
    if metric == "ssim":
        return one_minus_ssim(a64, b64)
    try:
        formula = _PER_PIXEL[metric]
    except KeyError:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}") from None
    e = DEFAULT_EPSILONS.get(metric, 0.0) if epsilon is None else epsilon
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return formula(a64, b64, e)


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB encoding of values clamped to [0, 1]; NaN counts as 0."""
    v = np.clip(np.nan_to_num(np.asarray(linear, np.float64), nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    return np.where(v <= 0.0031308, 12.92 * v, 1.055 * np.power(v, 1 / 2.4) - 0.055)


def psnr(a: np.ndarray, b: np.ndarray, exposure: float = 0.0, offset: float = 0.0) -> float:
    """PSNR in dB of A against B as the viewer shows them with its sRGB tonemap, peak 1.

    Both are mapped by t(v) = srgb_encode(v * 2**exposure + offset) (clamped to [0, 1], NaN as 0,
    in float, not 8-bit), then PSNR = 10 log10(1 / mean((t(A) - t(B))^2)) over every pixel and
    channel: Intel Open Image Denoise's training convention (PSNR of the sRGB images after
    exposure, peak 1) with the viewer's curve in place of OIDN's filmic one. +inf when equal.
    """
    scale = 2.0**exposure
    with np.errstate(invalid="ignore", over="ignore"):
        ta = srgb_encode(np.asarray(a, np.float64) * scale + offset)
        tb = srgb_encode(np.asarray(b, np.float64) * scale + offset)
    mse = float(np.mean((ta - tb) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(1.0 / mse)


def ssim_luma(image: np.ndarray) -> np.ndarray:
    """SSIM's input: Rec. 709 luma of the sRGB-encoded colour ((H, W) from (H, W, C))."""
    x = np.asarray(image, np.float64)
    if x.ndim == 2 or x.shape[-1] == 1:
        return srgb_encode(x.reshape(x.shape[0], x.shape[1]))
    encoded = srgb_encode(x[..., :3])
    if encoded.shape[-1] == 2:  # two-channel images: (R, G, 0), as the viewer shows them
        encoded = np.concatenate([encoded, np.zeros_like(encoded[..., :1])], axis=-1)
    return encoded @ np.asarray(LUMA_WEIGHTS)


def _box_mean(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window with edge pixels replicated beyond the borders."""
    padded = np.pad(x, radius, mode="edge")
    size = 2 * radius + 1
    total = np.zeros_like(x)
    for dy in range(size):
        for dx in range(size):
            total += padded[dy : dy + x.shape[0], dx : dx + x.shape[1]]
    return total / (size * size)


def one_minus_ssim(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 - SSIM per pixel (H, W), on `ssim_luma` with a 7x7 uniform window (docs/metrics.md)."""
    ya, yb = ssim_luma(a), ssim_luma(b)
    r = SSIM_WINDOW_RADIUS
    ma, mb = _box_mean(ya, r), _box_mean(yb, r)
    va = _box_mean(ya * ya, r) - ma * ma
    vb = _box_mean(yb * yb, r) - mb * mb
    cov = _box_mean(ya * yb, r) - ma * mb
    numerator = (2 * ma * mb + SSIM_C1) * (2 * cov + SSIM_C2)
    ssim = numerator / ((ma * ma + mb * mb + SSIM_C1) * (va + vb + SSIM_C2))
    return 1.0 - ssim


def mean_errors(a: np.ndarray, b: np.ndarray, epsilon: float = RELATIVE_EPSILON) -> dict[str, float]:
    """Image-level errors of A against B over every pixel and colour channel.

    `mse` = mean((A-B)^2); `relmse` = mean((A-B)^2 / (B^2 + epsilon)), epsilon by default
    `RELATIVE_EPSILON`. Non-finite terms are left out and counted in `nonfinite`, so one NaN
    pixel does not hide the rest.
    """
    a64 = np.asarray(a, np.float64)
    b64 = np.asarray(b, np.float64)
    if a64.shape != b64.shape:
        raise ValueError(f"A is {a64.shape}, B is {b64.shape}; they must match")
    with np.errstate(invalid="ignore", over="ignore"):
        squared = (a64 - b64) ** 2
        relative = squared / (b64 * b64 + epsilon)
    finite = np.isfinite(squared) & np.isfinite(relative)
    count = int(finite.sum())
    return {
        "mse": float(squared[finite].mean()) if count else float("nan"),
        "relmse": float(relative[finite].mean()) if count else float("nan"),
        "nonfinite": int(finite.size - count),
    }


def decode_colour(data: bytes, where: str = "EXR") -> np.ndarray:
    """The colour of an EXR's first part as float32 (H, W, C) in the common space the metrics
    compare in (docs/metrics.md): C = 3 for R,G,B, or for Y,RY,BY reconstructed as OpenEXR's
    RgbaInputFile reads them, both converted from the file's chromaticities to linear Rec.709;
    else C = 1 for Y or the only channel.

    Uses OpenEXR's Python package. `where` names the image in error messages.
    """
    import OpenEXR

    from tensorboard_exr import deep, encode, exr_layout, luminance_chroma

    declared = encode.declared_pixel_bytes(data, where)
    if declared > encode.MAX_EXR_BYTES:  # a decompression bomb: refused before OpenEXR allocates
        limit = encode.MAX_EXR_BYTES
        raise ValueError(f"{where}: the EXR declares {declared} bytes of pixels, the limit is {limit}")
    if exr_layout.read_layout(data, where).parts[0].deep:  # flattened as the viewer shows it
        flat = deep.colour_of_first_part(data, where)
        if flat.shape[-1] != 3:
            return flat
        header = OpenEXR.File(io.BytesIO(data), header_only=True).parts[0].header
        return _in_rec709(flat, header)
    try:
        parts = list(OpenEXR.File(io.BytesIO(data), separate_channels=True).parts)
    except Exception as e:
        raise ValueError(f"{where}: the EXR bytes do not parse: {e}") from None
    if not parts:
        raise ValueError(f"{where}: the EXR pixel data is truncated or corrupt")
    channels, header = parts[0].channels, parts[0].header
    rgb: np.ndarray | None = None
    if all(name in channels for name in "RGB"):
        rgb = np.stack([np.asarray(channels[name].pixels, np.float32) for name in "RGB"], axis=-1)
    elif luminance_chroma.yc_channels(channels):
        rgb = luminance_chroma.decode_yc(channels, header)
    if rgb is not None:
        return _in_rec709(rgb, header)
    if "Y" in channels:
        return np.asarray(channels["Y"].pixels, np.float32)[..., None]
    if len(channels) == 1:
        (only,) = channels.values()
        return np.asarray(only.pixels, np.float32)[..., None]
    raise ValueError(f"{where}: no R,G,B or Y channels to compare (channels: {', '.join(sorted(channels))})")


def _in_rec709(rgb: np.ndarray, header: Any) -> np.ndarray:
    """R, G, B in the file's primaries (its header's chromaticities) as linear Rec.709, float32."""
    from tensorboard_exr import colour

    matrix = colour.to_rec709(*colour.header_chromaticities(header))
    return np.asarray(colour.convert_to_rec709(rgb.astype(np.float32), matrix), np.float32)


@dataclasses.dataclass(frozen=True)
class FlipResult:
    """A FLIP error map (float32, H x W, 0 = indistinguishable, 1 = maximal) and its mean."""

    map: np.ndarray
    mean: float
    parameters: dict[str, Any]

    def exr_bytes(self) -> bytes:
        """The map as a single-channel (`Y`) float32 EXR, uncompressed: it is decoded right away."""
        import OpenEXR

        stream = io.BytesIO()
        header = {"compression": OpenEXR.NO_COMPRESSION, "type": OpenEXR.scanlineimage}
        OpenEXR.File(header, {"Y": np.ascontiguousarray(self.map, np.float32)}).write(stream)
        return stream.getvalue()


def flip(test: np.ndarray, reference: np.ndarray, mode: str, where: str = "image") -> FlipResult:
    """NVIDIA's FLIP of `test` (A) against `reference` (B), with `flip-evaluator` (the reference code).

    `mode` "ldr": LDR-FLIP of the images as the viewer shows them at exposure 0 (linear values
    clamped to [0, 1], sRGB-encoded). "hdr": HDR-FLIP of the linear values (negatives clamped to 0,
    as FLIP requires), with FLIP's automatic exposure range and ACES tonemapper. Defaults otherwise
    (67 pixels per degree). Grey images are compared as grey RGB.
    """
    try:
        import flip_evaluator
    except ImportError:
        raise ValueError(
            "FLIP needs the flip-evaluator package: pip install 'tensorboard-exr[flip]'"
        ) from None
    a = np.asarray(test, np.float64)
    b = np.asarray(reference, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"{where}: A is {a.shape}, the reference is {b.shape}; FLIP needs equal sizes")
    if a.shape[-1] == 1:
        a, b = np.repeat(a, 3, axis=-1), np.repeat(b, 3, axis=-1)
    if mode == "ldr":
        a, b = srgb_encode(a), srgb_encode(b)
        range_name = "LDR"
    elif mode == "hdr":
        clean = {"nan": 0.0, "posinf": 65504.0, "neginf": 0.0}
        a, b = np.maximum(np.nan_to_num(a, **clean), 0.0), np.maximum(np.nan_to_num(b, **clean), 0.0)
        range_name = "HDR"
    else:
        raise ValueError(f"FLIP mode must be 'ldr' or 'hdr', got {mode!r}")
    error_map, mean, parameters = flip_evaluator.evaluate(
        np.ascontiguousarray(b, np.float32),
        np.ascontiguousarray(a, np.float32),
        range_name,
        inputsRGB=True,
        applyMagma=False,
        computeMeanError=True,
    )
    json_parameters = {
        k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in parameters.items()
    }
    return FlipResult(np.asarray(error_map, np.float32).reshape(a.shape[:2]), float(mean), json_parameters)
