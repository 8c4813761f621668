"""The decoder tests' deep-file writer (frontend/test/fixtures/make_deep.py) as a module for the
Python tests: it writes the deep files and computes their reference composite."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

MAKE_DEEP = Path(__file__).resolve().parents[1] / "frontend" / "test" / "fixtures" / "make_deep.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_deep", MAKE_DEEP)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_deep = _load()
