#!/usr/bin/env node
// Deep decode + flatten speed: a deep scanline file (1920x1080, ZIPS, half R, G, B, A and float Z,
// 2 to 6 samples a pixel, 4 on average; bench/deep_images.py) with its samples front to back as
// renderers write them, and the same samples shuffled, against OpenEXR's C++ deep reading and
// compositing. Every figure is the best of --repeats, one thread each:
//
//   wasm total       decodeInProcess: OpenEXRCore wasm reads counts and samples (exr_deep.c),
//                    copies them out, deep_flatten.ts composites them: the decoder worker's work
//   wasm pool        ExrDecoderPool with one worker (node worker_threads), as the panel decodes
//   wasm decode      exr_deep.c alone (both passes, samples left in the wasm heap)
//   core decode      the same C code built natively (bench/build_native.sh release, exr_native)
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
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createNodePool, loadCore, loadDecoderApi } from "../frontend/tools/decoder_node.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const python = existsSync(join(repo, ".venv/bin/python")) ? join(repo, ".venv/bin/python") : "python3";

const args = { size: "1920x1080", repeats: 5 };
for (let i = 2; i < process.argv.length; i += 2) {
  if (process.argv[i] === "--size") args.size = process.argv[i + 1];
  else if (process.argv[i] === "--repeats") args.repeats = Number(process.argv[i + 1]);
}

const best = (xs) => Math.min(...xs);
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

/** Best ms of exr_deep.c reading counts and samples into the wasm heap. */
function wasmDecodeOnly(core, bytes) {
  const times = [];
  for (let r = 0; r < args.repeats; r++) {
    const ptr = core._malloc(bytes.length);
    core.HEAPU8.set(bytes, ptr);
    const start = performance.now();
    const file = core._exrw_open(ptr, bytes.length);
    const deep = core._exrw_deep_open(file, 0);
    if (!deep || core._exrw_deep_read(deep, 2047 * 2 ** 20) !== 0) throw new Error(core.UTF8ToString(core._exrw_error(file)));
    times.push(performance.now() - start);
    core._exrw_deep_close(deep);
    core._exrw_close(file);
  }
  return best(times);
}

function cppComposite(file) {
  const binary = join(repo, "frontend/.cache/deep_composite");
  const flags = spawnSync("pkg-config", ["--cflags", "--libs", "OpenEXR"], { encoding: "utf8" });
  if (flags.status !== 0) return null; // no libopenexr-dev
  if (!existsSync(binary)) {
    execFileSync("g++", ["-O2", "-std=c++17", join(here, "deep_composite.cpp"), "-o", binary, ...flags.stdout.trim().split(/\s+/)]);
  }
  const out = execFileSync(binary, [file, String(args.repeats)], { encoding: "utf8" });
  return Number(out.split(" ")[0]);
}

function nativeDecode(file) {
  const binary = join(repo, "frontend/.cache/native-release/exr_native");
  if (!existsSync(binary)) {
    console.error("building the native baseline (bench/build_native.sh release, a few minutes)...");
    execFileSync("bash", [join(here, "build_native.sh"), "release"], { stdio: ["ignore", "ignore", "inherit"] });
  }
  const out = execFileSync(binary, ["-t", "1", "-r", String(args.repeats), file], { encoding: "utf8" }).trim().split(" ");
  return Number(out[3]);
}

function bindingAndNumpy(file) {
  const out = execFileSync(python, [join(here, "deep_images.py"), "time", String(args.repeats), file], { encoding: "utf8" });
  const [, read, flatten] = out.trim().split(" ");
  return { read: Number(read), flatten: Number(flatten) };
}

const api = await loadDecoderApi();
const core = await loadCore();
const pool = await createNodePool({ workers: 1 });
const rows = [];
for (const file of files()) {
  const bytes = new Uint8Array(readFileSync(file));
  const totals = [];
  let samples = 0;
  for (let r = 0; r < args.repeats + 1; r++) {
    const start = performance.now();
    const image = api.decodeInProcess(core, bytes);
    if (r > 0) totals.push(performance.now() - start); // the first run warms the wasm up
    samples = image.parts[0].deep.sampleCount;
  }
  const pooled = [];
  for (let r = 0; r < args.repeats + 1; r++) {
    const copy = bytes.slice().buffer;
    const start = performance.now();
    await pool.decode(copy, { transfer: true });
    if (r > 0) pooled.push(performance.now() - start);
  }
  const binding = bindingAndNumpy(file);
  rows.push({
    name: file.split("/").pop(),
    mb: bytes.length / 1e6,
    samples,
    total: best(totals),
    pool: best(pooled),
    decode: wasmDecodeOnly(core, bytes),
    core: nativeDecode(file),
    cpp: cppComposite(file),
    bindingRead: binding.read,
    bindingFlatten: binding.flatten,
  });
}
pool.dispose();

console.log(`# Deep decode + flatten, ${args.size}, best of ${args.repeats} (ms), one thread each\n`);
console.log(
  "| file | MB | samples | wasm total | wasm pool | wasm decode | wasm flatten | core decode | C++ composite | " +
    "binding read | numpy flatten | total/C++ | total/(binding+numpy) | decode/core |",
);
console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.mb.toFixed(1)} | ${(r.samples / 1e6).toFixed(2)} M | ${fmt(r.total)} | ${fmt(r.pool)} | ${fmt(r.decode)} | ` +
      `${fmt(r.total - r.decode)} | ${fmt(r.core)} | ${fmt(r.cpp)} | ${fmt(r.bindingRead)} | ${fmt(r.bindingFlatten)} | ` +
      `${ratio(r.total, r.cpp)} | ${ratio(r.total, r.bindingRead + r.bindingFlatten)} | ${ratio(r.decode, r.core)} |`,
  );
}
