"""The logdir of the reviewer's-tools tests (test_reviewer_tools.py), written with the project's writer.

Every image is small (64x64) and defined by a formula here, so the tests compute what the panel
must show with numpy and pixel_model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from review_server import write_exr

from tensorboard_exr import summary as exr_summary

W = H = 64
EXPOSURES = {"dim": 0.01, "mid": 1.0, "bright": 300.0}
"""Three images of one picture at very different levels (tags `exposure/<name>`)."""
FIREFLIES = [(3, 60), (50, 2), (33, 33), (7, 8), (61, 20)]
"""Pixels 50 times brighter than the rest: fewer than 0.5 %, so auto exposure ignores them."""
SCRUB_STEPS = (0, 10, 20)
SCENE_STEPS = (0, 10)
SCENE = "val/scene"
NAN_PIXEL = (12, 10)
INF_PIXEL = (20, 15)
ODD_TAG = "files/a:b*c"
"""A tag logged from the bytes of an EXR file, with characters no file name may hold."""


def exposed(scale: float) -> np.ndarray:
    """A grey ramp over [0.02, 1] times `scale`, with a few fireflies (float32, HxWx3)."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    ramp = 0.02 + 0.98 * (x + W * y) / (W * H - 1)
    for fx, fy in FIREFLIES:
        ramp[fy, fx] = 50.0
    return np.repeat((ramp * scale)[..., None], 3, axis=-1).astype(np.float32)


def scrub(step: int, run: str = "train") -> np.ndarray:
    """A colour image whose level grows with the step (stored as half)."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    scale = (1.0 + step / 5.0) * (0.5 if run == "eval" else 1.0)
    return np.stack([x / (W - 1) * scale, y / (H - 1) * scale * 0.5, np.full_like(x, 0.1 * scale)], axis=-1)


def scene_reference() -> np.ndarray:
    """Values between 0.02 and 0.52, a zero-free reference for the relative metrics."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    return np.stack([0.02 + x / (W - 1) * 0.5, 0.02 + y / (H - 1) * 0.5, np.full_like(x, 0.05)], axis=-1)


def scene_output(step: int) -> np.ndarray:
    """The reference plus a step-dependent error, with a NaN and an Inf pixel (float32)."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    error = 0.04 * (1 + step / 10) * np.sin(x * 0.7 + step)[..., None] * np.cos(y * 0.3)[..., None]
    image = (scene_reference() + error).astype(np.float32)
    image[NAN_PIXEL[1], NAN_PIXEL[0], 0] = np.nan
    image[INF_PIXEL[1], INF_PIXEL[0], 1] = np.inf
    return image


def write_logdir(root: Path) -> bytes:
    """Writes the logdir; returns the bytes of the EXR file logged under ODD_TAG."""
    odd = write_exr(root / "source" / "odd.exr", scrub(0))
    with exr_summary.Writer(root / "train", background=False) as writer:
        for name, scale in EXPOSURES.items():
            exr_summary.image(f"exposure/{name}", exposed(scale), 0, writer=writer, pixel_type="float")
        for step in SCRUB_STEPS:
            exr_summary.image("scrub/image", scrub(step), step, writer=writer)
        for step in SCENE_STEPS:
            exr_summary.comparison(
                SCENE,
                step,
                writer=writer,
                pixel_type="float",
                output=scene_output(step),
                reference=scene_reference(),
            )
        exr_summary.image(ODD_TAG, odd, 0, writer=writer)
    with exr_summary.Writer(root / "eval", background=False) as writer:
        for step in SCRUB_STEPS:
            exr_summary.image("scrub/image", scrub(step, "eval"), step, writer=writer)
        exr_summary.image("scrub/other", scrub(0, "eval"), 0, writer=writer)
    return odd
