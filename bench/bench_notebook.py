"""Notebook viewer benchmark: cell execution → first pixel of `tensorboard_exr.show` for a 1920x1080
half RGB image, in a real JupyterLab driven by headless Chromium.

Each figure is measured in the page, from the moment the cell is asked to run (`notebook:run-cell`)
to the moment the viewer has drawn the image (`NotebookPage.firstShownAt`, after the synchronous
draw of `Viewer.setImage`). It includes the kernel's work (encode to EXR with the writer's encoder,
the preview PNG), the transfer (widget messages with binary buffers over the Jupyter server's
websocket), the decode in the wasm worker pool, the upload and the draw:

  * cold: the first viewer of the page (the runtime widget's wasm is compiled, the workers and the
    viewer module start), after a reload, median over reloads;
  * warm: another viewer on the same page;
  * update: `viewer.update(new_image)` of a shown viewer, to its new image drawn.

Baseline in the same run: what a notebook shows today, `IPython.display.Image` of the same image
as an 8-bit sRGB PNG (encoded by Pillow in the cell), from cell execution to the <img> decoded.
Run: `.venv/bin/python bench/bench_notebook.py` (about two minutes; SwiftShader, no GPU).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_panel import render_like  # noqa: E402

from tensorboard_exr import image_job, preview_png  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.notebook_page import open_notebook  # noqa: E402
from tests.jupyter_lab import jupyter_lab, write_notebook  # noqa: E402

REPEATS = 3

SETUP = f"""\
import io, sys, time
sys.path.insert(0, {str(ROOT / "bench")!r})
import numpy as np
from PIL import Image
from IPython.display import Image as PngImage, display
import tensorboard_exr
from bench_panel import render_like  # smooth HDR gradients with mild noise, like a rendered frame

frames = [render_like((1080, 1920), seed) for seed in range(4)]
def png_of(image):
    srgb = np.where(image <= 0.0031308, 12.92 * image, 1.055 * np.clip(image, 0, None) ** (1 / 2.4) - 0.055)
    buffer = io.BytesIO()
    Image.fromarray((np.clip(srgb, 0, 1) * 255 + 0.5).astype(np.uint8)).save(buffer, format="png")
    return buffer.getvalue()
"""

# Appends a cell, runs it; resolves with performance.now() at the request to run it.
RUN_JS = """
async (source) => {
  const panel = window.jupyterapp.shell.currentWidget, notebook = panel.content;
  notebook.model.sharedModel.insertCell(notebook.widgets.length, { cell_type: "code", source });
  notebook.activeCellIndex = notebook.widgets.length - 1;
  const t0 = performance.now();
  void window.jupyterapp.commands.execute("notebook:run-cell");
  return t0;
}
"""


def run(page: Page, source: str) -> float:
    return page.evaluate(RUN_JS, source)


def shown_at(page: Page, index: int, key: str, after: float) -> float:
    """performance.now() at which viewer `index` had drawn (its `key` timestamp past `after`)."""
    root = page.locator(".exr-notebook").nth(index)
    root.wait_for(timeout=120_000)
    root.evaluate(
        """(root, [key, after]) => new Promise((resolve, reject) => {
             const started = performance.now();
             const poll = () => {
               const page = root.exrNotebook, t = page && page[key];
               if (t !== null && t !== undefined && t > after) resolve(t);
               else if (root.dataset.state === "error") reject(new Error(root.dataset.error));
               else if (performance.now() - started > 120000) reject(new Error("timeout"));
               else setTimeout(poll, 5);
             };
             poll();
           })""",
        [key, after],
    )
    return root.evaluate("(root, key) => root.exrNotebook[key]", key)


def decode_ms(page: Page, index: int) -> float:
    root = page.locator(".exr-notebook").nth(index)
    return root.evaluate("async (root) => (await root.exrNotebook.runtime.pool).lastStats.totalMs")


def png_shown(page: Page, count_before: int, t0: float) -> float:
    images = page.locator(".jp-RenderedImage img")
    images.nth(count_before).wait_for(timeout=120_000)
    return (
        images.nth(count_before).evaluate("async (img) => { await img.decode(); return performance.now(); }")
        - t0
    )


# Restarts the kernel (a fresh page has no viewer, a fresh kernel no runtime widget) and runs cell 0.
FRESH_KERNEL_JS = """
async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.sessionContext.session.kernel.restart();
  panel.content.activeCellIndex = 0;
  await window.jupyterapp.commands.execute("notebook:run-cell");
}
"""
IDLE_JS = "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'"


def main() -> None:
    cold, warm, update, decode, baseline = [], [], [], [], []
    with tempfile.TemporaryDirectory() as folder, jupyter_lab(Path(folder)) as server:
        write_notebook(server.root / "bench.ipynb", [SETUP])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for _ in range(REPEATS):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                open_notebook(page, server.lab("bench.ipynb"))
                page.evaluate(FRESH_KERNEL_JS)
                page.wait_for_function(IDLE_JS, timeout=120_000)
                # Cold: the page's and the kernel's first viewer.
                t0 = run(page, "v = tensorboard_exr.show(frames[0], height=400)")
                cold.append(shown_at(page, 0, "firstShownAt", t0) - t0)
                decode.append(decode_ms(page, 0))
                # Warm: a second viewer on the same page.
                t0 = run(page, "w = tensorboard_exr.show(frames[1], height=400)")
                warm.append(shown_at(page, 1, "firstShownAt", t0) - t0)
                # Update of the first viewer.
                t0 = run(page, "v.update(frames[2])")
                update.append(shown_at(page, 0, "lastShownAt", t0) - t0)
                # Baseline: the same image as an 8-bit PNG.
                t0 = run(page, "display(PngImage(png_of(frames[3])))")
                baseline.append(png_shown(page, 0, t0))
                page.close(run_before_unload=False)
            browser.close()

    def line(name: str, values: list[float]) -> None:
        median = statistics.median(values)
        ratio = median / statistics.median(baseline)
        runs = ", ".join(f"{v:.0f}" for v in values)
        print(f"{name:<46} {median:7.0f} ms   x{ratio:4.2f} of the PNG   ({runs})")

    print("1920x1080 half RGB (zip), cell execution -> first pixel, median of", REPEATS)
    line("show(), first viewer of the page (cold)", cold)
    line("show(), another viewer (warm)", warm)
    line("viewer.update(new image)", update)
    line("baseline: IPython.display.Image(8-bit PNG)", baseline)
    encode, preview, size = kernel_side()
    print(f"{'  of which, in the kernel: encode to EXR':<46} {encode:7.0f} ms   ({size / 1e6:.1f} MB of EXR)")
    print(f"{'  of which, in the kernel: the preview PNG':<46} {preview:7.0f} ms")
    print(f"{'  of which, in the page: wasm decode (pool)':<46} {statistics.median(decode):7.0f} ms")


def kernel_side() -> tuple[float, float, int]:
    """Medians of the encode and preview times for the frame (in this process, as in the kernel)."""
    frame = render_like((1080, 1920), 0)
    encodes, previews = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        exr, _info = image_job.make_job("image", frame, 0, image_job.ImageOptions()).encoded()
        encodes.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        preview_png.preview_png([exr])
        previews.append((time.perf_counter() - started) * 1000)
    return statistics.median(encodes), statistics.median(previews), len(exr)


if __name__ == "__main__":
    main()
