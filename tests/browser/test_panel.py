"""The EXR panel end to end: a logdir written by the project's writer, a real `tensorboard`
process with the plugin's routes, the real wasm decoder, WebGL2 in headless Chromium."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

from . import logdir as data
from .panel_page import open_panel, read_pixels, select_tag
from .pixel_model import NAN_MARKER, NEG_INF_MARKER, POS_INF_MARKER, assert_close, displayed, half

POINTS = [(0, 0), (13, 40), (31, 31), (63, 5), (50, 63)]


@pytest.fixture(scope="session")
def tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("logdir")
    data.write_logdir(root)
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: {"train", "eval", "broken"} <= set(tags))
        yield server


@pytest.fixture
def panel(page: Page, tensorboard: TensorBoardServer) -> Page:
    return open_panel(page, tensorboard)


def check(page: Page, image: np.ndarray, points: list[tuple[int, int]] = POINTS, **view: object) -> None:
    """Rendered pixels equal the model of `image` (HxWxC floats, stored as half) under `view`."""
    for (x, y), got in zip(points, read_pixels(page, points), strict=True):
        want = displayed(tuple(half(float(v)) for v in np.atleast_1d(image[y, x])), **view)  # type: ignore[arg-type]
        assert_close(got, want, where=f"pixel {x},{y} {view}")


def focus_viewer(page: Page) -> None:
    page.locator(".exr-viewer").focus()


def test_lists_runs_groups_and_tags(panel: Page) -> None:
    runs = panel.locator(".exr-run")
    expect(runs).to_have_count(3)
    assert sorted(runs.evaluate_all("els => els.map(e => e.dataset.run)")) == ["broken", "eval", "train"]
    train = panel.locator('.exr-run[data-run="train"]')
    expect(train.locator(".exr-tag")).to_have_count(7)
    group = train.locator('.exr-group[data-group="val/kitchen"]')
    expect(group.locator(".exr-role")).to_have_text(["input", "output", "reference"])
    panel.locator(".exr-filter").fill("grad|const")
    expect(panel.locator(".exr-tag")).to_have_count(3)  # train: constant, gradient; eval: constant
    panel.locator(".exr-filter").fill("(")
    expect(panel.locator(".exr-filter-error")).to_contain_text("Invalid regex")


def test_constant_and_gradient_render_expected_srgb(panel: Page) -> None:
    select_tag(panel, "train", "images/constant", step=0)
    check(panel, data.constant(data.CONSTANT))
    select_tag(panel, "eval", "images/constant", step=5)
    check(panel, data.constant(data.EVAL_CONSTANT))
    select_tag(panel, "train", "images/gradient", step=20)
    check(panel, data.gradient(20))


def test_exposure_gamma_and_tonemap_changes(panel: Page) -> None:
    select_tag(panel, "train", "images/gradient", step=20)
    viewer = panel.locator(".exr-viewer")
    focus_viewer(panel)
    panel.keyboard.press("e")
    expect(viewer).to_have_attribute("data-exposure", "0.5")
    check(panel, data.gradient(20), exposure=0.5)
    panel.keyboard.press("Shift+E")
    panel.keyboard.press("Shift+E")
    expect(viewer).to_have_attribute("data-exposure", "-0.5")
    check(panel, data.gradient(20), exposure=-0.5)
    panel.keyboard.press("r")
    panel.keyboard.press("g")
    expect(viewer).to_have_attribute("data-tonemap", "gamma")
    expect(viewer).to_have_attribute("data-gamma", "2.3")
    check(panel, data.gradient(20), tonemap="gamma", gamma=2.3)
    panel.locator(".exr-tonemap").select_option("falsecolour")
    expect(viewer).to_have_attribute("data-tonemap", "falsecolour")
    expect(panel.locator(".exr-legend")).to_be_visible()
    check(panel, data.gradient(20), tonemap="falsecolour")
    panel.locator(".exr-tonemap").select_option("posneg")
    check(panel, data.gradient(20), tonemap="posneg")


def test_false_colour_and_non_finite_markers(panel: Page) -> None:
    select_tag(panel, "train", "images/special", step=0)
    points = list(data.SPECIAL_POINTS.values()) + [(40, 40)]
    got = read_pixels(panel, points)
    for g, want in zip(got, [NAN_MARKER, POS_INF_MARKER, NEG_INF_MARKER, displayed((0.5,))], strict=True):
        assert_close(g, want)
    panel.locator(".exr-tonemap").select_option("falsecolour")
    assert_close(read_pixels(panel, [(40, 40)])[0], displayed((0.5,), tonemap="falsecolour"))
    assert_close(read_pixels(panel, [(10, 10)])[0], NAN_MARKER)  # markers win over the tonemap
    panel.locator(".exr-nonfinite").uncheck()
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-non-finite", "0")
    assert read_pixels(panel, [(10, 10)])[0][:3] != list(NAN_MARKER)


def test_scrubbing_changes_pixels_to_that_steps_data(panel: Page) -> None:
    select_tag(panel, "train", "images/gradient", step=20)
    root = panel.locator(".exr-panel")
    expect(panel.locator(".exr-step-tick")).to_have_count(3)
    panel.locator(".exr-step-slider").fill("10")
    expect(root).to_have_attribute("data-step", "10")
    check(panel, data.gradient(10))
    focus_viewer(panel)
    panel.keyboard.press("ArrowLeft")
    expect(root).to_have_attribute("data-step", "0")
    check(panel, data.gradient(0))
    panel.keyboard.press("End")
    expect(root).to_have_attribute("data-step", "20")
    check(panel, data.gradient(20))
    panel.keyboard.press("Home")
    expect(root).to_have_attribute("data-step", "0")
    panel.keyboard.press("ArrowRight")
    expect(root).to_have_attribute("data-step", "10")
    field = panel.locator(".exr-step-field")
    field.fill("19")  # snaps to the nearest logged step
    field.press("Enter")
    expect(root).to_have_attribute("data-step", "20")
    check(panel, data.gradient(20))


def test_view_survives_step_changes(panel: Page) -> None:
    select_tag(panel, "train", "images/gradient", step=20)
    focus_viewer(panel)
    panel.keyboard.press("Control+0")
    panel.keyboard.press("e")
    viewer = panel.locator(".exr-viewer")
    expect(viewer).to_have_attribute("data-zoom", "1")
    panel.keyboard.press("ArrowLeft")
    expect(panel.locator(".exr-panel")).to_have_attribute("data-step", "10")
    expect(viewer).to_have_attribute("data-zoom", "1")
    expect(viewer).to_have_attribute("data-exposure", "0.5")
    check(panel, data.gradient(10), exposure=0.5)


def test_actual_pixels_and_hover_report_exact_values(panel: Page) -> None:
    select_tag(panel, "train", "images/gradient", step=20)
    focus_viewer(panel)
    panel.keyboard.press("Control+0")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-zoom", "1")
    box = panel.locator(".exr-viewer-canvas").bounding_box()
    assert box is not None
    image = data.gradient(20)
    for x, y in [(13, 40), (63, 5), (0, 63)]:
        p = panel.evaluate("([x, y]) => window.__exrPanel.viewer.canvasPointOf(x, y)", [x, y])
        panel.mouse.move(box["x"] + p["x"] + 0.5, box["y"] + p["y"] + 0.5)
        readout = panel.locator(".exr-readout")
        expect(readout).to_have_attribute("data-x", str(x))
        expect(readout).to_have_attribute("data-y", str(y))
        for c, channel in enumerate("RGB"):
            text = readout.locator(f'.exr-reading[data-channel="{channel}"]').get_attribute("data-value")
            assert text is not None
            assert float(np.float16(float(text))) == half(float(image[y, x, c])), (x, y, channel, text)
        srgb = readout.locator(".exr-displayed").get_attribute("data-srgb")
        want = displayed(tuple(half(float(v)) for v in image[y, x]))
        assert_close([int(v) for v in srgb.split(",")], want)  # type: ignore[union-attr]


def test_layer_file_switches_layers(panel: Page) -> None:
    select_tag(panel, "train", "images/layers", step=0)
    layer = panel.locator(".exr-layer")
    expect(layer.locator("option")).to_have_text(["RGB", "albedo.RGB", "depth.Z"])
    check(panel, data.gradient(0))
    layer.select_option("albedo.RGB")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-layer", "albedo.RGB")
    check(panel, data.constant(data.ALBEDO))
    focus_viewer(panel)
    panel.keyboard.press("]")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-layer", "depth.Z")
    depth = data.depth()
    for (x, y), got in zip(POINTS, read_pixels(panel, POINTS), strict=True):
        assert_close(got, displayed((float(np.float32(depth[y, x])),)), where=f"depth {x},{y}")
    panel.locator(".exr-tonemap").select_option("falsecolour")
    for (x, y), got in zip(POINTS, read_pixels(panel, POINTS), strict=True):
        want = displayed((float(np.float32(depth[y, x])),), tonemap="falsecolour")
        assert_close(got, want, tol=2, where=f"depth false colour {x},{y}")


def test_corrupt_blob_shows_its_error_and_the_panel_keeps_working(panel: Page) -> None:
    panel.locator('.exr-tag[data-run="broken"][data-tag="images/corrupt"]').click()
    panel.locator(".exr-step-slider").fill("1")
    root = panel.locator(".exr-panel")
    expect(root).to_have_attribute("data-state", "error")
    expect(root).to_have_attribute("data-step", "1")
    message = panel.locator(".exr-viewer-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("broken / images/corrupt / step 1:")
    assert len(message.text_content() or "") > len("broken / images/corrupt / step 1: ") + 5
    panel.locator(".exr-step-slider").fill("2")
    expect(root).to_have_attribute("data-state", "ready")
    expect(message).to_be_hidden()
    check(panel, data.constant(data.CONSTANT))
    select_tag(panel, "train", "images/gradient", step=20)
    check(panel, data.gradient(20))


def test_image_too_large_for_the_gpu_shows_a_readable_error(panel: Page) -> None:
    panel.locator('.exr-tag[data-run="broken"][data-tag="images/too_wide"]').click()
    root = panel.locator(".exr-panel")
    expect(root).to_have_attribute("data-state", "error")
    message = panel.locator(".exr-viewer-message")
    expect(message).to_contain_text("broken / images/too_wide / step 0:")
    expect(message).to_contain_text("8200x2")
    select_tag(panel, "train", "images/constant", step=0)
    check(panel, data.constant(data.CONSTANT))


def test_help_lists_every_shortcut(panel: Page) -> None:
    focus_viewer(panel)
    panel.keyboard.press("?")
    help_dialog = panel.locator(".exr-help")
    expect(help_dialog).to_be_visible()
    for keys in ("E / Shift+E", "O / Shift+O", "G / Shift+G", "Ctrl+0", "[ / ]", "← / →", "Home / End"):
        expect(help_dialog).to_contain_text(keys)
    panel.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()


def test_full_tensorboard_ui_smoke(page: Page, tensorboard: TensorBoardServer) -> None:
    """Through TensorBoard's own UI: the tab's iframe, the host messages (GetRuns), the render."""
    page.goto(tensorboard.url + "#exr")
    frame = page.frame_locator('iframe[src*="plugin_entry.html?name=exr"]')
    expect(frame.locator(".exr-run")).to_have_count(3)
    frame.locator('.exr-tag[data-run="train"][data-tag="images/gradient"]').click()
    expect(frame.locator(".exr-panel")).to_have_attribute("data-step", "20")
    expect(frame.locator(".exr-panel")).to_have_attribute("data-state", "ready")
    inner = page.frame(url=lambda u: "name=exr" in u)
    assert inner is not None
    check(inner, data.gradient(20))  # type: ignore[arg-type]
    assert not math.isnan(float(inner.evaluate("window.__exrPanel.viewer.state.zoom")))


def test_new_data_appears_on_reload_without_losing_the_view(page: Page, tmp_path: Path) -> None:
    """TensorBoard's reload button → DataReloaded/RunsChanged → new steps and runs, same view."""
    with data_writer(tmp_path / "live") as writer:
        for step in (0, 10):
            exr_summary.image("images/gradient", data.gradient(step), step, writer=writer)
    with TensorBoardServer(tmp_path, load_fast=True, extra_args=("--reload_interval", "1")) as tb:
        tb.wait_for_json("/data/plugin/exr/steps?run=live&tag=images/gradient", lambda s: len(s) == 2)
        page.goto(tb.url + "#exr")
        frame = page.frame_locator('iframe[src*="plugin_entry.html?name=exr"]')
        root = frame.locator(".exr-panel")
        expect(root).to_have_attribute("data-step", "10")
        expect(root).to_have_attribute("data-state", "ready")
        viewer = frame.locator(".exr-viewer")
        viewer.click()
        page.keyboard.press("Control+0")
        page.keyboard.press("e")
        expect(viewer).to_have_attribute("data-zoom", "1")
        expect(viewer).to_have_attribute("data-exposure", "0.5")
        pan = viewer.get_attribute("data-pan")

        with data_writer(tmp_path / "live") as writer:
            exr_summary.image("images/gradient", data.gradient(20), 20, writer=writer)
        with data_writer(tmp_path / "later") as writer:
            exr_summary.image("images/constant", data.constant(data.CONSTANT), 0, writer=writer)
        tb.wait_for_json("/data/plugin/exr/steps?run=live&tag=images/gradient", lambda s: len(s) == 3)
        tb.wait_for_json("/data/plugin/exr/tags", lambda tags: "later" in tags)
        page.locator("button.reload-button").click()

        expect(frame.locator(".exr-step-tick")).to_have_count(3)
        expect(frame.locator(".exr-run")).to_have_count(2)
        expect(root).to_have_attribute("data-step", "10")  # still where the user was
        expect(viewer).to_have_attribute("data-zoom", "1")
        expect(viewer).to_have_attribute("data-exposure", "0.5")
        assert viewer.get_attribute("data-pan") == pan
        viewer.click()
        page.keyboard.press("End")
        expect(root).to_have_attribute("data-step", "20")
        inner = page.frame(url=lambda u: "name=exr" in u)
        assert inner is not None
        check(inner, data.gradient(20), exposure=0.5)  # type: ignore[arg-type]


def data_writer(run: Path) -> exr_summary.Writer:
    return exr_summary.Writer(run, background=False)


def test_scrub_burst_latest_request_wins_and_neighbours_are_prefetched(panel: Page) -> None:
    select_tag(panel, "train", "images/gradient", step=20)
    panel.wait_for_function("window.__exrPanel.loadCounts.prefetched >= 2")  # steps 10 and 0
    before = panel.evaluate("window.__exrPanel.loadCounts")
    # Forget everything, then five slider moves in one task: only the last may be fetched through.
    panel.evaluate(
        """() => {
             window.__exrPanel.cache.clear();
             const slider = document.querySelector('.exr-step-slider');
             for (const step of [0, 10, 20, 0, 10]) {
               slider.value = String(step);
               slider.dispatchEvent(new Event('input'));
             }
           }"""
    )
    root = panel.locator(".exr-panel")
    expect(root).to_have_attribute("data-step", "10")
    expect(root).to_have_attribute("data-state", "ready")
    after = panel.evaluate("window.__exrPanel.loadCounts")
    assert after["started"] - before["started"] == 5
    assert after["cancelled"] - before["cancelled"] == 4  # downloads that never reached the decoder
    assert after["shown"] - before["shown"] == 1
    check(panel, data.gradient(10))
    # Neighbours of step 10 (20 and 0) are decoded in the background, so going there is instant.
    panel.wait_for_function("window.__exrPanel.cache.size >= 3")
    focus_viewer(panel)
    panel.keyboard.press("ArrowRight")
    expect(root).to_have_attribute("data-step", "20")
    expect(root).to_have_attribute("data-cached", "1")
    check(panel, data.gradient(20))


def test_a_file_over_a_mebibyte_is_decoded_by_all_workers_exactly(page: Page, tmp_path: Path) -> None:
    """Large files are split into row bands over the panel's workers, which hand the planes on to
    each other (MessageChannels between Web Workers); every band must land in its rows."""
    noise = np.random.default_rng(3).uniform(0.0, 4.0, (512, 640, 3)).astype(np.float32)
    with exr_summary.Writer(tmp_path / "big", background=False) as writer:
        exr_summary.image("images/noise", noise, 0, writer=writer)  # half + ZIP: noise stays > 1 MiB
    with TensorBoardServer(tmp_path, load_fast=True) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: "big" in tags)
        open_panel(page, server)
        select_tag(page, "big", "images/noise")
        stats = page.evaluate("window.__exrDecoderPool.lastStats")
        workers = page.evaluate("Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2))")
        assert workers >= 2, "this test needs a machine with two hardware threads"
        assert stats["workers"] == workers
        assert stats["relays"] == 0  # the planes went worker to worker, not through the page
        check(page, noise, [(0, 0), (639, 0), (100, 255), (101, 256), (320, 400), (5, 511), (639, 511)])
