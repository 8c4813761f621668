"""FLIP maps that take seconds, in both pages: the page follows the server's job (202 with
progress), says how far it is, and then shows the map the reference implementation computes.

A 384x640 HDR pair: its FLIP takes seconds here, so the first answers are 202s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from review_server import ReviewServer, write_exr

from tensorboard_exr import metrics
from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

from .conftest import STATIC
from .panel_page import REVIEW_VIEWER, open_panel, read_pixels, select_tag
from .pixel_model import assert_close, displayed

pytest.importorskip("flip_evaluator")
pytestmark = pytest.mark.skipif(
    not STATIC.joinpath("standalone.js").is_file(), reason="frontend not built (no static/standalone.js)"
)

RNG = np.random.default_rng(12)
REFERENCE = RNG.uniform(0, 3, (384, 640, 3)).astype(np.float32)
OUTPUT = REFERENCE + RNG.normal(0, 0.4, REFERENCE.shape).astype(np.float32)
POINTS = [(0, 0), (100, 50), (333, 200), (639, 383)]
COMPUTED = 120_000  # ms: a FLIP on a loaded 2-core machine


def check_map(pixels: list[list[int]], flip_map: np.ndarray, where: str) -> None:
    for (x, y), got in zip(POINTS, pixels, strict=True):
        assert_close(got, displayed((float(flip_map[y, x]),)), where=f"{where} pixel {x},{y}")


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("flip_jobs")
    with exr_summary.Writer(root / "run", background=False) as writer:
        exr_summary.comparison("g", 0, writer=writer, output=OUTPUT, reference=REFERENCE, pixel_type="float")
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: "g/reference" in tags.get("run", {}))
        yield server


def test_the_dashboard_shows_the_jobs_progress_then_the_flip_map(
    page: Page, tensorboard: TensorBoardServer
) -> None:
    open_panel(page, tensorboard)
    select_tag(page, "run", "g/output", 0)
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-reference-state", "ready")
    page.locator(".exr-metric").select_option("flip-hdr")
    expect(root).to_have_attribute("data-metric-map-progress", re.compile(r"^0(\.\d+)?$"))
    expect(page.locator(".exr-status")).to_contain_text("FLIP (HDR) on the server")
    expect(root).to_have_attribute("data-metric-map", "ready", timeout=COMPUTED)
    want = metrics.flip(OUTPUT, REFERENCE, "hdr")
    assert float(root.get_attribute("data-flip-mean") or "nan") == want.mean
    check_map(read_pixels(page, POINTS), want.map, "FLIP HDR")
    # The strip asks again once a map is computed: the step's mean FLIP is plotted.
    strip = page.locator(".exr-error-strip")
    expect(strip.locator('.exr-strip-point[data-series="flip_hdr"]')).to_have_count(1)


@pytest.fixture(scope="module")
def review_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    folder = tmp_path_factory.mktemp("review_flip")
    write_exr(folder / "noisy" / "x.exr", OUTPUT)
    write_exr(folder / "reference" / "x.exr", REFERENCE)
    with ReviewServer(folder, ["--quiet"]) as server:
        yield server


def test_the_review_page_computes_flip_on_its_server(page: Page, review_server: ReviewServer) -> None:
    page.goto(review_server.url)
    root = page.locator(".exr-review")
    expect(root).to_have_attribute("data-image", "x.exr/noisy")
    expect(root).to_have_attribute("data-state", "ready")
    page.locator(".exr-metric").select_option("flip-ldr")
    expect(root).to_have_attribute("data-metric-map-progress", re.compile(r"^0(\.\d+)?$"))
    expect(page.locator(".exr-status")).to_contain_text("FLIP (LDR) on the server")
    expect(root).to_have_attribute("data-metric-map", "ready", timeout=COMPUTED)
    want = metrics.flip(OUTPUT, REFERENCE, "ldr")
    assert float(root.get_attribute("data-flip-mean") or "nan") == want.mean
    check_map(read_pixels(page, POINTS, REVIEW_VIEWER), want.map, "FLIP LDR")
