"""The review server's FLIP route (`/api/flip`): a background job like TensorBoard's, over real HTTP."""

from __future__ import annotations

import io
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from review_server import ReviewServer, write_exr

from tensorboard_exr import metrics

pytest.importorskip("flip_evaluator")

RNG = np.random.default_rng(5)
REFERENCE = RNG.uniform(0, 4, (384, 640, 3)).astype(np.float32)
NOISY = REFERENCE + RNG.normal(0, 0.3, REFERENCE.shape).astype(np.float32)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("review_flip")
    (base / "secret.exr").write_bytes(b"not for the browser")
    folder = base / "results"
    write_exr(folder / "noisy" / "x.exr", NOISY)
    write_exr(folder / "reference" / "x.exr", REFERENCE)
    write_exr(folder / "small" / "x.exr", REFERENCE[:8, :8])
    (folder / "notes.txt").write_text("not an image")
    return folder


@pytest.fixture(scope="module")
def server(results: Path) -> Iterator[ReviewServer]:
    with ReviewServer(results, ["--quiet"]) as running:
        yield running


def flip_path(a: str, b: str = "reference/x.exr", **extra: str) -> str:
    return "/api/flip?" + urllib.parse.urlencode({"a": a, "b": b, "mode": "hdr", **extra})


def within_a_second(server: ReviewServer, path: str):
    started = time.monotonic()
    response = server.get(path)
    assert time.monotonic() - started < 1.0, f"GET {path} held the request {time.monotonic() - started:.2f} s"
    return response


def poll(server: ReviewServer, path: str) -> tuple[list[dict], object]:
    """(the 202 statuses seen, the final response), each request answered within a second."""
    statuses = []
    while (response := within_a_second(server, path)).status == 202:
        assert response.headers["retry-after"] == "1"
        statuses.append(response.json())
        assert within_a_second(server, "/api/tree").status == 200  # the server answers meanwhile
        time.sleep(0.5)
    return statuses, response


def served_map(body: bytes) -> np.ndarray:
    return OpenEXR.File(io.BytesIO(body), separate_channels=True).parts[0].channels["Y"].pixels


def test_flip_of_two_files_is_a_job_whose_map_equals_flip_evaluator(server: ReviewServer) -> None:
    statuses, response = poll(server, flip_path("noisy/x.exr"))
    assert statuses, "a 384x640 HDR-FLIP takes longer than the route waits"
    assert {s["job"] for s in statuses} == {statuses[0]["job"]}
    assert all(0 <= s["progress"] < 1 and s["metric"] == "flip" for s in statuses)
    assert response.status == 200 and response.headers["content-type"] == "image/x-exr"
    want = metrics.flip(NOISY, REFERENCE, "hdr")
    assert np.array_equal(served_map(response.body), want.map)
    assert float(response.headers["x-flip-mean"]) == want.mean
    etag = response.headers["etag"]
    assert server.get(flip_path("noisy/x.exr"), {"If-None-Match": etag}).status == 304
    json_answer = within_a_second(server, flip_path("noisy/x.exr", format="json"))
    assert json_answer.status == 200 and json_answer.json()["mean"] == want.mean


def test_a_rewritten_file_is_a_new_pair(server: ReviewServer, results: Path) -> None:
    first = poll(server, flip_path("noisy/x.exr", mode="ldr"))[1]
    write_exr(results / "noisy" / "x.exr", NOISY * 0.5)
    try:
        second = poll(server, flip_path("noisy/x.exr", mode="ldr"))[1]
        assert second.headers["etag"] != first.headers["etag"]
        assert float(second.headers["x-flip-mean"]) == metrics.flip(NOISY * 0.5, REFERENCE, "ldr").mean
    finally:
        write_exr(results / "noisy" / "x.exr", NOISY)


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/api/flip?b=reference/x.exr", 400, "'a' is required"),
        (flip_path("noisy/x.exr", mode="xyz"), 400, "'mode'"),
        (flip_path("notes.txt"), 404, "not one of the files"),
        (flip_path("nothing.exr"), 404, ""),
        (flip_path("../secret.exr"), 403, "refused"),
        (flip_path("small/x.exr"), 400, "equal sizes"),
    ],
)
def test_bad_requests_get_json_errors(server: ReviewServer, path: str, status: int, message: str) -> None:
    response = poll(server, path)[1]
    assert response.status == status and message in response.json()["error"]
