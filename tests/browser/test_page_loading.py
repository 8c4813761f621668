"""The pages' one image loader seen from the network: an image wanted in several places at once
(image B of the comparison, a side pane, another leaf of the review page) is downloaded once, and
every place shows it. A real `tensorboard` / review server and Chromium; the rendered pixels are
checked against the values the files hold (pixel_model.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from playwright.sync_api import Page, Request, expect
from review_server import ReviewServer, loss_map, write_exr

from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

from .conftest import STATIC
from .panel_page import REVIEW_VIEWER, open_panel, read_pixels, select_tag
from .pixel_model import assert_close, displayed

W, H = 24, 16
STEPS = (0, 10, 20)
GROUP = "val/pair"
POINTS = [(0, 0), (7, 5), (23, 15)]


def reference_image() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    return np.stack([x / W, y / H, np.full((H, W), 0.3, np.float32)], axis=-1)


def output_image(step: int) -> np.ndarray:
    return reference_image() + np.float32(0.05 * (1 + step / 10))


def stored(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float16).astype(np.float64)


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("loading_logdir")
    with exr_summary.Writer(root / "run", background=False) as writer:
        for step in STEPS:
            exr_summary.comparison(
                GROUP, step, writer=writer, output=output_image(step), reference=reference_image()
            )
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json(
            f"/data/plugin/exr/steps?run=run&tag={GROUP}/reference", lambda steps: len(steps) == len(STEPS)
        )
        yield server


def count_exr_downloads(page: Page) -> Counter[tuple[str, int]]:
    """Counts the page's requests of the `exr` route by (tag, step), from now on."""
    downloads: Counter[tuple[str, int]] = Counter()

    def seen(request: Request) -> None:
        url = urlparse(request.url)
        if url.path.endswith("/exr"):
            query = parse_qs(url.query)
            downloads[(query["tag"][0], int(query["step"][0]))] += 1

    page.on("request", seen)
    return downloads


def test_the_reference_shown_as_image_b_and_in_a_pane_is_downloaded_once(
    page: Page, tensorboard: TensorBoardServer
) -> None:
    downloads = count_exr_downloads(page)
    open_panel(page, tensorboard)
    select_tag(page, "run", f"{GROUP}/output", step=20)
    page.locator(".exr-panes").select_option("2")
    pane = page.locator(".exr-pane")
    expect(pane).to_have_attribute("data-tag", f"{GROUP}/reference")
    expect(pane).to_have_attribute("data-state", "ready")
    # A step neither place has seen: the reference slot and the pane ask for it in the same task.
    page.keyboard.press("ArrowLeft")
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-step", "10")
    expect(root).to_have_attribute("data-reference-step", "10")
    expect(root).to_have_attribute("data-reference-state", "ready")
    expect(pane).to_have_attribute("data-step", "10")
    expect(pane).to_have_attribute("data-state", "ready")
    assert downloads[(f"{GROUP}/reference", 10)] == 1, downloads
    assert page.evaluate("window.__exrPanel.loader.counts.joined") >= 1
    in_pane = page.evaluate(
        """pts => pts.map(([x, y]) => {
             const v = window.__exrPanel.paneViewers[0], p = v.canvasPointOf(x, y);
             return v.readPixel(p.x, p.y);
           })""",
        [list(p) for p in POINTS],
    )
    for (x, y), got in zip(POINTS, in_pane, strict=True):
        assert_close(got, displayed(tuple(stored(reference_image())[y, x])), where=f"pane pixel {x},{y}")
    for (x, y), got in zip(POINTS, read_pixels(page, POINTS), strict=True):
        assert_close(got, displayed(tuple(stored(output_image(10))[y, x])), where=f"main pixel {x},{y}")


@pytest.mark.skipif(not STATIC.joinpath("standalone.js").is_file(), reason="frontend not built")
def test_review_leaves_sharing_a_file_download_it_once(page: Page, tmp_path: Path) -> None:
    a, b = _two_files_and_their_l1(tmp_path)
    files = _count_file_requests(page)
    review = page.locator(".exr-review")
    with ReviewServer(tmp_path / "figures.json", ["--quiet"]) as server:
        page.goto(server.url)
        for leaf in ("Scene/A", "Scene/L1", "Scene/B", "Scene/L1", "Scene/A"):
            page.locator(f'.exr-tag[data-leaf="{leaf}"]').click()
            expect(review).to_have_attribute("data-image", leaf)
            expect(review).to_have_attribute("data-state", "ready")
        page.locator('.exr-tag[data-leaf="Scene/L1"]').click()
        expect(review).to_have_attribute("data-state", "ready")
        (got,) = read_pixels(page, [(5, 3)], REVIEW_VIEWER)
        l1 = np.abs(a - b)[3, 5]
        assert_close(got, displayed(tuple(float(v) for v in l1)), where="L1 of the shared files")
    assert sorted(files.values()) == [1, 1], files


# Notes when the review page's viewer first appears, in the page's clock (before its scripts run).
VIEWER_APPEARS = """
new MutationObserver((_, observer) => {
  if (!document.querySelector('.exr-review')) return;
  window.__viewerAt = performance.now();
  observer.disconnect();
}).observe(document, { childList: true, subtree: true });
"""


@pytest.mark.skipif(not STATIC.joinpath("standalone.js").is_file(), reason="frontend not built")
def test_review_first_images_are_fetched_before_the_viewer_is_built_and_once(
    page: Page, tmp_path: Path
) -> None:
    # The link names an error map: both of its files are the first images.
    a, b = _two_files_and_their_l1(tmp_path)
    files = _count_file_requests(page)
    page.add_init_script(VIEWER_APPEARS)
    review = page.locator(".exr-review")
    with ReviewServer(tmp_path / "figures.json", ["--quiet"]) as server:
        page.goto(server.url + "#image=Scene/L1")
        expect(review).to_have_attribute("data-image", "Scene/L1")
        expect(review).to_have_attribute("data-state", "ready")
        timing = page.evaluate(
            """() => ({
                 viewerAt: window.__viewerAt,
                 tree: performance.getEntriesByName(new URL('api/tree', location.href).href)[0].responseEnd,
                 files: performance.getEntriesByType('resource')
                   .filter((e) => e.name.includes('/files/')).map((e) => e.startTime),
               })"""
        )
        (got,) = read_pixels(page, [(5, 3)], REVIEW_VIEWER)
    assert_close(got, displayed(tuple(float(v) for v in np.abs(a - b)[3, 5])), where="L1 of the first pair")
    # Both downloads began while the page had no viewer yet (it waits up to 250 ms for its tree).
    assert len(timing["files"]) == 2 and max(timing["files"]) < timing["viewerAt"], timing
    # Through the page's loader: the page's own first requests joined those loads.
    assert sorted(files.values()) == [1, 1], files


def _two_files_and_their_l1(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """A review config (figures.json) of one group: images A and B and the L1 map of A against B."""
    a = reference_image() * 0.5
    b = reference_image()
    write_exr(folder / "images" / "a.exr", a)
    write_exr(folder / "images" / "b.exr", b)
    group = [
        {"title": "A", "image": "images/a.exr"},
        {"title": "B", "image": "images/b.exr"},
        loss_map("L1", "L1", "images/a.exr", "images/b.exr"),
    ]
    config = {"title": "root", "children": [{"title": "Scene", "children": group}]}
    (folder / "figures.json").write_text(json.dumps(config))
    return a, b


def _count_file_requests(page: Page) -> Counter[str]:
    """Requests of the review server's /files/ URLs, by path, as the page makes them."""
    files: Counter[str] = Counter()
    page.on("request", lambda r: files.update([urlparse(r.url).path]) if "/files/" in r.url else None)
    return files
