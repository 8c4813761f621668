#!/usr/bin/env node
// Deep decode + flatten speed: a deep scanline file (1920x1080, ZIPS, half R, G, B, A and float Z,
// 2 to 6 samples a pixel, 4 on average; bench/deep_images.py) with its samples front to back as
// renderers write them, and the same samples shuffled, against OpenEXR's C++ deep reading and
// compositing. Every figure is the best of --repeats, one thread each, measured round-robin (one
// run of every row per repeat, so that a shared machine's drifting load hits them alike):
//
//   wasm total       decodeInProcess: OpenEXRCore wasm reads counts and samples (exr_deep.c),
//                    exr_deep_flatten.c composites them, both are copied out: a worker's work
//   wasm pool        ExrDecoderPool with one worker (node worker_threads), as the panel decodes
//   wasm decode      exr_deep.c's two passes alone (samples left in the wasm heap); "flatten" is
//                    the rest of the total: compositing and the copies out of the heap
//   core total       the same C code built natively (bench/build_native.sh release, exr_native):
//                    decode and flatten, nothing copied
//   C++ composite    OpenEXR's DeepScanLineInputFile + CompositeDeepScanLine into float RGBA
//                    (bench/deep_composite.cpp; Debian's libopenexr-dev, OpenEXR 3.1). With one
//                    file it does not sort: on the shuffled file it shows another picture
//   binding+numpy    OpenEXR's Python binding (the C++ library, 3.5) reading the samples (one
//                    numpy array per pixel and channel, concatenated) + tensorboard_exr.deep.flatten
//
// Usage (after `node frontend/build.mjs`): node bench/bench_deep.mjs [--size 1920x1080] [--repeats 5]
// The files are written once into frontend/.cache/bench-deep/ (a few minutes).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { best, python, repo, sizeAndRepeats } from "./size_repeats_args.mjs";
import { createNodePool, loadCore, loadDecoderApi } from "../frontend/tools/decoder_node.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const args = sizeAndRepeats();

const fmt = (ms) => (ms === null ? "–" : ms.toFixed(0));
const ratio = (a, b) => (a === null || b === null ? "–" : (a / b).toFixed(2));

function files() {
  const dir = join(repo, "frontend/.cache/bench-deep", args.size);
  const names = ["deep_sorted.exr", "deep_unsorted.exr"].map((n) => join(dir, n));
  if (!names.every(existsSync)) {
    mkdirSync(dir, { recursive: true });
    console.error(`writing the ${args.size} deep files (bench/deep_images.py, a few minutes)...`);
    execFileSync(python, [join(here, "deep_images.py"), "write", dir, args.size], { stdio: ["ignore", "ignore", "inherit"] });
  }
  return names;
}

/** ms of exr_deep.c reading counts and samples into the wasm heap. */
function wasmDecodeOnly(core, bytes) {
  const ptr = core._malloc(bytes.length);
  core.HEAPU8.set(bytes, ptr);
  const start = performance.now();
  const file = core._exrw_open(ptr, bytes.length);
  const deep = core._exrw_deep_open(file, 0);
  if (!deep || core._exrw_deep_read(deep, 2047 * 2 ** 20) !== 0) throw new Error(core.UTF8ToString(core._exrw_error(file)));
  const ms = performance.now() - start;
  core._exrw_deep_close(deep);
  core._exrw_close(file);
  return ms;
}

function cppBinary() {
  const binary = join(repo, "frontend/.cache/deep_composite");
  const flags = spawnSync("pkg-config", ["--cflags", "--libs", "OpenEXR"], { encoding: "utf8" });
  if (flags.status !== 0) return null; // no libopenexr-dev
  if (!existsSync(binary)) {
    execFileSync("g++", ["-O2", "-std=c++17", join(here, "deep_composite.cpp"), "-o", binary, ...flags.stdout.trim().split(/\s+/)]);
  }
  return binary;
}

function nativeBinary() {
  const binary = join(repo, "frontend/.cache/native-release/exr_native");
  if (!existsSync(binary)) {
    console.error("building the native baseline (bench/build_native.sh release, a few minutes)...");
    execFileSync("bash", [join(here, "build_native.sh"), "release"], { stdio: ["ignore", "ignore", "inherit"] });
  }
  return binary;
}

const api = await loadDecoderApi();
const core = await loadCore();
const pool = await createNodePool({ workers: 1 });
const native = nativeBinary();
const cpp = cppBinary();
const rows = [];
for (const file of files()) {
  const bytes = new Uint8Array(readFileSync(file));
  const image = api.decodeInProcess(core, bytes); // warms the wasm up
  await pool.decode(bytes.slice().buffer, { transfer: true });
  const t = { total: [], pool: [], decode: [], core: [], cpp: [], read: [], flatten: [] };
  // Round-robin, one run of each per repeat: the machine's load drifts over minutes.
  for (let r = 0; r < args.repeats; r++) {
    let start = performance.now();
    api.decodeInProcess(core, bytes);
    t.total.push(performance.now() - start);
    const copy = bytes.slice().buffer;
    start = performance.now();
    await pool.decode(copy, { transfer: true });
    t.pool.push(performance.now() - start);
    t.decode.push(wasmDecodeOnly(core, bytes));
    t.core.push(Number(execFileSync(native, ["-t", "1", "-r", "1", file], { encoding: "utf8" }).trim().split(" ")[3]));
    if (cpp) t.cpp.push(Number(execFileSync(cpp, [file, "1"], { encoding: "utf8" }).split(" ")[0]));
    const out = execFileSync(python, [join(here, "deep_images.py"), "time", "1", file], { encoding: "utf8" }).trim().split(" ");
    t.read.push(Number(out[1]));
    t.flatten.push(Number(out[2]));
  }
  rows.push({
    name: file.split("/").pop(),
    mb: bytes.length / 1e6,
    samples: image.parts[0].deep.sampleCount,
    total: best(t.total),
    pool: best(t.pool),
    decode: best(t.decode),
    core: best(t.core), // decode + flatten
    cpp: cpp ? best(t.cpp) : null,
    bindingRead: best(t.read),
    bindingFlatten: best(t.flatten),
  });
}
pool.dispose();

console.log(`# Deep decode + flatten, ${args.size}, best of ${args.repeats} (ms), one thread each\n`);
console.log(
  "| file | MB | samples | wasm total | wasm pool | wasm decode | wasm flatten | core total | C++ composite | " +
    "binding read | numpy flatten | total/C++ | total/(binding+numpy) | total/core |",
);
console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.mb.toFixed(1)} | ${(r.samples / 1e6).toFixed(2)} M | ${fmt(r.total)} | ${fmt(r.pool)} | ${fmt(r.decode)} | ` +
      `${fmt(r.total - r.decode)} | ${fmt(r.core)} | ${fmt(r.cpp)} | ${fmt(r.bindingRead)} | ${fmt(r.bindingFlatten)} | ` +
      `${ratio(r.total, r.cpp)} | ${ratio(r.total, r.bindingRead + r.bindingFlatten)} | ${ratio(r.total, r.core)} |`,
  );
}
