#!/usr/bin/env node
// Checks that the WebAssembly build's DWA kernels (src/decoder/dwa_wasm_simd.h) give exactly
// what OpenEXR's own x86 code gives, which is what the OpenEXR C++ library (the PyPI wheel) runs
// on a CPU with AVX and F16C: builds dwa_kernels_check.c natively (cc, gcc or the clang-14 that
// emscripten brings; OpenEXR's AVX inline assembly enabled, chosen by CPUID) and with emcc (the
// build's patches and flags), runs
// both on the same inputs and compares the hashes of the outputs. See docs/decoder.md, "DWA".
//
// Usage: node frontend/tools/dwa_kernels_check.mjs [--blocks N] [--stride S]
//   N random 8x8 blocks through the inverse DCT (default 1 000 000), every half through the
//   half -> float conversion, every S-th float through float -> half (default 1: all 2^32,
//   about half a minute per build), and DWA's table back to linear. Exit status 1 on a mismatch.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const frontend = resolve(here, "..");
const decoderDir = join(frontend, "src", "decoder");

/** The patched OpenEXR sources and configuration headers the wasm build uses. */
function sources() {
  const out = execFileSync("bash", [join(decoderDir, "build_wasm.sh"), "--sources"], { encoding: "utf8" });
  const [src, conf] = out.trim().split("\n").slice(-2);
  return { core: join(src, "src", "lib", "OpenEXRCore"), conf };
}

/** The first C compiler on PATH of those that can build OpenEXR's GCC-style AVX assembly. */
function nativeCompiler() {
  for (const cc of ["cc", "gcc", "clang-14", "clang"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${cc}`], { stdio: "ignore" });
      return cc;
    } catch {
      // not installed; try the next one
    }
  }
  throw new Error("no C compiler found (cc, gcc, clang-14 or clang)");
}

/** Builds the native and the wasm check programs (a few seconds); returns how to run each. */
export function buildKernelChecks() {
  const { core, conf } = sources();
  const outDir = join(frontend, ".cache", "dwa-kernels");
  mkdirSync(outDir, { recursive: true });
  const program = join(here, "dwa_kernels_check.c");
  const includes = [`-I${conf}`, `-I${conf}/Imath`, `-I${core}`];
  const native = join(outDir, "native");
  // As the wheel: plain x86-64 code, AVX only inside OpenEXR's inline assembly, no fused ops.
  execFileSync(nativeCompiler(), ["-O2", "-std=gnu11", "-ffp-contract=off", "-DOPENEXR_IMF_HAVE_GCC_INLINE_ASM_AVX=1",
    ...includes, program, "-lm", "-o", native], { stdio: ["ignore", "ignore", "pipe"] });
  const wasm = join(outDir, "wasm.cjs");
  // The flags build_wasm.sh gives OpenEXRCore's DWA code.
  execFileSync("emcc", ["-O2", "-std=gnu11", "-msimd128", "-msse4.1", "-ffp-contract=off", `-I${conf}/simd`,
    ...includes, `-I${decoderDir}`, program, "-sENVIRONMENT=node", "-sWASM_ASYNC_COMPILATION=0", "-o", wasm], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NODE_PATH: ["/usr/share/nodejs", process.env.NODE_PATH].filter(Boolean).join(":") },
  });
  return { native: [native], wasm: [process.execPath, wasm] };
}

/** Runs both programs; returns their reports and the names of the outputs that differ. */
export function checkDwaKernels({ blocks = 1_000_000, stride = 1 } = {}) {
  const programs = buildKernelChecks();
  const run = ([command, ...args]) =>
    JSON.parse(execFileSync(command, [...args, String(blocks), String(stride)], { encoding: "utf8" }));
  const native = run(programs.native);
  const wasm = run(programs.wasm);
  const differ = [];
  native.idct.forEach((n, v) => {
    if (n.hash !== wasm.idct[v].hash || n.blocks !== wasm.idct[v].blocks) differ.push(`inverse DCT variant ${v}`);
  });
  for (const key of ["halfToFloat", "floatToHalf", "toLinear"]) if (native[key] !== wasm[key]) differ.push(key);
  return { native, wasm, differ };
}

function main() {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const { native, wasm, differ } = checkDwaKernels({ blocks: option("--blocks", 1_000_000), stride: option("--stride", 1) });
  if (!native.cpu.avx || !native.cpu.f16c) {
    console.error("this CPU lacks AVX or F16C: the native side ran another OpenEXR path, nothing to compare");
    process.exit(2);
  }
  for (const v of native.idct) console.log(`inverse DCT variant ${v.variant}: ${v.blocks} blocks ${v.hash} native, ${wasm.idct[v.variant].hash} wasm`);
  for (const key of ["halfToFloat", "floatToHalf", "toLinear"]) console.log(`${key}: ${native[key]} native, ${wasm[key]} wasm`);
  console.log(differ.length ? `DIFFERENT: ${differ.join(", ")}` : "identical");
  process.exit(differ.length ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
