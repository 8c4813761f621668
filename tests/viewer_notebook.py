"""The notebook the notebook-viewer tests run: `tensorboard_exr.show` of a known gradient, of a
comparison group, and an `update` of the first viewer. The browser test runs it in JupyterLab and
Notebook 7 and reads the rendered pixels; tests/test_notebook.py executes it headless (nbclient)
and exports it to HTML. The images are computed here too, for the expected values."""

from __future__ import annotations

import numpy as np

SETUP = """\
import numpy as np
import tensorboard_exr

y, x = np.mgrid[0:32, 0:48].astype(np.float32)
gradient = np.stack([x / 47 * 2.0, 1.0 - y / 31, (x + y) % 5 / 4], axis=-1)
"""
SHOW = "viewer = tensorboard_exr.show(gradient, height=300)"
SHOW_GROUP = """\
group = tensorboard_exr.show(
    input=gradient * 0.25, output=gradient[::-1].copy(), reference=gradient, height=300
)"""
UPDATE = "viewer.update(gradient * 0.5)"

CELLS = [SETUP, SHOW, SHOW_GROUP, UPDATE]
"""The notebook's cells; the viewers are the outputs of cells 1 and 2, cell 3 updates the first."""

GROUP = ("input", "output", "reference")
"""The group's images in the order of their number keys."""


def gradient() -> np.ndarray:
    y, x = np.mgrid[0:32, 0:48].astype(np.float32)
    return np.stack([x / 47 * 2.0, 1.0 - y / 31, (x + y) % 5 / 4], axis=-1)


def group_image(role: str) -> np.ndarray:
    g = gradient()
    return {"input": g * 0.25, "output": g[::-1].copy(), "reference": g}[role]


def updated() -> np.ndarray:
    return gradient() * 0.5


def stored(image: np.ndarray) -> np.ndarray:
    """What a half EXR holds for `image`."""
    return image.astype(np.float16).astype(np.float64)
