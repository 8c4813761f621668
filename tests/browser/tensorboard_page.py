"""TensorBoard's own page with the EXR tab open, as a user (or a notebook's iframe) sees it.

The panel tests open the plugin's frame directly (`panel_page.open_panel`); the install and
notebook tests go through TensorBoard's top page, which picks the EXR tab from the URL's `#exr`
and loads the plugin in an iframe. `panel_page`'s helpers work on the returned frame.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Frame, Page, expect

PLUGIN_FRAME_URL = "data/plugin_entry.html?name=exr"


def exr_frame(page: Page, timeout: float = 60.0) -> Frame:
    """The EXR plugin's frame once it is attached and its panel has loaded (or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        frames = [frame for frame in page.frames if PLUGIN_FRAME_URL in frame.url]
        if frames:
            frame = frames[0]
            expect(frame.locator(".exr-panel")).to_have_attribute(
                "data-state", re.compile("ready|error"), timeout=timeout * 1000
            )
            return frame
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no EXR plugin frame after {timeout} s; frames: {[f.url for f in page.frames]}"
            )
        page.wait_for_timeout(200)


def open_exr_tab(page: Page, tensorboard_url: str) -> Frame:
    """Opens TensorBoard at `tensorboard_url` on its EXR tab; returns the plugin's frame."""
    page.goto(tensorboard_url.rstrip("/") + "/#exr")
    return exr_frame(page)
