"""The overview grid end to end: a logdir of 3 comparison groups × 3 roles × 2 runs at 3 steps,
written by the project's writer, a real `tensorboard`, the wasm decoder, and the grid's one WebGL
context in headless Chromium. Expected pixels come from the display model (pixel_model.py) and the
metric formulas (tensorboard_exr.metrics) applied to the half values the writer stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tensorboard_exr import metrics
from tests.tb_server import TensorBoardServer

from . import overview_logdir as data
from .overview_page import card_index, card_pixels, hover_card, open_grid, wait_drawn
from .panel_page import read_pixels
from .pixel_model import assert_close, displayed

POINTS = [(0, 0), (5, 17), (16, 8), (31, 23)]


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("overview_logdir")
    data.write_logdir(root)
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json(
            f"/data/plugin/exr/steps?run=run_b&tag={data.tag(2, 'reference')}",
            lambda steps: len(steps) == len(data.STEPS),
        )
        yield server


@pytest.fixture
def grid(page: Page, tensorboard: TensorBoardServer) -> Page:
    return open_grid(page, tensorboard)


def image_of(run: str, tag: str, step: int) -> np.ndarray:
    group = data.GROUPS.index(tag.rsplit("/", 1)[0])
    return data.stored(data.image(group, tag.rsplit("/", 1)[1], run, step))


def check_card(page: Page, run: str, tag: str, values: np.ndarray, **view: object) -> None:
    """The card of (run, tag) shows the display model of `values` (HxWx3, already stored/metric)."""
    got = card_pixels(page, card_index(page, run, tag), POINTS)
    for (x, y), pixel in zip(POINTS, got, strict=True):
        want = displayed(tuple(float(v) for v in values[y, x]), **view)  # type: ignore[arg-type]
        assert_close(pixel, want, where=f"{run} {tag} pixel {x},{y} {view}")


def test_grid_is_the_default_and_lays_out_18_cards_by_group_and_role(grid: Page) -> None:
    cards = grid.locator(".exr-card")
    expect(cards).to_have_count(18)
    order = cards.evaluate_all("els => els.map(e => [e.dataset.run, e.dataset.tag])")
    assert [tuple(c) for c in order] == data.card_order()
    # Roles are columns: every input card in column 1, output 2, reference 3.
    columns = cards.evaluate_all("els => els.map(e => [e.dataset.role, e.style.gridColumn])")
    assert {(role, column) for role, column in columns} == {
        ("input", "1"),
        ("output", "2"),
        ("reference", "3"),
    }
    expect(grid.locator(".exr-step-tick")).to_have_count(3)  # the union of the cards' steps
    stats = grid.evaluate("window.__exrPanel.overview.stats()")
    assert stats["visibleCards"] == 18 and stats["drawnCards"] == 18


def test_three_cards_show_the_pixel_model(grid: Page) -> None:
    for run, tag in [
        ("run_a", data.tag(0, "input")),
        ("run_b", data.tag(1, "output")),
        ("run_a", data.tag(2, "reference")),
    ]:
        check_card(grid, run, tag, image_of(run, tag, 20))


def test_exposure_changes_every_linked_card_and_not_an_unlinked_one(grid: Page) -> None:
    unlinked = ("run_b", data.tag(0, "output"))
    card = grid.locator(f'.exr-card[data-run="{unlinked[0]}"][data-tag="{unlinked[1]}"]')
    card.locator(".exr-card-link").uncheck()
    expect(card).to_have_attribute("data-linked", "0")
    grid.locator(".exr-exposure").fill("-1.5")
    expect(grid.locator(".exr-viewer")).to_have_attribute("data-exposure", "-1.5")
    wait_drawn(grid)
    for run, tag in [
        ("run_a", data.tag(0, "output")),
        ("run_b", data.tag(0, "input")),
        ("run_b", data.tag(2, "reference")),
    ]:
        check_card(grid, run, tag, image_of(run, tag, 20), exposure=-1.5)
    check_card(grid, *unlinked, image_of(*unlinked, 20))
    # Linked again, it follows the shared settings.
    card.locator(".exr-card-link").check()
    wait_drawn(grid)
    check_card(grid, *unlinked, image_of(*unlinked, 20), exposure=-1.5)


def test_the_shared_step_moves_every_card_to_that_steps_data(grid: Page) -> None:
    grid.locator(".exr-step-slider").fill("10")
    cards = grid.locator(".exr-card")
    for i in range(18):
        expect(cards.nth(i)).to_have_attribute("data-step", "10")
    wait_drawn(grid)
    for run, tag in data.card_order():
        got = card_pixels(grid, card_index(grid, run, tag), [(9, 13)])[0]
        assert_close(got, displayed(tuple(image_of(run, tag, 10)[13, 9])), where=f"{run} {tag} step 10")
    # A card pinned to its own step keeps it while the shared step moves on.
    pinned = ("run_a", data.tag(1, "output"))
    grid.locator(f'.exr-card[data-run="run_a"][data-tag="{pinned[1]}"] .exr-card-pin').select_option("0")
    grid.locator(".exr-step-slider").fill("20")
    expect(cards.nth(card_index(grid, *pinned))).to_have_attribute("data-step", "0")
    expect(cards.nth(card_index(grid, *pinned))).to_have_attribute("data-step-mark", "pinned")
    expect(cards.nth(0)).to_have_attribute("data-step", "20")
    wait_drawn(grid)
    check_card(grid, *pinned, image_of(*pinned, 0))
    check_card(grid, "run_a", data.tag(0, "input"), image_of("run_a", data.tag(0, "input"), 20))


def test_hovering_one_card_reports_that_pixel_in_every_card(grid: Page) -> None:
    x, y = 21, 6
    hover_card(grid, 4, x, y)
    readout = grid.locator(".exr-cursor-readout")
    expect(readout).to_have_attribute("data-x", str(x))
    expect(readout).to_have_attribute("data-y", str(y))
    rows = readout.locator("tr")
    expect(rows).to_have_count(18)
    for i, (run, tag) in enumerate(data.card_order()):
        row = readout.locator(f'tr[data-run="{run}"][data-tag="{tag}"]')
        assert row.get_attribute("data-step") == "20"
        want = image_of(run, tag, 20)[y, x]
        for c, channel in enumerate("RGB"):
            text = row.locator(f'.exr-reading[data-channel="{channel}"]').get_attribute("data-value")
            # The shortest text that reads back as the stored half.
            assert text is not None and float(np.float16(float(text))) == want[c], (run, tag, channel, text)
        # The crosshair stands at the same image pixel in every card.
        expect(grid.locator(".exr-card").nth(i)).to_have_attribute("data-cursor", f"{x},{y}")


@pytest.mark.parametrize("metric", ["rse", "l1"])
def test_error_cards_show_the_metric_against_their_group_reference(grid: Page, metric: str) -> None:
    grid.locator(".exr-metric").select_option(metric)
    output = grid.locator(f'.exr-card[data-run="run_b"][data-tag="{data.tag(1, "output")}"]')
    expect(output).to_have_attribute("data-mean-error", re.compile(r"\d"))
    wait_drawn(grid)
    for run, g, role in [("run_b", 1, "output"), ("run_a", 2, "input")]:
        tag = data.tag(g, role)
        reference = image_of(run, data.tag(g, "reference"), 20)
        error = metrics.per_pixel(metric, image_of(run, tag, 20), reference)
        check_card(grid, run, tag, error)
        mean = float(
            grid.locator(f'.exr-card[data-run="{run}"][data-tag="{tag}"]').get_attribute("data-mean-error")
        )
        assert mean == pytest.approx(float(np.mean(error)), rel=1e-5), (run, tag)
    # A reference card shows its image; the readout adds the error of each error card.
    check_card(grid, "run_a", data.tag(0, "reference"), image_of("run_a", data.tag(0, "reference"), 20))
    x, y = 7, 19
    hover_card(grid, card_index(grid, "run_b", data.tag(1, "output")), x, y)
    row = grid.locator(f'.exr-cursor-readout tr[data-run="run_b"][data-tag="{data.tag(1, "output")}"]')
    values = row.locator(".exr-error-value").get_attribute("data-values")
    want = metrics.per_pixel(
        metric, image_of("run_b", data.tag(1, "output"), 20), image_of("run_b", data.tag(1, "reference"), 20)
    )
    assert [float(v) for v in values.split()] == pytest.approx(list(want[y, x]), rel=1e-5)  # type: ignore[union-attr]


def play_to_the_end(page: Page, focus: str, probe: str) -> list:
    """Presses Space at 5 fps (from the last step: plays from the first) until playback stops;
    returns [step, probe()] for every step shown, `probe` run in the page as each was drawn."""
    page.locator(".exr-fps").fill("5")
    page.evaluate(
        f"""() => {{ window.__frames = [];
             window.__exrPanel.player.onStep(step => window.__frames.push([step, ({probe})()])); }}"""
    )
    page.locator(focus).first.focus()
    page.keyboard.press("Space")
    player = page.locator(".exr-player")
    expect(player).to_have_attribute("data-playing", "1")
    expect(player).to_have_attribute("data-playing", "0", timeout=60_000)
    assert float(player.get_attribute("data-fps") or 0) > 0
    return page.evaluate("window.__frames")


def test_space_plays_every_step_in_order_and_stops_at_the_end(grid: Page) -> None:
    card = card_index(grid, "run_a", data.tag(0, "output"))
    frames = play_to_the_end(grid, ".exr-card", f"() => window.__exrPanel.overview.cardPixel({card}, 9, 13)")
    assert [step for step, _ in frames] == list(data.STEPS)
    for step, pixel in frames:
        want = displayed(tuple(image_of("run_a", data.tag(0, "output"), step)[13, 9]))
        assert_close(pixel, want, where=f"played step {step}")
    expect(grid.locator(".exr-step-field")).to_have_value("20")


def test_a_click_opens_the_inspector_and_esc_returns_to_the_grid(grid: Page) -> None:
    run, tag = "run_b", data.tag(2, "input")
    grid.locator(f'.exr-card[data-run="{run}"][data-tag="{tag}"] .exr-card-view').click()
    root = grid.locator(".exr-panel")
    expect(root).to_have_attribute("data-view", "inspector")
    expect(root).to_have_attribute("data-tag", tag)
    expect(root).to_have_attribute("data-step", "20")
    expect(root).to_have_attribute("data-state", "ready")
    for (x, y), got in zip(POINTS, read_pixels(grid, POINTS), strict=True):
        assert_close(got, displayed(tuple(image_of(run, tag, 20)[y, x])), where=f"inspector {x},{y}")
    assert grid.evaluate("window.__exrPanel.overview.stats().liveTextures") == 0  # the grid let go
    grid.keyboard.press("Escape")
    expect(root).to_have_attribute("data-view", "grid")
    expect(root).to_have_attribute("data-state", "ready")
    wait_drawn(grid)
    check_card(grid, run, tag, image_of(run, tag, 20))


def test_a_tensorboard_link_opens_the_same_grid_state(page: Page, tensorboard: TensorBoardServer) -> None:
    state = "&p.exr.view=grid&p.exr.filter=g1&p.exr.step=10&p.exr.exposure=1&p.exr.cards=128"
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(tensorboard.url + "#exr" + state)  # TensorBoard's own page: the plugin in its iframe
    frame = page.frame_locator('iframe[src*="plugin_entry.html?name=exr"]')
    root = frame.locator(".exr-panel")
    expect(root).to_have_attribute("data-view", "grid")
    cards = frame.locator(".exr-card")
    expect(cards).to_have_count(6)
    for i in range(6):
        expect(cards.nth(i)).to_have_attribute("data-step", "10")
    expect(frame.locator(".exr-filter")).to_have_value("g1")
    inner = page.frame(url=lambda u: "name=exr" in u)
    assert inner is not None
    wait_drawn(inner)  # type: ignore[arg-type]
    check_card(
        inner, "run_a", data.tag(1, "output"), image_of("run_a", data.tag(1, "output"), 10), exposure=1.0
    )  # type: ignore[arg-type]
    # The panel's own link says the same, in TensorBoard's form, on this page's origin.
    link = inner.evaluate("window.__exrPanel.link()")
    assert link.startswith(tensorboard.url + "#exr&")
    for entry in (
        "p.exr.view=grid",
        "p.exr.filter=g1",
        "p.exr.step=10",
        "p.exr.exposure=1",
        "p.exr.cards=128",
    ):
        assert entry in link, link


def test_a_tensorboard_link_opens_the_same_inspector_state(
    page: Page, tensorboard: TensorBoardServer
) -> None:
    run, tag = "run_b", data.tag(2, "output")
    state = (
        f"&p.exr.run={run}&p.exr.tag={quote(tag, safe='')}&p.exr.step=0&p.exr.exposure=-1&p.exr.tonemap=gamma"
    )
    page.goto(tensorboard.url + "#exr" + state)
    frame = page.frame_locator('iframe[src*="plugin_entry.html?name=exr"]')
    root = frame.locator(".exr-panel")
    expect(root).to_have_attribute("data-view", "inspector")
    expect(root).to_have_attribute("data-run", run)
    expect(root).to_have_attribute("data-tag", tag)
    expect(root).to_have_attribute("data-step", "0")
    expect(root).to_have_attribute("data-state", "ready")
    inner = page.frame(url=lambda u: "name=exr" in u)
    assert inner is not None
    for (x, y), got in zip(POINTS, read_pixels(inner, POINTS), strict=True):  # type: ignore[arg-type]
        want = displayed(tuple(image_of(run, tag, 0)[y, x]), exposure=-1.0, tonemap="gamma")
        assert_close(got, want, where=f"linked inspector {x},{y}")
    # Its own link opens it again, the view included.
    link = inner.evaluate("window.__exrPanel.link()")
    again = page.context.new_page()
    again.goto(link)
    root2 = again.frame_locator('iframe[src*="plugin_entry.html?name=exr"]').locator(".exr-panel")
    expect(root2).to_have_attribute("data-tag", tag)
    expect(root2).to_have_attribute("data-step", "0")
    expect(root2).to_have_attribute("data-state", "ready")
    frame2 = again.frame(url=lambda u: "name=exr" in u)
    assert frame2 is not None
    assert frame2.evaluate("window.__exrPanel.urlState()") == inner.evaluate("window.__exrPanel.urlState()")
    again.close()


def test_linked_pan_and_zoom_show_the_same_region_in_every_card(grid: Page) -> None:
    first = grid.locator(".exr-card-view").first
    box = first.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    grid.keyboard.down("Control")
    grid.mouse.move(cx, cy)
    grid.mouse.wheel(0, -500)  # Ctrl+wheel zooms the card about the pointer: every card, linked
    grid.keyboard.up("Control")
    grid.mouse.move(cx, cy)
    grid.mouse.down()
    grid.mouse.move(cx - 30, cy - 20, steps=3)  # a drag pans
    grid.mouse.up()
    grid.wait_for_function("window.__exrPanel.overview.linkedView !== null")
    wait_drawn(grid)
    view = grid.evaluate("window.__exrPanel.overview.linkedView")
    assert view["zoom"] > 4  # zoomed in from the fit (4 device px per image px at this card size)
    # Every card shows the same image pixel at its centre, and that pixel's value.
    centres = grid.evaluate(
        """() => window.__exrPanel.overview.cardList.map(c =>
             c.drawn.view.imagePixelAt(c.canvas.width / 2, c.canvas.height / 2))"""
    )
    assert len({(p["x"], p["y"]) for p in centres}) == 1, centres
    x, y = centres[0]["x"], centres[0]["y"]
    for run, tag in [("run_b", data.tag(1, "input")), ("run_a", data.tag(2, "output"))]:
        got = card_pixels(grid, card_index(grid, run, tag), [(x, y)])[0]
        assert_close(got, displayed(tuple(image_of(run, tag, 20)[y, x])), where=f"{run} {tag} at {x},{y}")
    grid.keyboard.press("f")  # fit: every card its own fit again
    grid.wait_for_function("window.__exrPanel.overview.linkedView === null")


def test_enter_opens_the_card_under_the_pointer_and_space_plays_in_the_inspector(grid: Page) -> None:
    run, tag = "run_a", data.tag(1, "output")
    hover_card(grid, card_index(grid, run, tag), 3, 3)
    grid.keyboard.press("Enter")
    root = grid.locator(".exr-panel")
    expect(root).to_have_attribute("data-view", "inspector")
    expect(root).to_have_attribute("data-tag", tag)
    expect(root).to_have_attribute("data-run", run)
    expect(root).to_have_attribute("data-state", "ready")
    probe = (
        "() => { const v = window.__exrPanel.viewer, p = v.canvasPointOf(9, 13);"
        " return v.readPixel(p.x, p.y); }"
    )
    frames = play_to_the_end(grid, ".exr-viewer", probe)
    assert [step for step, _ in frames] == list(data.STEPS)
    for step, pixel in frames:
        assert_close(pixel, displayed(tuple(image_of(run, tag, step)[13, 9])), where=f"inspector step {step}")
    expect(root).to_have_attribute("data-step", "20")
