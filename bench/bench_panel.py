"""EXR panel benchmark: step change → first pixel, and exposure-drag frame time, in headless Chromium.

Writes a logdir with the project's writer (12 steps of a 1920x1080 half RGB ZIP image and one
3840x2160 half RGB ZIP image), starts a real `tensorboard`, opens the panel and measures:

  * step change → first pixel, uncached (download + wasm decode + upload + draw) and cached (in the
    panel's decoded-image LRU: upload + draw), median over several steps;
  * the frame time of an exposure drag on the 4K image (uniform change + draw + GPU sync each).

Baselines measured in the same run: the decoder pool alone on the same bytes (fetch excluded), and
a full re-upload + draw of the 4K image, i.e. what every exposure change would cost if the viewer
re-uploaded. Run: `.venv/bin/python bench/bench_panel.py` (about a minute; SwiftShader, no GPU).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tensorboard_exr import summary as exr_summary  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.tb_server import TensorBoardServer  # noqa: E402

HD = (1080, 1920)
UHD = (2160, 3840)
HD_STEPS = 12


def render_like(shape: tuple[int, int], seed: int) -> np.ndarray:
    """Smooth HDR gradients plus mild noise: compresses like a rendered frame, not like white noise."""
    rng = np.random.default_rng(seed)
    h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x / w, y / h, 0.5 + 0.5 * np.sin(x / 97.0 + y / 53.0 + seed)], axis=-1) * (1 + seed % 4)
    return (base + rng.normal(0, 0.01, base.shape).astype(np.float32)).astype(np.float32)


def write_logdir(root: Path) -> None:
    with exr_summary.Writer(root / "bench", background=False) as writer:
        for step in range(HD_STEPS):
            exr_summary.image("hd", render_like(HD, step), step, writer=writer, compression="zip")
        exr_summary.image("uhd", render_like(UHD, 99), 0, writer=writer, compression="zip")


STEP_TO_PIXEL_JS = """
async (step) => {
  const panel = window.__exrPanel;
  const root = panel.element;
  const slider = root.querySelector('.exr-step-slider');
  const t0 = performance.now();
  const shown = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (root.dataset.step === String(step) && root.dataset.state === 'ready') {
        observer.disconnect();
        panel.viewer.readPixel(5, 5);   // waits for the GPU: the pixel really is there
        resolve(performance.now() - t0);
      }
    });
    observer.observe(root, { attributes: true });
  });
  slider.value = String(step);
  slider.dispatchEvent(new Event('input'));
  const ms = await shown;
  return { ms, cached: root.dataset.cached === '1' };
}
"""

DECODE_ONLY_JS = """
async (url) => {
  const bytes = await (await fetch(url)).arrayBuffer();
  const { ExrDecoderPool } = await import('./index.js');
  const pool = new ExrDecoderPool();
  await pool.decode(bytes.slice(0));            // warm-up: workers start, wasm compiles
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await pool.decode(bytes.slice(0));
    times.push(performance.now() - t0);
  }
  pool.dispose?.();
  times.sort((a, b) => a - b);
  return times[1];
}
"""

EXPOSURE_DRAG_JS = """
(frames) => {
  const viewer = window.__exrPanel.viewer;
  const times = [];
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    viewer.setState({ exposure: Math.sin(i / 5) * 3 });
    viewer.readPixel(10, 10);                  // draw now + GPU sync
    times.push(performance.now() - t0);
  }
  return times;
}
"""

FLOOR_JS = """
(frames) => {
  // The same canvas size, a trivial fragment shader: what any full-canvas draw + sync costs here.
  const ref = window.__exrPanel.viewer.canvas;
  const canvas = document.createElement('canvas');
  canvas.width = ref.width;
  canvas.height = ref.height;
  const gl = canvas.getContext('webgl2', { antialias: false, alpha: false, preserveDrawingBuffer: false });
  const compile = (type, src) => {
    const s = gl.createShader(type);
    gl.shaderSource(s, src);
    gl.compileShader(s);
    return s;
  };
  const program = gl.createProgram();
  gl.attachShader(program, compile(gl.VERTEX_SHADER, `#version 300 es
    void main() { vec2 c = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
                  gl_Position = vec4(c * 2.0 - 1.0, 0.0, 1.0); }`));
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, `#version 300 es
    precision highp float; uniform float u; out vec4 o; void main() { o = vec4(u, 0.5, 0.25, 1.0); }`));
  gl.linkProgram(program);
  gl.useProgram(program);
  const loc = gl.getUniformLocation(program, 'u');
  const out = new Uint8Array(4);
  const times = [];
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    gl.uniform1f(loc, (i % 10) / 10);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    gl.readPixels(10, 10, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, out);
    times.push(performance.now() - t0);
  }
  return times;
}
"""

REUPLOAD_JS = """
(repeats) => {
  const viewer = window.__exrPanel.viewer;
  const image = viewer.image;
  const times = [];
  for (let i = 0; i < repeats; i++) {
    // Fresh channel objects: the renderer sees new planes and must upload them again.
    const parts = image.parts.map((p) => ({ ...p, channels: p.channels.map((c) => ({ ...c })) }));
    const copy = { ...image, parts };
    const t0 = performance.now();
    viewer.setImage(copy);
    viewer.readPixel(10, 10);
    times.push(performance.now() - t0);
  }
  return times;
}
"""


def wait_idle(page, seconds: float = 1.5) -> None:
    """Waits until neighbour prefetches have stopped (no new one for `seconds`), so that they do
    not compete for the two CPUs with the next measurement."""
    last, since = None, time.perf_counter()
    while time.perf_counter() - since < seconds:
        counts = page.evaluate("window.__exrPanel.loadCounts")
        if counts != last:
            last, since = counts, time.perf_counter()
        time.sleep(0.2)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        write_logdir(root)
        print(f"logdir written in {time.perf_counter() - t0:.1f} s")
        with TensorBoardServer(root, load_fast=True) as tb:
            tb.wait_for_json("/data/plugin/exr/steps?run=bench&tag=hd", lambda s: len(s) == HD_STEPS)
            tb.wait_for_json("/data/plugin/exr/steps?run=bench&tag=uhd", lambda s: len(s) == 1)
            sizes = {s["step"]: s["size"] for s in tb.get_json("/data/plugin/exr/steps?run=bench&tag=hd")}
            uhd_size = tb.get_json("/data/plugin/exr/steps?run=bench&tag=uhd")[0]["size"]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                # The inspector from the start (the run's two tags would open the overview grid).
                page.goto(tb.url + "data/plugin_entry.html?name=exr#exr&p.exr.view=inspector")
                page.locator('.exr-tag[data-run="bench"][data-tag="hd"]').click()
                last = f'.exr-panel[data-step="{HD_STEPS - 1}"][data-state="ready"]'
                page.wait_for_selector(last, timeout=120_000)
                wait_idle(page)

                decode_ms = page.evaluate(DECODE_ONLY_JS, "exr?run=bench&tag=hd&step=3")
                wait_idle(page)

                uncached, cached = [], []
                # Far jumps land on steps nobody prefetched; near ones on prefetched neighbours.
                for step in (5, 0, 8):
                    r = page.evaluate(STEP_TO_PIXEL_JS, step)
                    assert not r["cached"], f"step {step} was expected to be uncached"
                    uncached.append(r["ms"])
                    wait_idle(page)
                for step in (6, 4, 1, 9):
                    r = page.evaluate(STEP_TO_PIXEL_JS, step)
                    assert r["cached"], f"step {step} was expected to be cached (prefetched)"
                    cached.append(r["ms"])
                    wait_idle(page)

                page.locator('.exr-tag[data-run="bench"][data-tag="uhd"]').click()
                page.wait_for_selector('.exr-panel[data-tag="uhd"][data-state="ready"]', timeout=120_000)
                page.evaluate(EXPOSURE_DRAG_JS, 3)  # warm-up
                frames = page.evaluate(EXPOSURE_DRAG_JS, 30)
                reupload = page.evaluate(REUPLOAD_JS, 3)
                floor = page.evaluate(FLOOR_JS, 15)
                stats = page.evaluate("window.__exrPanel.viewer.stats()")
                canvas = page.evaluate("(c => [c.width, c.height])(window.__exrPanel.viewer.canvas)")
                browser.close()

    unc = statistics.median(uncached)
    cac = statistics.median(cached)
    frame = statistics.median(frames)
    p95 = sorted(frames)[int(0.95 * (len(frames) - 1))]
    up = statistics.median(reupload)
    mib = 1024 * 1024
    print(f"1920x1080 half RGB ZIP, {statistics.median(sizes.values()) / mib:.1f} MiB per step "
          f"({HD_STEPS} steps); canvas {canvas[0]}x{canvas[1]}")
    runs = {name: ", ".join(f"{x:.0f}" for x in values) for name, values in (("u", uncached), ("c", cached))}
    print(f"  step change -> first pixel, uncached : median {unc:7.1f} ms  (runs: {runs['u']})")
    print(f"  step change -> first pixel, cached   : median {cac:7.1f} ms  (runs: {runs['c']})")
    print(f"  baseline: decoder pool alone (no fetch, no GPU): {decode_ms:7.1f} ms")
    print(f"  ratio uncached / decoder alone = {unc / decode_ms:.2f}; cached / uncached = {cac / unc:.3f}")
    print(f"3840x2160 half RGB ZIP, {uhd_size / mib:.1f} MiB")
    print(f"  exposure drag frame (setState + draw + GPU sync): median {frame:.1f} ms, p95 {p95:.1f} ms "
          f"over {len(frames)} frames")
    print(f"  baseline: re-upload + draw of the same image: median {up:.1f} ms")
    print(f"  floor: trivial shader, same canvas, draw + sync: median {statistics.median(floor):.1f} ms "
          f"(exposure frame / floor = {frame / statistics.median(floor):.2f})")
    print(f"  ratio exposure frame / re-upload = {frame / up:.3f}; uploads so far {stats['uploads']}, "
          f"GPU texture bytes {stats['textureBytes'] / mib:.1f} MiB")


if __name__ == "__main__":
    main()
