"""The overview's work and memory stay bounded: with 100 cards only those on screen load and hold
textures (the counter the page exposes), loads of cards scrolled away are cancelled, the page keeps
answering, and small cards draw from reduced copies of big images (full resolution in the
inspector). Real tensorboard, real wasm decoder, the grid's WebGL context in headless Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

from .overview_page import card_index, card_pixels, wait_card_drawn, wait_drawn
from .panel_page import read_pixels
from .pixel_model import assert_close, displayed

RUNS = ("r0", "r1", "r2", "r3")
TAGS = [f"img/{i:02d}" for i in range(25)]
SPARSE_RUN = "r3"  # logs step 0 only


def small(run: int, tag: int, step: int) -> np.ndarray:
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    return np.stack([x / 63 + 0.1 * run, y / 47, np.full_like(x, 0.02 * tag + 0.01 * step)], axis=-1)


BLOCK = 16


RAGGED = (301, 403)  # H, W: not multiples of the reduction


def ragged() -> np.ndarray:
    values = np.random.default_rng(7).uniform(0.0, 4.0, (*RAGGED, 3)).astype(np.float32)
    values[150, 201, 1] = np.nan
    return values


def blocks(seed: int) -> np.ndarray:
    """256x192, constant over 16x16 blocks: a reduced copy's block means are the block values."""
    values = (
        np.random.default_rng(seed).uniform(0.05, 1.5, (192 // BLOCK, 256 // BLOCK, 3)).astype(np.float32)
    )
    return np.repeat(np.repeat(values, BLOCK, axis=0), BLOCK, axis=1)


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("hundred_cards")
    for r, run in enumerate(RUNS):
        with exr_summary.Writer(root / run, background=False) as writer:
            for step in (0,) if run == SPARSE_RUN else (0, 10):
                for t, tag in enumerate(TAGS):
                    exr_summary.image(tag, small(r, t, step), step, writer=writer)
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json(f"/data/plugin/exr/steps?run=r2&tag={TAGS[-1]}", lambda steps: len(steps) == 2)
        yield server


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("big_cards")
    with exr_summary.Writer(root / "run", background=False) as writer:
        for i in range(4):
            exr_summary.image(f"big/{i}", blocks(i), 0, writer=writer)
        for pixel_type in ("half", "float"):
            exr_summary.image(f"ragged/{pixel_type}", ragged(), 0, writer=writer, pixel_type=pixel_type)
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: len(tags.get("run", {})) == 6)
        yield server


def stats(page: Page) -> dict:
    return page.evaluate("window.__exrPanel.overview.stats()")


def open_small_grid(page: Page, server: TensorBoardServer, card_width: int, tags: str = "") -> None:
    page.goto(server.url + "data/plugin_entry.html?name=exr" + (f"#exr&p.exr.filter={tags}" if tags else ""))
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-view", "grid")
    page.locator(".exr-card-size").select_option(str(card_width))
    wait_drawn(page)


def test_scrolling_100_cards_keeps_only_the_visible_cards_textures(
    page: Page, many: TensorBoardServer
) -> None:
    open_small_grid(page, many, 128)
    expect(page.locator(".exr-card")).to_have_count(100)
    # The longest time the page's main thread did not answer, from now on.
    page.evaluate(
        """() => { window.__gap = 0; let last = performance.now();
             setInterval(() => {
               const now = performance.now();
               window.__gap = Math.max(window.__gap, now - last);
               last = now;
             }, 20); }"""
    )
    grid = page.locator(".exr-overview-grid")
    height = grid.evaluate("g => g.scrollHeight - g.clientHeight")
    assert height > 1000, "the grid must be several screens tall"
    seen_textures = 0
    for top in range(0, height + 400, 400):
        grid.evaluate("(g, top) => { g.scrollTop = top; }", top)
        wait_drawn(page)
        s = stats(page)
        assert 0 < s["visibleCards"] < 40, s
        assert s["drawnCards"] <= s["visibleCards"], s
        assert s["liveTextures"] <= 3 * s["visibleCards"], s  # R, G, B of each card on screen, no more
        seen_textures = max(seen_textures, s["uploads"])
    assert seen_textures > 3 * 40, "scrolling through should have uploaded far more than one screen holds"
    # A fling through the grid: the cards passed by cancel their loads.
    page.evaluate("window.__exrPanel.cache.clear()")
    cancelled = page.evaluate("window.__exrPanel.loader.counts.cancelled")
    grid.evaluate(
        "async g => { for (let top = 0; top <= g.scrollHeight; top += 150) {"
        " g.scrollTop = top; await new Promise(r => requestAnimationFrame(r)); } }"
    )
    wait_drawn(page)
    assert page.evaluate("window.__exrPanel.loader.counts.cancelled") > cancelled
    assert stats(page)["liveTextures"] <= 3 * stats(page)["visibleCards"]
    gap = page.evaluate("window.__gap")
    assert gap < 2000, f"the page did not answer for {gap:.0f} ms while scrolling"


def test_a_card_without_the_shared_step_shows_its_nearest_earlier_one_marked(
    page: Page, many: TensorBoardServer
) -> None:
    open_small_grid(page, many, 96)
    card = page.locator(f'.exr-card[data-run="{SPARSE_RUN}"][data-tag="{TAGS[3]}"]')
    card.scroll_into_view_if_needed()
    index = card_index(page, SPARSE_RUN, TAGS[3])
    wait_card_drawn(page, index)
    expect(page.locator(".exr-step-field")).to_have_value("10")
    expect(card).to_have_attribute("data-step", "0")
    expect(card).to_have_attribute("data-step-mark", "earlier")
    expect(card.locator(".exr-card-step")).to_contain_text("≤ 10")
    got = card_pixels(page, index, [(40, 30)])[0]
    assert_close(got, displayed(tuple(float(np.float16(v)) for v in small(3, 3, 0)[30, 40])))


def test_esc_returns_to_the_grid_where_it_was_scrolled(page: Page, many: TensorBoardServer) -> None:
    open_small_grid(page, many, 128)
    grid = page.locator(".exr-overview-grid")
    grid.evaluate("g => { g.scrollTop = 900; }")
    wait_drawn(page)
    top = grid.evaluate("g => g.scrollTop")
    # A card wholly on screen, clicked where it is (a locator's click would scroll it into view).
    target = page.evaluate(
        """() => {
             const g = document.querySelector('.exr-overview-grid').getBoundingClientRect();
             for (const card of document.querySelectorAll('.exr-card[data-state=ready]')) {
               const r = card.querySelector('.exr-card-view').getBoundingClientRect();
               if (r.top >= g.top && r.bottom <= g.bottom)
                 return {run: card.dataset.run, tag: card.dataset.tag,
                         x: r.left + r.width / 2, y: r.top + r.height / 2};
             }
           }"""
    )
    run, tag = target["run"], target["tag"]
    page.mouse.click(target["x"], target["y"])
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-view", "inspector")
    expect(root).to_have_attribute("data-tag", tag or "")
    expect(root).to_have_attribute("data-run", run or "")
    expect(root).to_have_attribute("data-state", "ready")
    page.keyboard.press("Escape")
    expect(root).to_have_attribute("data-view", "grid")
    assert grid.evaluate("g => g.scrollTop") == top
    wait_drawn(page)


def test_small_cards_draw_from_reduced_textures_and_the_inspector_from_full_ones(
    page: Page, big: TensorBoardServer
) -> None:
    open_small_grid(page, big, 96, tags="big")
    cards = page.locator(".exr-card")
    for i in range(4):
        expect(cards.nth(i)).to_have_attribute("data-factor", "2")  # 256x192 in 96x72: 2x2 blocks per texel
    s = stats(page)
    assert s["textureBytes"] == 4 * 3 * (128 * 96 * 4), (
        s
    )  # reduced R32F copies only; the full planes are gone
    image = blocks(1)
    points = [
        (BLOCK * bx + BLOCK // 2, BLOCK * by + BLOCK // 2) for bx, by in [(0, 0), (5, 3), (15, 11), (9, 7)]
    ]
    for (x, y), got in zip(points, card_pixels(page, 1, points), strict=True):
        want = displayed(tuple(float(np.float16(v)) for v in image[y, x]))
        assert_close(got, want, where=f"reduced card pixel {x},{y}")
    cards.nth(1).locator(".exr-card-view").click()
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-tag", "big/1")
    expect(root).to_have_attribute("data-state", "ready")
    assert page.evaluate("window.__exrPanel.viewer.stats().textureBytes") >= 256 * 192 * 2 * 3
    for (x, y), got in zip(points, read_pixels(page, points), strict=True):
        assert_close(
            got, displayed(tuple(float(np.float16(v)) for v in image[y, x])), where=f"inspector {x},{y}"
        )
    assert stats(page)["liveTextures"] == 0


@pytest.mark.parametrize("pixel_type", ["half", "float"])
def test_a_reduced_copy_holds_the_box_means_of_its_blocks(
    page: Page, big: TensorBoardServer, pixel_type: str
) -> None:
    """Read back from the GPU: blocks cut by the image's edges average the pixels they have, and a
    NaN stays in its block's mean (a preview never hides it). Half and float planes alike."""
    open_small_grid(page, big, 96, tags=f"ragged/{pixel_type}")
    card = page.locator(".exr-card").first
    expect(card).to_have_attribute("data-factor", "4")  # 403x301 in 96x72
    stored = ragged().astype(np.float16 if pixel_type == "half" else np.float32).astype(np.float64)
    h, w = RAGGED
    for bx, by in [
        (0, 0),
        (17, 40),
        (100, 75),
        (w // 4, h // 4),
        (50, 37),
    ]:  # last column/row: 3x1 and 1-row blocks
        block = stored[4 * by : min(4 * by + 4, h), 4 * bx : min(4 * bx + 4, w)]
        got = page.evaluate("([x, y]) => window.__exrPanel.overview.cardValues(0, x, y)", [4 * bx, 4 * by])
        want = block.reshape(-1, 3).mean(axis=0)
        # Bilinear fetches weigh a quad's texels 1/4 each up to the float rounding of their coordinates.
        assert np.allclose(got[:3], want, rtol=1e-4, atol=1e-6, equal_nan=True), (bx, by, got, want)
    assert np.isnan(page.evaluate("window.__exrPanel.overview.cardValues(0, 201, 150)")[1])  # the NaN's block
