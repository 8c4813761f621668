// The decoder's module Web Worker (bundled to static/decoder_worker.js). It must be its own
// same-origin file: TensorBoard's CSP blocks blob: workers. It loads the emscripten glue
// (static/exr_core.js, which fetches exr_core.wasm next to itself) on the first request.

import type { ExrCoreFactory, ExrCoreModule } from "./core_binding";
import { epochNow, type WorkerEvent } from "./timing";
import { DecoderService, type WorkerRequest } from "./worker_service";

declare const self: DedicatedWorkerGlobalScope;

const started: WorkerEvent = { kind: "started", at: epochNow() };
self.postMessage(started);

async function loadCore(): Promise<ExrCoreModule> {
  // A runtime URL, not a bundled import: the glue is a build output next to this file.
  const url = new URL("./exr_core.js", import.meta.url).href;
  const glue = (await import(/* webpackIgnore: true */ url)) as { default: ExrCoreFactory };
  return glue.default();
}

const service = new DecoderService(loadCore, (event) => self.postMessage(event));

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const answer = await service.handle(event.data);
  if (!answer) return;
  self.postMessage(answer.response, answer.transfer);
  service.idle();
};
