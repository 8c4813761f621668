"""Overview benchmark: a 12-card grid in headless Chromium, on a demo-sized and on a 1080p logdir.

Writes two logdirs with the project's writer, each 2 runs × 2 comparison groups × 3 roles = 12 tags
(input, output, reference; half, ZIP), 6 steps each: demo-sized (256x256 like the demo's
validation views, the input with beauty/albedo/normal/depth layers as the demo logs it) and 1080p
(1920x1080 RGB). Starts a real `tensorboard`
per logdir, opens the EXR tab's overview with all 12 cards on screen and measures:

  * time until every card on screen has drawn: cold (a fresh page: listing, downloads, wasm
    decodes, reductions, draws) and cached (the grid shown again with every image in the
    decoded-image cache: reductions and draws only);
  * the frame time of an exposure drag with the 12 cards (uniform change, 12 draws into the shared
    WebGL context, 12 copies into the cards' canvases, read back), against one inspector frame of
    the same image measured in the same run (per frame, and per pixel shown);
  * scrolling: the draws a scroll of the grid costs (0: cards are ordinary page content) against
    what one canvas over the grid with a scissored viewport per card would redraw per scroll frame
    (all cards on screen: the exposure-drag frame above);
  * steps per second actually played (Space) for the 12 cards, playback asked for at 30 fps:
    first with nothing decoded (decode-bound), then with every step in the decoded-image cache;
    against the decoder pool alone on one of the files (12 decodes per step, whatever the pool's
    parallelism gives).

SwiftShader (no GPU) and two shared cores: compare the ratios within one run, not the absolute
figures. Run: `.venv/bin/python bench/bench_overview.py` (a few minutes).
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

from tensorboard_exr import summary as exr_summary  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.tb_server import TensorBoardServer  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_panel import EXPOSURE_DRAG_JS, render_like  # noqa: E402

STEPS = 6
GROUPS = ("val/view0", "val/view1")
RUNS = ("model_a", "model_b")
WINDOW = {"width": 1600, "height": 1200}
CARD_WIDTH = 192


def write_logdir(root: Path, shape: tuple[int, int], layers: bool) -> None:
    for r, run in enumerate(RUNS):
        with exr_summary.Writer(root / run, background=False) as writer:
            for step in range(STEPS):
                for g, group in enumerate(GROUPS):
                    seed = 100 * g + step
                    reference = render_like(shape, seed)
                    beauty = render_like(shape, seed + 7 + r)
                    aovs = {"albedo": reference * 0.5, "normal": reference - 0.5, "depth": reference[..., 0]}
                    exr_summary.comparison(
                        group,
                        step,
                        writer=writer,
                        compression="zip",
                        input={"beauty": beauty, **aovs} if layers else beauty,
                        output=render_like(shape, seed + 13 + r),
                        reference=reference,
                    )


ALL_DRAWN_JS = """
() => { const o = window.__exrPanel.overview, s = o.stats();
        return o.element.dataset.state === 'ready' && s.drawnCards === 12 && s.visibleCards === 12; }
"""

CACHED_JS = """
async () => {
  const o = window.__exrPanel.overview;
  o.deactivate();                        // textures freed; decoded images stay in the cache
  const t0 = performance.now();
  o.activate();
  await new Promise((resolve) => {
    const check = () => {
      const done = o.element.dataset.state === 'ready' && o.stats().drawnCards === 12;
      if (done) resolve(); else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  return performance.now() - t0;
}
"""

DRAG_JS = """
(frames) => {
  const panel = window.__exrPanel, o = panel.overview;
  const times = [];
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    panel.viewer.setState({ exposure: Math.sin(i / 5) * 3 });
    o.flush();                           // the 12 cards drawn and copied now
    o.cardPixel(11, 3, 3);               // read back from the last card's canvas: the work is done
    times.push(performance.now() - t0);
  }
  return { times, draws: o.stats().draws };
}
"""

SCROLL_JS = """
async () => {
  const o = window.__exrPanel.overview, grid = o.element.querySelector('.exr-overview-grid');
  const before = o.stats().draws, times = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    grid.scrollTop = (i % 2) * 40;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    times.push(performance.now() - t0);
  }
  return { draws: o.stats().draws - before, times };
}
"""

PLAY_JS = """
async () => {
  const panel = window.__exrPanel, player = panel.player;
  player.fpsField.value = '30';
  panel.overview.setStep(0);
  const shown = [];
  const off = player.onStep((step) => shown.push([step, performance.now()]));
  const t0 = performance.now();
  player.play();
  await new Promise((resolve) => {
    const check = () => (player.playing ? setTimeout(check, 20) : resolve());
    check();
  });
  off();
  const span = (shown[shown.length - 1][1] - t0) / 1000;
  return { steps: shown.map((s) => s[0]), stepsPerSecond: shown.length / span, achieved: player.achievedFps,
           waited: player.counts.waited };
}
"""

DECODE_ONLY_JS = """
async (url) => {
  const bytes = await (await fetch(url)).arrayBuffer();
  const { ExrDecoderPool } = await import('./index.js');
  const pool = new ExrDecoderPool();
  await pool.decode(bytes.slice(0));
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 12 }, () => pool.decode(bytes.slice(0))));   // one step's 12 files
  const ms = performance.now() - t0;
  pool.dispose?.();
  return ms;
}
"""


def median(values: list[float]) -> float:
    return statistics.median(values[2:] if len(values) > 4 else values)


def open_grid(page: Page, url: str) -> float:
    """Opens the overview (all 12 cards on screen) and returns navigation start → all drawn, in ms."""
    page.goto(url + f"data/plugin_entry.html?name=exr#exr&p.exr.view=grid&p.exr.cards={CARD_WIDTH}")
    page.wait_for_function(ALL_DRAWN_JS, timeout=600_000, polling=50)
    return page.evaluate("performance.now()")


def measure(name: str, shape: tuple[int, int], layers: bool, browser) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        write_logdir(root, shape, layers)
        written = time.perf_counter() - t0
        size = f"{shape[1]}x{shape[0]}"
        print(f"\n== {name}: 12 cards of {size}, {STEPS} steps (logdir written in {written:.0f} s)")
        with TensorBoardServer(root, load_fast=True) as tb:
            tb.wait_for_json(
                f"/data/plugin/exr/steps?run={RUNS[-1]}&tag={GROUPS[-1]}/reference", lambda s: len(s) == STEPS
            )
            page = browser.new_page(viewport=WINDOW, device_scale_factor=1)
            cold = open_grid(page, tb.url)
            page.evaluate("window.__exrPanel.cache.budgetBytes = 4 * 1024 ** 3")
            cached = [page.evaluate(CACHED_JS) for _ in range(3)]
            stats = page.evaluate("window.__exrPanel.overview.stats()")
            factor = page.evaluate("window.__exrPanel.overview.cardList[0].drawn.factor")
            print(
                f"all 12 cards drawn: cold {cold:.0f} ms (from navigation start), "
                f"cached {median(cached):.0f} ms (median of {len(cached)}); "
                f"cards draw at 1/{factor} resolution, "
                f"{stats['liveTextures']} live textures, {stats['textureBytes'] / 1e6:.2f} MB"
            )

            drag = page.evaluate(DRAG_JS, 25)
            drag_ms = median(drag["times"])
            scroll = page.evaluate(SCROLL_JS)
            print(f"exposure drag, 12 cards: {drag_ms:.1f} ms/frame (median)")
            print(
                f"scrolling: {scroll['draws']} card draws in 20 scroll frames "
                f"({median(scroll['times']):.1f} ms per frame); "
                f"one scissored canvas over the grid would redraw all 12 each frame "
                f"(≈ {drag_ms:.1f} ms)"
            )

            first = page.evaluate(PLAY_JS)  # earlier steps partly prefetched by nothing: decode-bound
            second = page.evaluate(PLAY_JS)  # every step decoded now (4 GiB budget)
            decode12 = page.evaluate(DECODE_ONLY_JS, f"exr?run={RUNS[0]}&tag={GROUPS[0]}/output&step=3")
            limit = 1000 / decode12
            print(
                f"playback asked for 30 fps: {first['stepsPerSecond']:.2f} steps/s played decoding "
                f"(waited for {first['waited']} steps), {second['stepsPerSecond']:.2f} steps/s from the "
                f"decoded cache; steps shown {second['steps']}"
            )
            print(
                f"decoder pool alone, one step's 12 files: {decode12:.0f} ms → at most {limit:.2f} steps/s "
                f"decode-bound; played/decode limit = {first['stepsPerSecond'] / limit:.2f}"
            )

            # One inspector frame of the same image: the card at its own size in the inspector.
            page.locator(".exr-card").nth(1).locator(".exr-card-view").click()
            page.wait_for_selector('.exr-panel[data-view="inspector"][data-state="ready"]', timeout=120_000)
            inspector_ms = median(page.evaluate(EXPOSURE_DRAG_JS, 25))
            inspector = page.evaluate(
                "(({width, height}) => ({width, height}))(window.__exrPanel.viewer.canvas)"
            )
            card_pixels = 12 * CARD_WIDTH * (CARD_WIDTH * 3 // 4)
            per_pixel = (drag_ms / card_pixels) / (inspector_ms / (inspector["width"] * inspector["height"]))
            print(
                f"inspector exposure frame ({inspector['width']}x{inspector['height']} canvas): "
                f"{inspector_ms:.1f} ms → 12 cards ({card_pixels} px) cost {drag_ms / inspector_ms:.2f}x one "
                f"inspector frame, {per_pixel:.2f}x its cost per pixel shown"
            )
            page.close()


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        measure("demo-sized", (256, 256), True, browser)
        measure("1080p", (1080, 1920), False, browser)
        browser.close()


if __name__ == "__main__":
    main()
