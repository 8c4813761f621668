"""Comparison benchmark: error-map frame time in headless Chromium, FLIP route latency.

Writes a logdir with the project's writer (a `bench/scene` group: output and reference,
1920x1080 half RGB, 3 steps), starts a real `tensorboard`, opens the panel at 1:1 on a canvas of at
least 1920x1080 and measures:

  * the frame time (draw + GPU sync through a 1-pixel read-back) with the metric L1 and 1 − SSIM,
    against the plain image in the same run (baseline); for SSIM also the first frame, which
    includes the SSIM pass (computed once per image pair, then cached);
  * the `flip` route's latency at 1920x1080, LDR and HDR, uncached (every step is a new pair) and
    cached, against `flip_evaluator.evaluate` called directly on the same arrays (baseline).

Run: `.venv/bin/python bench/bench_compare.py` (a few minutes; SwiftShader, no GPU, 2 cores).
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

from tensorboard_exr import metrics  # noqa: E402
from tensorboard_exr import summary as exr_summary  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.tb_server import TensorBoardServer  # noqa: E402

HD = (1080, 1920)
STEPS = (0, 1, 2)
FRAMES = 15


def render_like(seed: int, noise: float) -> np.ndarray:
    """Smooth HDR gradients plus noise: a rendered frame and a noisy estimate of it."""
    rng = np.random.default_rng(seed)
    h, w = HD
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x / w, y / h, 0.5 + 0.5 * np.sin(x / 97.0 + y / 53.0)], axis=-1) * 2.0
    return (base + rng.normal(0, noise, base.shape)).astype(np.float32)


def write_logdir(root: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    pairs = {}
    with exr_summary.Writer(root / "bench", background=False) as writer:
        for step in STEPS:
            output, reference = render_like(step + 1, 0.2 / (step + 1)), render_like(0, 0.0)
            exr_summary.comparison("bench/scene", step, writer=writer, output=output, reference=reference)
            pairs[step] = (
                output.astype(np.float16).astype(np.float32),
                reference.astype(np.float16).astype(np.float32),
            )
    return pairs


FRAME_JS = """
([metric, frames]) => {
  const v = window.__exrPanel.viewer;
  v.setState({ metric, zoom: 1, panX: 960, panY: 540 });
  const t0 = performance.now();
  v.readPixel(10, 10);                       // first frame (for SSIM: includes the map pass)
  const first = performance.now() - t0;
  const times = [];
  for (let i = 0; i < frames; i++) {
    v.setState({ exposure: (i % 2) * 0.5 });  // a uniform change, as when dragging exposure
    const t = performance.now();
    v.readPixel(10 + i, 10);                 // draw now + read back one pixel: waits for the GPU
    times.push(performance.now() - t);
  }
  v.setState({ exposure: 0 });
  times.sort((a, b) => a - b);
  return { first, median: times[Math.floor(times.length / 2)], canvas: [v.canvas.width, v.canvas.height] };
}
"""


def median_ms(f, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pairs = write_logdir(Path(tmp))
        with TensorBoardServer(tmp, load_fast=True) as tb:
            tb.wait_for_json("/data/plugin/exr/tags", lambda tags: "bench" in tags)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 2240, "height": 1400})
                # The inspector from the start (several tags in a run would open the overview grid).
                page.goto(tb.url + "data/plugin_entry.html?name=exr#exr&p.exr.view=inspector")
                page.locator('.exr-tag[data-tag="bench/scene/output"]').click()
                root = page.locator(".exr-panel")
                page.wait_for_function(
                    "document.querySelector('.exr-panel').dataset.referenceState === 'ready'"
                    " && document.querySelector('.exr-panel').dataset.tag === 'bench/scene/output'"
                    " && document.querySelector('.exr-panel').dataset.state === 'ready'",
                    timeout=120_000,
                )
                assert root.get_attribute("data-step") == str(STEPS[-1])
                results = {m: page.evaluate(FRAME_JS, [m, FRAMES]) for m in ("none", "l1", "ssim")}
                browser.close()
            w, h = results["none"]["canvas"]
            base = results["none"]["median"]
            print(
                f"Error-map frame time at 1920x1080 (canvas {w}x{h}, zoom 1, SwiftShader),"
                f" median of {FRAMES}:"
            )
            print(f"  plain image (baseline)   {base:8.1f} ms")
            for metric, label in (("l1", "L1"), ("ssim", "1 - SSIM")):
                r = results[metric]
                print(f"  {label:<24} {r['median']:8.1f} ms   ({r['median'] / base:.2f}x baseline)")
            ssim_first = results["ssim"]["first"]
            print(
                f"  1 - SSIM first frame (SSIM pass + draw) {ssim_first:8.1f} ms"
                f"   ({ssim_first / base:.1f}x baseline)"
            )

            print(
                "FLIP at 1920x1080: route (HTTP, decode both EXRs, FLIP, EXR encode)"
                " vs flip-evaluator directly:"
            )
            import flip_evaluator

            for mode in ("ldr", "hdr"):
                route_uncached = []
                # FLIP is slow on this 2-core machine (tens of seconds at 1080p): one uncached pair per mode.
                for step in STEPS[-1:] if mode == "ldr" else STEPS[:1]:
                    query = (
                        f"/data/plugin/exr/flip?run=bench&tag=bench/scene/output&ref_tag=bench/scene/reference"
                        f"&step={step}&mode={mode}"
                    )
                    t = time.perf_counter()
                    response = tb.get(query)
                    route_uncached.append((time.perf_counter() - t) * 1000)
                    assert response.status == 200, response.body[:200]
                cached = median_ms(lambda q=query: tb.get(q))
                out, ref = pairs[step]
                if mode == "ldr":
                    test_img, ref_img, name = metrics.srgb_encode(out), metrics.srgb_encode(ref), "LDR"
                else:
                    test_img, ref_img, name = np.maximum(out, 0), np.maximum(ref, 0), "HDR"
                test_img, ref_img = test_img.astype(np.float32), ref_img.astype(np.float32)
                direct = median_ms(
                    lambda r=ref_img, t=test_img, n=name: flip_evaluator.evaluate(r, t, n, applyMagma=False),
                    repeats=1,
                )
                uncached = statistics.median(route_uncached)
                print(
                    f"  {mode.upper()}: route uncached {uncached:8.1f} ms, cached {cached:6.1f} ms;"
                    f" flip-evaluator directly {direct:8.1f} ms (route/direct {uncached / direct:.2f}x)"
                )


if __name__ == "__main__":
    main()
