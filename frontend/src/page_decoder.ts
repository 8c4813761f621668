// The decoder a page (the TensorBoard panel, the standalone review page) gives its viewers.

import { ExrDecoderPool } from "./decoder/index.js";
import type { DecodeOptions, ExrImage } from "./decoder/types.js";
import type { ExrDecoder } from "./viewer/viewer.js";

declare global {
  interface Window {
    /** Test and benchmark hook: the page's decoder workers (`lastStats`, `startups`). */
    __exrDecoderPool?: ExrDecoderPool;
  }
}

/**
 * A worker pool that starts loading the wasm at once (while the page lists tags and fetches the
 * first image) and takes over the bytes it decodes: pages never reuse fetched bytes, so they are
 * transferred to a worker instead of copied.
 */
export function createPageDecoder(): { decoder: ExrDecoder; pool: ExrDecoderPool } {
  const pool = new ExrDecoderPool();
  pool.warmUp();
  window.__exrDecoderPool = pool;
  const decoder: ExrDecoder = {
    decode: (bytes: ArrayBuffer, options: DecodeOptions = {}): Promise<ExrImage> =>
      pool.decode(bytes, { ...options, transfer: true }),
  };
  return { decoder, pool };
}
