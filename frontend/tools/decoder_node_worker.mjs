// worker_threads entry: the node twin of src/decoder/worker.ts (same DecoderService).
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { loadCore } from "./decoder_node.mjs";

const api = await import(pathToFileURL(workerData.bundle).href);
parentPort.postMessage({ kind: "started", at: performance.timeOrigin + performance.now() });
const service = new api.DecoderService(
  () => loadCore(workerData.staticDir),
  (event) => parentPort.postMessage(event),
);
parentPort.on("message", async (request) => {
  const answer = await service.handle(request);
  if (!answer) return;
  parentPort.postMessage(answer.response, answer.transfer);
  service.idle();
});
