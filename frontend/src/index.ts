// TensorBoard entry point: the iframe's inline module calls render(). Also re-exports the
// embeddable viewer so other pages (and tests) can use it from the same bundle.

import { PluginApi } from "./api.js";
import type { ExrDecoderPool } from "./decoder/index.js";
import { createPageDecoder } from "./page_decoder.js";
import { TensorBoardHost } from "./tb.js";
import { DEFAULT_CACHE_BYTES } from "./loading/index.js";
import { Panel } from "./ui/panel.js";

export * from "./viewer/index.js";
export { DEFAULT_CACHE_BYTES } from "./loading/index.js";
export { ExrDecoderPool } from "./decoder/index.js";

/** localStorage key overriding the decoded-image cache budget, in MiB. */
const CACHE_BUDGET_KEY = "tensorboard_exr.cache_mib";

declare global {
  interface Window {
    /** Test and debugging hook: the panel of this page. */
    __exrPanel?: Panel;
    /** Test and debugging hook: the panel's decoder workers (`lastStats` of the last decode). */
    __exrDecoderPool?: ExrDecoderPool;
  }
}

export async function render(): Promise<void> {
  document.body.style.margin = "0";
  const { decoder, pool } = createPageDecoder();
  window.__exrDecoderPool = pool;
  const panel = new Panel(document.body, {
    api: new PluginApi("./"),
    decoder,
    host: TensorBoardHost.connect(),
    cacheBytes: cacheBudget(),
  });
  window.__exrPanel = panel;
  await panel.start();
}

function cacheBudget(): number {
  const mib = Number(localStorage.getItem(CACHE_BUDGET_KEY));
  return Number.isFinite(mib) && mib > 0 ? mib * 1024 * 1024 : DEFAULT_CACHE_BYTES;
}
