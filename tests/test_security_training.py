"""Training safety: a full disk or a vanished logdir raises a clear error and loses no written step.

The disk-full case uses a real 1.5 MB tmpfs (needs root; skipped otherwise). The file-size-limit
case (EFBIG) is in test_summary.py. Here the training process itself must survive: each test
logs, hits the failure, sees the error at the call or at `flush`/`close`, and carries on.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from conftest import logged_exrs

from tensorboard_exr import summary as exr_summary

NOISE = np.random.default_rng(0).random((64, 64, 4)).astype(np.float32)  # 64 KiB uncompressed


def _decoded_alpha(exr: bytes) -> np.ndarray:
    return OpenEXR.File(io.BytesIO(exr), separate_channels=True).parts[0].channels["A"].pixels


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


@pytest.mark.parametrize("background", [True, False], ids=["background", "foreground"])
@pytest.mark.parametrize("storage", ["inline", "file"])
def test_disk_full_raises_clearly_and_written_steps_stay_readable(
    tiny_disk: Path, background: bool, storage: str
) -> None:
    run = tiny_disk / "run"
    writer = exr_summary.Writer(run, background=background, storage=storage)
    written: list[int] = []
    failure: BaseException | None = None
    for step in range(100):  # 64 KiB per step: the 1.5 MB disk fills after ~20 steps
        try:
            exr_summary.image("noise", NOISE * (step + 1), step, writer=writer, compression="none")
            writer.flush()
        except (exr_summary.ExrWriteError, OSError) as e:
            failure = e
            break
        written.append(step)
    assert failure is not None, "the disk never filled"
    assert "No space left on device" in str(failure), failure
    if background:
        assert isinstance(failure, exr_summary.ExrWriteError) and failure.tag == "noise"
        assert failure.step == written[-1] + 1
    try:
        writer.close()
    except exr_summary.ExrWriteError as e:  # a step queued after the failure may fail again
        assert "No space left on device" in str(e)
    # Every step that returned without an error is on disk, whole, and reads back exactly.
    logged = logged_exrs(run)
    assert len(written) >= 5
    for step in written:
        info, exr = logged[("noise", step)]
        assert exr is not None, f"step {step} lost"
        np.testing.assert_array_equal(_decoded_alpha(exr), (NOISE[..., 3] * (step + 1)).astype(np.float16))


@pytest.mark.parametrize("background", [True, False], ids=["background", "foreground"])
def test_deleted_logdir_raises_instead_of_writing_into_the_void(tmp_path: Path, background: bool) -> None:
    run = tmp_path / "logs" / "run"
    writer = exr_summary.Writer(run, background=background)
    exr_summary.image("a", NOISE, 0, writer=writer)
    writer.flush()
    kept = logged_exrs(run)[("a", 0)][1]
    shutil.rmtree(tmp_path / "logs")
    with pytest.raises((exr_summary.ExrWriteError, FileNotFoundError)) as raised:
        exr_summary.image("a", NOISE, 1, writer=writer)
        writer.flush()
    message = str(raised.value)
    assert "the event file was deleted (did the logdir disappear?)" in message
    assert os.fspath(run) in message
    if background:
        assert "tag 'a', step 1" in message
    writer.close()  # the failure was reported once; closing is then quiet
    assert kept is not None and len(kept) > 0
