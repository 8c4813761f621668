// The decoder a page (the TensorBoard panel, the standalone review page) gives its viewers.

import { ExrDecoderPool } from "./decoder/index.js";
import { compileDecoderWasm } from "./decoder/wasm_module.js";
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
 * transferred to a worker instead of copied. The page itself downloads and compiles the wasm
 * (streaming, as the bytes arrive) and hands the module to its workers (wasm_module.ts).
 */
export function createPageDecoder(): { decoder: ExrDecoder; pool: ExrDecoderPool } {
  const wasmModule = compileDecoderWasm(decoderWasmUrl());
  const pool = new ExrDecoderPool({ wasmModule });
  pool.warmUp();
  window.__exrDecoderPool = pool;
  const decoder: ExrDecoder = {
    decode: (bytes: ArrayBuffer, options: DecodeOptions = {}): Promise<ExrImage> =>
      pool.decode(bytes, { ...options, transfer: true }),
  };
  return { decoder, pool };
}

/**
 * exr_core.wasm beside this script, with its content hash (`?v=`, build.mjs): the servers let the
 * browser keep that URL without revalidating it, which Chrome's wasm code cache needs to serve
 * the compiled code on the next visit.
 */
function decoderWasmUrl(): URL {
  const url = new URL("./exr_core.wasm", import.meta.url);
  if (__EXR_WASM_VERSION__) url.searchParams.set("v", __EXR_WASM_VERSION__);
  return url;
}
