"""The README's screenshot: the EXR tab on the demo's logs, taken in headless Chromium.

By default the quick demo run is logged into a temporary folder and the screenshot is checked and
kept in the test's temporary folder. To refresh the README's picture from the full demo logs:

    TENSORBOARD_EXR_SCREENSHOT=docs/images/panel.png DEMO_LOGDIR=demo/logs \
        .venv/bin/python -m pytest tests/browser/test_demo_screenshot.py
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Page, expect

from tests.tb_server import TensorBoardServer

from .panel_page import open_panel, select_tag

ROOT = Path(__file__).resolve().parents[2]


def _demo_logdir(tmp_path: Path) -> Path:
    if os.environ.get("DEMO_LOGDIR"):
        return Path(os.environ["DEMO_LOGDIR"]).resolve()
    logdir = tmp_path / "logs"
    result = subprocess.run(
        [sys.executable, str(ROOT / "demo" / "train_denoiser.py"), "--quick", "--logdir", str(logdir),
         "--cache", str(tmp_path / "cache")],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert result.returncode == 0, f"train_denoiser.py --quick failed:\n{result.stdout}\n{result.stderr}"
    return logdir


def test_panel_on_the_demo_logs_shows_the_denoised_output(page: Page, tmp_path: Path) -> None:
    logdir = _demo_logdir(tmp_path)
    page.set_viewport_size({"width": 1280, "height": 760})
    with TensorBoardServer(logdir, load_fast=True) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: "kpcn-smape" in tags)
        open_panel(page, server)
        select_tag(page, "kpcn-smape", "val/view0/output")
        root = page.locator(".exr-panel")
        expect(root).to_have_attribute("data-state", "ready")
        # The strip of error over steps (output against its group's reference) is computed.
        expect(page.locator(".exr-error-strip")).to_have_attribute("data-state", "ready", timeout=120_000)
        expect(page.locator(".exr-strip-point").first).to_be_visible()
        png = page.screenshot()
    picture = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float32)
    assert picture.shape[:2] == (760, 1280)
    # The rendered scene fills the canvas with real content: many distinct colours, not a blank
    # or single-colour (error) canvas.
    canvas = page.locator(".exr-viewer canvas").first.bounding_box()
    assert canvas is not None
    x0, y0 = int(canvas["x"]), int(canvas["y"])
    inner = picture[y0 + 20 : y0 + int(canvas["height"]) - 20, x0 + 20 : x0 + int(canvas["width"]) - 20]
    assert len(np.unique(inner.reshape(-1, 3).astype(np.uint8), axis=0)) > 500
    target = os.environ.get("TENSORBOARD_EXR_SCREENSHOT")
    out = Path(target) if target else tmp_path / "panel.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png)
