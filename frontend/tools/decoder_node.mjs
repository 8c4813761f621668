// Node access to the browser decoder, for tools, tests and benchmarks: bundles
// src/decoder/index.ts with esbuild (into a per-process temp file) and instantiates the built
// wasm from tensorboard_exr/static (run `node build.mjs` first). Worker pools use node
// worker_threads through the same ExrDecoderPool the browser uses.
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
export const frontendDir = resolve(here, "..");
export const defaultStaticDir = resolve(frontendDir, "..", "tensorboard_exr", "static");

let bundlePath = null;

/** Path of an ES module bundle of src/decoder/index.ts (built once per process). */
export async function decoderBundlePath() {
  if (bundlePath) return bundlePath;
  const dir = mkdtempSync(join(tmpdir(), "exr-decoder-"));
  const outfile = join(dir, "decoder.mjs");
  await esbuild.build({
    absWorkingDir: frontendDir,
    entryPoints: ["src/decoder/index.ts"],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: ["es2022"],
    logLevel: "error",
  });
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  bundlePath = outfile;
  return outfile;
}

/**
 * The exports of a frontend module for a node test: `entry` a path under frontend/ (e.g.
 * "src/ui/shortcuts.ts") or `{ source }`, TypeScript that imports from it. Bundled in memory
 * (GLSL and CSS imported as text, as build.mjs does) and imported from a data: URL.
 */
export async function importTs(entry) {
  const input =
    typeof entry === "string"
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.source, resolveDir: frontendDir, loader: "ts" } };
  const { outputFiles } = await esbuild.build({
    absWorkingDir: frontendDir,
    ...input,
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "error",
    loader: { ".glsl": "text", ".css": "text" },
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputFiles[0].text).toString("base64")}`);
}

/** The decoder API (exports of src/decoder/index.ts). */
export async function loadDecoderApi() {
  return import(pathToFileURL(await decoderBundlePath()).href);
}

function staticFiles(staticDir, { needWasm = true } = {}) {
  const glue = join(staticDir, "exr_core.js");
  const wasm = join(staticDir, "exr_core.wasm");
  if (!existsSync(glue) || (needWasm && !existsSync(wasm))) {
    throw new Error(`${staticDir} has no exr_core.js/.wasm: run \`node build.mjs\` in frontend/ first`);
  }
  return { glue, wasm };
}

/** A fresh wasm instance. Node's fetch() cannot read files, so the binary is passed in. */
export async function loadCore(staticDir = defaultStaticDir) {
  const { glue, wasm } = staticFiles(staticDir);
  const factory = (await import(pathToFileURL(glue).href)).default;
  return factory({ wasmBinary: readFileSync(wasm) });
}

/**
 * An ExrDecoderPool whose workers are node worker_threads running the same DecoderService as
 * the browser worker.
 */
export async function createNodePool(options = {}) {
  const api = await loadDecoderApi();
  const staticDir = options.staticDir ?? defaultStaticDir;
  // With options.wasmModule (a compiled WebAssembly.Module, as pages pass) the workers only need
  // the glue next to them.
  staticFiles(staticDir, { needWasm: !options.wasmModule });
  const workerData = { bundle: await decoderBundlePath(), staticDir };
  const createWorker = () => {
    const worker = new Worker(join(here, "decoder_node_worker.mjs"), { workerData });
    const adapter = {
      onmessage: null,
      onerror: null,
      postMessage: (message, transfer) => worker.postMessage(message, transfer),
      terminate: () => void worker.terminate(),
    };
    worker.on("message", (data) => adapter.onmessage?.({ data }));
    worker.on("error", (error) => adapter.onerror?.({ message: error.message }));
    // An exit without our terminate() (e.g. out of memory) must fail the request, not hang it.
    worker.on("exit", (code) => {
      if (code !== 1) adapter.onerror?.({ message: `worker exited with code ${code}` });
    });
    worker.unref();
    return adapter;
  };
  return new api.ExrDecoderPool({ ...options, createWorker });
}
