"""The package builds from a clean clone however it is started, and says what a machine lacks.

Each build here starts from `clean_clone` (no node_modules, no wasm cache, no built static/) with
an empty WebAssembly cache, so it fetches the pinned OpenEXR sdist from PyPI and compiles it as a
new machine does. (`python -m build` and installing its wheel: tests/browser/test_install.py.)
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from clean_clone import ROOT, clean_clone, files_in_wheel, fresh_build_environment, path_without

BUILD_WASM = ROOT / "frontend" / "src" / "decoder" / "build_wasm.sh"
FETCH = ROOT / "scripts" / "fetch_sdist.py"
NEEDS_LINE = "tensorboard-exr: building the frontend from source needs"


def _pinned_openexr() -> tuple[str, str]:
    """(version, sha256) of the OpenEXR sdist build_wasm.sh pins."""
    script = BUILD_WASM.read_text()
    version = re.search(r"^OPENEXR_VERSION=(\S+)$", script, re.M)
    sha256 = re.search(r"^OPENEXR_SHA256=([0-9a-f]{64})$", script, re.M)
    assert version and sha256, "build_wasm.sh no longer pins OPENEXR_VERSION / OPENEXR_SHA256"
    return version.group(1), sha256.group(1)


def _bin_with(tmp_path: Path, *tools: str) -> str:
    """A PATH of one directory holding only `tools` (links to this machine's)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for tool in tools:
        found = subprocess.run(["which", tool], capture_output=True, text=True).stdout.strip()
        assert found, f"{tool} is not installed"
        (directory / tool).symlink_to(found)
    return str(directory)


def test_fetch_sdist_needs_no_pip_and_ignores_the_build_environment(tmp_path):
    version, sha256 = _pinned_openexr()
    venv.create(tmp_path / "venv", with_pip=False)  # like a PEP 517 build environment: no pip
    python = tmp_path / "venv" / "bin" / "python"
    assert subprocess.run([python, "-c", "import pip"], capture_output=True).returncode != 0
    target = tmp_path / "sdist" / f"openexr-{version}.tar.gz"
    # a PYTHONPATH that would break any interpreter that read it (as pip's build isolation's does)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "sitecustomize.py").write_text("raise SystemExit('read the build environment')\n")
    result = subprocess.run(
        [python, "-I", FETCH, "openexr", version, sha256, target],
        env={**os.environ, "PYTHONPATH": str(broken)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(target.read_bytes()).hexdigest() == sha256
    wrong = subprocess.run(
        [python, "-I", FETCH, "openexr", version, "0" * 64, tmp_path / "wrong.tar.gz"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert wrong.returncode == 1 and not (tmp_path / "wrong.tar.gz").exists()
    assert wrong.stderr.strip() == (
        f"fetch_sdist.py: openexr=={version}: https://pypi.org/simple/openexr/ lists no "
        f"openexr-{version}.tar.gz with sha256 {'0' * 64}"
    )


def test_pip_wheel_from_an_unactivated_venv_builds_a_clean_clone_from_scratch(tmp_path):
    version, sha256 = _pinned_openexr()
    clone = clean_clone(tmp_path / "clone")
    assert (
        not (clone / "frontend" / "node_modules").exists()
        and not (clone / "tensorboard_exr" / "static").exists()
    )
    pip = Path(sys.executable).parent / "pip"  # this venv's, which holds the package in editable mode
    cache = tmp_path / "wasm-cache"
    result = subprocess.run(
        [pip, "wheel", "--no-deps", "--wheel-dir", tmp_path / "dist", "."],
        cwd=clone,
        env=fresh_build_environment(cache, {"PATH": path_without("activate")}),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    (wheel,) = (tmp_path / "dist").glob("tensorboard_exr-*.whl")
    assert wheel.name.endswith("-py3-none-any.whl")
    names = set(files_in_wheel(wheel))
    pages = ("index.js", "decoder_worker.js", "standalone.js")
    notebook = ("notebook_widget.js", "notebook_viewer.js", "notebook_decoder_worker.js")
    for built in ("exr_core.wasm", "exr_core.js", *pages, *notebook):
        assert f"tensorboard_exr/static/{built}" in names
    fetched = [p for p in cache.rglob(f"openexr-{version}.tar.gz")]
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in fetched] == [sha256]


def test_without_emscripten_a_build_says_in_one_line_what_to_install(tmp_path):
    path = _bin_with(tmp_path, "bash", "dirname", "node", "npm")  # no emcc, no patch
    direct = subprocess.run(
        ["bash", ROOT / "scripts" / "build_frontend.sh"],
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert direct.returncode == 1 and direct.stdout == ""
    (line,) = direct.stderr.splitlines()
    assert line.startswith(f"{NEEDS_LINE} emscripten patch (Debian/Ubuntu: apt-get install emscripten patch)")
    assert "or install a built wheel" in line
    clone = clean_clone(tmp_path / "clone")
    through_pip = subprocess.run(
        [Path(sys.executable).parent / "pip", "wheel", "--no-deps", "--wheel-dir", tmp_path / "dist", "."],
        cwd=clone,
        env=fresh_build_environment(tmp_path / "wasm-cache", {"PATH": path}),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert through_pip.returncode != 0
    assert line in through_pip.stdout + through_pip.stderr


@pytest.fixture(autouse=True)
def _needs_git():
    if subprocess.run(["git", "-C", ROOT, "rev-parse"], capture_output=True).returncode != 0:
        pytest.skip("not a git checkout: the clean clone is made from git's file list")
