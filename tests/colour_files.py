"""Production-like colour test files, written here (no downloads): luminance/chroma (YC) files as
OpenEXR's RgbaOutputFile writes them and as other writers lay them out with the Python binding,
and one scene stored with Rec.709, ACEScg and XYZ chromaticities.

Used by the pytest tests and by the node decoder test (frontend/test/fixtures/make_yc.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import OpenEXR
from openexr_reference import hdr_scene, write_yc

from tensorboard_exr import colour


@dataclasses.dataclass(frozen=True)
class YcFile:
    """A luminance/chroma file and how to read it back with RgbaInputFile."""

    name: str
    layer: str = ""  # RgbaInputFile's layer name ("left" for left.Y, left.RY, ...)


def _binding_yc(
    path: Path,
    y: np.ndarray,
    ry: np.ndarray,
    by: np.ndarray | None,
    *,
    prefix: str = "",
    extra: dict[str, Any] | None = None,
    **header: Any,
) -> None:
    """Writes Y, RY (and BY) with the Python binding: chroma sampled 2x2."""
    height, width = y.shape

    def full(samples: np.ndarray) -> np.ndarray:
        # The binding checks that every array has the data window's shape but reads a subsampled
        # channel's samples from the start of the buffer, in row order.
        buffer = np.zeros((height, width), samples.dtype)
        buffer.reshape(-1)[: samples.size] = samples.reshape(-1)
        return buffer

    channels: dict[str, Any] = {f"{prefix}Y": y, f"{prefix}RY": OpenEXR.Channel(full(ry), 2, 2)}
    if by is not None:
        channels[f"{prefix}BY"] = OpenEXR.Channel(full(by), 2, 2)
    channels.update(extra or {})
    fields = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage, **header}
    OpenEXR.File(fields, channels).write(str(path))


def write_yc_files(outdir: Path) -> list[YcFile]:
    """Writes every luminance/chroma case into `outdir`."""
    rng = np.random.default_rng(11)
    scene = hdr_scene(64, 96)
    opaque = np.concatenate([scene, np.ones((64, 96, 1), np.float32)], axis=-1)
    write_yc(outdir / "yc_rgba_output_piz.exr", opaque, x_min=-4, y_min=2)
    with_alpha = opaque.copy()
    with_alpha[..., 3] = np.linspace(0, 1, 96, dtype=np.float32)[None, :]
    write_yc(
        outdir / "yc_alpha_acescg_zip.exr",
        with_alpha,
        alpha=True,
        compression="zip",
        chromaticities=colour.NAMED_CHROMATICITIES["acescg"],
    )
    write_yc(
        outdir / "yc_xyz_none.exr",
        opaque[:30, :40],
        compression="none",
        chromaticities=colour.NAMED_CHROMATICITIES["xyz"],
    )
    write_yc(outdir / "yc_tiny.exr", opaque[:2, :2], compression="none")

    # Chroma far more saturated than RgbaOutputFile would write (fixSaturation works hard), grey
    # pixels (RY = BY = 0), negative and HDR luminance, a float Y (read through a half frame buffer).
    y = np.abs(rng.normal(0.5, 1.0, (40, 58))) * rng.choice([0.0, 1.0, 20.0], (40, 58), p=[0.05, 0.85, 0.1])
    y[0, :3] = [-0.25, np.inf, 0.0]
    ry = rng.uniform(-1.0, 3.0, (20, 29)).astype(np.float16)
    by = rng.uniform(-1.0, 3.0, (20, 29)).astype(np.float16)
    ry[::3, ::4] = 0
    by[::3, ::4] = 0
    _binding_yc(
        outdir / "yc_saturated_float_y.exr",
        y.astype(np.float32),
        ry,
        by,
        lineOrder=OpenEXR.DECREASING_Y,
        dataWindow=((6, -8), (63, 31)),
    )
    # Only RY (BY reads as 0), a prefixed group beside another channel, rec2020 luminance weights.
    small = scene[:16, :24]
    luma = (small @ np.array([0.2126, 0.7152, 0.0722], np.float32)).astype(np.float16)
    _binding_yc(outdir / "yc_only_ry.exr", luma, rng.uniform(-0.5, 0.5, (8, 12)).astype(np.float16), None)
    _binding_yc(
        outdir / "yc_layer_rec2020.exr",
        luma,
        rng.uniform(-0.5, 0.5, (8, 12)).astype(np.float16),
        rng.uniform(-0.5, 0.5, (8, 12)).astype(np.float16),
        prefix="left.",
        extra={"depth.Z": np.ones((16, 24), np.float32)},
        chromaticities=colour.NAMED_CHROMATICITIES["rec2020"],
    )
    return [
        YcFile("yc_rgba_output_piz.exr"),
        YcFile("yc_alpha_acescg_zip.exr"),
        YcFile("yc_xyz_none.exr"),
        YcFile("yc_tiny.exr"),
        YcFile("yc_saturated_float_y.exr"),
        YcFile("yc_only_ry.exr"),
        YcFile("yc_layer_rec2020.exr", layer="left"),
    ]


PRIMARIES_SCENE: tuple[str, ...] = ("rec709", "acescg", "xyz")


def primaries_scene(height: int = 48, width: int = 64) -> np.ndarray:
    """A displayable scene in linear Rec.709 (H, W, 3): saturated patches inside the sRGB gamut, a
    grey ramp and a gradient, values in [0, 1] so the sRGB view shows every difference."""
    scene = hdr_scene(height, width, seed=3)
    return np.clip(scene / max(float(scene.max()), 1.0) * 1.6, 0.0, 1.0).astype(np.float64)


def in_primaries(rec709: np.ndarray, name: str) -> np.ndarray:
    """The same colours in other primaries: Rec.709 -> XYZ -> target, no white adaptation (float64)."""
    if name == "rec709":
        return rec709
    to_xyz = np.asarray(colour.rgb_to_xyz(colour.REC709), np.float64).reshape(3, 3)
    target = colour.NAMED_CHROMATICITIES[name]
    from_xyz = np.asarray(colour.invert(colour.rgb_to_xyz(target)), np.float64).reshape(3, 3)
    return rec709 @ to_xyz @ from_xyz


def write_primaries_files(outdir: Path, scene: np.ndarray | None = None) -> dict[str, Path]:
    """The scene stored as float RGB with Rec.709 (no attribute: OpenEXR's default), ACEScg and XYZ
    chromaticities; returns {name: path}."""
    scene = primaries_scene() if scene is None else scene
    paths = {}
    for name in PRIMARIES_SCENE:
        header: dict[str, Any] = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
        if name != "rec709":
            header["chromaticities"] = colour.NAMED_CHROMATICITIES[name]
        rgb = in_primaries(scene, name).astype(np.float32)
        paths[name] = outdir / f"scene_{name}.exr"
        OpenEXR.File(header, {"RGB": np.ascontiguousarray(rgb)}).write(str(paths[name]))
    return paths
