"""Colour from the file in the EXR tab, end to end (writer -> real `tensorboard` -> wasm decoder ->
WebGL2 in headless Chromium): luminance/chroma files shown as the RGB OpenEXR's RgbaInputFile reads
(checked against the C++ library), and files whose `chromaticities` are ACEScg or XYZ shown as the
same scene in Rec.709 (pixel_model.py's independent colour matrix)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from playwright.sync_api import Page, expect

from tensorboard_exr import colour
from tensorboard_exr import summary as exr_summary
from tests.colour_files import in_primaries, primaries_scene, write_primaries_files, write_yc_files
from tests.openexr_reference import read_rgba
from tests.tb_server import TensorBoardServer

from .panel_page import open_panel, read_pixels, select_tag
from .pixel_model import assert_close, displayed, to_rec709

YC_TAGS = {"yc/rgba_output": "yc_rgba_output_piz.exr", "yc/saturated": "yc_saturated_float_y.exr",
           "yc/acescg_alpha": "yc_alpha_acescg_zip.exr"}  # fmt: skip
SCENE = "scene"  # comparison group: reference (Rec.709, no attribute), acescg, xyz
SCENE_POINTS = [(2, 2), (45, 8), (40, 25), (12, 35), (60, 40), (30, 15), (8, 20)]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("colour_files")
    write_yc_files(root)
    write_primaries_files(root)
    return root


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory: pytest.TempPathFactory, files: Path) -> Iterator[TensorBoardServer]:
    root = tmp_path_factory.mktemp("colour_logdir")
    with exr_summary.Writer(root / "run", background=False) as writer:
        for tag, name in YC_TAGS.items():
            exr_summary.image(tag, files / name, 0, writer=writer)
        exr_summary.comparison(
            SCENE,
            0,
            writer=writer,
            reference=files / "scene_rec709.exr",
            acescg=files / "scene_acescg.exr",
            xyz=files / "scene_xyz.exr",
        )
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: "run" in tags)
        yield server


@pytest.fixture
def panel(page: Page, tensorboard: TensorBoardServer) -> Page:
    return open_panel(page, tensorboard)


def hover(page: Page, x: int, y: int) -> None:
    point = page.evaluate(f"window.__exrPanel.viewer.canvasPointOf({x}, {y})")
    box = page.locator(".exr-viewer canvas").first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + point["x"] + 0.5, box["y"] + point["y"] + 0.5)
    expect(page.locator(".exr-readout")).to_have_attribute("data-x", str(x))
    expect(page.locator(".exr-readout")).to_have_attribute("data-y", str(y))


def stored_rgb(path: Path) -> np.ndarray:
    channels = OpenEXR.File(str(path), separate_channels=True).channels()
    return np.stack([np.asarray(channels[c].pixels, np.float64) for c in "RGB"], axis=-1)


# ---- luminance/chroma ------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["yc/rgba_output", "yc/saturated"])
def test_yc_file_shows_openexrs_reconstructed_rgb(panel: Page, files: Path, tag: str) -> None:
    select_tag(panel, "run", tag, 0)
    viewer = panel.locator(".exr-viewer")
    expect(viewer).to_have_attribute("data-layer", "RGB")
    reference = read_rgba(files / YC_TAGS[tag])
    height, width = reference.rgba.shape[:2]
    rng = np.random.default_rng(5)
    points = [(reference.x_min, reference.y_min), (reference.x_min + width - 1, reference.y_min + height - 1)]
    xs, ys = rng.integers(0, width, 14), rng.integers(0, height, 14)
    points += [(reference.x_min + int(x), reference.y_min + int(y)) for x, y in zip(xs, ys, strict=True)]
    for (x, y), got in zip(points, read_pixels(panel, points), strict=True):
        rgb = reference.rgba[y - reference.y_min, x - reference.x_min, :3].astype(np.float64)
        assert_close(got, displayed(tuple(rgb)), where=f"{tag} pixel {x},{y}")


def test_yc_file_in_acescg_is_reconstructed_then_converted(panel: Page, files: Path) -> None:
    select_tag(panel, "run", "yc/acescg_alpha", 0)
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-layer", "RGBA")
    # Alpha would composite over the checkerboard: look at the colour without it.
    layers = panel.evaluate("window.__exrPanel.viewer.layers()")
    assert layers[:2] == ["RGBA", "YC"] and "A" not in layers
    reference = read_rgba(files / "yc_alpha_acescg_zip.exr").rgba.astype(np.float64)
    matrix = to_rec709(colour.NAMED_CHROMATICITIES["acescg"])
    points = [(95, y) for y in (0, 20, 40, 63)]  # alpha = 1 in the last column
    for (x, y), got in zip(points, read_pixels(panel, points), strict=True):
        assert reference[y, x, 3] == 1.0
        assert_close(got, displayed(tuple(reference[y, x, :3]), matrix=matrix), where=f"pixel {x},{y}")


def test_yc_raw_channels_are_a_layer_and_the_readout_shows_rgb_and_stored_values(
    panel: Page, files: Path
) -> None:
    select_tag(panel, "run", "yc/rgba_output", 0)
    reference = read_rgba(files / "yc_rgba_output_piz.exr")
    channels = OpenEXR.File(str(files / "yc_rgba_output_piz.exr"), separate_channels=True).channels()
    x, y = 70, 15  # the lamp: saturated and bright
    tx, ty = x - reference.x_min, y - reference.y_min
    stored = {"Y": channels["Y"].pixels[ty, tx], "RY": channels["RY"].pixels[ty // 2, tx // 2],
              "BY": channels["BY"].pixels[ty // 2, tx // 2]}  # fmt: skip
    hover(panel, x, y)
    readings = panel.locator(".exr-readout .exr-reading").evaluate_all(
        "e => e.map(r => [r.dataset.channel, r.dataset.value, r.dataset.reconstructed ?? ''])"
    )
    rgb = reference.rgba[ty, tx, :3]
    assert [r[0] for r in readings] == ["R", "G", "B", "Y", "RY", "BY"]
    assert [r[2] for r in readings] == ["1", "1", "1", "", "", ""]
    assert [np.float16(r[1]) for r in readings[:3]] == list(rgb)
    assert [np.float16(r[1]) for r in readings[3:]] == [stored[c] for c in ("Y", "RY", "BY")]
    # The raw layer: Y, RY, BY shown as they are stored (no colour conversion).
    panel.locator(".exr-layer").select_option("YC")
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-layer", "YC")
    (got,) = read_pixels(panel, [(x, y)])
    assert_close(got, displayed(tuple(float(stored[c]) for c in ("Y", "RY", "BY"))))


# ---- chromaticities --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reference", "acescg", "xyz"])
def test_one_scene_in_rec709_acescg_and_xyz_looks_the_same(panel: Page, role: str) -> None:
    select_tag(panel, "run", f"{SCENE}/{role}", 0)
    viewer = panel.locator(".exr-viewer")
    expect(viewer).to_have_attribute("data-primaries", "converted")
    names = {"reference": "Rec.709", "acescg": "ACEScg", "xyz": "XYZ"}
    expect(viewer).to_have_attribute("data-colour", f"{names[role]} primaries")
    scene = primaries_scene()
    for (x, y), got in zip(SCENE_POINTS, read_pixels(panel, SCENE_POINTS), strict=True):
        assert_close(got, displayed(tuple(scene[y, x])), tol=2, where=f"{role} pixel {x},{y}")


def test_toggle_shows_the_stored_values_and_the_readout_always_does(panel: Page, files: Path) -> None:
    select_tag(panel, "run", f"{SCENE}/acescg", 0)
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-colour", "ACEScg primaries")
    expect(panel.locator(".exr-primaries")).to_have_attribute("title", "This layer: ACEScg primaries")
    stored = stored_rgb(files / "scene_acescg.exr")
    hover(panel, 45, 8)
    texts = panel.locator(".exr-readout .exr-reading").evaluate_all("e => e.map(r => r.dataset.value)")
    assert [np.float32(t) for t in texts] == list(stored[8, 45].astype(np.float32))
    viewer = panel.locator(".exr-viewer")
    viewer.focus()
    panel.keyboard.press("c")
    expect(viewer).to_have_attribute("data-primaries", "file")
    expect(panel.locator(".exr-primaries")).not_to_be_checked()
    differs = 0
    for (x, y), got in zip(SCENE_POINTS, read_pixels(panel, SCENE_POINTS), strict=True):
        assert_close(got, displayed(tuple(stored[y, x])), where=f"unconverted pixel {x},{y}")
        converted = displayed(tuple(primaries_scene()[y, x]))
        differs += max(abs(a - b) for a, b in zip(got[:3], converted, strict=True)) > 4
    assert differs >= 3  # unconverted, ACEScg values look different
    texts = panel.locator(".exr-readout .exr-reading").evaluate_all("e => e.map(r => r.dataset.value)")
    assert [np.float32(t) for t in texts] == list(stored[8, 45].astype(np.float32))
    panel.locator(".exr-primaries").check()
    expect(viewer).to_have_attribute("data-primaries", "converted")


@pytest.mark.parametrize("metric", ["l1", "rse", "ssim"])
def test_error_map_between_rec709_and_acescg_of_one_scene_is_about_zero(panel: Page, metric: str) -> None:
    select_tag(panel, "run", f"{SCENE}/acescg", 0)
    root = panel.locator(".exr-panel")
    expect(root).to_have_attribute("data-reference-tag", f"{SCENE}/reference")
    expect(root).to_have_attribute("data-reference-state", "ready")
    panel.locator(".exr-metric").select_option(metric)
    expect(panel.locator(".exr-viewer")).to_have_attribute("data-metric", metric)
    for convert in (True, False):  # error maps are computed in Rec.709 whatever the view shows
        panel.evaluate(f"window.__exrPanel.viewer.setState({{convertPrimaries: {str(convert).lower()}}})")
        stats = panel.evaluate("window.__exrPanel.viewer.statistics()")
        worst = max(max(abs(c["min"]), abs(c["max"])) for c in stats["channels"])
        # float32 round-off only (SSIM's variances, E[a²] - E[a]², lose more digits than a difference)
        assert worst < (5e-4 if metric == "ssim" else 2e-5), (metric, convert, stats["channels"])
    # Unconverted, the same values would differ: the reference against the ACEScg values as stored.
    stored = in_primaries(primaries_scene(), "acescg")
    assert np.abs(stored - primaries_scene()).max() > 0.1


def test_server_error_over_steps_compares_in_rec709(tensorboard: TensorBoardServer) -> None:
    for role in ("xyz", "acescg"):
        path = f"/data/plugin/exr/error_steps?run=run&tag={SCENE}/{role}&ref_tag={SCENE}/reference"
        (entry,) = tensorboard.get_job_result(path).json()  # a 202 while the job measures
        assert entry["mse"] < 1e-12 and entry["relmse"] < 1e-10 and entry["nonfinite"] == 0, (role, entry)
