"""The review page of `tensorboard-exr serve` in real Chromium, against a real server process.

Expected pixels come from pixel_model (an independent model of the viewer's pipeline) applied
to the values written into the EXR files here, and to the metric computed with numpy.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from playwright.sync_api import Browser, Page, expect
from review_server import ReviewServer, constant_rgb, loss_map, write_exr

from tensorboard_exr import metrics

from .conftest import STATIC
from .pixel_model import assert_close, assert_statistics, displayed

pytestmark = pytest.mark.skipif(
    not STATIC.joinpath("standalone.js").is_file(), reason="frontend not built (no static/standalone.js)"
)

W, H = 16, 8
PROBES = [(0, 0), (5, 3), (15, 7), (9, 1)]


def gradient(scale: float, shift: float) -> np.ndarray:
    """An HxWx3 float32 image with a different value in every pixel and channel."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    return np.stack([x / (W - 1) * scale, y / (H - 1) * scale, np.full((H, W), shift, np.float32)], axis=-1)


def review(page: Page) -> object:
    return page.locator(".exr-review")


def wait_ready(page: Page, image: str) -> None:
    expect(review(page)).to_have_attribute("data-image", image)
    expect(review(page)).to_have_attribute("data-state", "ready")


def pixel_at(page: Page, ix: int, iy: int) -> list[int]:
    """The displayed colour of image pixel (ix, iy), read from the WebGL canvas."""
    return page.evaluate(
        """([ix, iy]) => {
            const viewer = window.__exrReview.viewer;
            const p = viewer.canvasPointOf(ix, iy);
            return viewer.readPixel(p.x, p.y);
        }""",
        [ix, iy],
    )


@contextmanager
def colleague_opens(browser: Browser, url: str, image: str) -> Iterator[Page]:
    """A fresh browser (no state shared with `page`) opening a copied link, once it shows `image`."""
    colleague = browser.new_context(viewport={"width": 1000, "height": 700}, device_scale_factor=1).new_page()
    try:
        colleague.goto(url)
        wait_ready(colleague, image)
        yield colleague
    finally:
        colleague.context.close()


def check_pixels(page: Page, image: np.ndarray, where: str, **view: object) -> None:
    for ix, iy in PROBES:
        want = displayed(tuple(float(v) for v in image[iy, ix]), **view)  # type: ignore[arg-type]
        assert_close(pixel_at(page, ix, iy), want, where=f"{where} pixel {ix},{iy}")


# ---- a JERI config ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def jeri_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("jeri")
    write_exr(folder / "images" / "denoised.exr", gradient(0.8, 0.1))
    write_exr(folder / "images" / "reference.exr", gradient(0.5, 0.4))
    (folder.parent / f"{folder.name}-secret.exr").write_bytes(b"outside")
    config = {
        "title": "root",
        "children": [
            {
                "title": "Scene",
                "children": [
                    {"title": "Denoised", "image": "images/denoised.exr"},
                    {"title": "Reference", "image": "images/reference.exr"},
                    loss_map("L1", "L1", "images/denoised.exr", "images/reference.exr"),
                    loss_map("1-SSIM", "SSIM", "images/denoised.exr", "images/reference.exr"),
                    {"title": "Outside", "image": f"../{folder.name}-secret.exr"},
                ],
            },
            {"title": "Photo", "image": "images/photo.jpg"},
        ],
    }
    (folder / "images" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64))
    (folder / "figures.json").write_text(json.dumps(config))
    return folder


@pytest.fixture(scope="module")
def jeri_server(jeri_folder: Path) -> Iterator[ReviewServer]:
    with ReviewServer(jeri_folder / "figures.json", ["--quiet"]) as server:
        yield server


def test_jeri_config_renders_its_images_and_an_l1_map(page: Page, jeri_server: ReviewServer) -> None:
    page.goto(jeri_server.url)
    wait_ready(page, "Scene/Denoised")
    leaves = page.locator(".exr-tag .exr-tag-name").all_text_contents()
    assert leaves == ["Denoised", "Reference", "L1", "1-SSIM", "Outside", "Photo"]
    check_pixels(page, gradient(0.8, 0.1), "Denoised")

    page.locator('.exr-tag[data-leaf="Scene/Reference"]').click()
    wait_ready(page, "Scene/Reference")
    check_pixels(page, gradient(0.5, 0.4), "Reference")

    page.locator('.exr-tag[data-leaf="Scene/L1"]').click()
    wait_ready(page, "Scene/L1")
    assert page.evaluate("window.__exrReview.viewer.state.metric") == "l1"
    l1 = np.abs(gradient(0.8, 0.1) - gradient(0.5, 0.4))
    check_pixels(page, l1, "L1 map")
    # The map stays in HDR: exposure scales the error like any image.
    page.evaluate("window.__exrReview.viewer.setState({exposure: 2})")
    check_pixels(page, l1, "L1 map at +2 stops", exposure=2.0)


def test_statistics_and_histogram_of_an_image_and_an_error_map(page: Page, jeri_server: ReviewServer) -> None:
    page.goto(jeri_server.url)
    wait_ready(page, "Scene/Denoised")
    page.locator(".exr-stats-toggle").check()
    box = page.locator(".exr-stats")
    expect(box).to_have_attribute("data-source", "image")
    assert_statistics(page.evaluate("window.__exrReview.statistics"), gradient(0.8, 0.1), ["R", "G", "B"])
    page.locator('.exr-tag[data-leaf="Scene/L1"]').click()
    wait_ready(page, "Scene/L1")
    expect(box).to_have_attribute("data-source", "l1")
    l1 = np.abs(gradient(0.8, 0.1) - gradient(0.5, 0.4))
    assert_statistics(page.evaluate("window.__exrReview.statistics"), l1, ["R", "G", "B"])


def test_a_jeri_ssim_map_equals_the_python_reference(page: Page, jeri_server: ReviewServer) -> None:
    page.goto(jeri_server.url + "#image=Scene/1-SSIM")
    wait_ready(page, "Scene/1-SSIM")
    assert page.evaluate("window.__exrReview.viewer.state.metric") == "ssim"
    error = metrics.one_minus_ssim(gradient(0.8, 0.1), gradient(0.5, 0.4))
    assert error.max() > 0.01  # the pair really differs
    for ix, iy in PROBES:
        assert_close(
            pixel_at(page, ix, iy), displayed((float(error[iy, ix]),)), where=f"1-SSIM pixel {ix},{iy}"
        )


def test_tonemap_groups_keep_their_own_exposure(page: Page, jeri_server: ReviewServer) -> None:
    page.goto(jeri_server.url)
    wait_ready(page, "Scene/Denoised")
    page.evaluate("window.__exrReview.viewer.setState({exposure: 3})")
    page.locator('.exr-tag[data-leaf="Scene/L1"]').click()  # tonemapGroup "other"
    wait_ready(page, "Scene/L1")
    assert page.evaluate("window.__exrReview.viewer.state.exposure") == 0
    page.evaluate("window.__exrReview.viewer.setState({exposure: -1})")
    page.locator('.exr-tag[data-leaf="Scene/Reference"]').click()  # back to "default"
    wait_ready(page, "Scene/Reference")
    assert page.evaluate("window.__exrReview.viewer.state.exposure") == 3
    check_pixels(page, gradient(0.5, 0.4), "Reference at +3", exposure=3.0)


def test_a_malformed_link_opens_the_first_image_with_defaults(page: Page, jeri_server: ReviewServer) -> None:
    page.goto(jeri_server.url + "#image=Scene/Gone&exposure=abc&zoom=-4&tonemap=nope&metric=l9")
    wait_ready(page, "Scene/Denoised")
    state = page.evaluate("window.__exrReview.viewer.state")
    assert (state["exposure"], state["tonemap"], state["metric"]) == (0, "srgb", "none")
    assert state["zoom"] > 0
    expect(page.locator(".exr-status")).to_contain_text('No image "Scene/Gone"')
    check_pixels(page, gradient(0.8, 0.1), "Denoised")


def test_a_config_entry_outside_the_root_shows_why_it_is_refused(
    page: Page, jeri_server: ReviewServer
) -> None:
    page.goto(jeri_server.url + "#image=Scene/Outside")
    expect(review(page)).to_have_attribute("data-state", "error")
    error = review(page).get_attribute("data-error") or ""
    assert "Outside" in error and "leaves the served folder" in error


def test_a_leaf_that_is_not_an_exr_shows_a_decoding_error(page: Page, jeri_server: ReviewServer) -> None:
    page.goto(jeri_server.url + "#image=Photo")
    expect(review(page)).to_have_attribute("data-state", "error")
    error = review(page).get_attribute("data-error") or ""
    assert error.startswith("Photo: images/photo.jpg: "), error
    # The page is still usable: ↑ goes to the previous entry in the list, then a good image loads.
    page.keyboard.press("ArrowUp")
    expect(review(page)).to_have_attribute("data-image", "Scene/Outside")
    page.locator('.exr-tag[data-leaf="Scene/Denoised"]').click()
    wait_ready(page, "Scene/Denoised")
    check_pixels(page, gradient(0.8, 0.1), "Denoised after an error")


def test_paths_outside_the_root_are_refused_to_the_page(page: Page, jeri_server: ReviewServer) -> None:
    page.goto(jeri_server.url)
    wait_ready(page, "Scene/Denoised")
    name = jeri_server.path.parent.name
    statuses = page.evaluate(
        """async (name) => {
            const out = [];
            for (const url of [`files/..%2f${name}-secret.exr`, `files/%2e%2e%2f${name}-secret.exr`,
                               `files/images%2f..%2f..%2f${name}-secret.exr`, "files/images/unlisted.exr"]) {
                const response = await fetch(url);
                out.push([response.status, await response.text()]);
            }
            return out;
        }""",
        name,
    )
    for status, body in statuses:
        assert status in (403, 404) and "outside" not in body and json.loads(body)["error"]


# ---- an auto-grouped folder -------------------------------------------------------------

MEMBERS = {"denoised": (0.25, 0.5, 0.125), "noisy": (0.75, 0.0625, 0.5), "reference": (0.2, 0.4, 0.1)}


@pytest.fixture(scope="module")
def folder_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    folder = tmp_path_factory.mktemp("results")
    for member, rgb in MEMBERS.items():
        write_exr(folder / member / "x.exr", constant_rgb(W, H, rgb))
    secret = folder.parent / f"{folder.name}-secret.exr"
    secret.write_bytes(b"outside")
    os.symlink(secret, folder / "noisy" / "link.exr")
    with ReviewServer(folder, ["--quiet"]) as server:
        yield server


def test_auto_grouped_folder_toggles_members_with_number_keys(
    page: Page, folder_server: ReviewServer
) -> None:
    page.goto(folder_server.url)
    wait_ready(page, "x.exr/denoised")
    for key, member in [("2", "noisy"), ("3", "reference"), ("1", "denoised"), ("2", "noisy")]:
        page.keyboard.press(key)
        wait_ready(page, f"x.exr/{member}")
        assert_close(pixel_at(page, 3, 3), displayed(MEMBERS[member]), where=f"key {key}")
    # The reference folder is image B: an error metric compares each member against it.
    page.select_option(".exr-metric", "l1")
    want = tuple(abs(a - b) for a, b in zip(MEMBERS["noisy"], MEMBERS["reference"], strict=True))
    assert_close(pixel_at(page, 3, 3), displayed(want), where="noisy L1")
    page.keyboard.press("1")
    wait_ready(page, "x.exr/denoised")
    assert page.evaluate("window.__exrReview.viewer.state.metric") == "l1"
    want = tuple(abs(a - b) for a, b in zip(MEMBERS["denoised"], MEMBERS["reference"], strict=True))
    assert_close(pixel_at(page, 3, 3), displayed(want), where="denoised L1")


def test_a_symlink_in_the_folder_is_refused(page: Page, folder_server: ReviewServer) -> None:
    page.goto(folder_server.url)
    wait_ready(page, "x.exr/denoised")
    status = page.evaluate("fetch('files/noisy/link.exr').then(r => r.status)")
    assert status == 403
    assert "noisy/link.exr" in page.locator(".exr-review-notes").inner_text()


def test_a_shared_url_restores_image_exposure_zoom_and_metric(
    page: Page, browser: Browser, folder_server: ReviewServer
) -> None:
    page.goto(folder_server.url)
    wait_ready(page, "x.exr/denoised")
    page.keyboard.press("2")
    wait_ready(page, "x.exr/noisy")
    page.select_option(".exr-metric", "l2")
    page.evaluate("window.__exrReview.viewer.setState({exposure: 1.5, zoom: 24, panX: 5.5, panY: 2.25})")
    expect(review(page)).to_have_attribute(
        "data-hash", "image=x.exr/noisy&exposure=1.5&metric=l2&zoom=24&x=5.5&y=2.25"
    )
    shared = page.url
    assert shared.endswith("#image=x.exr/noisy&exposure=1.5&metric=l2&zoom=24&x=5.5&y=2.25")
    seen = page.evaluate("window.__exrReview.viewer.readPixel(500, 300)")

    with colleague_opens(browser, shared, "x.exr/noisy") as colleague:
        state = colleague.evaluate("window.__exrReview.viewer.state")
        assert (state["exposure"], state["metric"], state["zoom"]) == (1.5, "l2", 24)
        assert (state["panX"], state["panY"]) == (5.5, 2.25)
        assert colleague.evaluate("window.__exrReview.viewer.readPixel(500, 300)") == seen
        want = tuple((a - b) ** 2 for a, b in zip(MEMBERS["noisy"], MEMBERS["reference"], strict=True))
        assert_close(pixel_at(colleague, 3, 3), displayed(want, exposure=1.5), where="restored L2")


# ---- layers -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def layered_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    folder = tmp_path_factory.mktemp("layers")
    beauty = gradient(0.8, 0.1)
    channels = {
        "RGB": beauty,
        **{
            f"albedo.{c}": np.full((H, W), v, np.float32)
            for c, v in zip("RGB", (0.5, 0.25, 0.125), strict=True)
        },
    }
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    with OpenEXR.File(header, channels) as exr:
        exr.write(str(folder / "render.exr"))
    with ReviewServer(folder, ["--quiet"]) as server:
        yield server


def test_layers_are_selectable_and_kept_in_the_link(
    page: Page, browser: Browser, layered_server: ReviewServer
) -> None:
    page.goto(layered_server.url)
    wait_ready(page, "render.exr")
    options = page.locator(".exr-layer option").all_text_contents()
    assert options == ["RGB", "albedo.RGB"]
    page.select_option(".exr-layer", "albedo.RGB")
    assert_close(pixel_at(page, 3, 3), displayed((0.5, 0.25, 0.125)), where="albedo layer")
    expect(review(page)).to_have_attribute("data-hash", re.compile(r"layer=albedo\.RGB"))
    with colleague_opens(browser, page.url, "render.exr") as colleague:
        assert colleague.evaluate("window.__exrReview.viewer.activeLayer()") == "albedo.RGB"
        assert_close(pixel_at(colleague, 3, 3), displayed((0.5, 0.25, 0.125)), where="restored albedo")


# ---- choosing the reference -------------------------------------------------------------

PLAIN = {"a": (0.5, 0.5, 0.5), "b": (0.25, 0.125, 1.0), "c": (0.125, 0.25, 0.75)}


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    folder = tmp_path_factory.mktemp("plain")
    for member, rgb in PLAIN.items():
        write_exr(folder / member / "x.exr", constant_rgb(W, H, rgb))
    with ReviewServer(folder, ["--quiet"]) as server:
        yield server


def test_any_member_can_be_made_the_reference_and_the_link_keeps_it(
    page: Page, browser: Browser, plain_server: ReviewServer
) -> None:
    page.goto(plain_server.url)
    wait_ready(page, "x.exr/a")
    # No folder is named like a reference: nothing to compare with until one is chosen.
    assert page.locator(".exr-reference").input_value() == ""
    assert page.locator(".exr-metric").is_disabled()
    page.select_option(".exr-reference", "c")
    wait_ready(page, "x.exr/a")
    expect(page.locator(".exr-metric")).to_be_enabled()
    page.select_option(".exr-metric", "signed")
    want = tuple(a - c for a, c in zip(PLAIN["a"], PLAIN["c"], strict=True))
    assert_close(pixel_at(page, 2, 2), displayed(want), where="a - c")
    page.keyboard.press("2")
    wait_ready(page, "x.exr/b")
    want = tuple(b - c for b, c in zip(PLAIN["b"], PLAIN["c"], strict=True))
    assert_close(pixel_at(page, 2, 2), displayed(want), where="b - c")
    expect(review(page)).to_have_attribute("data-hash", re.compile(r"^image=x\.exr/b&ref=c&metric=signed&"))

    with colleague_opens(browser, page.url, "x.exr/b") as colleague:
        assert colleague.locator(".exr-reference").input_value() == "c"
        assert_close(pixel_at(colleague, 2, 2), displayed(want), where="restored b - c")


def test_wipe_and_error_readout_work_here_and_the_link_keeps_the_wipe(
    page: Page, browser: Browser, folder_server: ReviewServer
) -> None:
    page.goto(folder_server.url)
    wait_ready(page, "x.exr/denoised")
    page.select_option(".exr-metric", "l1")
    page.evaluate("window.__exrReview.viewer.setState({zoom: 40, panX: 8, panY: 4})")
    page.keyboard.press("w")
    wipe = page.evaluate("window.__exrReview.viewer.state.wipe")
    assert wipe is not None and 0 < wipe < 1
    error = tuple(abs(a - b) for a, b in zip(MEMBERS["denoised"], MEMBERS["reference"], strict=True))
    split = round(wipe * page.evaluate("window.__exrReview.viewer.canvas.width"))
    # Image pixels on each side of the line, read at their centres (away from the pixel grid).
    left = page.evaluate(f"window.__exrReview.viewer.imagePointOf({split - 60}, 300)")["x"]
    right = page.evaluate(f"window.__exrReview.viewer.imagePointOf({split + 60}, 300)")["x"]
    assert_close(pixel_at(page, left, 3), displayed(MEMBERS["denoised"]), where="left of the wipe: the image")
    assert_close(pixel_at(page, right, 3), displayed(error), where="right of the wipe: the error map")
    # The readout gives the error map's exact value on its side of the line.
    point = page.evaluate(f"window.__exrReview.viewer.canvasPointOf({right}, 3)")
    box = page.locator(".exr-viewer-canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    values = page.locator(".exr-readout .exr-error-value").get_attribute("data-values") or ""
    assert [round(float(v), 5) for v in values.split()] == [round(e, 5) for e in error]
    expect(review(page)).to_have_attribute("data-hash", re.compile(r"&wipe=0\.\d+&"))

    with colleague_opens(browser, page.url, "x.exr/denoised") as colleague:
        assert colleague.evaluate("window.__exrReview.viewer.state.wipe") == pytest.approx(wipe, abs=1e-4)
        assert_close(pixel_at(colleague, right, 3), displayed(error), where="restored wipe")
