"""`tensorboard_exr.show` in a real JupyterLab (and Notebook 7): a server on 127.0.0.1 with a
token, a kernel of this venv, the notebook of tests/viewer_notebook.py run in headless Chromium.
The viewers' pixels must be the display model of what was shown (half values through sRGB), the
number keys must switch the members of a group (and reach the viewer, not the notebook), metric,
wipe and statistics must work as in the EXR tab, and `update` must replace the pixels in place."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tensorboard_exr import metrics
from tests import viewer_notebook as nb
from tests.jupyter_lab import JupyterServer, jupyter_lab, write_notebook

from .notebook_page import cell_kinds, open_notebook, read_pixels, run_cell, viewer
from .pixel_model import assert_close, assert_statistics, displayed

POINTS = [(0, 0), (20, 9), (47, 31), (33, 20)]
NOTEBOOK = "viewer.ipynb"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    with jupyter_lab(tmp_path_factory.mktemp("jupyter")) as running:
        write_notebook(running.root / NOTEBOOK, nb.CELLS)
        yield running


@pytest.fixture
def notebook(page: Page, server: JupyterServer) -> Page:
    """JupyterLab with the notebook open and its first three cells run (the viewers shown)."""
    page.set_viewport_size({"width": 1300, "height": 1100})
    open_notebook(page, server.lab(NOTEBOOK))
    for index in range(3):
        run_cell(page, index)
    return page


def check(root, values: np.ndarray, points: list[tuple[int, int]] = POINTS, **view: object) -> None:
    """Rendered pixels equal the display model of `values` (HxWx3, already half or a metric)."""
    for (x, y), got in zip(points, read_pixels(root, points), strict=True):
        want = displayed(tuple(float(v) for v in values[y, x]), **view)  # type: ignore[arg-type]
        assert_close(got, want, where=f"pixel {x},{y} {view}")


def test_show_draws_the_gradient_and_update_replaces_it(notebook: Page) -> None:
    root = viewer(notebook, 0)
    check(root, nb.stored(nb.gradient()))
    shown = root.get_attribute("data-shown")
    run_cell(notebook, 3)
    expect(root).not_to_have_attribute("data-shown", shown or "")
    expect(root).to_have_attribute("data-state", "ready")
    check(root, nb.stored(nb.updated()))
    # In place: the same viewer, no new output.
    assert notebook.locator(".exr-notebook").count() == 2


def test_the_wheel_zooms_a_clicked_viewer_and_scrolls_past_the_others(notebook: Page) -> None:
    canvas = viewer(notebook, 0).locator(".exr-viewer")
    zoom = canvas.get_attribute("data-zoom")
    canvas.hover()
    notebook.mouse.wheel(0, -400)
    notebook.wait_for_timeout(300)
    expect(canvas).to_have_attribute("data-zoom", zoom or "")
    canvas.click()
    notebook.mouse.wheel(0, -400)
    expect(canvas).not_to_have_attribute("data-zoom", zoom or "")


def test_number_keys_switch_the_group_and_stay_out_of_the_notebook(notebook: Page) -> None:
    root = viewer(notebook, 1)
    expect(root).to_have_attribute("data-member", "input")
    check(root, nb.stored(nb.group_image("input")))
    kinds = cell_kinds(notebook)
    root.locator(".exr-viewer").click()
    for key, role in (("2", "output"), ("3", "reference"), ("1", "input"), ("2", "output")):
        notebook.keyboard.press(key)
        expect(root).to_have_attribute("data-member", role)
        expect(root).to_have_attribute("data-state", "ready")
        check(root, nb.stored(nb.group_image(role)))
    # "b" outlines the windows in the viewer; in JupyterLab's command mode it would insert a cell.
    notebook.keyboard.press("b")
    expect(root.locator(".exr-viewer")).to_have_attribute("data-windows", "1")
    assert cell_kinds(notebook) == kinds, "a key typed into the viewer reached the notebook"


def test_metric_wipe_and_statistics_against_the_reference(notebook: Page) -> None:
    root = viewer(notebook, 1)
    expect(root).to_have_attribute("data-reference", "reference")
    expect(root).to_have_attribute("data-reference-state", "ready")
    root.locator(".exr-viewer").click()
    notebook.keyboard.press("2")
    expect(root).to_have_attribute("data-member", "output")
    a, b = nb.stored(nb.group_image("output")), nb.stored(nb.group_image("reference"))
    root.locator(".exr-stats-toggle").check()
    expect(root.locator(".exr-stats")).to_have_attribute("data-source", "image")
    assert_statistics(root.evaluate("r => r.exrNotebook.statistics"), a, ["R", "G", "B"])
    root.locator(".exr-metric").select_option("l1")
    expect(root.locator(".exr-viewer")).to_have_attribute("data-metric", "l1")
    check(root, metrics.per_pixel("l1", a, b))
    expect(root.locator(".exr-stats")).to_have_attribute("data-source", "l1")
    assert_statistics(
        root.evaluate("r => r.exrNotebook.statistics"), metrics.per_pixel("l1", a, b), ["R", "G", "B"]
    )
    # The wipe: A left of the line, the error map right of it.
    root.locator(".exr-viewer").focus()
    notebook.keyboard.press("w")
    expect(root.locator(".exr-viewer")).to_have_attribute("data-wipe", re.compile(r"\d+"))
    wipe_line = "r => { const v = r.exrNotebook.viewer; return v.imagePointOf(+v.element.dataset.wipe, 0).x }"
    line = root.evaluate(wipe_line)
    left = [p for p in POINTS if p[0] < line - 1]
    right = [p for p in POINTS if p[0] > line + 1]
    assert left and right
    check(root, a, points=left)
    check(root, metrics.per_pixel("l1", a, b), points=right)


def test_d_downloads_the_exr_shown_and_u_says_there_is_no_link(notebook: Page) -> None:
    """D saves the member's EXR exactly as `show` encoded it (the widget's bytes: sha256 = the
    member's identity); a notebook output has no link, and U says so instead of copying the page's."""
    root = viewer(notebook, 1)
    root.locator(".exr-viewer").click()
    notebook.keyboard.press("2")
    expect(root).to_have_attribute("data-member", "output")
    expect(root).to_have_attribute("data-state", "ready")
    with notebook.expect_download() as download:
        notebook.keyboard.press("d")
    path = download.value.path()
    assert download.value.suggested_filename == "output.exr"
    data = Path(path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == root.get_attribute("data-shown")
    part = OpenEXR.File(str(path), separate_channels=True).parts[0]
    got = np.stack([part.channels[c].pixels for c in "RGB"], axis=-1).astype(np.float64)
    np.testing.assert_array_equal(got, nb.stored(nb.group_image("output")))
    notebook.keyboard.press("u")
    expect(root.locator(".exr-status")).to_contain_text("no link")


def _thrown_by_notebook_7(stack: str) -> bool:
    """Whether an error was thrown in Notebook 7's own bundle (its first frame is there).

    Notebook 7.6.5 throws some while its page loads, before any cell runs (its shortcut settings
    plugin: "Cannot read properties of undefined (reading 'schema')"; at times "Command
    'filebrowser:open-path' not registered.").
    """
    frames = [line for line in stack.splitlines() if line.strip().startswith("at ")]
    return bool(frames) and "/static/notebook/" in frames[0]


@pytest.fixture
def notebook_7_page(context: BrowserContext) -> Iterator[Page]:
    """A page failing the test on uncaught errors, as `page` does, except Notebook 7's own."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: _thrown_by_notebook_7(e.stack or "") or errors.append(e.stack or str(e)))
    page.set_default_timeout(30_000)
    yield page
    assert not errors, f"uncaught errors in the page: {errors}"


def test_the_same_notebook_in_notebook_7(notebook_7_page: Page, server: JupyterServer) -> None:
    page = notebook_7_page
    page.set_viewport_size({"width": 1300, "height": 1100})
    open_notebook(page, server.notebook7(NOTEBOOK))
    for index in range(3):
        run_cell(page, index)
    check(viewer(page, 0), nb.stored(nb.gradient()))
    group = viewer(page, 1)
    group.locator(".exr-viewer").click()
    page.keyboard.press("3")
    expect(group).to_have_attribute("data-member", "reference")
    check(group, nb.stored(nb.group_image("reference")))
