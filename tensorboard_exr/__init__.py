"""tensorboard-exr: log OpenEXR images from training loops and inspect them in TensorBoard.

`tensorboard_exr.show(...)` shows images in the same viewer inside a notebook
(`tensorboard_exr.notebook`). It is imported on first use: TensorBoard imports this package when
it starts, and must not import the notebook libraries (anywidget, ipywidgets, IPython) with it.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_NOTEBOOK_NAMES = ("show", "ExrViewer")


def __getattr__(name: str) -> Any:
    if name in _NOTEBOOK_NAMES:
        from tensorboard_exr import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_NOTEBOOK_NAMES])
