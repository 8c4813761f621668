"""The comparison routes without a browser: file-stored EXRs through the Python loader, steps
that cannot be compared, and FLIP's errors. (The Rust-server path is covered by test_compare.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

RNG = np.random.default_rng(7)
REFERENCE = RNG.uniform(0, 1, (16, 24, 3)).astype(np.float32)
OUTPUTS = {
    step: REFERENCE + RNG.normal(0, 0.3 / (step + 1), REFERENCE.shape).astype(np.float32) for step in (0, 5)
}


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("compare_routes")
    with exr_summary.Writer(root / "run", background=False, storage="file") as writer:
        for step, output in OUTPUTS.items():
            exr_summary.comparison("g", step, writer=writer, output=output, reference=REFERENCE)
        exr_summary.comparison("g", 9, writer=writer, output=REFERENCE[:8], reference=REFERENCE)
    with TensorBoardServer(root, load_fast=False) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: "g/output" in tags.get("run", {}))
        yield server


def half(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float16).astype(np.float64)


def test_error_steps_from_file_storage_and_a_step_of_another_size(tensorboard: TensorBoardServer) -> None:
    path = "/data/plugin/exr/error_steps?run=run&tag=g/output&ref_tag=g/reference"
    entries = tensorboard.get_job_result(path).json()
    assert [e["step"] for e in entries] == [0, 5, 9]
    for entry in entries[:2]:
        a, b = half(OUTPUTS[entry["step"]]), half(REFERENCE)
        assert entry["mse"] == pytest.approx(np.mean((a - b) ** 2), rel=1e-9)
        assert entry["relmse"] == pytest.approx(np.mean((a - b) ** 2 / (b * b + 0.01)), rel=1e-9)
    assert set(entries[2]) == {"step", "error"}
    assert "step 9 is 24x8" in entries[2]["error"] and "24x16" in entries[2]["error"]


def test_flip_route_errors_are_clear(tensorboard: TensorBoardServer) -> None:
    base = "/data/plugin/exr/flip?run=run&tag=g/output&ref_tag=g/reference"
    assert tensorboard.get_job_result(f"{base}&step=5&format=json").json()["mean"] > 0
    missing = tensorboard.get(f"{base}&step=3")
    assert missing.status == 404 and "no step 3" in missing.json()["error"]
    sizes = tensorboard.get_job_result(f"{base}&step=9")
    assert sizes.status == 400 and "equal sizes" in sizes.json()["error"]
    assert tensorboard.get(f"{base}&step=x").status == 400
    assert tensorboard.get(f"{base}&step=5&format=png").status == 400
