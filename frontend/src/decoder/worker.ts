// The decoder's module Web Worker (bundled to static/decoder_worker.js). It must be its own
// same-origin file: TensorBoard's CSP blocks blob: workers. It loads the emscripten glue
// (static/exr_core.js) when warmed up or on the first request, and instantiates the wasm module
// the page compiled (wasm_module.ts), or else lets the glue fetch exr_core.wasm next to itself.

import type { ExrCoreFactory, ExrCoreModule } from "./core_binding";
import { epochNow, type WorkerEvent } from "./timing";
import { instantiateCompiled } from "./wasm_module";
import { DecoderService, type WorkerRequest } from "./worker_service";

declare const self: DedicatedWorkerGlobalScope;

const started: WorkerEvent = { kind: "started", at: epochNow() };
self.postMessage(started);

/** A wasm instance: of the module the page compiled if there is one, else fetched and compiled here. */
async function loadCore(module?: WebAssembly.Module): Promise<ExrCoreModule> {
  // A runtime URL, not a bundled import: the glue is a build output next to this file.
  const url = new URL("./exr_core.js", import.meta.url).href;
  const glue = (await import(/* webpackIgnore: true */ url)) as { default: ExrCoreFactory };
  if (module) {
    try {
      return await instantiateCompiled(glue.default, module);
    } catch {
      // Loading it here instead reports what is wrong, if anything is.
    }
  }
  return glue.default();
}

const service = new DecoderService(loadCore, (event) => self.postMessage(event));

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const answer = await service.handle(event.data);
  if (!answer) return;
  self.postMessage(answer.response, answer.transfer);
  service.idle();
};
