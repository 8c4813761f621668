"""How the decoder starts in a real page: the page compiles the wasm once (streaming) and its
workers instantiate that module; where the page's CSP forbids compiling wasm, the workers fetch and
compile it themselves. Either way the image shows its pixels (pixel_model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, Route, expect
from review_server import ReviewServer, write_exr

from .conftest import STATIC
from .pixel_model import assert_close, displayed

pytestmark = pytest.mark.skipif(
    not STATIC.joinpath("standalone.js").is_file(), reason="frontend not built (no static/standalone.js)"
)

W, H = 32, 16
PROBES = [(0, 0), (7, 3), (31, 15)]


def gradient() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    return np.stack([x / (W - 1), y / (H - 1), np.full((H, W), 0.25, np.float32)], axis=-1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    folder: Path = tmp_path_factory.mktemp("startup")
    write_exr(folder / "frame.exr", gradient())
    with ReviewServer(folder, ["--quiet"]) as served:
        yield served


def shows_the_image(page: Page) -> None:
    review = page.locator(".exr-review")
    expect(review).to_have_attribute("data-image", "frame.exr")
    expect(review).to_have_attribute("data-state", "ready")
    image = gradient()
    for ix, iy in PROBES:
        got = page.evaluate(
            "([x, y]) => { const v = window.__exrReview.viewer; const p = v.canvasPointOf(x, y);"
            " return v.readPixel(p.x, p.y); }",
            [ix, iy],
        )
        assert_close(got, displayed(tuple(float(v) for v in image[iy, ix])), where=f"pixel {ix},{iy}")


def wasm_fetches(page: Page) -> tuple[int, int]:
    """How often the page, and its workers together, fetched exr_core.wasm."""
    by_page = page.evaluate(
        "performance.getEntriesByType('resource')"
        ".filter((e) => new URL(e.name).pathname.endsWith('/exr_core.wasm')).length"
    )
    by_workers = sum(
        worker.evaluate(
            "performance.getEntriesByType('resource')"
            ".filter((e) => new URL(e.name).pathname.endsWith('/exr_core.wasm')).length"
        )
        for worker in page.workers
    )
    return by_page, by_workers


def workers_ready(page: Page) -> list[dict[str, float]]:
    return page.evaluate("window.__exrDecoderPool.startups")


def test_the_page_compiles_the_wasm_once_and_its_workers_share_it(page: Page, server: ReviewServer) -> None:
    page.goto(server.url)
    shows_the_image(page)
    startups = workers_ready(page)
    assert len(startups) >= 2 and all(s.get("coreReadyAt") for s in startups), startups
    assert wasm_fetches(page) == (1, 0)


def test_workers_compile_their_own_where_the_page_may_not(page: Page, server: ReviewServer) -> None:
    # The same page under a CSP without 'wasm-unsafe-eval': the page cannot compile WebAssembly.
    # A worker takes the policy of its own script's response, which allows it there.
    def strict(route: Route) -> None:
        response = route.fetch()
        headers = dict(response.headers)
        headers["content-security-policy"] = headers["content-security-policy"].replace(
            " 'wasm-unsafe-eval'", ""
        )
        route.fulfill(response=response, headers=headers)

    page.route(server.url, strict)
    page.goto(server.url)
    shows_the_image(page)
    startups = workers_ready(page)
    assert all(s.get("coreReadyAt") for s in startups), startups
    by_page, by_workers = wasm_fetches(page)
    assert by_workers >= 1, (by_page, by_workers)
