"""The reviewer's tools (issue 17) on the review page of `tensorboard-exr serve`: auto exposure, the
lock, a pin and a statistics rectangle carried by a copied link into a fresh browser, the original
EXR downloaded byte for byte, the PNG as displayed. A real server process, real Chromium."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from review_server import ReviewServer, write_exr

from . import reviewer_logdir as data
from .conftest import STATIC
from .panel_page import REVIEW_VIEWER, help_keys, hover_pixel, read_pixels, toolbar_rows
from .pixel_model import assert_close, displayed

pytestmark = pytest.mark.skipif(
    not STATIC.joinpath("standalone.js").is_file(), reason="frontend not built (no static/standalone.js)"
)

SCALE = data.EXPOSURES["bright"]
POINTS = [(0, 0), (13, 40), (31, 31), (63, 5), (50, 63)]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReviewServer, bytes]]:
    folder = tmp_path_factory.mktemp("review_tools")
    logged = write_exr(folder / "bright shot.exr", data.exposed(SCALE))
    write_exr(folder / "dim shot.exr", data.exposed(data.EXPOSURES["dim"]))
    with ReviewServer(folder, ["--quiet"]) as server:
        yield server, logged


def ready(page: Page, image: str) -> None:
    root = page.locator(".exr-review")
    expect(root).to_have_attribute("data-image", image)
    expect(root).to_have_attribute("data-state", "ready")


def check(
    page: Page,
    points: list[tuple[int, int]],
    where: str,
    exposure: float,
    offset: float,
    scale: float = SCALE,
) -> None:
    image = data.exposed(scale)
    for (x, y), got in zip(points, read_pixels(page, points, REVIEW_VIEWER), strict=True):
        want = displayed(tuple(float(v) for v in image[y, x]), exposure=exposure, offset=offset)
        assert_close(got, want, where=f"{where} pixel {x},{y}")


def test_review_page_auto_exposure_download_png_and_link(
    page: Page, browser: Browser, served: tuple[ReviewServer, bytes]
) -> None:
    server, logged = served
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
    page.goto(server.url)
    ready(page, "bright shot.exr")
    page.keyboard.press("n")
    viewer = page.locator(".exr-viewer")
    expect(viewer).to_have_attribute("data-auto-exposure", "1")
    state = page.evaluate("window.__exrReview.viewer.state")
    exposure, offset = state["exposure"], state["offset"]
    flat = (data.exposed(SCALE).astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722])).ravel()
    high = np.percentile(flat, 99.5)
    hx, hy = divmod(int(np.argmin(np.abs(flat - high))), data.W)[::-1]
    # The 99.5th percentile is near white.
    assert min(read_pixels(page, [(hx, hy)], REVIEW_VIEWER)[0][:3]) >= 250
    check(page, POINTS, "fitted", exposure, offset)

    page.keyboard.press("l")
    expect(viewer).to_have_attribute("data-locked", "1")
    hover_pixel(page, 20, 30, REVIEW_VIEWER)
    page.keyboard.press("p")
    expect(viewer).to_have_attribute("data-pins", "20,30")
    page.evaluate("window.__exrReview.viewer.setState({region: {x: 4, y: 5, width: 20, height: 10}})")

    # The original file, byte for byte, under its own name (made safe).
    with page.expect_download() as info:
        page.keyboard.press("d")
    assert info.value.suggested_filename == "bright shot.exr"
    assert hashlib.sha256(Path(info.value.path()).read_bytes()).digest() == hashlib.sha256(logged).digest()

    # The PNG at 1:1 is the displayed view, and says what it shows.
    with page.expect_download() as info:
        page.keyboard.press("Shift+S")
    png = Image.open(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert png.text["image"] == "bright shot.exr"  # type: ignore[attr-defined]
    assert float(png.text["exposure"]) == pytest.approx(exposure)  # type: ignore[attr-defined]
    rgba = np.asarray(png.convert("RGBA"))
    for (x, y), shown in zip(POINTS, read_pixels(page, POINTS, REVIEW_VIEWER), strict=True):
        assert list(rgba[y, x]) == shown, (x, y)

    # A copied link reopens this view in a fresh browser.
    page.keyboard.press("u")
    page.wait_for_function("window.__exrReview.tools.exporter.last?.action === 'copy-link'")
    assert page.evaluate("window.__exrReview.tools.exporter.last.ok")
    link = page.evaluate("navigator.clipboard.readText()")
    for entry in ("auto=1", "lock=1", "pins=20%2C30", "region=4%2C5%2C20%2C10"):
        assert entry in link, link
    colleague = browser.new_context(viewport={"width": 1000, "height": 700}, device_scale_factor=1).new_page()
    try:
        colleague.goto(link)
        ready(colleague, "bright shot.exr")
        colleague.wait_for_function("window.__exrReview.viewer.state.rangeLocked")
        again = colleague.evaluate("window.__exrReview.viewer.state")
        assert again["exposure"] == pytest.approx(exposure, abs=1e-6)
        assert again["offset"] == pytest.approx(offset, abs=1e-6)
        assert again["pins"] == [{"x": 20, "y": 30}]
        assert again["region"] == {"x": 4, "y": 5, "width": 20, "height": 10}
        assert read_pixels(colleague, POINTS, REVIEW_VIEWER) == read_pixels(page, POINTS, REVIEW_VIEWER)
        check(colleague, POINTS, "reopened", exposure, offset)
    finally:
        colleague.context.close()


def test_review_page_toolbar_stays_compact_at_1000_px(page: Page, served: tuple[ReviewServer, bytes]) -> None:
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(served[0].url)
    ready(page, "bright shot.exr")
    rows = toolbar_rows(page.locator(".exr-toolbar"))
    assert rows <= 2, rows


def test_review_page_help_lists_each_key_once(page: Page, served: tuple[ReviewServer, bytes]) -> None:
    page.goto(served[0].url)
    ready(page, "bright shot.exr")
    keys = help_keys(page)
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []
    for key in ("n", "l", "p", "m", "ctrl+c", "s", "d", "u", "x"):
        assert key in keys, key
    # M toggles the NaN/Inf markers now; N is auto exposure.
    viewer = page.locator(".exr-viewer")
    page.keyboard.press("m")
    expect(viewer).to_have_attribute("data-non-finite", "0")
    expect(viewer).to_have_attribute("data-auto-exposure", "0")
    page.keyboard.press("n")
    expect(viewer).to_have_attribute("data-auto-exposure", "1")
    expect(viewer).to_have_attribute("data-non-finite", "0")


def test_review_page_lock_keeps_the_range_when_the_image_changes(
    page: Page, served: tuple[ReviewServer, bytes]
) -> None:
    page.goto(served[0].url)
    ready(page, "bright shot.exr")
    viewer = page.locator(".exr-viewer")
    page.keyboard.press("n")
    expect(viewer).to_have_attribute("data-auto-exposure", "1")
    page.keyboard.press("l")
    expect(viewer).to_have_attribute("data-locked", "1")
    state = page.evaluate("window.__exrReview.viewer.state")
    page.keyboard.press("ArrowDown")
    ready(page, "dim shot.exr")
    after = page.evaluate("window.__exrReview.viewer.state")
    assert (after["exposure"], after["offset"]) == (state["exposure"], state["offset"])
    # 30000 times dimmer under the same range: nearly black, as the data says.
    dim = data.EXPOSURES["dim"]
    check(page, POINTS, "locked dim", state["exposure"], state["offset"], scale=dim)
    page.keyboard.press("l")
    expect(viewer).to_have_attribute("data-locked", "0")
    page.wait_for_function(f"window.__exrReview.viewer.state.exposure !== {state['exposure']}")
    refit = page.evaluate("window.__exrReview.viewer.state")
    check(page, POINTS, "refitted dim", refit["exposure"], refit["offset"], scale=dim)
