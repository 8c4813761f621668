"""Stored EXR files are streamed (not read whole per request) and hashed once per version.

bench/bench_load.py measured why: with 16 reviewers fetching 22 MB EXRs, hashing each file at
every request was most of TensorBoard's CPU, and reading each whole took its RSS from 110 MB to
over 1 GB. A file changed in place after it was checked is a new version: checked again.
"""

from __future__ import annotations

import hashlib
import os
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import LOADERS

from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

PIXELS = np.random.default_rng(3).standard_normal((512, 512, 4)).astype(np.float32)  # 4 MB: 16 chunks


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("streamed")
    with exr_summary.Writer(root / "run", background=False, storage="file") as writer:
        for step in (0, 1):
            exr_summary.image(
                "big", PIXELS + step, step, writer=writer, pixel_type="float", compression="none"
            )
    return root


@pytest.fixture(scope="module", params=LOADERS)
def tb(request: pytest.FixtureRequest, logdir: Path) -> Iterator[TensorBoardServer]:
    with TensorBoardServer(logdir, load_fast=request.param) as server:
        server.wait_for_json("/data/plugin/exr/steps?run=run&tag=big", lambda steps: len(steps) == 2)
        yield server


def test_a_stored_file_is_served_whole_and_checked_again_after_a_change(
    tb: TensorBoardServer, logdir: Path
) -> None:
    steps = tb.get_json("/data/plugin/exr/steps?run=run&tag=big")
    entry = steps[1]
    url = "/data/plugin/exr/exr?" + urllib.parse.urlencode({"run": "run", "tag": "big", "step": 1})
    for _ in range(2):  # checked, then from the checked version
        response = tb.get(url)
        assert response.status == 200 and response.headers["content-type"] == "image/x-exr"
        assert int(response.headers["content-length"]) == entry["size"] > 4_000_000
        assert hashlib.sha256(response.body).hexdigest() == entry["sha256"]
        assert response.headers["x-content-type-options"] == "nosniff"
    stored = logdir / "run" / "plugins" / "exr" / f"{entry['sha256']}.exr"
    original = stored.read_bytes()
    damaged = bytearray(original)
    damaged[-1000] ^= 0xFF
    try:
        stored.write_bytes(bytes(damaged))  # same size, new modification time
        stat = stored.stat()
        os.utime(stored, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        response = tb.get(url)
        assert response.status == 404 and "does not match its SHA-256" in response.json()["error"]
    finally:
        stored.write_bytes(original)
    assert hashlib.sha256(tb.get(url).body).hexdigest() == entry["sha256"]
