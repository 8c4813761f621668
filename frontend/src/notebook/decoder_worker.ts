// The decoder's module worker inside a notebook (bundled to static/notebook_decoder_worker.js).
// A notebook page serves no file of ours, so this worker is started from a blob: URL of its
// source, where no relative URL resolves: instead of fetching exr_core.js and exr_core.wasm next
// to itself (decoder/worker.ts), it receives the emscripten glue's source and the compiled
// WebAssembly module in its first message, from the runtime widget's state (notebook/runtime.ts).

import type { ExrCoreModule } from "../decoder/core_binding";
import { DecoderService, type WorkerRequest } from "../decoder/worker_service";

declare const self: DedicatedWorkerGlobalScope;

/** The first message a notebook decoder worker gets. */
export interface CoreMessage {
  kind: "notebook-core";
  glue: string;
  wasm: WebAssembly.Module;
}

type InstantiateWasm = (
  imports: WebAssembly.Imports,
  receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
) => object;

type CoreFactory = (options: {
  instantiateWasm: InstantiateWasm;
  locateFile: (path: string) => string;
}) => Promise<ExrCoreModule>;

let receiveCore: (message: CoreMessage) => void = () => undefined;
const core = new Promise<CoreMessage>((resolve) => (receiveCore = resolve));

async function loadCore(): Promise<ExrCoreModule> {
  const { glue, wasm } = await core;
  const url = URL.createObjectURL(new Blob([glue], { type: "text/javascript" }));
  const factory = ((await import(/* webpackIgnore: true */ url)) as { default: CoreFactory }).default;
  URL.revokeObjectURL(url);
  return factory({
    // The module is compiled once by the page and shared by every worker.
    instantiateWasm: (imports, receive) => {
      void WebAssembly.instantiate(wasm, imports).then((instance) => receive(instance, wasm));
      return {};
    },
    // Never asked for with instantiateWasm; a blob: script has no directory to resolve against.
    locateFile: (path) => path,
  });
}

const service = new DecoderService(loadCore);

self.onmessage = async (event: MessageEvent<WorkerRequest | CoreMessage>) => {
  const message = event.data;
  if (message.kind === "notebook-core") {
    receiveCore(message);
    return;
  }
  const answer = await service.handle(message);
  if (!answer) return;
  self.postMessage(answer.response, answer.transfer);
  service.idle();
};
