// Where the wasm decoder spends its time: decodes files in this thread with V8's sampling
// profiler on and prints the functions with the most self time. Function names need a build
// linked with --profiling-funcs:
//   EXR_WASM_LINK_EXTRA=--profiling-funcs bash src/decoder/build_wasm.sh /tmp/exr-prof
//   node tools/profile_decode.mjs --static /tmp/exr-prof [--repeats 10] [--top 25] FILE...
// Each file is decoded once to warm up (V8 tiers hot functions up), then `repeats` times under
// the profiler. The native build profiles with `perf record` (bench/build_native.sh).
import { readFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadCore, loadDecoderApi } from "./decoder_node.mjs";

function parseArgs(argv) {
  const args = { staticDir: undefined, repeats: 10, top: 25, files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--static") args.staticDir = argv[++i];
    else if (argv[i] === "--repeats") args.repeats = Number(argv[++i]);
    else if (argv[i] === "--top") args.top = Number(argv[++i]);
    else args.files.push(argv[i]);
  }
  return args;
}

/** Self time per function name, from a V8 CPU profile (samples × interval). */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of profile.samples) {
    const frame = byId.get(id).callFrame;
    const name = frame.functionName || `(${frame.url.split("/").pop() || "program"})`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

const args = parseArgs(process.argv.slice(2));
const { decodeInProcess } = await loadDecoderApi();
const core = await loadCore(args.staticDir);
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 100 });
for (const file of args.files) {
  const bytes = new Uint8Array(readFileSync(file));
  decodeInProcess(core, bytes);
  await session.post("Profiler.start");
  const start = performance.now();
  for (let i = 0; i < args.repeats; i++) decodeInProcess(core, bytes);
  const ms = (performance.now() - start) / args.repeats;
  const { profile } = await session.post("Profiler.stop");
  const rows = selfTimes(profile);
  const total = rows.reduce((sum, [, n]) => sum + n, 0);
  console.log(`\n${file}: ${ms.toFixed(1)} ms per decode (mean of ${args.repeats})`);
  for (const [name, n] of rows.slice(0, args.top)) {
    console.log(`${((100 * n) / total).toFixed(1).padStart(5)} %  ${name}`);
  }
}
session.disconnect();
