"""TensorBoard's own notebook path: `%load_ext tensorboard` and `%tensorboard --logdir ...` in a
real Jupyter kernel (ipykernel, driven by jupyter_client as a notebook front end drives it) start
TensorBoard and display its iframe; that output, put in a page as a notebook shows it, loads
TensorBoard in Chromium with the EXR tab showing the logged pixels."""

from __future__ import annotations

import functools
import http.server
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page

from tensorboard_exr import summary as exr_summary

from .panel_page import read_pixels, select_tag
from .pixel_model import assert_close, displayed, half
from .tensorboard_page import exr_frame

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

POINTS = [(0, 0), (20, 9), (47, 31)]


def image() -> np.ndarray:
    y, x = np.mgrid[0:32, 0:48].astype(np.float32)
    return np.stack([x / 47 * 2.0, 1.0 - y / 31, (x + y) % 5 / 4], axis=-1)


def run_cell(client, code: str, timeout: float = 120.0) -> list[dict]:
    """Executes `code` in the kernel; returns its display outputs (raises on an error)."""
    message_id = client.execute(code)
    outputs: list[dict] = []
    while True:
        message = client.get_iopub_msg(timeout=timeout)
        if message["parent_header"].get("msg_id") != message_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "error":
            raise AssertionError(f"cell failed: {content['ename']}: {content['evalue']}")
        if kind in ("display_data", "update_display_data", "execute_result"):
            outputs.append(content["data"])
        if kind == "stream":
            outputs.append({"text/plain": content["text"]})
        if kind == "status" and content["execution_state"] == "idle":
            return outputs


@pytest.fixture(scope="module")
def kernel() -> Iterator:
    """A Python kernel of this venv, as Jupyter starts one."""
    tensorboard = Path(sys.executable).parent / "tensorboard"
    manager, client = jupyter_client.manager.start_new_kernel(
        kernel_name="python3", env={**os.environ, "TENSORBOARD_BINARY": str(tensorboard)}
    )
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


@pytest.fixture
def notebook_page_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A 127.0.0.1 server for the notebook page (index.html in its folder), and that folder."""
    folder = tmp_path / "notebook"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    server.shutdown()
    server.server_close()


def test_tensorboard_magic_shows_the_exr_tab(
    page: Page, kernel, notebook_page_server, tmp_path: Path
) -> None:
    logdir = tmp_path / "logs"
    with exr_summary.Writer(logdir / "run", background=False) as writer:
        exr_summary.image("val/output", image(), 3, writer=writer)
    run_cell(kernel, "%load_ext tensorboard")
    outputs = run_cell(kernel, f"%tensorboard --logdir {logdir} --port 0 --reload_interval 1")
    try:
        (frame_html,) = [o["text/html"] for o in outputs if "text/html" in o and "<iframe" in o["text/html"]]
        url, folder = notebook_page_server
        (folder / "index.html").write_text(f"<!doctype html><title>notebook</title><body>{frame_html}</body>")
        page.set_viewport_size({"width": 1100, "height": 900})
        page.goto(url)
        panel = exr_frame(page)
        select_tag(panel, "run", "val/output", step=3)
        pixels = image()
        for (x, y), got in zip(POINTS, read_pixels(panel, POINTS), strict=True):
            assert_close(got, displayed(tuple(half(float(v)) for v in pixels[y, x])), where=f"pixel {x},{y}")
    finally:
        _stop_tensorboards_of(logdir)


def _stop_tensorboards_of(logdir: Path) -> None:
    """Stops the TensorBoard the magic started for `logdir` (it outlives the kernel)."""
    from tensorboard import manager

    for info in manager.get_all():
        if info.logdir == str(logdir):
            try:
                os.kill(info.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
