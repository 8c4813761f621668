"""Driving the EXR dashboard in a real TensorBoard: open it, pick a tag, read rendered pixels."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.tb_server import TensorBoardServer


def open_panel(page: Page, tensorboard: TensorBoardServer) -> Page:
    """Opens the plugin's page and waits until the dashboard has loaded its first image (or failed)."""
    page.goto(tensorboard.url + "data/plugin_entry.html?name=exr")
    expect(page.locator(".exr-panel")).to_have_attribute("data-state", re.compile("ready|error"))
    return page


def select_tag(page: Page, run: str, tag: str, step: int | None = None) -> None:
    """Clicks a tag in the browser and waits until it is shown (at `step`, when given)."""
    page.locator(f'.exr-tag[data-run="{run}"][data-tag="{tag}"]').click()
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-tag", tag)
    expect(root).to_have_attribute("data-run", run)
    if step is not None:
        expect(root).to_have_attribute("data-step", str(step))
    expect(root).to_have_attribute("data-state", "ready")


PANEL_VIEWER = "window.__exrPanel.viewer"
REVIEW_VIEWER = "window.__exrReview.viewer"
"""The main viewer of the EXR tab and of the review page, as the pages expose them."""


def read_pixels(page: Page, points: list[tuple[int, int]], viewer: str = PANEL_VIEWER) -> list[list[int]]:
    """The displayed RGBA of the main viewer's canvas at these image pixels."""
    return page.evaluate(
        f"""pts => pts.map(([x, y]) => {{
             const v = {viewer}, p = v.canvasPointOf(x, y);
             return v.readPixel(p.x, p.y);
           }})""",
        [list(p) for p in points],
    )


def hover_pixel(page: Page, x: int, y: int, viewer: str = PANEL_VIEWER) -> None:
    """Puts the mouse over the centre of image pixel (x, y)."""
    at = page.evaluate(
        f"""([x, y]) => {{
             const v = {viewer}, p = v.canvasPointOf(x, y);
             const r = v.canvas.getBoundingClientRect(), k = v.canvas.width / r.width;
             return [r.left + (p.x + 0.5) / k, r.top + (p.y + 0.5) / k];
           }}""",
        [x, y],
    )
    page.mouse.move(at[0], at[1])


def help_keys(page: Page) -> list[str]:
    """Every key the page's help (?) lists, one per entry's key ("E / Shift+E" is two, "1 … 9, 0" ten)."""
    page.keyboard.press("?")
    expect(page.locator(".exr-help")).to_be_visible()
    keys: list[str] = []
    for text in page.locator(".exr-help kbd").all_inner_texts():
        if re.fullmatch(r"1 […–] 9(, 0)?", text):
            keys += [str(k) for k in range(1, 10)] + (["0"] if text.endswith("0") else [])
            continue
        keys += [re.sub(r"\s*\(.*\)$", "", k).strip().lower() for k in text.split(" / ")]
    page.keyboard.press("Escape")
    return keys


def toolbar_rows(toolbar: Locator) -> int:
    """How many rows the toolbar's visible controls wrap into (controls whose heights overlap share one)."""
    return toolbar.evaluate(
        """t => {
             const boxes = [...t.children].filter(c => c.offsetParent !== null && !c.hidden)
               .map(c => c.getBoundingClientRect()).filter(r => r.height > 0).sort((a, b) => a.top - b.top);
             let rows = 0, bottom = -Infinity;
             for (const r of boxes) {
               if (r.top >= bottom - 2) rows++;
               bottom = r.top >= bottom - 2 ? r.bottom : Math.max(bottom, r.bottom);
             }
             return rows;
           }"""
    )
