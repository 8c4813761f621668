"""Browser tests: pytest-playwright driving Debian's Chromium (never `playwright install`).

One Chromium per session; each test gets a fresh context. Viewer-core tests load a test page from
a tiny 127.0.0.1 server that sends TensorBoard's CSP; panel tests go through a real `tensorboard`.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "tensorboard_exr" / "static"
PAGES = Path(__file__).resolve().parent / "pages"

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",  # software WebGL, explicitly opted in
    "--use-angle=swiftshader",  # deterministic: the same backend with or without a GPU
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]

# TensorBoard's plugin-iframe CSP (minus the hash of its own inline script).
TB_CSP = (
    "default-src 'self';font-src 'self' data:;frame-src 'self' https://ui.perfetto.dev;"
    "img-src 'self' data: blob:;object-src 'none';"
    "style-src 'self' https://www.gstatic.com data: 'unsafe-inline';connect-src 'self';"
    "script-src 'self' 'unsafe-eval'"
)

# Console noise that is not an error of ours (see shared/research/browser.md §10).
BENIGN_CONSOLE = ("GPU stall due to ReadPixels", "favicon.ico", "Automatic fallback to software WebGL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not STATIC.joinpath("index.js").is_file():
        skip = pytest.mark.skip(reason="frontend not built: run `cd frontend && node build.mjs`")
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1000, "height": 700}, "device_scale_factor": 1}


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    """Fails the test on uncaught page errors."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_lines = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.console_lines.append(f"{m.type}: {m.text}"))  # type: ignore[attr-defined]
    page.set_default_timeout(30_000)
    yield page
    assert not errors, f"uncaught errors in the page: {errors}"


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def translate_path(self, path: str) -> str:
        # /static/<file> comes from the build output, everything else from the test pages.
        clean = path.split("?", 1)[0]
        if clean.startswith("/static/"):
            return str(STATIC / clean.removeprefix("/static/"))
        return str(PAGES / clean.lstrip("/"))

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        if self.path.split("?", 1)[0].endswith(".html"):
            self.send_header("Content-Security-Policy", TB_CSP)
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def page_server() -> Iterator[str]:
    """Base URL of a 127.0.0.1 server for the viewer test pages and the built bundle."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
