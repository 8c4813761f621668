"""Comparing outputs against references, end to end: a logdir of comparison groups written by the
project's writer, a real `tensorboard`, the wasm decoder and WebGL2 in headless Chromium.

Expected pixels come from `tensorboard_exr.metrics` (the documented formulas) and the independent
display model in pixel_model.py, applied to the half values the writer stored.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tensorboard_exr import metrics
from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

from .panel_page import open_panel, read_pixels, select_tag
from .pixel_model import assert_close, assert_statistics, displayed, srgb_encode

W, H = 48, 40
STEPS = (0, 10, 20)
GROUP = "val/scene"
POINTS = [(0, 0), (5, 33), (17, 8), (30, 21), (47, 39), (24, 3)]


def reference_image() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    return np.stack([(x + 1) / W * 1.5 - 0.4, (y + 1) / H, 0.25 + 0.5 * ((x * y) % 7) / 7], axis=-1)


def output_image(step: int, model: str = "a") -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    amplitude = (0.5 if model == "a" else 0.8) / (1 + step / 10)
    noise = np.stack([np.sin(x * 0.7 + y * 0.3), np.cos(x * 0.2 - y * 0.9), 0.5 * np.sin(x + y)], axis=-1)
    return reference_image() + amplitude * noise


def input_image() -> np.ndarray:
    return reference_image() * 0.5 + 0.1


def stored(image: np.ndarray) -> np.ndarray:
    """What a half EXR holds for `image`."""
    return image.astype(np.float16).astype(np.float64)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("compare_logdir")
    for model in ("a", "b"):
        with exr_summary.Writer(root / f"model_{model}", background=False) as writer:
            for step in STEPS:
                exr_summary.comparison(
                    GROUP,
                    step,
                    writer=writer,
                    input=input_image(),
                    output=output_image(step, model),
                    reference=reference_image(),
                )
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: {"model_a", "model_b"} <= set(tags))
        yield server


@pytest.fixture
def panel(page: Page, tensorboard: TensorBoardServer) -> Page:
    return open_panel(page, tensorboard)


def select(page: Page, run: str, tag: str, step: int = STEPS[-1]) -> None:
    select_tag(page, run, tag, step)


def expect_reference(page: Page, run: str, tag: str, step: int = STEPS[-1]) -> None:
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-reference-state", "ready")
    expect(root).to_have_attribute("data-reference-run", run)
    expect(root).to_have_attribute("data-reference-tag", tag)
    expect(root).to_have_attribute("data-reference-step", str(step))


def check(page: Page, values: np.ndarray, points: list[tuple[int, int]] = POINTS, **view: object) -> None:
    """Rendered pixels equal the display model of `values` (HxWx3 or HxW, already metric/half)."""
    for (x, y), got in zip(points, read_pixels(page, points), strict=True):
        want = displayed(tuple(float(v) for v in np.atleast_1d(values[y, x])), **view)  # type: ignore[arg-type]
        assert_close(got, want, where=f"pixel {x},{y} {view}")


def choose_metric(page: Page, metric: str) -> None:
    page.locator(".exr-metric").select_option(metric)
    expect(page.locator(".exr-viewer")).to_have_attribute("data-metric", metric)


def choose_reference(page: Page, run: str, tag: str) -> None:
    page.locator(".exr-reference").select_option(json.dumps({"run": run, "tag": tag}, separators=(",", ":")))
    expect_reference(page, run, tag)


def test_number_keys_switch_group_members_at_the_same_step_and_view(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/input")
    viewer = panel.locator(".exr-viewer")
    panel.locator(".exr-scrubber .exr-step-field").fill("10")
    panel.locator(".exr-scrubber .exr-step-field").press("Enter")
    expect(panel.locator(".exr-panel")).to_have_attribute("data-step", "10")
    viewer.focus()
    panel.keyboard.press("+")
    expect(viewer).to_have_attribute("data-zoom", "16")
    zoom, pan = viewer.get_attribute("data-zoom"), viewer.get_attribute("data-pan")
    # Members in sidebar order: 1 input, 2 output, 3 reference.
    for key, role, image in (("2", "output", output_image(10)), ("3", "reference", reference_image())):
        panel.keyboard.press(key)
        root = panel.locator(".exr-panel")
        expect(root).to_have_attribute("data-tag", f"{GROUP}/{role}")
        expect(root).to_have_attribute("data-step", "10")
        expect(root).to_have_attribute("data-state", "ready")
        assert (viewer.get_attribute("data-zoom"), viewer.get_attribute("data-pan")) == (zoom, pan)
        check(panel, stored(image), points=[(20, 20), (24, 19), (27, 23)])
    panel.keyboard.press("1")
    expect(panel.locator(".exr-panel")).to_have_attribute("data-tag", f"{GROUP}/input")
    expect(panel.locator(".exr-panel")).to_have_attribute("data-state", "ready")
    check(panel, stored(input_image()), points=[(20, 20), (24, 19)])


def test_shift_shows_the_default_reference_while_held(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output")
    expect_reference(panel, "model_a", f"{GROUP}/reference")
    expect(panel.locator(".exr-reference")).to_have_value(
        json.dumps({"run": "model_a", "tag": f"{GROUP}/reference"}, separators=(",", ":"))
    )
    viewer = panel.locator(".exr-viewer")
    check(panel, stored(output_image(20)))
    viewer.focus()
    panel.keyboard.down("Shift")
    expect(viewer).to_have_attribute("data-display", "reference")
    check(panel, stored(reference_image()))
    panel.keyboard.up("Shift")
    expect(viewer).to_have_attribute("data-display", "current")
    check(panel, stored(output_image(20)))


@pytest.mark.parametrize("metric", metrics.PER_PIXEL_METRICS)
def test_per_pixel_metric_renders_the_documented_formula(panel: Page, metric: str) -> None:
    select(panel, "model_a", f"{GROUP}/output")
    expect_reference(panel, "model_a", f"{GROUP}/reference")
    choose_metric(panel, metric)
    error = metrics.per_pixel(metric, stored(output_image(20)), stored(reference_image()))
    # Signed error is negative in places: the +/- tonemap shows both signs.
    tonemap = "posneg" if metric == "signed" else "srgb"
    panel.locator(".exr-tonemap").select_option(tonemap)
    check(panel, error, tonemap=tonemap)
    panel.locator(".exr-viewer").focus()
    panel.keyboard.press("Shift+E")  # exposure -0.5 applies to the error map too (it stays HDR)
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-exposure", "-0.5")
    check(panel, error, tonemap=tonemap, exposure=-0.5)


def test_ssim_map_equals_the_python_reference(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output", step=20)
    expect_reference(panel, "model_a", f"{GROUP}/reference")
    choose_metric(panel, "ssim")
    error = metrics.one_minus_ssim(stored(output_image(20)), stored(reference_image()))
    assert error.max() > 0.05  # the pair really differs
    check(panel, error, points=POINTS + [(1, 38), (46, 1), (20, 20)])
    panel.locator(".exr-tonemap").select_option("falsecolour")
    check(panel, error, tonemap="falsecolour")


def test_hover_readout_shows_a_b_and_the_error(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output")
    expect_reference(panel, "model_a", f"{GROUP}/reference")
    choose_metric(panel, "rse")
    x, y = 30, 21
    point = panel.evaluate(f"window.__exrPanel.viewer.canvasPointOf({x}, {y})")
    box = panel.locator(".exr-viewer canvas").first.bounding_box()
    assert box is not None
    panel.mouse.move(box["x"] + point["x"] + 0.5, box["y"] + point["y"] + 0.5)
    readout = panel.locator(".exr-readout")
    expect(readout).to_have_attribute("data-x", str(x))
    expect(readout).to_have_attribute("data-y", str(y))
    a, b = stored(output_image(20))[y, x], stored(reference_image())[y, x]
    # The texts are the shortest decimals that read back as the same half; channels are listed B, G, R.
    texts = readout.locator(".exr-reading").evaluate_all("e => e.map(x => x.dataset.value)")
    assert sorted(float(np.float16(t)) for t in texts) == sorted(a.tolist())
    texts = (readout.locator(".exr-reference-readings").get_attribute("data-values") or "").split()
    assert sorted(float(np.float16(t)) for t in texts) == sorted(b.tolist())
    error = readout.locator(".exr-error-value")
    expect(error).to_have_attribute("data-metric", "rse")
    got = [float(v) for v in error.get_attribute("data-values").split()]
    want = metrics.per_pixel("rse", a, b)
    assert np.allclose(got, want, rtol=1e-5, atol=1e-7), (got, want)


def test_any_member_can_be_the_reference(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output")
    choose_reference(panel, "model_a", f"{GROUP}/input")
    choose_metric(panel, "l1")
    check(panel, metrics.per_pixel("l1", stored(output_image(20)), stored(input_image())))
    # The choice holds for the whole group: switching member keeps it.
    panel.locator(".exr-viewer").focus()
    panel.keyboard.press("3")
    expect(panel.locator(".exr-panel")).to_have_attribute("data-tag", f"{GROUP}/reference")
    expect(panel.locator(".exr-panel")).to_have_attribute("data-state", "ready")
    expect_reference(panel, "model_a", f"{GROUP}/input")
    check(panel, metrics.per_pixel("l1", stored(reference_image()), stored(input_image())))


def test_cross_run_comparison_of_the_same_tag(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output")
    choose_reference(panel, "model_b", f"{GROUP}/output")
    choose_metric(panel, "signed")
    panel.locator(".exr-tonemap").select_option("posneg")
    diff = metrics.per_pixel("signed", stored(output_image(20, "a")), stored(output_image(20, "b")))
    check(panel, diff, tonemap="posneg")
    panel.locator(".exr-viewer").focus()
    panel.keyboard.down("Shift")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-display", "reference")
    check(panel, stored(output_image(20, "b")), tonemap="posneg")
    panel.keyboard.up("Shift")


def test_wipe_shows_a_left_and_the_error_map_or_b_right(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output")
    expect_reference(panel, "model_a", f"{GROUP}/reference")
    viewer = panel.locator(".exr-viewer")
    viewer.focus()
    panel.keyboard.press("w")
    expect(viewer).to_have_attribute("data-wipe", re.compile(r"\d+"))
    split = int(viewer.get_attribute("data-wipe") or 0)
    image_x = panel.evaluate(f"window.__exrPanel.viewer.imagePointOf({split}, 0).x")
    left = [(x, y) for x, y in POINTS if x < image_x - 1]
    right = [(x, y) for x, y in POINTS if x > image_x + 1]
    assert left and right
    a, b = stored(output_image(20)), stored(reference_image())
    check(panel, a, points=left)
    check(panel, b, points=right)
    choose_metric(panel, "l2")
    check(panel, a, points=left)
    check(panel, metrics.per_pixel("l2", a, b), points=right)
    # Dragging the line to the right edge shows A nearly everywhere.
    box = viewer.bounding_box()
    assert box is not None
    panel.mouse.move(box["x"] + split, box["y"] + 100)
    panel.mouse.down()
    panel.mouse.move(box["x"] + box["width"] - 2, box["y"] + 100, steps=4)
    panel.mouse.up()
    expect(viewer).not_to_have_attribute("data-wipe", str(split))
    check(panel, a, points=right)


def test_error_over_steps_route_equals_numpy(tensorboard: TensorBoardServer) -> None:
    path = f"/data/plugin/exr/error_steps?run=model_a&tag={GROUP}/output&ref_tag={GROUP}/reference"
    entries = tensorboard.get_job_result(path).json()
    assert [e["step"] for e in entries] == list(STEPS)
    for entry in entries:
        a, b = stored(output_image(entry["step"])), stored(reference_image())
        assert entry["mse"] == pytest.approx(np.mean((a - b) ** 2), rel=1e-9)
        assert entry["relmse"] == pytest.approx(np.mean((a - b) ** 2 / (b**2 + 0.01)), rel=1e-9)
        assert entry["nonfinite"] == 0
    cross = tensorboard.get_job_result(
        f"/data/plugin/exr/error_steps?run=model_a&tag={GROUP}/output&ref_run=model_b&ref_tag={GROUP}/output"
    ).json()
    a, b = stored(output_image(0, "a")), stored(output_image(0, "b"))
    assert cross[0]["mse"] == pytest.approx(np.mean((a - b) ** 2), rel=1e-9)
    missing = tensorboard.get(f"/data/plugin/exr/error_steps?run=model_a&tag={GROUP}/output")
    assert missing.status == 400 and "ref_tag" in missing.json()["error"]
    unknown = tensorboard.get(f"/data/plugin/exr/error_steps?run=model_a&tag={GROUP}/output&ref_tag=nope")
    assert unknown.status == 404 and "nope" in unknown.json()["error"]


def test_error_strip_plots_steps_and_jumps_on_click(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output")
    strip = panel.locator(".exr-error-strip")
    expect(strip).to_have_attribute("data-state", "ready")
    expect(strip.locator('.exr-strip-point[data-series="mse"]')).to_have_count(len(STEPS))
    values = panel.evaluate("window.__exrPanel.errorValues")
    for entry in values:
        a, b = stored(output_image(entry["step"])), stored(reference_image())
        assert entry["mse"] == pytest.approx(np.mean((a - b) ** 2), rel=1e-9)
    mse = [e["mse"] for e in values]
    assert mse == sorted(mse, reverse=True)  # the model learns
    plot = strip.locator(".exr-strip-plot")
    box = plot.bounding_box()
    assert box is not None
    plot.click(position={"x": box["width"] * 0.52, "y": box["height"] / 2})  # step 10 is in the middle
    expect(panel.locator(".exr-panel")).to_have_attribute("data-step", "10")
    expect(strip.locator(".exr-strip-point.current")).to_have_count(2)
    check(panel, stored(output_image(10)))


def test_error_strip_points_sit_under_their_scrubber_ticks(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output")
    expect(panel.locator(".exr-error-strip")).to_have_attribute("data-state", "ready")

    def centres(selector: str) -> dict[int, float]:
        return panel.evaluate(
            """sel => Object.fromEntries([...document.querySelectorAll(sel)].map(e => {
                 const r = e.getBoundingClientRect();
                 return [e.dataset.step, r.left + r.width / 2];
               }))""",
            selector,
        )

    for width in (1400, 900):  # and after the layout changes
        panel.set_viewport_size({"width": width, "height": 900})
        # The strip follows the track from a ResizeObserver callback: on a loaded machine it may
        # come some frames after the resize.
        deadline = time.monotonic() + 5
        while True:
            panel.wait_for_timeout(100)
            ticks = centres(".exr-step-tick")
            points = centres('.exr-strip-point[data-series="mse"]')
            assert set(points) == set(ticks) == {str(s) for s in STEPS}
            if all(abs(x - ticks[step]) <= 2 for step, x in points.items()) or time.monotonic() > deadline:
                break
        for step, x in points.items():
            assert abs(x - ticks[step]) <= 2, (width, step, x, ticks[step])


def flip_reference(mode: str, step: int = 20) -> tuple[np.ndarray, float]:
    """flip-evaluator called directly on the stored pair: LDR on the sRGB views, HDR on linear >= 0."""
    import flip_evaluator

    a, b = stored(output_image(step)), stored(reference_image())
    if mode == "ldr":
        encode = np.vectorize(srgb_encode)
        a, b = encode(a), encode(b)
    else:
        a, b = np.maximum(a, 0.0), np.maximum(b, 0.0)
    error_map, mean, _ = flip_evaluator.evaluate(
        b.astype(np.float32), a.astype(np.float32), mode.upper(), applyMagma=False
    )
    return np.asarray(error_map, np.float64).reshape(H, W), float(mean)


@pytest.mark.parametrize("mode", ["ldr", "hdr"])
def test_flip_route_equals_flip_evaluator(tensorboard: TensorBoardServer, mode: str) -> None:
    import OpenEXR

    query = f"run=model_a&tag={GROUP}/output&step=20&ref_tag={GROUP}/reference&mode={mode}"
    want_map, want_mean = flip_reference(mode)
    flip_json = tensorboard.get_job_result(f"/data/plugin/exr/flip?{query}&format=json").json()
    assert flip_json["mean"] == pytest.approx(want_mean, rel=1e-6)
    response = tensorboard.get_job_result(f"/data/plugin/exr/flip?{query}")
    assert response.status == 200 and response.headers["content-type"] == "image/x-exr"
    assert float(response.headers["x-flip-mean"]) == pytest.approx(want_mean, rel=1e-6)
    part = OpenEXR.File(io.BytesIO(response.body), separate_channels=True).parts[0]
    assert np.allclose(part.channels["Y"].pixels, want_map, atol=1e-6)
    # Once computed, the step's mean FLIP is part of the error over steps.
    steps = tensorboard.get_job_result(
        f"/data/plugin/exr/error_steps?run=model_a&tag={GROUP}/output&ref_tag={GROUP}/reference"
    ).json()
    assert next(e for e in steps if e["step"] == 20)[f"flip_{mode}"] == pytest.approx(want_mean, rel=1e-6)
    bad = tensorboard.get(f"/data/plugin/exr/flip?{query}".replace(f"mode={mode}", "mode=xyz"))
    assert bad.status == 400 and "mode" in bad.json()["error"]


def test_flip_map_is_shown_like_any_error_map(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output")
    expect_reference(panel, "model_a", f"{GROUP}/reference")
    choose_metric(panel, "flip-ldr")
    root = panel.locator(".exr-panel")
    expect(root).to_have_attribute("data-metric-map", "ready")
    want_map, want_mean = flip_reference("ldr")
    assert float(root.get_attribute("data-flip-mean") or "nan") == pytest.approx(want_mean, rel=1e-6)
    check(panel, want_map)
    panel.locator(".exr-tonemap").select_option("falsecolour")
    check(panel, want_map, tonemap="falsecolour")


def test_statistics_of_image_error_map_and_rectangle(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output")
    expect_reference(panel, "model_a", f"{GROUP}/reference")
    panel.locator(".exr-stats-toggle").check()
    box = panel.locator(".exr-stats")
    expect(box).to_have_attribute("data-source", "image")
    a, b = stored(output_image(20)), stored(reference_image())
    assert_statistics(panel.evaluate("window.__exrPanel.statistics"), a, ["R", "G", "B"])
    choose_metric(panel, "l1")
    expect(box).to_have_attribute("data-source", "l1")
    assert_statistics(
        panel.evaluate("window.__exrPanel.statistics"), metrics.per_pixel("l1", a, b), ["R", "G", "B"]
    )
    # Ctrl+drag from pixel (10, 5) to pixel (29, 24): a 20x20 rectangle.
    canvas = panel.locator(".exr-viewer canvas").first.bounding_box()
    assert canvas is not None
    start = panel.evaluate("window.__exrPanel.viewer.canvasPointOf(10, 5)")
    end = panel.evaluate("window.__exrPanel.viewer.canvasPointOf(29, 24)")
    panel.keyboard.down("Control")
    panel.mouse.move(canvas["x"] + start["x"] + 0.5, canvas["y"] + start["y"] + 0.5)
    panel.mouse.down()
    panel.mouse.move(canvas["x"] + end["x"] + 0.5, canvas["y"] + end["y"] + 0.5, steps=3)
    panel.mouse.up()
    panel.keyboard.up("Control")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-region", "10,5,20,20")
    expect(box).to_have_attribute("data-region", "10,5,20,20")
    region = metrics.per_pixel("l1", a, b)[5:25, 10:30]
    assert_statistics(panel.evaluate("window.__exrPanel.statistics"), region, ["R", "G", "B"])


def test_side_by_side_panes_share_zoom_pan_and_step(panel: Page) -> None:
    select(panel, "model_a", f"{GROUP}/output", step=20)
    panel.locator(".exr-panes").select_option("3")
    panes = panel.locator(".exr-pane")
    expect(panes).to_have_count(2)
    # The other candidates in order: the group's input, then its reference.
    expect(panes.nth(0)).to_have_attribute("data-tag", f"{GROUP}/input")
    expect(panes.nth(1)).to_have_attribute("data-tag", f"{GROUP}/reference")
    expect(panes.nth(1)).to_have_attribute("data-state", "ready")
    viewer = panel.locator(".exr-stage > .exr-viewer")
    viewer.focus()
    panel.keyboard.press("+")
    panel.keyboard.press("e")
    expect(viewer).to_have_attribute("data-exposure", "0.5")
    zoom, pan = viewer.get_attribute("data-zoom"), viewer.get_attribute("data-pan")
    for i in range(2):
        pane_viewer = panes.nth(i).locator(".exr-viewer")
        expect(pane_viewer).to_have_attribute("data-zoom", zoom or "")
        expect(pane_viewer).to_have_attribute("data-pan", pan or "")
    points = [(20, 20), (24, 19), (27, 23)]
    for i, image in enumerate((input_image(), reference_image())):
        got = panel.evaluate(
            """([i, pts]) => pts.map(([x, y]) => {
                 const v = window.__exrPanel.paneViewers[i], p = v.canvasPointOf(x, y);
                 return v.readPixel(p.x, p.y);
               })""",
            [i, [list(p) for p in points]],
        )
        for (x, y), rgb in zip(points, got, strict=True):
            assert_close(rgb, displayed(tuple(stored(image)[y, x]), exposure=0.5), where=f"pane {i} {x},{y}")
    check(panel, stored(output_image(20)), points=points, exposure=0.5)
    # A step change moves every pane.
    panel.keyboard.press("ArrowLeft")
    expect(panel.locator(".exr-panel")).to_have_attribute("data-step", "10")
    expect(panes.nth(0)).to_have_attribute("data-step", "10")
    expect(panes.nth(1)).to_have_attribute("data-step", "10")
