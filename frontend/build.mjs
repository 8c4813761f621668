// Builds the browser side into tensorboard_exr/static/ (git-ignored):
//   1. the OpenEXRCore WebAssembly decoder (src/decoder/build_wasm.sh; cached by its own input hash),
//   2. one ES module per entry point below, bundled by esbuild (GLSL files imported as text).
// Usage: node build.mjs [--skip-wasm] [--watch]
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "tensorboard_exr", "static");
const args = new Set(process.argv.slice(2));
mkdirSync(outdir, { recursive: true });

// Entry points: TensorBoard's iframe loads index.js and calls its render(); the decoder runs in
// its own same-origin module worker file because TensorBoard's CSP blocks blob: workers.
const entries = {
  index: "src/index.ts",
  decoder_worker: "src/decoder/worker.ts",
  standalone: "src/standalone.ts",
  // Notebooks (tensorboard_exr/notebook.py): the widget's ES module, the viewer module and the
  // decoder worker it starts from a blob: URL (a notebook page serves no file of ours).
  notebook_widget: "src/notebook/widget.ts",
  notebook_viewer: "src/notebook/viewer_module.ts",
  notebook_decoder_worker: "src/notebook/decoder_worker.ts",
};

if (!args.has("--skip-wasm")) {
  const script = join(here, "src", "decoder", "build_wasm.sh");
  if (existsSync(script)) execFileSync("bash", [script, outdir], { stdio: "inherit" });
}

// The pages fetch exr_core.wasm?v=<its SHA-256, 16 hex digits>: a URL whose bytes never change,
// which the servers let the browser keep without revalidating. Chrome's wasm code cache only
// serves a response kept as it was: a 304 revalidation gives the response a new time, which
// invalidates the compiled code cached with it (docs/decoder.md#cold-start).
const wasmFile = join(outdir, "exr_core.wasm");
const wasmVersion = existsSync(wasmFile) ? createHash("sha256").update(readFileSync(wasmFile)).digest("hex").slice(0, 16) : "";

const entryPoints = Object.fromEntries(
  Object.entries(entries).filter(([, src]) => existsSync(join(here, src))),
);
const options = {
  absWorkingDir: here,
  entryPoints,
  outdir,
  bundle: true,
  format: "esm",
  target: ["es2022"],
  platform: "browser",
  minify: !args.has("--dev"),
  sourcemap: "linked",
  loader: { ".glsl": "text", ".css": "text" },
  define: { __EXR_WASM_VERSION__: JSON.stringify(wasmVersion) },
  // The emscripten glue probes for node modules it never uses in a browser.
  external: ["fs", "path", "module", "url", "crypto", "worker_threads"],
  logLevel: "info",
};
if (args.has("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
