"""Packaging hook: `pip install .` builds the frontend (TypeScript + OpenEXRCore WebAssembly) from source.

Metadata lives in pyproject.toml; this file only adds the build step, because the built artefacts
(tensorboard_exr/static/) are never committed. Set TENSORBOARD_EXR_SKIP_FRONTEND=1 to package an
already-built static/ folder (e.g. when scripts/setup.sh has just built it).
"""

import os
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithFrontend(build_py):
    def run(self) -> None:
        if os.environ.get("TENSORBOARD_EXR_SKIP_FRONTEND") != "1":
            subprocess.run(["bash", str(ROOT / "scripts" / "build_frontend.sh")], check=True)
        super().run()


setup(cmdclass={"build_py": BuildPyWithFrontend})
