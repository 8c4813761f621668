"""The first visit to a logdir of many steps: the panel's first pixel waits for nothing that grows
with the step count. Before it, exactly one listing of tags, one of the shown tag's steps and one
EXR; the error over all steps (a background job on the server) is asked for beside it and answers
at once, whatever it still has to compute.

(bench_scale.py's 800-step 4K logdir "timed out" before its first pixel: the bench's own
`--vary header` patch had broken every EXR's header; tests/test_bench_scale.py guards that.)
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, Request, expect

from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

from .panel_page import read_pixels
from .pixel_model import assert_close, displayed

STEPS = 600


def image(step: int) -> np.ndarray:
    return np.full((8, 8, 3), step / STEPS, np.float32)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("many_steps")
    with exr_summary.Writer(root / "run", background=False) as writer:
        for step in range(STEPS):
            exr_summary.comparison("g", step, writer=writer, output=image(step), reference=image(0))
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json(
            "/data/plugin/exr/tags",
            lambda tags: all(t.get("max_step") == STEPS - 1 for t in tags.get("run", {}).values())
            and len(tags.get("run", {})) == 2,
        )
        yield server


def route_of(request: Request) -> str:
    return route_of_url(request.url)


def route_of_url(url: str) -> str:
    return urllib.parse.urlparse(url).path.rsplit("/", 1)[-1]


def test_the_first_pixel_waits_for_nothing_proportional_to_the_steps(
    page: Page, tensorboard: TensorBoardServer
) -> None:
    asked: list[str] = []
    api = {"tags", "steps", "exr", "error_steps", "flip"}
    page.on("request", lambda r: route_of(r) in api and asked.append(r.url))
    # The inspector (a run of two tags would otherwise open on the overview grid, which asks for
    # each card's steps and image: two of each, still nothing that grows with the step count).
    page.goto(tensorboard.url + "data/plugin_entry.html?name=exr#exr&p.exr.view=inspector")
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-state", "ready")
    routes = [route_of_url(url) for url in asked]
    # Up to the first image: the tags, the shown tag's steps, then that image at its latest step.
    first_exr = routes.index("exr")
    assert routes[: first_exr + 1] == ["tags", "steps", "exr"], routes
    query = urllib.parse.parse_qs(urllib.parse.urlparse(asked[first_exr]).query)
    assert query["tag"] == [root.get_attribute("data-tag")] and query["step"] == [str(STEPS - 1)]
    latest = image(STEPS - 1 if root.get_attribute("data-tag") == "g/output" else 0)
    assert_close(read_pixels(page, [(3, 3)])[0], displayed(tuple(latest[3, 3].astype(np.float16).tolist())))
    # The strip's request for 600 steps was answered (a 202 with progress, or the list) without
    # holding anything: the server measures in the background while the page polls.
    strip = page.locator(".exr-error-strip")
    expect(strip).to_have_attribute("data-state", "ready", timeout=120_000)
    expect(strip.locator('.exr-strip-point[data-series="mse"]')).to_have_count(STEPS)
