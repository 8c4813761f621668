"""Running the examples of docs/examples/ as tests, and decoding what they logged."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType

import numpy as np
import OpenEXR

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def load_example(name: str) -> ModuleType:
    """The module docs/examples/<name>.py, imported under its file name (its `main` not run)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rgb(exr: bytes) -> np.ndarray:
    """The R, G, B channels of an EXR as one HxWx3 float64 array."""
    channels = OpenEXR.File(io.BytesIO(exr), separate_channels=True).channels()
    return np.stack([channels[name].pixels.astype(np.float64) for name in "RGB"], axis=-1)


def as_half(image: np.ndarray) -> np.ndarray:
    """What a half channel stores for `image`."""
    return np.asarray(image, np.float32).astype(np.float16).astype(np.float64)
