"""Which paths the review server sends: nothing outside the root, no symlinks, regular files only."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tensorboard_exr.standalone.served_files import RefusedPath, file_version, open_served_file


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "secret.exr").write_bytes(b"secret")
    served = tmp_path / "root"
    (served / "a").mkdir(parents=True)
    (served / "a" / "x.exr").write_bytes(b"bytes of x")
    return served


def status_of(root: Path, relpath: str) -> int:
    with pytest.raises(RefusedPath) as refused:
        fd, _ = open_served_file(root, relpath)
        os.close(fd)
    return refused.value.status


def test_a_file_under_the_root_is_opened_with_its_size(root: Path) -> None:
    fd, version = open_served_file(root, "a/x.exr")
    with os.fdopen(fd, "rb") as handle:
        assert handle.read() == b"bytes of x"
    assert version.size == len(b"bytes of x")


@pytest.mark.parametrize(
    "relpath",
    [
        "../secret.exr",
        "a/../../secret.exr",
        "a/./x.exr",
        "/etc/passwd",
        "a//x.exr",
        "a\\x.exr",
        "a/x.exr\x00",
        ".git",
    ],
)
def test_paths_that_could_escape_are_refused_with_403(root: Path, relpath: str) -> None:
    assert status_of(root, relpath) == 403


def test_a_symlink_to_a_file_outside_is_refused(root: Path) -> None:
    os.symlink(root.parent / "secret.exr", root / "a" / "evil.exr")
    assert status_of(root, "a/evil.exr") == 403


def test_even_a_symlink_inside_the_root_is_refused(root: Path) -> None:
    os.symlink(root / "a" / "x.exr", root / "a" / "alias.exr")
    os.symlink(root / "a", root / "b")
    assert status_of(root, "a/alias.exr") == 403
    assert status_of(root, "b/x.exr") == 403


def test_missing_files_folders_and_fifos_are_404(root: Path) -> None:
    os.mkfifo(root / "a" / "pipe.exr")
    assert status_of(root, "a/missing.exr") == 404
    assert status_of(root, "a") == 404
    assert status_of(root, "a/x.exr/more") == 404
    assert status_of(root, "a/pipe.exr") == 404


def test_the_version_changes_when_the_file_is_rewritten(root: Path) -> None:
    before = file_version(root, "a/x.exr")
    assert file_version(root, "a/x.exr") == before
    time.sleep(0.01)
    (root / "a" / "x.exr").write_bytes(b"bytes of y")
    after = file_version(root, "a/x.exr")
    assert after.size == before.size and after.token != before.token
