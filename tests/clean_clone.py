"""A clean clone of this repository for build tests, and environments to build or run it in.

`clean_clone(dest)` copies what a fresh `git clone` of the working tree holds (tracked files and
new, not git-ignored ones): no node_modules, no frontend/.cache, no built static/, no venv. Builds
get an empty WebAssembly cache of their own (`fresh_build_environment`), so they download the
OpenEXR sdist and compile it as on a new machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def clean_clone(destination: Path) -> Path:
    """Copies the repository's clone-able files into `destination`; returns it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for raw in listed:
        name = raw.decode()
        source = ROOT / name
        # node_modules is a symlink in worktrees (so not ignored by "node_modules/"); deleted
        # tracked files are still listed
        if not name or "node_modules" in Path(name).parts or not source.is_file():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return destination


def path_without(*tools: str) -> str:
    """This PATH without the directories that hold any of `tools` (e.g. a venv's bin, emcc)."""
    kept = []
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory and not any(os.path.exists(os.path.join(directory, tool)) for tool in tools):
            kept.append(directory)
    return os.pathsep.join(kept)


def fresh_build_environment(wasm_cache: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a build on a new machine: an empty wasm cache, no venv activated."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "VIRTUAL_ENV", "TENSORBOARD_EXR_SKIP_FRONTEND")
    }
    environment["EXR_WASM_CACHE"] = str(wasm_cache)
    environment.update(extra or {})
    return environment


def files_in_wheel(wheel: Path) -> Iterable[str]:
    """The names of the files a wheel holds."""
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()
