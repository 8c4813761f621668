// What every viewer of a notebook page shares: one decoder pool (module workers started from the
// runtime widget's state, see decoder_worker.ts) and one image loader, whose cache holds decoded
// images by the sha256 of their EXR, so an image shown by several viewers is decoded once.

import { type DecoderWorkerLike, ExrDecoderPool } from "../decoder/index.js";
import type { DecodeOptions, ExrImage } from "../decoder/types.js";
import { ImageLoader } from "../loading/index.js";
import type { ExrDecoder } from "../viewer/index.js";
import type { CoreMessage } from "./decoder_worker.js";
import { bytesOf, runtimeScript, type WidgetModel } from "./widget_model.js";

export interface NotebookRuntime {
  decoder: ExrDecoder;
  loader: ImageLoader;
  /** The pool, once the WebAssembly is compiled (its `lastStats` time the last decode). */
  pool: Promise<ExrDecoderPool>;
}

/** A pool whose workers come from the runtime widget: its worker and glue scripts and its `wasm`. */
async function startPool(runtime: WidgetModel): Promise<ExrDecoderPool> {
  const wasm = await WebAssembly.compile(bytesOf(runtime.get("wasm"), "runtime wasm"));
  const workerUrl = URL.createObjectURL(new Blob([runtimeScript(runtime, "worker")], { type: "text/javascript" }));
  const glue = runtimeScript(runtime, "glue");
  const pool = new ExrDecoderPool({
    createWorker: () => {
      const worker = new Worker(workerUrl, { type: "module" });
      const core: CoreMessage = { kind: "notebook-core", glue, wasm };
      worker.postMessage(core);
      return worker as unknown as DecoderWorkerLike;
    },
  });
  pool.warmUp();
  return pool;
}

/** The page's runtime (made on first use; the viewer module is imported once per runtime id). */
export function notebookRuntime(runtime: WidgetModel): NotebookRuntime {
  if (shared) return shared;
  const pool = startPool(runtime);
  // The loader's downloads copy the bytes out of the widget state (a re-render needs them
  // again), so the copy can be handed to a worker instead of being copied once more.
  const decoder: ExrDecoder = {
    decode: async (bytes: ArrayBuffer, options: DecodeOptions = {}): Promise<ExrImage> =>
      (await pool).decode(bytes, { ...options, transfer: true }),
  };
  shared = { decoder, loader: new ImageLoader(decoder), pool };
  return shared;
}

let shared: NotebookRuntime | null = null;
