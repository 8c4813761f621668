"""Server-side metrics as background jobs, through a real `tensorboard` (http_api.md, "Background jobs").

A FLIP of a 384x640 HDR pair takes seconds here, long enough to watch the job: the route answers
within a second with the job's progress, a second client joins the same job, polling until done
gives the map the synchronous computation gives, a job nobody polls is cancelled (its worker
process killed), and no more jobs compute at once than the server has slots.
"""

from __future__ import annotations

import io
import os
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from conftest import LOADERS

from tensorboard_exr import metrics
from tensorboard_exr import summary as exr_summary
from tests.tb_server import Response, TensorBoardServer

pytest.importorskip("flip_evaluator")

H, W = 384, 640
STEPS = (0, 1, 2, 3)
RNG = np.random.default_rng(20)
REFERENCE = RNG.uniform(0, 4, (H, W, 3)).astype(np.float32)
OUTPUTS = {
    step: REFERENCE + RNG.normal(0, 0.5 / (step + 1), REFERENCE.shape).astype(np.float32) for step in STEPS
}
SLOW_STEPS = (0, 1, 2)
ABANDON_SECONDS = 3
ENV = {"TENSORBOARD_EXR_METRIC_WORKERS": "1", "TENSORBOARD_EXR_ABANDON_SECONDS": str(ABANDON_SECONDS)}


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("metric_jobs")
    with exr_summary.Writer(root / "run", background=False) as writer:
        for step, output in OUTPUTS.items():
            exr_summary.comparison("g", step, writer=writer, output=output, reference=REFERENCE)
        # HDR-FLIPs of seconds each: several of them wait in line for one slot.
        slow = np.tile(REFERENCE, (2, 2, 1))
        for step in SLOW_STEPS:
            exr_summary.comparison("slow", step, writer=writer, output=slow + 0.1 * step, reference=slow)
        # Its HDR-FLIP takes tens of seconds: still computing when nobody asks for it any more.
        big = np.tile(REFERENCE, (3, 3, 1))
        exr_summary.comparison("big", 0, writer=writer, output=big[::-1], reference=big)
    return root


def start(logdir: Path, load_fast: bool) -> TensorBoardServer:
    server = TensorBoardServer(logdir, load_fast=load_fast, env=ENV)
    server.start()
    server.wait_for_json("/data/plugin/exr/tags", lambda tags: "big/output" in tags.get("run", {}))
    return server


@pytest.fixture(scope="module", params=LOADERS)
def tensorboard(request: pytest.FixtureRequest, logdir: Path) -> Iterator[TensorBoardServer]:
    server = start(logdir, request.param)
    yield server
    server.stop()


def flip_path(step: int, mode: str = "hdr", group: str = "g") -> str:
    query = {"run": "run", "tag": f"{group}/output", "ref_tag": f"{group}/reference", "step": step}
    query["mode"] = mode
    return "/data/plugin/exr/flip?" + urllib.parse.urlencode(query)


def timed_get(server: TensorBoardServer, path: str) -> Response:
    """GET `path`, asserting the answer came within a second (the bar for every request)."""
    started = time.monotonic()
    response = server.get(path)
    assert time.monotonic() - started < 1.0, f"GET {path} held the request {time.monotonic() - started:.2f} s"
    return response


def metric_workers(server: TensorBoardServer) -> list[int]:
    """The process ids of the server's metric worker processes."""
    pid = server._process.pid  # noqa: SLF001 - the test inspects the server's children
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children += [int(p) for p in f.read().split()]
        except OSError:  # a thread that ended meanwhile
            continue
    found = []
    for child in children:
        try:
            with open(f"/proc/{child}/cmdline", "rb") as f:
                if b"tensorboard_exr.metric_worker" in f.read():
                    found.append(child)
        except OSError:
            continue
    return found


def stored(image: np.ndarray) -> np.ndarray:
    """What the writer stored: half floats."""
    return image.astype(np.float16).astype(np.float32)


def test_slow_flip_answers_within_a_second_and_a_second_client_joins(tensorboard: TensorBoardServer) -> None:
    first = timed_get(tensorboard, flip_path(1))
    assert first.status == 202, first.body[:300]
    assert first.headers["retry-after"] == "1" and first.headers["cache-control"] == "no-store"
    status = first.json()
    assert status["state"] in ("queued", "running") and 0 <= status["progress"] < 1
    second = timed_get(tensorboard, flip_path(1))
    assert second.status == 202 and second.json()["job"] == status["job"]
    progress = [status["progress"], second.json()["progress"]]
    while True:
        # Other requests are answered meanwhile: the job runs in another process, not on the GIL.
        assert timed_get(tensorboard, "/data/plugin/exr/tags").status == 200
        response = timed_get(tensorboard, flip_path(1))
        if response.status != 202:
            break
        assert response.json()["job"] == status["job"]
        progress.append(response.json()["progress"])
        time.sleep(0.5)
    assert progress == sorted(progress), progress
    assert response.status == 200 and response.headers["content-type"] == "image/x-exr"
    want = metrics.flip(stored(OUTPUTS[1]), stored(REFERENCE), "hdr")
    served = OpenEXR.File(io.BytesIO(response.body), separate_channels=True).parts[0].channels["Y"].pixels
    assert np.array_equal(served, want.map)
    assert float(response.headers["x-flip-mean"]) == want.mean
    # Done: from the cache at once, and the mean is part of the error over steps.
    assert timed_get(tensorboard, flip_path(1)).body == response.body
    steps = tensorboard.get_job_result(
        "/data/plugin/exr/error_steps?run=run&tag=g/output&ref_tag=g/reference"
    ).json()
    assert next(e for e in steps if e["step"] == 1)["flip_hdr"] == want.mean


def test_a_job_nobody_polls_is_cancelled(logdir: Path) -> None:
    server = start(logdir, load_fast=True)
    try:
        big = flip_path(0, group="big")
        status = timed_get(server, big).json()
        deadline = time.monotonic() + 60
        while status["phase"] != "computing FLIP":
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
            status = timed_get(server, big).json()
        (worker,) = metric_workers(server)
        time.sleep(ABANDON_SECONDS + 1.5)  # nobody asks
        assert worker not in metric_workers(server)
        assert not os.path.exists(f"/proc/{worker}")
        again = timed_get(server, big)
        assert again.status == 202 and again.json()["job"] > status["job"]
        assert again.json()["elapsed"] < 1.0
    finally:
        server.stop()


def test_a_worker_does_not_outlive_its_server(logdir: Path) -> None:
    server = start(logdir, load_fast=False)
    try:
        big = flip_path(0, mode="ldr", group="big")
        deadline = time.monotonic() + 60
        while timed_get(server, big).json()["phase"] != "computing FLIP":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        (worker,) = metric_workers(server)
        server._process.kill()  # noqa: SLF001 - killed outright (no atexit), as the OOM killer would
    finally:
        server.stop()
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{worker}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{worker}")


def test_jobs_compute_one_per_slot_and_the_rest_wait_their_turn(logdir: Path) -> None:
    server = start(logdir, load_fast=True)
    try:
        first_answers = [timed_get(server, flip_path(step, group="slow")).json() for step in SLOW_STEPS]
        # One slot: the first job computes, the others wait in the order they came.
        assert [s["state"] for s in first_answers] == ["running", "queued", "queued"]
        assert [s["queue_position"] for s in first_answers] == [None, 0, 1]
        pending = {step: first_answers[i]["job"] for i, step in enumerate(SLOW_STEPS)}
        finished: list[int] = []
        responses: dict[int, Response] = {}
        while pending:
            assert len(metric_workers(server)) <= 1
            for step in list(pending):
                response = timed_get(server, flip_path(step, group="slow"))
                if response.status == 202:
                    assert response.json()["job"] == pending[step]
                    continue
                del pending[step]
                finished.append(step)
                responses[step] = response
            time.sleep(0.3)
        assert finished == list(SLOW_STEPS)
        assert all(responses[step].status == 200 for step in SLOW_STEPS)
        slow = np.tile(REFERENCE, (2, 2, 1))
        want = metrics.flip(stored(slow + 0.1 * SLOW_STEPS[-1]), stored(slow), "hdr")
        assert float(responses[SLOW_STEPS[-1]].headers["x-flip-mean"]) == want.mean
    finally:
        server.stop()


def test_error_steps_job_with_an_epsilon(tensorboard: TensorBoardServer) -> None:
    base = "/data/plugin/exr/error_steps?run=run&tag=g/output&ref_tag=g/reference"
    first = timed_get(tensorboard, base + "&epsilon=0.5")
    assert first.status in (200, 202)
    if first.status == 202:
        body = first.json()
        assert body["metric"] == "error_steps" and body["total"] == len(STEPS)
        assert all("pending" not in e for e in body["entries"]) and len(body["entries"]) == body["done"]
    entries = tensorboard.get_job_result(base + "&epsilon=0.5").json()
    assert [e["step"] for e in entries] == list(STEPS)
    b = stored(REFERENCE).astype(np.float64)
    for entry in entries:
        a = stored(OUTPUTS[entry["step"]]).astype(np.float64)
        assert entry["mse"] == pytest.approx(np.mean((a - b) ** 2), rel=1e-9)
        assert entry["relmse"] == pytest.approx(np.mean((a - b) ** 2 / (b * b + 0.5)), rel=1e-9)
    default = tensorboard.get_job_result(base).json()
    assert default[0]["relmse"] == pytest.approx(
        np.mean((stored(OUTPUTS[0]) - b) ** 2 / (b * b + metrics.RELATIVE_EPSILON)), rel=1e-9
    )
    for bad in ("-1", "nan", "x"):
        response = tensorboard.get(base + "&epsilon=" + bad)
        assert response.status == 400 and "epsilon" in response.json()["error"]
