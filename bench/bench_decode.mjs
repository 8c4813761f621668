#!/usr/bin/env node
// Decode speed of the WebAssembly OpenEXRCore decoder against native OpenEXR and three.js.
//
// Usage (from the repo root, after `node frontend/build.mjs`):
//   node bench/bench_decode.mjs [--sizes 1920x1080,3840x2160] [--compressions ZIP,PIZ,...]
//                               [--pixels half-rgba,float-rgb] [--repeats 5] [--workers N]
//                               [--idle-ms 150]
//
// Prints one table per image size and pixel type (RGBA half, RGB float; render-like content),
// each with its own header row: best-of-N ms of
//   wasm 1w    ExrDecoderPool with one worker (node worker_threads; the browser uses the same
//              pool code with Web Workers): fetched bytes handed over (transfer, as the panel
//              does) -> planes out, every copy in and out of the wasm heap included
//   wasm Nw    the same pool with N workers decoding chunk-aligned row bands in parallel
//   core 1T/NT the same OpenEXRCore sources and shim built natively with gcc -O3 as OpenEXR's
//              CMake builds them (AVX2 paths, as the wheel), 1 and N threads (bench/build_native.sh)
//   wheel 1T/NT the OpenEXR PyPI wheel (C++ library), 1 and N threads
//   three      three.js EXRLoader (HalfFloatType), main thread
//   sse4 1T/NT the same native build held to SSE4.2 (no AVX, no BMI: 128-bit vectors, as wasm
//              SIMD has): how close the wasm build is to the same code at its own vector width
// followed by ratios measured in the same run (three/wasmN: three.js on the page's thread against
// the pool as the panel runs it, with all its workers). The SSE4 columns come last, so that the
// columns before them keep their places for the tools that read these tables. Every figure is the best of --repeats
// runs: on a shared machine the minimum is the least disturbed measurement (medians swing by 2x under
// load from other processes); the wasm pools are measured round-robin, each decode after
// --idle-ms of idle time (0: back to back, which leaves the workers no time to prepare the
// output buffers they reuse when scrubbing; see frontend/src/decoder/spare_buffers.ts).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createNodePool } from "../frontend/tools/decoder_node.mjs";
import { EXRLoader } from "../frontend/node_modules/three/examples/jsm/loaders/EXRLoader.js";
import { HalfFloatType } from "../frontend/node_modules/three/build/three.module.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const ALL = ["NONE", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24", "B44", "B44A", "DWAA", "DWAB", "HTJ2K256", "HTJ2K32", "ZSTD"];
const THREE_SUPPORTS = new Set(["NONE", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24", "B44", "B44A", "DWAA", "DWAB"]);

function parseArgs(argv) {
  const args = {
    sizes: ["1920x1080", "3840x2160"],
    pixels: ["half-rgba", "float-rgb"],
    compressions: ALL,
    repeats: 5,
    workers: Math.min(4, availableParallelism()),
    idleMs: 150,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === "--sizes") args.sizes = value.split(",");
    else if (argv[i] === "--compressions") args.compressions = value.split(",");
    else if (argv[i] === "--pixels") args.pixels = value.split(",");
    else if (argv[i] === "--repeats") args.repeats = Number(value);
    else if (argv[i] === "--workers") args.workers = Number(value);
    else if (argv[i] === "--idle-ms") args.idleMs = Number(value);
    else continue;
    i++;
  }
  return args;
}

const python = existsSync(join(repo, ".venv/bin/python")) ? join(repo, ".venv/bin/python") : "python3";
const best = (xs) => Math.min(...xs);

/** The native baseline of a build_native.sh mode, (re)built if its inputs changed (incremental). */
function nativeBinary(mode) {
  const binary = join(repo, `frontend/.cache/native-${mode}/exr_native`);
  if (!existsSync(binary)) console.error(`building the native baseline (bench/build_native.sh ${mode}, a few minutes)...`);
  execFileSync("bash", [join(here, "build_native.sh"), mode], { stdio: ["ignore", "ignore", "inherit"] });
  return binary;
}

const PIXEL_TITLES = { "half-rgba": "RGBA half", "float-rgb": "RGB float" };
const imageName = (size, pixels, comp) => (pixels === "half-rgba" ? `${size}_${comp}.exr` : `${size}_${pixels}_${comp}.exr`);

/** Runs a timing subprocess that prints "<file> [threads] <median> <min>" lines; keeps the min. */
function timeProcess(command, args) {
  const run = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  const out = new Map();
  for (const line of run.stdout.trim().split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 3 && fields[1] !== "ERROR") out.set(fields[0], Number(fields[fields.length - 1]));
  }
  return out;
}

async function timeAsync(repeats, fn) {
  await fn(); // warm-up: instantiation, tier-up, heap growth
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return best(times);
}

const fmt = (v) => (v === undefined || Number.isNaN(v) ? "–" : v.toFixed(0));
const ratio = (a, b) => (a === undefined || b === undefined ? "–" : (a / b).toFixed(2));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const dir = join(repo, "frontend/.cache/bench");
  mkdirSync(dir, { recursive: true });
  const native = nativeBinary("release");
  const native128 = nativeBinary("sse4");
  const pool1 = await createNodePool({ workers: 1 });
  const poolN = await createNodePool({ workers: args.workers, parallelMinBytes: 0 });
  const loader = new EXRLoader().setDataType(HalfFloatType);
  const N = args.workers;
  console.log(`# EXR decode, best of ${args.repeats} (ms); N = ${N} workers/threads; ${availableParallelism()} CPUs`);

  for (const size of args.sizes) for (const pixels of args.pixels) {
    execFileSync(python, [join(here, "bench_images.py"), "write", dir, size, pixels, ...args.compressions], { stdio: "inherit" });
    const files = args.compressions.map((c) => join(dir, imageName(size, pixels, c)));
    const core1 = timeProcess(native, ["-t", "1", "-r", String(args.repeats), ...files]);
    const coreN = timeProcess(native, ["-t", String(N), "-r", String(args.repeats), ...files]);
    const sse1 = timeProcess(native128, ["-t", "1", "-r", String(args.repeats), ...files]);
    const sseN = timeProcess(native128, ["-t", String(N), "-r", String(args.repeats), ...files]);
    const wheel1 = timeProcess(python, [join(here, "bench_images.py"), "time", "1", String(args.repeats), ...files]);
    const wheelN = timeProcess(python, [join(here, "bench_images.py"), "time", String(N), String(args.repeats), ...files]);

    // Warm every worker on every codec first (wasm tier-up, heap growth), then measure the two
    // pools round-robin so that load from other processes hits both alike.
    const contents = files.map((f) => readFileSync(f));
    const buffer = (bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    for (const bytes of contents) {
      await pool1.decode(buffer(bytes));
      await poolN.decode(buffer(bytes));
    }
    const t1 = contents.map(() => []);
    const tN = contents.map(() => []);
    // As in the panel: the fetched bytes are handed to the decoder (transfer: true), and each
    // decode starts after some idle time (a scrubbed step is fetched and uploaded between
    // decodes), in which the workers prepare their next output buffers (spare_buffers.ts).
    const idle = () => new Promise((resolve) => setTimeout(resolve, args.idleMs));
    for (let r = 0; r < args.repeats; r++) {
      for (const [k, bytes] of contents.entries()) {
        let input = buffer(bytes);
        await idle();
        let start = performance.now();
        await pool1.decode(input, { transfer: true });
        t1[k].push(performance.now() - start);
        input = buffer(bytes);
        await idle();
        start = performance.now();
        await poolN.decode(input, { transfer: true });
        tN[k].push(performance.now() - start);
      }
    }
    const rows = [];
    for (const [k, comp] of args.compressions.entries()) {
      const file = files[k];
      const bytes = contents[k];
      let three;
      if (THREE_SUPPORTS.has(comp)) {
        three = await timeAsync(Math.max(2, Math.ceil(args.repeats / 2)), async () => loader.parse(buffer(bytes)));
      }
      rows.push({
        comp,
        mb: bytes.byteLength / 1e6,
        wasm1: best(t1[k]),
        wasmN: best(tN[k]),
        core1: core1.get(file),
        coreN: coreN.get(file),
        wheel1: wheel1.get(file),
        wheelN: wheelN.get(file),
        three,
        sse1: sse1.get(file),
        sseN: sseN.get(file),
      });
    }

    console.log(`\n## ${size}, ${PIXEL_TITLES[pixels] ?? pixels}\n`);
    console.log(
      `| compression | MB | wasm 1w | wasm ${N}w | core 1T | core ${N}T | wheel 1T | wheel ${N}T | three | ` +
        `wasm1/core1 | wasm1/wheel1 | wasm${N}/core${N} | wasm${N}/wheel${N} | wasm${N}/core1 | three/wasm1 | three/wasm${N} | ` +
        `sse4 1T | sse4 ${N}T | wasm1/sse4-1T | wasm${N}/sse4-${N}T |`,
    );
    console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (const r of rows) {
      console.log(
        `| ${r.comp} | ${r.mb.toFixed(1)} | ${fmt(r.wasm1)} | ${fmt(r.wasmN)} | ${fmt(r.core1)} | ${fmt(r.coreN)} | ` +
          `${fmt(r.wheel1)} | ${fmt(r.wheelN)} | ${fmt(r.three)} | ${ratio(r.wasm1, r.core1)} | ${ratio(r.wasm1, r.wheel1)} | ` +
          `${ratio(r.wasmN, r.coreN)} | ${ratio(r.wasmN, r.wheelN)} | ${ratio(r.wasmN, r.core1)} | ${ratio(r.three, r.wasm1)} | ` +
          `${ratio(r.three, r.wasmN)} | ${fmt(r.sse1)} | ${fmt(r.sseN)} | ${ratio(r.wasm1, r.sse1)} | ${ratio(r.wasmN, r.sseN)} |`,
      );
    }
  }
  pool1.dispose();
  poolN.dispose();
}

await main();
