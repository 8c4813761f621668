#!/usr/bin/env node
// Cost of reconstructing RGB from a luminance/chroma (Y, RY, BY) file, as OpenEXR's RgbaInputFile
// does (frontend/src/decoder/rgba_yca.c in the wasm module), against decoding the file.
//
// Usage (from the repo root, after `node frontend/build.mjs` and scripts/setup.sh's libopenexr-dev):
//   node bench/bench_yc.mjs [--size 1920x1080] [--repeats 5]
//
// Writes a YC file with OpenEXR's RgbaOutputFile (WRITE_YC, PIZ; tests/openexr_reference.py), then
// prints best-of-N CPU milliseconds (CPU time, not wall time: the figures stay comparable on a
// machine shared with other work; everything here runs on one thread), all in this run:
//   decode+yc   decodeInProcess (wasm decode, planes out, reconstruction in this thread)
//   yc          reconstructRgb alone on the decoded planes (what the last band's worker adds)
//   numpy       tensorboard_exr.luminance_chroma.decode_yc (the server's metrics), same file
//   C++         RgbaInputFile reading the file: decode and reconstruction (the reference program's
//               process start and writing 16 MB of output included)
// and yc / decode+yc.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { best, python, repo, sizeAndRepeats } from "./size_repeats_args.mjs";
import { loadCore, loadDecoderApi } from "../frontend/tools/decoder_node.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const args = sizeAndRepeats();
const [width, height] = args.size.split("x").map(Number);
const cpuMs = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const dir = mkdtempSync(join(tmpdir(), "bench-yc-"));
process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "yc.exr");
const pythonTimes = execFileSync(
  python,
  [
    "-c",
    `
import sys, time, subprocess, numpy as np, OpenEXR
sys.path.insert(0, "tests")
from openexr_reference import hdr_scene, write_yc, reference_binary
from tensorboard_exr import luminance_chroma
scene = hdr_scene(${height}, ${width})
write_yc("${file}", np.concatenate([scene, np.ones(scene.shape[:2] + (1,), np.float32)], -1))
part = OpenEXR.File("${file}", separate_channels=True).parts[0]
import resource
def child_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime
numpy_ms, cpp_ms = [], []
for _ in range(${args.repeats}):
    t = time.process_time(); luminance_chroma.decode_yc(part.channels, part.header); numpy_ms.append((time.process_time() - t) * 1e3)
    t = child_cpu(); subprocess.run([str(reference_binary()), "read", "${file}", "${file}.bin"], check=True, capture_output=True); cpp_ms.append((child_cpu() - t) * 1e3)
print(min(numpy_ms), min(cpp_ms))
`,
  ],
  { cwd: repo, encoding: "utf8" },
)
  .trim()
  .split(/\s+/)
  .map(Number);

const api = await loadDecoderApi();
const core = await loadCore();
const bytes = new Uint8Array(readFileSync(file));
const decodeMs = [];
const ycMs = [];
let image = null;
for (let r = 0; r < args.repeats; r++) {
  let t = process.cpuUsage();
  image = api.decodeInProcess(core, bytes);
  decodeMs.push(cpuMs(t));
  const part = image.parts[0];
  const plane = (name) => part.channels.find((c) => c.name === name).data;
  const samples = (data) => {
    const out = new Uint16Array((width / 2) * (height / 2));
    for (let k = 0; k < height / 2; k++) for (let m = 0; m < width / 2; m++) out[k * (width / 2) + m] = data[2 * k * width + 2 * m];
    return out;
  };
  const planes = { width, height, luminance: plane("Y"), ry: samples(plane("RY")), by: samples(plane("BY")), weights: api.luminanceWeights({ redX: 0.64, redY: 0.33, greenX: 0.3, greenY: 0.6, blueX: 0.15, blueY: 0.06, whiteX: 0.3127, whiteY: 0.329 }) };
  t = process.cpuUsage();
  api.reconstructRgb(core, planes, { r: new Uint16Array(width * height), g: new Uint16Array(width * height), b: new Uint16Array(width * height) });
  ycMs.push(cpuMs(t));
}
const [numpyMs, cppMs] = pythonTimes;
console.log(`luminance/chroma ${width}x${height} (RgbaOutputFile WRITE_YC, PIZ, ${bytes.length} bytes), best of ${args.repeats}:`);
console.log(`  decode+yc ${best(decodeMs).toFixed(1)} ms   yc ${best(ycMs).toFixed(1)} ms   numpy ${numpyMs.toFixed(1)} ms   C++ ${cppMs.toFixed(1)} ms`);
console.log(`  yc / decode+yc = ${(best(ycMs) / best(decodeMs)).toFixed(2)}`);
