"""The logdir the panel tests browse, written with the project's own writer.

Every image here is small (64x64) and defined by a formula, so the tests can compute the exact
values the panel must show.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from tensorboard.compat.proto import event_pb2

from tensorboard_exr import event_writer
from tensorboard_exr import summary as exr_summary

W = H = 64
CONSTANT = (0.5, 0.25, 1.0)
EVAL_CONSTANT = (0.1, 0.2, 0.3)
GRADIENT_STEPS = (0, 10, 20)
SPECIAL_POINTS = {"nan": (10, 10), "posinf": (20, 20), "neginf": (30, 30)}
ALBEDO = (0.1, 0.2, 0.3)


def gradient(step: int) -> np.ndarray:
    """HxWx3: R ramps with x and grows with the step, G ramps with y past 1.0, B constant."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    scale = 1.0 + step / 10.0
    return np.stack([x / (W - 1) * scale, 2.0 * y / (H - 1), np.full_like(x, 0.18)], axis=-1)


def constant(rgb: tuple[float, float, float]) -> np.ndarray:
    return np.broadcast_to(np.asarray(rgb, np.float32), (H, W, 3)).copy()


def special() -> np.ndarray:
    values = np.full((H, W), 0.5, np.float32)
    values[SPECIAL_POINTS["nan"][::-1]] = np.nan
    values[SPECIAL_POINTS["posinf"][::-1]] = np.inf
    values[SPECIAL_POINTS["neginf"][::-1]] = -np.inf
    return values


def depth() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    return (x + 100.0 * y) / 7.0


def write_logdir(root: Path) -> None:
    with exr_summary.Writer(root / "train", background=False) as writer:
        exr_summary.image("images/constant", constant(CONSTANT), 0, writer=writer)
        for step in GRADIENT_STEPS:
            exr_summary.image("images/gradient", gradient(step), step, writer=writer, description="Ramps")
        exr_summary.image("images/special", special(), 0, writer=writer, pixel_type="float")
        layers = {"beauty": gradient(0), "albedo": constant(ALBEDO), "depth": depth()}
        exr_summary.image(
            "images/layers", layers, 0, writer=writer, pixel_type={"depth": "float"}, compression="piz"
        )
        exr_summary.comparison(
            "val/kitchen",
            0,
            writer=writer,
            input=gradient(0),
            output=gradient(10),
            reference=constant(CONSTANT),
        )
    with exr_summary.Writer(root / "eval", background=False) as writer:
        exr_summary.image("images/constant", constant(EVAL_CONSTANT), 5, writer=writer)
    write_corrupt(root / "broken")
    with exr_summary.Writer(root / "broken", background=False, filename_suffix=".wide") as writer:
        # Decodes fine but is wider than any WebGL texture here (MAX_TEXTURE_SIZE 8192).
        exr_summary.image("images/too_wide", np.full((2, 8200), 0.5, np.float32), 0, writer=writer)


def write_corrupt(run: Path) -> None:
    """A tag whose step 1 holds a truncated EXR (what a damaged blob looks like) and step 2 a good one."""
    events = event_writer.EventFileWriter(run)
    for step in (1, 2):
        summary = exr_summary.pb("images/corrupt", constant(CONSTANT))
        if step == 1:
            values = summary.value[0].tensor.string_val
            values[1] = values[1][: len(values[1]) // 2]
        events.write_event(event_pb2.Event(step=step, wall_time=time.time(), summary=summary))
    events.close()
