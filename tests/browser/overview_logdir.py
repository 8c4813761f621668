"""The logdir the overview tests browse: 3 comparison groups × 3 roles × 2 runs at 3 steps.

Every image is small (32x24) and defined by a formula of the group, the role, the run and the step,
so the tests can compute what each card must show. Written with the project's own writer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tensorboard_exr import summary as exr_summary

W, H = 32, 24
GROUPS = ("val/g0", "val/g1", "val/g2")
ROLES = ("input", "output", "reference")
RUNS = ("run_a", "run_b")
STEPS = (0, 10, 20)


def image(group: int, role: str, run: str, step: int) -> np.ndarray:
    """HxWx3 float32: a ramp per group, moved by the step; input darker, output noisier per run."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    reference = np.stack(
        [
            x / (W - 1) * (1.0 + 0.5 * group) + 0.01 * step,
            y / (H - 1) * 1.5,
            np.full_like(x, 0.1 + 0.2 * group + 0.005 * step),
        ],
        axis=-1,
    )
    if role == "reference":
        return reference
    if role == "input":
        return reference * 0.5 + 0.05
    amplitude = (0.3 if run == "run_a" else 0.6) / (1 + step / 10)
    noise = np.stack([np.sin(x * 0.7 + y * 0.3), np.cos(x * 0.2 - y * 0.9), 0.5 * np.sin(x + y)], axis=-1)
    return (reference + amplitude * noise).astype(np.float32)


def stored(values: np.ndarray) -> np.ndarray:
    """What a half EXR holds for `values`, as float64."""
    return values.astype(np.float16).astype(np.float64)


def tag(group: int, role: str) -> str:
    return f"{GROUPS[group]}/{role}"


def write_logdir(root: Path) -> None:
    for run in RUNS:
        with exr_summary.Writer(root / run, background=False) as writer:
            for step in STEPS:
                for g, group in enumerate(GROUPS):
                    exr_summary.comparison(
                        group, step, writer=writer, **{role: image(g, role, run, step) for role in ROLES}
                    )


def card_order() -> list[tuple[str, str]]:
    """(run, tag) of every card in the order the grid shows them: groups, then runs, then roles."""
    return [(run, tag(g, role)) for g in range(len(GROUPS)) for run in RUNS for role in ROLES]
