// Entry point of the review server's page (tensorboard-exr serve, docs/standalone.md): the same
// viewer core and decoder as the TensorBoard tab, around a tree of images served by the server.

import { ExrDecoderPool } from "./decoder/index.js";
import type { DecodeOptions, ExrImage } from "./decoder/types.js";
import { ReviewPage } from "./standalone/review_page.js";
import type { ExrDecoder } from "./viewer/viewer.js";

export { ReviewPage } from "./standalone/review_page.js";

declare global {
  interface Window {
    /** Test and debugging hook: the review page. */
    __exrReview?: ReviewPage;
  }
}

/** The wasm worker pool; downloaded bytes are not reused, so they are handed over. */
function createDecoder(): ExrDecoder {
  const pool = new ExrDecoderPool();
  return {
    decode: (bytes: ArrayBuffer, options: DecodeOptions = {}): Promise<ExrImage> =>
      pool.decode(bytes, { ...options, transfer: true }),
  };
}

document.body.style.margin = "0";
const page = new ReviewPage(document.getElementById("app") ?? document.body, createDecoder());
window.__exrReview = page;
void page.start();
