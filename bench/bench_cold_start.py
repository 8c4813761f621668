"""Cold start: opening a page → the first pixel of a 1080p ZIP image, in headless Chromium.

Two pages: the EXR tab of a real `tensorboard` (TensorBoard's whole UI at `/#exr`; our plugin's
page is its iframe) and the review server's page (`tensorboard-exr serve`). Each is opened in a
fresh browser profile (empty HTTP cache: "cold"), then again in the same profile after the first
visit has settled (HTTP cache and Chrome's wasm code cache filled: "warm"). For every visit the
script reads the page's own timing (Navigation/Resource Timing, the decoder pool's `startups` and
`lastStats`, the workers' Resource Timing) and prints the split, in ms from the start of our page
(the plugin's iframe, or the review page), median over --runs visits:

  page         the page's document and our entry script downloaded (index.js / standalone.js)
  worker       decoder workers created → their script running
  wasm fetch   exr_core.wasm requested → downloaded
  wasm ready   downloaded → the first worker's instance ready (compile, worker start, instantiate)
  image fetch  the image requested → downloaded
  decode       handed to the pool → decoded planes back (waiting for a worker's wasm included;
               "decoding" is the worker's own time)
  upload+draw  planes back → first pixel (texture upload, draw, GPU sync)

Beside the plugin's figures: TensorBoard's own page load (its navigation → our iframe's start).
Usage: .venv/bin/python bench/bench_cold_start.py [--runs 3] [--settle 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import OpenEXR
from playwright.sync_api import Frame, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from tensorboard_exr import summary as exr_summary  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.review_server import ReviewServer  # noqa: E402
from tests.tb_server import TensorBoardServer  # noqa: E402

HD = (1080, 1920)

# Runs in every frame before its scripts: notes when the viewer first shows an image, after a GPU
# sync (readPixel waits for the draw), in the frame's own clock.
FIRST_PIXEL_SCRIPT = """
(() => {
  const observer = new MutationObserver(() => {
    if (window.__firstPixelAt !== undefined) return;
    const shown = document.querySelector(
      '[data-state="ready"][data-step], [data-state="ready"][data-image]');
    const viewer = (window.__exrPanel || window.__exrReview || {}).viewer;
    if (!shown || !viewer || !viewer.image) return;
    viewer.readPixel(5, 5);
    window.__firstPixelAt = performance.now();
    observer.disconnect();
  });
  observer.observe(document, { attributes: true, subtree: true, attributeFilter: ['data-state'] });
})();
"""

# The page's side of the timeline, in ms from its own time origin.
PAGE_TIMING_JS = """
() => {
  const origin = performance.timeOrigin;
  const rel = (t) => (t === undefined || t === null ? null : t - origin);
  const pool = window.__exrDecoderPool;
  const stats = pool && pool.lastStats;
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    origin,
    firstPixel: window.__firstPixelAt,
    documentEnd: nav ? nav.responseEnd : null,
    resources: performance.getEntriesByType('resource').map((e) => ({
      name: e.name, start: e.startTime, end: e.responseEnd, bytes: e.transferSize })),
    startups: pool ? pool.startups.map((s) => ({
      spawned: rel(s.spawnedAt), script: rel(s.scriptAt), ready: rel(s.coreReadyAt) })) : [],
    decode: stats ? {
      start: rel(stats.startedAt), end: rel(stats.endedAt),
      workerStart: Math.min(...stats.workerSpans.map((w) => rel(w.startedAt))),
      workerEnd: Math.max(...stats.workerSpans.map((w) => rel(w.endedAt))) } : null,
  };
}
"""

WORKER_TIMING_JS = """
() => ({ origin: performance.timeOrigin, resources: performance.getEntriesByType('resource').map(
  (e) => ({ name: e.name, start: e.startTime, end: e.responseEnd, bytes: e.transferSize })) })
"""

Split = dict[str, tuple[float, float]]
PHASES = ("page", "worker", "wasm fetch", "wasm ready", "image fetch", "decode", "upload+draw")


def render_like(shape: tuple[int, int]) -> np.ndarray:
    """Smooth HDR gradients plus mild noise: compresses like a rendered frame."""
    rng = np.random.default_rng(7)
    h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x / w, y / h, 0.5 + 0.5 * np.sin(x / 97.0 + y / 53.0)], axis=-1) * 2
    return (base + rng.normal(0, 0.01, base.shape).astype(np.float32)).astype(np.float32)


def write_inputs(root: Path) -> tuple[Path, Path]:
    """A logdir with one 1080p half RGB ZIP step, and a folder with the same image as a file."""
    pixels = render_like(HD)
    logdir, folder = root / "logdir", root / "review"
    with exr_summary.Writer(logdir / "run", background=False) as writer:
        exr_summary.image("hd", pixels, 0, writer=writer, compression="zip")
    folder.mkdir()
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    with OpenEXR.File(header, {"RGB": pixels.astype(np.float16)}) as exr:
        exr.write(str(folder / "frame.exr"))
    return logdir, folder


def find(resources: list[dict[str, Any]], *needles: str) -> dict[str, Any] | None:
    for entry in resources:
        if any(n in entry["name"] for n in needles):
            return entry
    return None


def split(page: Page, frame: Frame) -> Split:
    """(start, end) of each phase in ms from the frame's time origin."""
    # Polled with evaluate (not wait_for_function, which evals in the page: the review page's CSP
    # forbids that).
    deadline = time.monotonic() + 120
    while frame.evaluate("window.__firstPixelAt === undefined"):
        if time.monotonic() > deadline:
            raise AssertionError(f"no first pixel in {frame.url}")
        time.sleep(0.02)
    timing = frame.evaluate(PAGE_TIMING_JS)
    phases: dict[str, tuple[float, float]] = {}
    script = find(timing["resources"], "/index.js", "/standalone.js")
    if script:
        phases["page"] = (0.0, script["end"])
    startups = [s for s in timing["startups"] if s["script"] is not None]
    if startups:
        phases["worker"] = (min(s["spawned"] for s in startups), max(s["script"] for s in startups))
    wasm = None
    for worker in page.workers:
        try:
            seen = worker.evaluate(WORKER_TIMING_JS)
        except Exception:  # noqa: BLE001 - a worker that ended meanwhile has nothing to say
            continue
        entry = find(seen["resources"], "exr_core.wasm")
        if entry:
            shift = seen["origin"] - timing["origin"]
            wasm = (entry["start"] + shift, entry["end"] + shift)
            break
    if wasm is None:  # fetched by the page itself
        entry = find(timing["resources"], "exr_core.wasm")
        wasm = (entry["start"], entry["end"]) if entry else None
    ready = [s["ready"] for s in timing["startups"] if s["ready"] is not None]
    if wasm:
        phases["wasm fetch"] = wasm
        if ready:
            phases["wasm ready"] = (wasm[1], min(ready))
    image = find(timing["resources"], "/exr?", "/files/")
    if image:
        phases["image fetch"] = (image["start"], image["end"])
    decode = timing["decode"]
    if decode:
        phases["decode"] = (decode["start"], decode["end"])
        phases["decoding"] = (decode["workerStart"], decode["workerEnd"])
        phases["upload+draw"] = (decode["end"], timing["firstPixel"])
    phases["first pixel"] = (0.0, timing["firstPixel"])
    return phases


def plugin_frame(page: Page) -> Frame:
    iframe = page.wait_for_selector('iframe[src*="plugin_entry.html?name=exr"]', timeout=120_000)
    frame = iframe.content_frame() if iframe else None
    if frame is None:
        raise AssertionError("TensorBoard did not open the EXR plugin's iframe")
    return frame


def visit(context: Any, url: str, in_tensorboard: bool, settle: float) -> tuple[Split, float | None]:
    """Opens `url` in a new tab, the split; TensorBoard's own load (ms) when in TensorBoard. The
    tab stays open `settle` seconds after the first pixel, as a reader's would: Chrome writes the
    wasm code cache only a while after the last function was optimised (V8's caching timeout)."""
    page = context.new_page()
    page.goto(url)
    frame = plugin_frame(page) if in_tensorboard else page.main_frame
    phases = split(page, frame)
    tensorboard_ms = None
    if in_tensorboard:
        top = page.evaluate("performance.timeOrigin")
        tensorboard_ms = frame.evaluate("performance.timeOrigin") - top
    page.wait_for_timeout(settle * 1000)
    page.close()
    return phases, tensorboard_ms


def measure(p: Any, url: str, in_tensorboard: bool, runs: int, settle: float, tmp: Path) -> dict[str, Any]:
    results: dict[str, list[Any]] = {"cold": [], "warm": [], "tensorboard cold": [], "tensorboard warm": []}
    for run in range(runs):
        profile = tmp / f"profile-{in_tensorboard}-{run}"
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 800},
        )
        context.add_init_script(FIRST_PIXEL_SCRIPT)
        try:
            for state in ("cold", "warm"):
                phases, tensorboard_ms = visit(context, url, in_tensorboard, settle)
                results[state].append(phases)
                if tensorboard_ms is not None:
                    results[f"tensorboard {state}"].append(tensorboard_ms)
        finally:
            context.close()
    return results


def report(title: str, results: dict[str, Any]) -> None:
    for state in ("cold", "warm"):
        visits = results[state]
        print(f"\n## {title}, {state} ({len(visits)} visits, median; ms from our page's start)\n")
        print("| phase | start | end | duration |")
        print("|---|--:|--:|--:|")
        for phase in (*PHASES, "decoding", "first pixel"):
            spans = [v[phase] for v in visits if phase in v and None not in v[phase]]
            if not spans:
                continue
            start = statistics.median(s[0] for s in spans)
            end = statistics.median(s[1] for s in spans)
            duration = statistics.median(s[1] - s[0] for s in spans)
            label = "(of which the worker decoding)" if phase == "decoding" else phase
            print(f"| {label} | {start:.0f} | {end:.0f} | {duration:.0f} |")
        loads = results.get(f"tensorboard {state}") or []
        if loads:
            print(
                f"\nTensorBoard's own page load (its navigation → our iframe's start): "
                f"median {statistics.median(loads):.0f} ms ({', '.join(f'{x:.0f}' for x in loads)})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--settle", type=float, default=5.0, help="seconds a visited tab stays open after its first pixel"
    )
    args = parser.parse_args()
    print(
        f"# Cold start, {time.strftime('%Y-%m-%d %H:%M')}, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        logdir, folder = write_inputs(tmp)
        with (
            TensorBoardServer(logdir, load_fast=True) as tb,
            ReviewServer(folder) as review,
            sync_playwright() as p,
        ):
            tb.wait_for_json("/data/plugin/exr/steps?run=run&tag=hd", lambda s: len(s) == 1)
            plugin = measure(p, tb.url + "#exr", True, args.runs, args.settle, tmp)
            served = measure(p, review.url, False, args.runs, args.settle, tmp)
    report("TensorBoard's EXR tab (1080p half RGB ZIP)", plugin)
    report("review page (tensorboard-exr serve, 1080p half RGB ZIP)", served)
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
