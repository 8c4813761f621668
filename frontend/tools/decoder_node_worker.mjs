// worker_threads entry: the node twin of src/decoder/worker.ts (same DecoderService).
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { loadCore } from "./decoder_node.mjs";

const api = await import(pathToFileURL(workerData.bundle).href);
parentPort.postMessage({ kind: "started", at: performance.timeOrigin + performance.now() });
/** An instance of the module the pool sent (wasm_module.ts), else of the file beside the glue. */
async function load(module) {
  if (!module) return loadCore(workerData.staticDir);
  const glue = await import(pathToFileURL(join(workerData.staticDir, "exr_core.js")).href);
  return api.instantiateCompiled(glue.default, module);
}
const service = new api.DecoderService(load, (event) => parentPort.postMessage(event));
parentPort.on("message", async (request) => {
  const answer = await service.handle(request);
  if (!answer) return;
  parentPort.postMessage(answer.response, answer.transfer);
  service.idle();
});
