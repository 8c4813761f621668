"""What a user gets from a package index: `python -m build` on a clean clone makes an sdist of
sources and a platform-independent wheel that carries the built frontend; the wheel installs into
a fresh venv and, on a PATH without node, npm or emcc, that venv's `tensorboard --logdir` shows
the EXR tab in Chromium with the logged pixels.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
from pathlib import Path

import numpy as np
import pytest
from clean_clone import clean_clone, files_in_wheel, fresh_build_environment, path_without
from playwright.sync_api import Page

from tests.tb_server import TensorBoardServer

from .panel_page import read_pixels, select_tag
from .pixel_model import assert_close, displayed, half
from .tensorboard_page import open_exr_tab

BUILD_TOOLS = ("node", "npm", "emcc")
POINTS = [(0, 0), (7, 3), (31, 17), (63, 63)]


def gradient() -> np.ndarray:
    y, x = np.mgrid[0:64, 0:64].astype(np.float32)
    return np.stack([x / 63 * 3.0, y / 63, np.full_like(x, 0.18)], axis=-1)  # R up to 3: HDR


# Run by the installed venv's python: logs gradient() with the installed package.
WRITE_LOGDIR = """
import sys
import numpy as np
import tensorboard_exr
from tensorboard_exr import summary as exr_summary
assert "site-packages" in tensorboard_exr.__file__, tensorboard_exr.__file__
y, x = np.mgrid[0:64, 0:64].astype(np.float32)
image = np.stack([x / 63 * 3.0, y / 63, np.full_like(x, 0.18)], axis=-1)
with exr_summary.Writer(sys.argv[1]) as writer:
    exr_summary.image("render/gradient", image, 5, writer=writer)
"""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel of `python -m build` on a clean clone, as a new machine builds them."""
    root = tmp_path_factory.mktemp("build")
    clone = clean_clone(root / "clone")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", root / "dist", clone],
        env=fresh_build_environment(root / "wasm-cache", {"PATH": path_without("activate")}),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return root / "dist"


class _VenvTensorBoard(TensorBoardServer):
    """`tensorboard` of another venv, with only that venv's bin on PATH and no PYTHONPATH."""

    def __init__(self, venv_dir: Path, logdir: Path) -> None:
        super().__init__(logdir, load_fast=True, env=_venv_environment(venv_dir))
        self._venv_dir = venv_dir

    def command(self) -> list[str]:
        return [str(self._venv_dir / "bin" / "tensorboard"), *super().command()[1:]]


def _venv_environment(venv_dir: Path) -> dict[str, str]:
    return {"PATH": str(venv_dir / "bin"), "PYTHONPATH": "", "VIRTUAL_ENV": str(venv_dir)}


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed from a PATH that has no build tools."""
    venv_dir = tmp_path_factory.mktemp("user") / "venv"
    venv.create(venv_dir, with_pip=True)
    environment = {**os.environ, **_venv_environment(venv_dir)}
    for tool in BUILD_TOOLS:
        assert shutil.which(tool, path=environment["PATH"]) is None
    (wheel,) = dist.glob("*.whl")
    result = subprocess.run(
        [venv_dir / "bin" / "pip", "install", "--quiet", wheel],
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return venv_dir


def test_build_makes_an_sdist_of_sources_and_a_universal_wheel_with_the_frontend(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for source in (
        "setup.py",
        "pyproject.toml",
        "scripts/build_frontend.sh",
        "scripts/fetch_sdist.py",
        "frontend/package-lock.json",
        "frontend/build.mjs",
        "frontend/src/decoder/build_wasm.sh",
        "frontend/src/decoder/exr_shim.c",
    ):
        assert source in names
    assert not [
        n for n in names if "static/" in n or "node_modules" in n or ".cache" in n or n.endswith(".wasm")
    ]
    (wheel,) = dist.glob("*.whl")
    assert wheel.name == "tensorboard_exr-0.1.0-py3-none-any.whl"
    built = {n for n in files_in_wheel(wheel) if n.startswith("tensorboard_exr/static/")}
    assert {f"tensorboard_exr/static/{n}" for n in ("exr_core.wasm", "exr_core.js", "index.js")} <= built


def test_the_installed_wheel_shows_the_exr_tab_without_build_tools(
    page: Page, installed: Path, tmp_path: Path
) -> None:
    logdir = tmp_path / "logs"
    subprocess.run(
        [installed / "bin" / "python", "-c", WRITE_LOGDIR, logdir / "run"],
        env={**os.environ, **_venv_environment(installed)},
        cwd=tmp_path,  # not the repository: the installed package must be the one imported
        check=True,
        timeout=120,
    )
    with _VenvTensorBoard(installed, logdir) as tensorboard:
        tensorboard.wait_for_json("/data/plugin/exr/tags", lambda tags: "run" in tags)
        panel = open_exr_tab(page, tensorboard.url)
        select_tag(panel, "run", "render/gradient", step=5)
        image = gradient()
        for (x, y), got in zip(POINTS, read_pixels(panel, POINTS), strict=True):
            assert_close(got, displayed(tuple(half(float(v)) for v in image[y, x])), where=f"pixel {x},{y}")
