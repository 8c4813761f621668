#!/usr/bin/env node
// CPU time per decode of two or more wasm builds of the decoder, interleaved in one process, for
// a change to the C sources, patches or flags (build each with
// `bash frontend/src/decoder/build_wasm.sh DIR`, the first being the baseline):
//   node bench/bench_wasm_ab.mjs --dir /tmp/old --dir /tmp/new [--repeats 12] FILE...
// Each build decodes each file twice to warm up (V8 tiers hot functions up), then the builds take
// turns, one in-process decode each (decodeInProcess: the worker's work without the pool), and
// the process's CPU time (user + system) is measured around each decode. Prints the best and the
// median of --repeats per build, and each build's best over the first's. CPU time rather than wall
// time, and best of many, because the machine may be shared: other processes' load slows the
// builds alike when they take turns, and waiting for a CPU is not counted.
import { readFileSync } from "node:fs";
import { loadCore, loadDecoderApi } from "../frontend/tools/decoder_node.mjs";

const argv = process.argv.slice(2);
let repeats = 12;
const dirs = [];
const files = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--repeats") repeats = Number(argv[++i]);
  else if (argv[i] === "--dir") dirs.push(argv[++i]);
  else files.push(argv[i]);
}
if (dirs.length < 2 || files.length === 0) {
  console.error("usage: bench_wasm_ab.mjs --dir BASELINE --dir OTHER [--dir ...] [--repeats N] FILE...");
  process.exit(2);
}

const { decodeInProcess } = await loadDecoderApi();
const cores = [];
for (const dir of dirs) cores.push(await loadCore(dir));
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log(`# CPU ms per decode, best and median of ${repeats}, builds interleaved`);
for (const file of files) {
  const bytes = new Uint8Array(readFileSync(file));
  for (const core of cores) for (let i = 0; i < 2; i++) decodeInProcess(core, bytes);
  const times = cores.map(() => []);
  for (let r = 0; r < repeats; r++) {
    cores.forEach((core, k) => {
      const start = cpuMs();
      decodeInProcess(core, bytes);
      times[k].push(cpuMs() - start);
    });
  }
  const best = times.map((t) => Math.min(...t));
  console.log(`\n${file}`);
  dirs.forEach((dir, k) => {
    const ratio = (best[k] / best[0]).toFixed(3);
    console.log(`  ${dir}: best ${best[k].toFixed(1)}, median ${median(times[k]).toFixed(1)}, best/first ${ratio}`);
  });
}
