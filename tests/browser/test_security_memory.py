"""The page's decoded-image cache stays within its byte budget while scrubbing (prefetching
included), evicts least recently used images first, and never shows an evicted image's pixels for
another step; an image larger than the whole budget is shown but not kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

from .panel_page import open_panel, read_pixels
from .pixel_model import assert_close, displayed, half

STEPS = list(range(0, 120, 10))
IMAGE_BYTES = 32 * 32 * 4 * 2  # 32x32 half RGBA, decoded
BUDGET = 3 * IMAGE_BYTES + 100


def colour(step: int) -> tuple[float, float, float, float]:
    return (step / 120.0, 0.5, 1.0 - step / 240.0, 1.0)


@pytest.fixture(scope="module")
def scrub_tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("memory")
    with exr_summary.Writer(root / "run", background=False) as writer:
        for step in STEPS:
            exr_summary.image(
                "scrub",
                np.broadcast_to(np.asarray(colour(step), np.float32), (32, 32, 4)),
                step,
                writer=writer,
            )
        exr_summary.image("big", np.full((64, 64, 3), 0.25, np.float32), 0, writer=writer)
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json(
            "/data/plugin/exr/tags", lambda tags: {"scrub", "big"} <= set(tags.get("run", {}))
        )
        yield server


def _cache(page: Page) -> dict:
    return page.evaluate(
        "() => { const c = window.__exrPanel.cache;"
        " return {bytes: c.bytes, size: c.size, budget: c.budgetBytes}; }"
    )


def test_cache_stays_within_its_budget_and_evicts_oldest(
    page: Page, scrub_tensorboard: TensorBoardServer
) -> None:
    open_panel(page, scrub_tensorboard)  # window.__exrPanel exists once the panel has loaded
    page.evaluate(f"window.__exrPanel.cache.budgetBytes = {BUDGET}")
    page.locator('.exr-tag[data-run="run"][data-tag="scrub"]').click()
    root = page.locator(".exr-panel")
    for step in [*STEPS, *reversed(STEPS), 0, 110, 50]:
        page.locator(".exr-step-slider").fill(str(step))
        expect(root).to_have_attribute("data-step", str(step))
        expect(root).to_have_attribute("data-state", "ready")
        page.wait_for_timeout(30)  # let prefetches land
        state = _cache(page)
        assert state["bytes"] <= BUDGET and state["size"] <= 3, (step, state)
        got = read_pixels(page, [(7, 9)])[0]
        assert_close(got, displayed(tuple(half(v) for v in colour(step)[:3])), where=f"step {step}")
    # Larger than the whole budget: shown, not kept, and the cache is no larger.
    page.evaluate(f"window.__exrPanel.cache.budgetBytes = {IMAGE_BYTES - 1}")
    assert _cache(page)["bytes"] <= IMAGE_BYTES - 1
    page.locator('.exr-tag[data-run="run"][data-tag="big"]').click()
    expect(root).to_have_attribute("data-tag", "big")
    expect(root).to_have_attribute("data-state", "ready")
    got = read_pixels(page, [(3, 3)])[0]
    assert_close(got, displayed((0.25, 0.25, 0.25)), where="big image")
    assert _cache(page) == {"bytes": 0, "size": 0, "budget": IMAGE_BYTES - 1}
