"""Packaging hook: `pip install .` builds the frontend (TypeScript + OpenEXRCore WebAssembly) from source.

Metadata lives in pyproject.toml; this file only adds the build step, because the built artefacts
(tensorboard_exr/static/) are never committed. Set TENSORBOARD_EXR_SKIP_FRONTEND=1 to package an
already-built static/ folder (e.g. when scripts/setup.sh has just built it).
"""

import os
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithFrontend(build_py):
    def run(self) -> None:
        if os.environ.get("TENSORBOARD_EXR_SKIP_FRONTEND") != "1":
            # The build's own interpreter fetches the OpenEXR sdist (build_wasm.sh): inside a
            # PEP 517 build environment there is no pip, and another venv's python is the wrong one.
            environment = {**os.environ, "TENSORBOARD_EXR_PYTHON": sys.executable}
            script = ROOT / "scripts" / "build_frontend.sh"
            if subprocess.run(["bash", str(script)], env=environment).returncode != 0:
                raise SystemExit(
                    "tensorboard-exr: the frontend build failed (scripts/build_frontend.sh, see above)"
                )
        super().run()


setup(cmdclass={"build_py": BuildPyWithFrontend})
