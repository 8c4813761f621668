"""Deep files in the real EXR tab: logged by the writer, served by a real `tensorboard`, decoded by
the wasm decoder and flattened in its worker, drawn by WebGL2 in headless Chromium. The rendered
pixels must be the flattened picture of make_deep.py's reference composite (an independent
reading of OpenEXR's composite_pixel), and the readout must list the pixel's samples."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from make_deep_module import make_deep
from playwright.sync_api import Page, expect

from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

from .panel_page import open_panel, read_pixels, select_tag
from .pixel_model import assert_close, displayed

W = H = 64
TAG = "deep/beauty"
POINTS = [(1, 1), (13, 40), (31, 31), (63, 5), (50, 63), (2, 0)]


def deep_scene() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """1 to 4 samples a pixel (more towards the bottom right), depths unsorted, the farthest sample
    of each pixel opaque, so every pixel ends fully covered (no checkerboard behind it)."""
    rng = np.random.default_rng(64)
    y, x = np.mgrid[0:H, 0:W]
    counts = 1 + (x + y) * 4 // (W + H)
    total = int(counts.sum())
    z = (rng.permutation(total) % 7 + 1).astype(np.float32) + rng.random(total).astype(np.float32)
    alpha = rng.random(total).astype(np.float32) * 0.8
    starts = np.concatenate([[0], np.cumsum(counts.ravel())])
    for p in range(H * W):
        first, end = starts[p], starts[p + 1]
        alpha[first + np.argmax(z[first:end])] = 1.0
    colour = rng.random((3, total)).astype(np.float32) * 2.0
    channels = {"A": alpha.astype(np.float16), "Z": z}
    for name, values in zip("RGB", colour, strict=True):
        channels[name] = (values * alpha).astype(np.float16)  # premultiplied
    return counts, channels


KINDS = {"R": "half", "G": "half", "B": "half", "A": "half", "Z": "float"}
REFERENCE_TAG = "deep/reference"


def flattened() -> dict[str, np.ndarray]:
    counts, channels = deep_scene()
    return make_deep.composite_reference(counts, channels, KINDS)


def reference_picture() -> np.ndarray:
    """A flat image to compare the deep one with: its flattened RGB, brighter by a ramp."""
    flat = flattened()
    ramp = np.linspace(0, 0.5, W, dtype=np.float32)[None, :]
    return np.stack([flat[c] + ramp for c in "RGB"], axis=-1)


def write_deep(path: Path, tiled: bool) -> None:
    counts, channels = deep_scene()
    header = {
        "type": OpenEXR.deeptile if tiled else OpenEXR.deepscanline,
        "compression": OpenEXR.ZIPS_COMPRESSION,
    }
    if tiled:
        header["tiles"] = make_deep.tiles(16, 16)
    OpenEXR.File(header, {n: make_deep.per_pixel(v, counts) for n, v in channels.items()}).write(str(path))


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("deep_logdir")
    with exr_summary.Writer(root / "deep", background=False) as writer:
        for step, tiled in enumerate((False, True)):
            path = root / f"deep_{step}.exr"
            write_deep(path, tiled)
            exr_summary.image(TAG, path, step, writer=writer)
            exr_summary.image(REFERENCE_TAG, reference_picture(), step, writer=writer, pixel_type="float")
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: "deep" in tags)
        yield server


@pytest.fixture
def panel(page: Page, tensorboard: TensorBoardServer) -> Page:
    return open_panel(page, tensorboard)


def show_step(panel: Page, step: int) -> None:
    """Selects the deep tag at `step` (0: the deep scanline file, 1: the deep tiled one)."""
    select_tag(panel, "deep", TAG)
    panel.locator(".exr-step-slider").fill(str(step))
    root = panel.locator(".exr-panel")
    expect(root).to_have_attribute("data-step", str(step))
    expect(root).to_have_attribute("data-state", "ready")


def test_a_logged_deep_file_renders_its_flattened_picture(panel: Page) -> None:
    counts, channels = deep_scene()
    flat = make_deep.composite_reference(counts, channels, KINDS)
    assert float(flat["A"].min()) > 0.9999  # every pixel covered: no checkerboard shows through
    for step in (0, 1):  # deep scanline, then deep tiled
        show_step(panel, step)
        expect(panel.locator(".exr-layer option")).to_have_text(["RGBA", "Z", "deep.count"])
        for (x, y), got in zip(POINTS, read_pixels(panel, POINTS), strict=True):
            want = displayed(tuple(float(flat[c][y, x]) for c in "RGB"))
            assert_close(got, want, where=f"step {step} pixel {x},{y}")


def test_the_sample_count_is_a_channel(panel: Page) -> None:
    counts, _ = deep_scene()
    show_step(panel, 1)
    panel.locator(".exr-layer").select_option("deep.count")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-layer", "deep.count")
    for (x, y), got in zip(POINTS, read_pixels(panel, POINTS), strict=True):
        assert_close(got, displayed((float(counts[y, x]),)), where=f"count at {x},{y}")


def test_hover_lists_the_pixel_samples_front_to_back(panel: Page) -> None:
    counts, channels = deep_scene()
    show_step(panel, 0)
    panel.locator(".exr-viewer").focus()
    panel.keyboard.press("Control+0")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-zoom", "1")
    box = panel.locator(".exr-viewer-canvas").bounding_box()
    assert box is not None
    starts = np.concatenate([[0], np.cumsum(counts.ravel())])
    for x, y in [(63, 62), (31, 31), (1, 1)]:
        p = panel.evaluate("([x, y]) => window.__exrPanel.viewer.canvasPointOf(x, y)", [x, y])
        panel.mouse.move(box["x"] + p["x"] + 0.5, box["y"] + p["y"] + 0.5)
        readout = panel.locator(".exr-readout")
        expect(readout).to_have_attribute("data-x", str(x))
        expect(readout).to_have_attribute("data-y", str(y))
        n = int(counts[y, x])
        expect(readout.locator(".exr-deep-count")).to_have_attribute("data-samples", str(n))
        first = int(starts[y * W + x])
        front_to_back = sorted(range(first, first + n), key=lambda s: (float(channels["Z"][s]), s))
        listed = readout.locator(".exr-deep-sample")
        expect(listed).to_have_count(min(n, 4))
        for k, sample in enumerate(front_to_back[:4]):
            item = listed.nth(k)
            assert item.get_attribute("data-index") == str(sample - first)
            assert item.get_attribute("data-channels") == "Z R G B A"
            texts = (item.get_attribute("data-values") or "").split()
            values = [float(channels[c][sample]) for c in ["Z", "R", "G", "B", "A"]]
            assert [
                float(np.float32(t)) if c == "Z" else float(np.float16(t))
                for c, t in zip("ZRGBA", texts, strict=True)
            ] == [float(np.float32(v)) for v in values], (x, y, k, texts)
        # The flat readings are the composite; the samples above are what it was made of.
        flat = make_deep.composite_reference(counts, channels, KINDS)
        text = readout.locator('.exr-reading[data-channel="R"]').get_attribute("data-value")
        assert np.float32(text) == flat["R"][y, x]


def test_server_side_errors_compare_the_flattened_picture(tensorboard: TensorBoardServer) -> None:
    """The error strip's route flattens the deep file as the viewer does (tensorboard_exr/deep.py)."""
    path = f"/data/plugin/exr/error_steps?run=deep&tag={TAG}&ref_tag={REFERENCE_TAG}"
    entries = tensorboard.get_job_result(path).json()  # a 202 while the job measures
    assert [e["step"] for e in entries] == [0, 1]
    flat = np.stack([flattened()[c] for c in "RGB"], axis=-1).astype(np.float64)
    expected = np.mean((flat - reference_picture().astype(np.float64)) ** 2)
    for entry in entries:
        assert entry["mse"] == pytest.approx(expected, rel=1e-12), entry
