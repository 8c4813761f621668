"""Logdirs written by training frameworks open in the EXR tab: a real PyTorch Lightning
`Trainer.fit` (docs/examples/lightning_denoiser.py, with `ExrValidationCallback` and a
`TensorBoardLogger`), served by a real `tensorboard` and shown in headless Chromium."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from conftest import logged_exrs
from playwright.sync_api import Page

from tests.tb_server import TensorBoardServer

from .panel_page import read_pixels, select_tag
from .pixel_model import assert_close, displayed
from .tensorboard_page import open_exr_tab

pytest.importorskip("pytorch_lightning")

ROOT = Path(__file__).resolve().parents[2]
RUN = "denoiser/version_0"
POINTS = [(0, 0), (9, 22), (16, 16), (31, 31), (27, 4)]


@pytest.fixture(scope="module")
def lightning_logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    logdir = tmp_path_factory.mktemp("lightning")
    subprocess.run(
        [sys.executable, str(ROOT / "docs" / "examples" / "lightning_denoiser.py"), str(logdir)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return logdir


@pytest.fixture(scope="module")
def tensorboard(lightning_logdir: Path) -> Iterator[TensorBoardServer]:
    with TensorBoardServer(lightning_logdir, load_fast=True) as server:
        yield server


def _pixels(exr: bytes) -> np.ndarray:
    channels = OpenEXR.File(io.BytesIO(exr), separate_channels=True).channels()
    return np.stack([channels[name].pixels.astype(np.float64) for name in "RGB"], axis=-1)


def test_trainer_fit_logs_each_validation_epoch_as_comparison_groups(lightning_logdir: Path) -> None:
    logged = logged_exrs(lightning_logdir / RUN)
    # 2 epochs of 4 training batches: validation ends at global steps 4 and 8 (not in the sanity check)
    expected = {
        (f"val/sample{i}/{role}", step)
        for i in (0, 1)
        for role in ("input", "output", "reference")
        for step in (4, 8)
    } | {("val/removed_noise", 4), ("val/removed_noise", 8)}
    assert set(logged) == expected
    # the reference is the dataset's clean image, stored as half
    reference = _pixels(logged[("val/sample0/reference", 8)][1])
    assert reference.shape == (32, 32, 3) and reference.max() > 20  # the sun is HDR


def test_the_lightning_logdir_opens_in_the_exr_tab(
    page: Page, tensorboard: TensorBoardServer, lightning_logdir: Path
) -> None:
    logged = logged_exrs(lightning_logdir / RUN)
    for tag in ("val/sample0/output", "val/sample1/reference"):
        steps = tensorboard.wait_for_json(
            "/data/plugin/exr/steps?" + urllib.parse.urlencode({"run": RUN, "tag": tag}),
            lambda entries: len(entries) == 2,
        )
        for entry in steps:
            assert entry["sha256"] == hashlib.sha256(logged[(tag, entry["step"])][1]).hexdigest()
    panel = open_exr_tab(page, tensorboard.url)
    for tag in ("val/sample0/output", "val/sample1/reference"):
        select_tag(panel, RUN, tag, step=8)
        image = _pixels(logged[(tag, 8)][1])
        for (x, y), got in zip(POINTS, read_pixels(panel, POINTS), strict=True):
            assert_close(got, displayed(tuple(image[y, x])), where=f"{tag} pixel {x},{y}")
