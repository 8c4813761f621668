"""The reviewer's tools (issue 17) end to end in the EXR tab: auto exposure (N), the range lock (L),
pins and their values over the steps (P, V), region statistics that survive scrubbing, a settable
epsilon, and the view taken away (PNG with text chunks, the original EXR, a link). A logdir written
by the project's writer (reviewer_logdir.py), a real `tensorboard`, the wasm decoder and WebGL2 in
headless Chromium; expected values from numpy, tensorboard_exr.metrics and pixel_model.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tensorboard_exr import metrics
from tests.tb_server import TensorBoardServer

from . import reviewer_logdir as data
from .overview_page import card_index, card_pixels, open_grid, wait_drawn
from .panel_page import help_keys, hover_pixel, open_panel, read_pixels, select_tag, toolbar_rows
from .pixel_model import assert_close, displayed, half
from .tensorboard_page import exr_frame

LUMINANCE = np.array([0.2126, 0.7152, 0.0722])


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TensorBoardServer, bytes]]:
    root: Path = tmp_path_factory.mktemp("reviewer_logdir")
    odd = data.write_logdir(root)
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: {"train", "eval"} <= set(tags))
        yield server, odd


@pytest.fixture
def tensorboard(logged: tuple[TensorBoardServer, bytes]) -> TensorBoardServer:
    return logged[0]


@pytest.fixture
def panel(page: Page, tensorboard: TensorBoardServer) -> Page:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=tensorboard.url.rstrip("/"))
    return open_panel(page, tensorboard)


def viewer_attr(page: Page, name: str) -> str:
    return page.locator(".exr-viewer").get_attribute(f"data-{name}") or ""


def tone(page: Page) -> tuple[float, float]:
    state = page.evaluate("window.__exrPanel.viewer.state")
    return state["exposure"], state["offset"]


def scrub_to(page: Page, step: int) -> None:
    page.locator(".exr-step-slider").fill(str(step))
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-step", str(step))
    expect(root).to_have_attribute("data-state", "ready")


def check(page: Page, image: np.ndarray, points: list[tuple[int, int]], where: str, **view: object) -> None:
    for (x, y), got in zip(points, read_pixels(page, points), strict=True):
        want = displayed(tuple(float(v) for v in image[y, x]), **view)  # type: ignore[arg-type]
        assert_close(got, want, where=f"{where} pixel {x},{y} {view}")


def stored(image: np.ndarray) -> np.ndarray:
    """What a half EXR holds for `image`."""
    return image.astype(np.float16).astype(np.float64)


POINTS = [(0, 0), (13, 40), (31, 31), (63, 5), (50, 63)]
NEAR_CENTRE = [(31, 31), (28, 36), (34, 27), (12, 34), (40, 30), (25, 25)]


# ---- auto exposure and the lock ---------------------------------------------------------


def test_auto_exposure_puts_the_995th_percentile_near_white(panel: Page) -> None:
    medians = []
    for name, scale in data.EXPOSURES.items():
        select_tag(panel, "train", f"exposure/{name}", step=0)
        panel.locator(".exr-viewer").focus()
        panel.keyboard.press("n")
        expect(panel.locator(".exr-viewer")).to_have_attribute("data-auto-exposure", "1")
        image = data.exposed(scale).astype(np.float64)
        luminance = image @ LUMINANCE
        flat = luminance.ravel()
        high, low, median = (np.percentile(flat, q) for q in (99.5, 0.5, 50))
        exposure, offset = tone(panel)
        # The fit maps the robust range onto [0, 1] before the sRGB curve.
        assert low * 2**exposure + offset == pytest.approx(0.0, abs=2e-3), name
        assert high * 2**exposure + offset == pytest.approx(1.0, abs=2e-3), name
        at = [divmod(int(np.argmin(np.abs(flat - q))), data.W)[::-1] for q in (high, median)]
        shown_high, shown_median = read_pixels(panel, [(int(x), int(y)) for x, y in at])
        assert min(shown_high[:3]) >= 250, f"{name}: the 99.5th percentile shows as {shown_high}"
        fx, fy = data.FIREFLIES[0]
        assert read_pixels(panel, [(fx, fy)])[0][:3] == [255, 255, 255]  # a firefly clips, it does not decide
        check(panel, image, POINTS, name, exposure=exposure, offset=offset)
        medians.append(shown_median[:3])
    # One picture at three levels looks the same once each is fitted.
    for m in medians[1:]:
        assert max(abs(a - b) for a, b in zip(m, medians[0], strict=True)) <= 2, medians


def test_the_lock_keeps_exposure_while_scrubbing_and_the_pixels_follow_the_data(panel: Page) -> None:
    select_tag(panel, "train", "scrub/image", step=data.SCRUB_STEPS[-1])
    viewer = panel.locator(".exr-viewer")
    viewer.focus()
    panel.keyboard.press("n")
    expect(viewer).to_have_attribute("data-auto-exposure", "1")
    fitted = tone(panel)
    # Unlocked, auto exposure fits each step anew: step 0 (5x dimmer) gets another exposure.
    scrub_to(panel, 0)
    panel.wait_for_function(f"window.__exrPanel.viewer.state.exposure !== {fitted[0]}")
    scrub_to(panel, data.SCRUB_STEPS[-1])
    panel.wait_for_function(f"window.__exrPanel.viewer.state.exposure === {fitted[0]}")
    viewer.focus()
    panel.keyboard.press("l")
    expect(viewer).to_have_attribute("data-locked", "1")
    for step in data.SCRUB_STEPS:
        scrub_to(panel, step)
        assert tone(panel) == fitted, f"step {step}"
        check(panel, stored(data.scrub(step)), POINTS, f"locked {step}", exposure=fitted[0], offset=fitted[1])
    # Switching run keeps it too.
    select_tag(panel, "eval", "scrub/image")
    assert tone(panel) == fitted
    step = int(panel.locator(".exr-panel").get_attribute("data-step") or 0)
    eval_image = stored(data.scrub(step, "eval"))
    check(panel, eval_image, POINTS, "locked eval", exposure=fitted[0], offset=fitted[1])
    # Unlocking fits the image shown again.
    viewer.focus()
    panel.keyboard.press("l")
    expect(viewer).to_have_attribute("data-locked", "0")
    panel.wait_for_function(f"window.__exrPanel.viewer.state.exposure !== {fitted[0]}")


# ---- pins over the steps ----------------------------------------------------------------


def test_a_pinned_probe_plots_every_step_and_a_click_selects_that_step(panel: Page) -> None:
    select_tag(panel, "train", "scrub/image", step=data.SCRUB_STEPS[-1])
    px, py = 40, 21
    hover_pixel(panel, px, py)
    panel.keyboard.press("p")
    viewer = panel.locator(".exr-viewer")
    expect(viewer).to_have_attribute("data-pins", f"{px},{py}")
    probes = panel.locator(".exr-probes")
    expect(probes).to_be_visible()
    shown = stored(data.scrub(data.SCRUB_STEPS[-1]))[py, px]
    cells = probes.locator(".exr-probe-a").evaluate_all("els => els.map(e => Number(e.dataset.value))")
    assert cells == pytest.approx(list(shown), abs=1e-6)
    # A sweep is cancellable: cancelled at once, it stops with fewer than every step measured.
    started, after_cancel = panel.evaluate(
        """() => { const p = window.__exrPanel.tools.probes;
                   p.toggleSweep(); const started = p.sweeping;
                   p.toggleSweep(); return [started, p.sweeping]; }"""
    )
    assert (started, after_cancel) == (True, False)
    panel.wait_for_timeout(500)
    assert len(panel.evaluate("window.__exrPanel.tools.probes.series.points")) < len(data.SCRUB_STEPS)
    expect(probes).not_to_have_attribute("data-sweep", "running")
    panel.keyboard.press("v")
    expect(probes).to_have_attribute("data-sweep", "done", timeout=60_000)
    points = probes.locator(".exr-probe-point")
    expect(points).to_have_count(len(data.SCRUB_STEPS) * 3)
    got = points.evaluate_all(
        "els => els.map(e => [Number(e.dataset.step), e.dataset.channel, Number(e.dataset.value)])"
    )
    for step in data.SCRUB_STEPS:
        want = data.scrub(step)[py, px]
        for c, channel in enumerate("RGB"):
            (value,) = [v for s, ch, v in got if s == step and ch == channel]
            # Within half precision of the logged value (it is the stored half exactly).
            assert value == pytest.approx(float(want[c]), rel=2**-11, abs=1e-7), (step, channel)
            assert value == half(float(want[c]))
    points.and_(panel.locator('[data-step="10"][data-channel="R"]')).click()
    expect(panel.locator(".exr-panel")).to_have_attribute("data-step", "10")
    expect(panel.locator(".exr-panel")).to_have_attribute("data-state", "ready")
    check(panel, stored(data.scrub(10)), POINTS, "after the click")
    expect(probes.locator(".exr-probe-current")).to_have_count(1)


# ---- region statistics, epsilon ---------------------------------------------------------


def expect_reference(page: Page, tag: str, step: int) -> None:
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-reference-state", "ready")
    expect(root).to_have_attribute("data-reference-tag", tag)
    expect(root).to_have_attribute("data-reference-step", str(step))


def numpy_statistics(values: np.ndarray) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in ("mean", "std", "nan", "posInf", "negInf", "count")}
    for c in range(values.shape[-1]):
        v = values[..., c].ravel().astype(np.float32).astype(np.float64)
        finite = v[np.isfinite(v)]
        out["mean"].append(finite.mean())
        out["std"].append(finite.std())
        out["nan"].append(int(np.isnan(v).sum()))
        out["posInf"].append(int(np.isposinf(v).sum()))
        out["negInf"].append(int(np.isneginf(v).sum()))
        out["count"].append(finite.size)
    return out


def check_region(panel: Page, step: int, rect: dict[str, int]) -> None:
    x, y, w, h = rect["x"], rect["y"], rect["width"], rect["height"]
    a = data.scene_output(step).astype(np.float64)
    b = data.scene_reference().astype(np.float64)
    panel.wait_for_function(
        "([x, w]) => { const s = window.__exrPanel.statistics; "
        "return s && s.region.x === x && s.region.width === w; }",
        arg=[x, w],
    )
    stats = panel.evaluate("window.__exrPanel.statistics")
    want = numpy_statistics(a[y : y + h, x : x + w])
    for c, channel in enumerate(stats["channels"]):
        for key in ("nan", "posInf", "negInf", "count"):
            assert channel[key] == want[key][c], (step, channel["channel"], key)
        assert channel["mean"] == pytest.approx(want["mean"][c], rel=1e-4, abs=1e-6)
        assert channel["std"] == pytest.approx(want["std"][c], rel=1e-3, abs=1e-6)
    comparison = panel.evaluate("window.__exrPanel.tools.comparison")
    exposure, offset = tone(panel)
    for part, (aa, bb) in {
        "region": (a[y : y + h, x : x + w], b[y : y + h, x : x + w]),
        "whole": (a, b),
    }.items():
        got = comparison[part]
        errors = metrics.mean_errors(aa, bb, epsilon=got["epsilon"])
        assert got["mse"] == pytest.approx(errors["mse"], rel=1e-6), (step, part)
        assert got["relmse"] == pytest.approx(errors["relmse"], rel=1e-6), (step, part)
        assert got["nonFinite"] == errors["nonfinite"], (step, part)
        assert got["psnr"] == pytest.approx(metrics.psnr(aa, bb, exposure, offset), rel=1e-5), (step, part)
        assert got["peak"] == 1


def test_region_statistics_equal_numpy_before_and_after_a_step_change(panel: Page) -> None:
    select_tag(panel, "train", f"{data.SCENE}/output", step=data.SCENE_STEPS[-1])
    expect_reference(panel, f"{data.SCENE}/reference", data.SCENE_STEPS[-1])
    panel.locator(".exr-viewer").focus()
    panel.keyboard.press("h")
    # A Ctrl+drag over the NaN and Inf pixels.
    hover_pixel(panel, 8, 6)
    panel.keyboard.down("Control")
    panel.mouse.down()
    hover_pixel(panel, 30, 25)
    panel.mouse.up()
    panel.keyboard.up("Control")
    region = viewer_attr(panel, "region")
    x, y, w, h = (int(v) for v in region.split(","))
    assert x <= data.NAN_PIXEL[0] < x + w and y <= data.INF_PIXEL[1] < y + h, region
    rect = {"x": x, "y": y, "width": w, "height": h}
    check_region(panel, data.SCENE_STEPS[-1], rect)
    scrub_to(panel, data.SCENE_STEPS[0])
    assert viewer_attr(panel, "region") == region  # the rectangle stays
    check_region(panel, data.SCENE_STEPS[0], rect)


def test_epsilon_changes_the_error_map_and_the_strip_as_the_formula_says(panel: Page) -> None:
    step = data.SCENE_STEPS[-1]
    select_tag(panel, "train", f"{data.SCENE}/output", step=step)
    panel.locator(".exr-metric").select_option("rse")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-metric", "rse")
    a, b = data.scene_output(step).astype(np.float64), data.scene_reference().astype(np.float64)
    points = [(0, 0), (5, 33), (40, 8), (63, 63), (30, 21)]
    strip = panel.locator(".exr-error-strip")
    for epsilon in (0.01, 1.0):
        if epsilon != 0.01:
            panel.locator(".exr-epsilon").fill(str(epsilon))
            panel.locator(".exr-epsilon").press("Enter")
        expect(panel.locator(".exr-viewer")).to_have_attribute("data-epsilon", f"{epsilon:g}")
        check(panel, metrics.per_pixel("rse", a, b, epsilon=epsilon), points, f"rse eps {epsilon}")
        expect(panel.locator(".exr-metric-formula")).to_contain_text("(A − B)² / (B² + ")
        expect(strip).to_have_attribute("data-state", "ready", timeout=60_000)
        last = metrics.mean_errors(a, b, epsilon=epsilon)["relmse"]
        panel.wait_for_function(
            "want => window.__exrPanel.errorValues.some(v => Math.abs(v.relmse - want) <= 1e-9 * want)",
            arg=last,
        )
        if epsilon != 0.01:
            expect(strip).to_contain_text(f"ε {epsilon:g}")
        values = panel.evaluate("window.__exrPanel.errorValues")
        assert [v["step"] for v in values] == list(data.SCENE_STEPS)
        for entry in values:
            aa = data.scene_output(entry["step"]).astype(np.float64)
            want = metrics.mean_errors(aa, b, epsilon=epsilon)
            assert entry["relmse"] == pytest.approx(want["relmse"], rel=1e-9), (epsilon, entry["step"])
            assert entry["mse"] == pytest.approx(want["mse"], rel=1e-9)
    # The saved PNG states the metric with its formula and ε (UTF-8: an iTXt chunk).
    with panel.expect_download() as info:
        panel.locator(".exr-viewer").press("s")
    text = Image.open(io.BytesIO(Path(info.value.path()).read_bytes())).text  # type: ignore[attr-defined]
    assert text["metric"] == "RSE (tev): (A − B)² / (B² + 1)", text
    assert (text["epsilon"], text["tag"], text["step"]) == ("1", f"{data.SCENE}/output", str(step))
    # relMSE falls as ε grows: the formula's denominator.
    assert metrics.mean_errors(a, b, 1.0)["relmse"] < metrics.mean_errors(a, b, 0.01)["relmse"]


# ---- taking the view away ---------------------------------------------------------------


def test_the_saved_png_is_the_displayed_view_with_its_text_chunks(panel: Page) -> None:
    step = 10
    select_tag(panel, "train", "scrub/image")
    scrub_to(panel, step)
    panel.locator(".exr-viewer").focus()
    panel.keyboard.press("e")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-exposure", "0.5")
    with panel.expect_download() as info:
        panel.keyboard.press("Shift+S")
    download = info.value
    assert download.suggested_filename == f"train_scrub_image_{step}_1to1.png"
    png = Image.open(io.BytesIO(Path(download.path()).read_bytes()))
    assert png.size == (data.W, data.H)
    text = png.text  # type: ignore[attr-defined]
    assert (text["run"], text["tag"], text["step"]) == ("train", "scrub/image", str(step))
    assert text["exposure"] == "0.5" and text["metric"] == "none" and text["tonemap"] == "srgb"
    rgb = np.asarray(png.convert("RGBA"))
    image = stored(data.scrub(step))
    points = POINTS + [(x, y) for x in range(0, 64, 9) for y in range(0, 64, 13)]
    for (x, y), shown in zip(points, read_pixels(panel, points), strict=True):
        assert list(rgb[y, x]) == shown, (x, y)
        assert_close(list(rgb[y, x]), displayed(tuple(image[y, x]), exposure=0.5), where=f"png {x},{y}")
    # As shown: the canvas's pixels.
    with panel.expect_download() as info:
        panel.keyboard.press("s")
    view = np.asarray(Image.open(io.BytesIO(Path(info.value.path()).read_bytes())).convert("RGBA"))
    size = panel.evaluate("[window.__exrPanel.viewer.canvas.width, window.__exrPanel.viewer.canvas.height]")
    assert (view.shape[1], view.shape[0]) == tuple(size)
    for x, y in POINTS:
        at = panel.evaluate(f"window.__exrPanel.viewer.canvasPointOf({x}, {y})")
        assert list(view[at["y"], at["x"]]) == panel.evaluate(
            f"window.__exrPanel.viewer.readPixel({at['x']}, {at['y']})"
        ), (x, y)


def test_the_downloaded_exr_is_the_logged_file_with_a_safe_name(
    panel: Page, logged: tuple[TensorBoardServer, bytes]
) -> None:
    select_tag(panel, "train", data.ODD_TAG, step=0)
    panel.locator(".exr-viewer").focus()
    with panel.expect_download() as info:
        panel.keyboard.press("d")
    download = info.value
    assert download.suggested_filename == "train_files_a_b_c_0.exr"
    got = Path(download.path()).read_bytes()
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(logged[1]).hexdigest()


def test_a_copied_link_opens_the_same_view_in_a_fresh_browser(
    panel: Page, browser: Browser, tensorboard: TensorBoardServer
) -> None:
    select_tag(panel, "train", "scrub/image")
    scrub_to(panel, 10)
    viewer = panel.locator(".exr-viewer")
    viewer.focus()
    panel.keyboard.press("n")
    panel.keyboard.press("l")
    hover_pixel(panel, 12, 34)
    panel.keyboard.press("p")
    expect(viewer).to_have_attribute("data-pins", "12,34")
    panel.keyboard.press("u")
    panel.wait_for_function("window.__exrPanel.tools.exporter.last?.action === 'copy-link'")
    assert panel.evaluate("window.__exrPanel.tools.exporter.last.ok")
    link = panel.evaluate("navigator.clipboard.readText()")
    assert link.startswith(tensorboard.url + "#exr&"), link
    for entry in ("p.exr.run=train", "p.exr.step=10", "p.exr.lock=1", "p.exr.pins=12"):
        assert entry in link, link
    state = panel.evaluate("window.__exrPanel.viewer.state")

    colleague = browser.new_context(viewport={"width": 1000, "height": 700}, device_scale_factor=1).new_page()
    try:
        colleague.goto(link)
        root = colleague.frame_locator('iframe[src*="plugin_entry.html?name=exr"]').locator(".exr-panel")
        expect(root).to_have_attribute("data-tag", "scrub/image")
        expect(root).to_have_attribute("data-step", "10")
        expect(root).to_have_attribute("data-state", "ready")
        frame = colleague.frame(url=lambda u: "name=exr" in u)
        assert frame is not None
        frame.wait_for_function("window.__exrPanel.viewer.state.rangeLocked")
        again = frame.evaluate("window.__exrPanel.viewer.state")
        for key in ("exposure", "offset"):  # written with six decimals
            assert again[key] == pytest.approx(state[key], abs=1e-6), key
        for key in ("rangeLocked", "autoExposure", "pins", "tonemap", "zoom", "panX", "panY"):
            assert again[key] == state[key], key
        # The frame inside TensorBoard is smaller than this page: compare what both canvases show.
        visible = frame.evaluate(
            """pts => pts.filter(([x, y]) => {
                 const v = window.__exrPanel.viewer, p = v.canvasPointOf(x, y);
                 return p.x >= 0 && p.y >= 0 && p.x < v.canvas.width && p.y < v.canvas.height;
               })""",
            [list(p) for p in NEAR_CENTRE],
        )
        assert len(visible) >= 3, visible
        visible = [(x, y) for x, y in visible]
        assert read_pixels(frame, visible) == read_pixels(panel, visible)  # type: ignore[arg-type]
        view = {"exposure": state["exposure"], "offset": state["offset"]}
        check(frame, stored(data.scrub(10)), visible, "reopened", **view)  # type: ignore[arg-type]
    finally:
        colleague.context.close()


def test_the_toolbar_stays_compact_at_1000_px(panel: Page) -> None:
    panel.set_viewport_size({"width": 1000, "height": 800})
    select_tag(panel, "train", f"{data.SCENE}/output", step=data.SCENE_STEPS[-1])
    toolbar = panel.locator(".exr-toolbar")
    rows = toolbar_rows(toolbar)
    assert rows <= 2, rows


def test_the_dashboard_help_lists_each_key_once_and_m_toggles_the_markers(panel: Page) -> None:
    select_tag(panel, "train", f"{data.SCENE}/output", step=data.SCENE_STEPS[-1])
    panel.locator(".exr-viewer").focus()
    keys = help_keys(panel)
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []
    for key in ("n", "l", "p", "v", "m", "ctrl+c", "s", "d", "u", "x"):
        assert key in keys, key
    # M hides the NaN marker: the NaN pixel no longer shows magenta; N leaves it alone.
    assert read_pixels(panel, [data.NAN_PIXEL])[0][:3] == [255, 0, 255]
    panel.locator(".exr-viewer").focus()
    panel.keyboard.press("m")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-non-finite", "0")
    assert read_pixels(panel, [data.NAN_PIXEL])[0][:3] != [255, 0, 255]
    panel.keyboard.press("n")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-non-finite", "0")


def test_a_pin_lists_the_image_the_reference_and_the_error(panel: Page) -> None:
    step = data.SCENE_STEPS[-1]
    select_tag(panel, "train", f"{data.SCENE}/output", step=step)
    expect_reference(panel, f"{data.SCENE}/reference", step)
    panel.locator(".exr-metric").select_option("l1")
    px, py = 17, 44
    hover_pixel(panel, px, py)
    panel.keyboard.press("p")
    hover_pixel(panel, *data.NAN_PIXEL)
    panel.keyboard.press("p")
    probes = panel.locator(".exr-probe")
    expect(probes).to_have_count(2)
    a, b = data.scene_output(step).astype(np.float64), data.scene_reference().astype(np.float64)
    values = probes.first.evaluate(
        """p => [...p.querySelectorAll("tbody tr")].map(r => [r.dataset.channel,
             ...[".exr-probe-a", ".exr-probe-b", ".exr-probe-error"]
                 .map(c => Number(r.querySelector(c).dataset.value))])"""
    )
    assert [v[0] for v in values] == ["R", "G", "B"]
    for c, (_, got_a, got_b, got_error) in enumerate(values):
        assert got_a == pytest.approx(a[py, px, c], rel=1e-7)
        assert got_b == pytest.approx(b[py, px, c], rel=1e-7)
        assert got_error == pytest.approx(abs(a[py, px, c] - b[py, px, c]), rel=1e-5, abs=1e-7)
    expect(probes.nth(1).locator(".exr-probe-name")).to_have_text(
        f"2 · {data.NAN_PIXEL[0]}, {data.NAN_PIXEL[1]}"
    )
    assert np.isnan(float(probes.nth(1).locator(".exr-probe-a").first.get_attribute("data-value") or 0))
    # Shift+P removes every pin.
    panel.keyboard.press("Shift+P")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-pins", "")
    expect(panel.locator(".exr-probes")).to_be_hidden()


def test_ctrl_c_copies_the_view_as_shown_to_the_clipboard(panel: Page) -> None:
    select_tag(panel, "train", "scrub/image", step=data.SCRUB_STEPS[-1])
    panel.locator(".exr-viewer").focus()
    panel.keyboard.press("Control+c")
    panel.wait_for_function("window.__exrPanel.tools.exporter.last?.action === 'copy-view'")
    assert panel.evaluate("window.__exrPanel.tools.exporter.last.ok"), panel.evaluate(
        "window.__exrPanel.tools.exporter.last.message"
    )
    copied = panel.evaluate(
        """async () => {
             const [item] = await navigator.clipboard.read();
             const bytes = new Uint8Array(await (await item.getType("image/png")).arrayBuffer());
             return Array.from(bytes);
           }"""
    )
    view = np.asarray(Image.open(io.BytesIO(bytes(copied))).convert("RGBA"))
    size = panel.evaluate("[window.__exrPanel.viewer.canvas.width, window.__exrPanel.viewer.canvas.height]")
    assert (view.shape[1], view.shape[0]) == tuple(size)
    image = stored(data.scrub(data.SCRUB_STEPS[-1]))
    for x, y in POINTS:
        at = panel.evaluate(f"window.__exrPanel.viewer.canvasPointOf({x}, {y})")
        assert_close(list(view[at["y"], at["x"]]), displayed(tuple(image[y, x])), where=f"copied {x},{y}")


def test_inside_tensorboards_page_the_keys_download_and_copy(
    page: Page, logged: tuple[TensorBoardServer, bytes]
) -> None:
    """The same actions from the EXR tab as users have it: the plugin in TensorBoard's iframe."""
    tensorboard, odd = logged
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=tensorboard.url.rstrip("/"))
    page.goto(tensorboard.url + f"#exr&p.exr.run=train&p.exr.tag={quote(data.ODD_TAG, safe='')}&p.exr.step=0")
    frame = exr_frame(page)
    expect(frame.locator(".exr-panel")).to_have_attribute("data-tag", data.ODD_TAG)
    expect(frame.locator(".exr-panel")).to_have_attribute("data-state", "ready")
    viewer = frame.locator(".exr-viewer")
    with page.expect_download() as info:
        viewer.press("d")
    assert info.value.suggested_filename == "train_files_a_b_c_0.exr"
    assert hashlib.sha256(Path(info.value.path()).read_bytes()).digest() == hashlib.sha256(odd).digest()
    viewer.press("u")
    frame.wait_for_function("window.__exrPanel.tools.exporter.last?.action === 'copy-link'")
    link = frame.evaluate("navigator.clipboard.readText()")
    assert link.startswith(tensorboard.url + "#exr&") and "p.exr.tag=files%2Fa%3Ab*c" in link, link
    expect(frame.locator(".exr-status")).to_have_text("Copied a link to this view")


def test_auto_exposure_fits_the_error_map_when_one_is_shown(panel: Page) -> None:
    step = data.SCENE_STEPS[-1]
    select_tag(panel, "train", f"{data.SCENE}/output", step=step)
    expect_reference(panel, f"{data.SCENE}/reference", step)
    panel.locator(".exr-metric").select_option("l1")
    panel.locator(".exr-viewer").focus()
    panel.keyboard.press("n")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-auto-exposure", "1")
    a, b = data.scene_output(step).astype(np.float64), data.scene_reference().astype(np.float64)
    error = metrics.per_pixel("l1", a, b)
    luminance = (error @ LUMINANCE).ravel()
    low, high = np.percentile(luminance[np.isfinite(luminance)], [0.5, 99.5])
    exposure, offset = tone(panel)
    assert low * 2**exposure + offset == pytest.approx(0.0, abs=2e-3)
    assert high * 2**exposure + offset == pytest.approx(1.0, abs=2e-3)
    check(panel, error, [(5, 33), (40, 8), (30, 21)], "fitted L1", exposure=exposure, offset=offset)


def test_auto_exposure_in_the_overview_fits_the_cards_on_screen(
    page: Page, tensorboard: TensorBoardServer
) -> None:
    open_grid(page, tensorboard, "&p.exr.filter=exposure")
    expect(page.locator(".exr-card")).to_have_count(len(data.EXPOSURES))
    page.locator(".exr-viewer, .exr-overview").first.focus()
    page.keyboard.press("n")
    page.wait_for_function("window.__exrPanel.viewer.state.autoExposure")
    wait_drawn(page)
    # The robust range of the three cards together (drawn at full size: 64 px images).
    flat = np.concatenate(
        [(data.exposed(s).astype(np.float64) @ LUMINANCE).ravel() for s in data.EXPOSURES.values()]
    )
    low, high = np.percentile(flat, [0.5, 99.5])
    exposure, offset = tone(page)
    assert high * 2**exposure + offset == pytest.approx(1.0, rel=0.02)
    assert low * 2**exposure + offset == pytest.approx(0.0, abs=0.01)
    for name, scale in data.EXPOSURES.items():
        got = card_pixels(page, card_index(page, "train", f"exposure/{name}"), POINTS)
        for (x, y), pixel in zip(POINTS, got, strict=True):
            want = displayed(
                tuple(float(v) for v in data.exposed(scale)[y, x]), exposure=exposure, offset=offset
            )
            assert_close(pixel, want, where=f"card {name} {x},{y}")
