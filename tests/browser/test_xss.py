"""No XSS: run names, tags, groups, roles, descriptions, display names, EXR string attributes and
file/folder names holding HTML or script are shown as text, in the panel and on the review page.

Each payload, if it were parsed as markup, would create an element of class `xss-injected` and
set `window.__xss` (TensorBoard's CSP blocks inline handlers, so the element check is the one that
catches a markup sink even where the script itself could not run).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from playwright.sync_api import Page, expect
from review_server import ReviewServer, write_exr

from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

from .conftest import STATIC
from .panel_page import read_pixels
from .pixel_model import assert_close, displayed, half

RUN = "<img src=x class=xss-injected onerror=window.__xss=1>"
TAG = "<script class=xss-injected>window.__xss=2</script>"
GROUP = "<img src=x class=xss-injected onerror=window.__xss=3>"
ROLE = "<b class=xss-injected>role</b>"
DESCRIPTION = "<img src=x class=xss-injected onerror=window.__xss=5> **md** <script>window.__xss=6</script>"
DISPLAY_NAME = '"><svg class=xss-injected onload=window.__xss=7>'
ATTRIBUTE = "<iframe class=xss-injected srcdoc='<script>parent.__xss=8</script>'></iframe>"
COLOUR = (0.5, 0.25, 1.0)


def _exr_with_string_attributes() -> bytes:
    pixels = np.broadcast_to(np.asarray(COLOUR, np.float16), (16, 16, 3))
    channels = {name: np.ascontiguousarray(pixels[..., i]) for i, name in enumerate("RGB")}
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "owner": ATTRIBUTE, "comments": ATTRIBUTE}
    buffer = io.BytesIO()
    OpenEXR.File(header, channels).write(buffer)
    return buffer.getvalue()


def _assert_nothing_injected(page: Page) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.locator(".xss-injected").count() == 0
    assert page.evaluate("document.querySelectorAll('iframe, img[src=x], svg[onload]').length") == 0


@pytest.fixture(scope="module")
def hostile_tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("xss")
    with exr_summary.Writer(root / RUN, background=False) as writer:
        exr_summary.image(
            TAG,
            _exr_with_string_attributes(),
            0,
            writer=writer,
            group=GROUP,
            role=ROLE,
            description=DESCRIPTION,
            display_name=DISPLAY_NAME,
        )
    with TensorBoardServer(root, load_fast=False) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: RUN in tags)
        yield server


def test_panel_shows_hostile_names_as_text(page: Page, hostile_tensorboard: TensorBoardServer) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_tensorboard.url + "data/plugin_entry.html?name=exr")
    tag = page.locator(".exr-tag")
    expect(tag).to_have_count(1)
    tag.click()
    panel = page.locator(".exr-panel")
    expect(panel).to_have_attribute("data-state", "ready")
    # The strings arrive intact, as text and attribute values.
    assert panel.get_attribute("data-run") == RUN
    assert panel.get_attribute("data-tag") == TAG
    text = page.locator("body").inner_text()
    for literal in (RUN, GROUP, ROLE):
        assert literal in text, f"{literal!r} not shown as text"
    assert TAG in text or DISPLAY_NAME in text
    assert tag.get_attribute("title") == DESCRIPTION
    # The image itself decodes and renders: the page is whole, not broken by its metadata.
    got = read_pixels(page, [(3, 4)])[0]
    assert_close(got, displayed(tuple(half(v) for v in COLOUR)), where="hostile tag pixel 3,4")
    _assert_nothing_injected(page)
    # The info view shows the hostile attribute values (and the title) as text.
    page.keyboard.press("i")
    info = page.locator(".exr-info")
    expect(info).to_be_visible()
    assert info.locator('tr[data-name="owner"] td').all_text_contents() == ["string", ATTRIBUTE]
    _assert_nothing_injected(page)
    assert dialogs == []
    assert not any(
        re.search(r"Refused to execute|Content Security Policy", line) for line in page.console_lines
    ), (  # type: ignore[attr-defined]
        page.console_lines  # type: ignore[attr-defined]
    )


FOLDER = "<img src=x class=xss-injected onerror=window.__xss=9>"
FILE = "<svg class=xss-injected onload=window.__xss=10>.exr"


@pytest.mark.skipif(not STATIC.joinpath("standalone.js").is_file(), reason="frontend not built")
def test_review_page_shows_hostile_file_names_as_text(page: Page, tmp_path: Path) -> None:
    image = np.broadcast_to(np.asarray(COLOUR, np.float32), (8, 16, 3)).copy()
    write_exr(tmp_path / FOLDER / FILE, image)
    write_exr(tmp_path / FOLDER / "plain.exr", image * 0.5)
    with ReviewServer(tmp_path, ["--quiet"]) as server:
        page.goto(server.url)
        review = page.locator(".exr-review")
        expect(review).to_have_attribute("data-state", "ready")
        text = page.locator("body").inner_text()
        assert FOLDER in text and FILE.removesuffix(".exr") in text, text[:500]
        page.locator(".exr-tag", has_text="xss-injected onload").first.click()
        expect(review).to_have_attribute("data-image", re.compile(re.escape("onload")))
        expect(review).to_have_attribute("data-state", "ready")
        _assert_nothing_injected(page)
