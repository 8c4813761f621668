"""Driving notebook viewers (`tensorboard_exr.show`) in a real JupyterLab or Notebook 7 page."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

# Both front ends are Lumino applications; `--LabApp.expose_app_in_browser` makes theirs
# `window.jupyterapp`, whose current widget is the open notebook.
_NOTEBOOK = "window.jupyterapp.shell.currentWidget"


def open_notebook(page: Page, url: str) -> None:
    """Opens a notebook and waits until its kernel is idle."""
    page.goto(url)
    page.wait_for_function(
        f"window.jupyterapp && {_NOTEBOOK} && {_NOTEBOOK}.sessionContext"
        f" && {_NOTEBOOK}.sessionContext.session?.kernel?.status === 'idle'",
        timeout=90_000,
    )


def run_cell(page: Page, index: int) -> None:
    """Runs cell `index` as Shift+Enter does (without moving the keyboard focus there)."""
    page.evaluate(
        """async (index) => {
             const notebook = window.jupyterapp.shell.currentWidget.content;
             notebook.activeCellIndex = index;
             await window.jupyterapp.commands.execute("notebook:run-cell");
           }""",
        index,
    )


def viewer(page: Page, index: int) -> Locator:
    """The root (`.exr-panel`) of the index-th notebook viewer of the page, once it shows an image."""
    root = page.locator(".exr-notebook").nth(index)
    expect(root).to_have_attribute("data-state", "ready", timeout=60_000)
    return root


def read_pixels(root: Locator, points: list[tuple[int, int]]) -> list[list[int]]:
    """The displayed RGBA of a viewer's canvas at these image pixels."""
    return root.evaluate(
        """(root, pts) => pts.map(([x, y]) => {
             const v = root.exrNotebook.viewer, p = v.canvasPointOf(x, y);
             return v.readPixel(p.x, p.y);
           })""",
        [list(p) for p in points],
    )


def cell_kinds(page: Page) -> list[str]:
    """The notebook's cells by type: keys meant for a viewer must not add or change cells."""
    return page.evaluate(f"{_NOTEBOOK}.content.widgets.map((cell) => cell.model.type)")
