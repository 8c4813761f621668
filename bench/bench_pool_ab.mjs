#!/usr/bin/env node
// The decoder pool of two checkouts side by side: 1 and 2 workers, best and median of N.
//
// Usage (each tree built with `node frontend/build.mjs`; files e.g. from bench_decode.mjs's
// frontend/.cache/bench):
//   node bench/bench_pool_ab.mjs --trees /work/main,/work/wt/mine [--repeats 7] [--idle-ms 150] FILE...
//
// Every pool decodes every file in turn, round after round (the trees' order alternates between
// rounds), so that load from other processes hits all alike; each decode gets the file by
// transfer after --idle-ms of idle time, as bench_decode.mjs's wasm columns do. Compare the trees
// within one run: on a shared machine the milliseconds of two runs differ more than the trees.
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";

const args = { trees: [], repeats: 7, idleMs: 150, files: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--trees") args.trees = argv[++i].split(",").map((t) => resolve(t));
  else if (argv[i] === "--repeats") args.repeats = Number(argv[++i]);
  else if (argv[i] === "--idle-ms") args.idleMs = Number(argv[++i]);
  else args.files.push(argv[i]);
}
if (args.trees.length === 0 || args.files.length === 0) {
  console.error("usage: bench_pool_ab.mjs --trees A,B [--repeats N] [--idle-ms MS] FILE...");
  process.exit(2);
}

const pools = [];
for (const tree of args.trees) {
  // Each tree's tools bundle that tree's decoder sources and load its built wasm.
  const { createNodePool } = await import(`${tree}/frontend/tools/decoder_node.mjs`);
  for (const workers of [1, 2]) pools.push({ tree, workers, pool: await createNodePool({ workers }), times: new Map() });
}
const contents = args.files.map((f) => readFileSync(f));
const arrayBuffer = (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
const idle = () => new Promise((done) => setTimeout(done, args.idleMs));
// Warm-up: instantiation, tier-up, heap growth, the workers' spare buffers.
for (const bytes of contents) for (const p of pools) for (let i = 0; i < 2; i++) await p.pool.decode(arrayBuffer(bytes));
for (let round = 0; round < args.repeats; round++) {
  for (const [k, bytes] of contents.entries()) {
    for (const p of round % 2 ? [...pools].reverse() : pools) {
      const input = arrayBuffer(bytes);
      await idle();
      const start = performance.now();
      await p.pool.decode(input, { transfer: true });
      p.times.set(k, [...(p.times.get(k) ?? []), performance.now() - start]);
    }
  }
}

const best = (xs) => Math.min(...xs);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`# decoder pool, best / median of ${args.repeats} (ms), ${args.idleMs} ms idle before each decode`);
console.log(`| file | ${pools.map((p) => `${basename(p.tree)} ${p.workers}w`).join(" | ")} |`);
console.log(`|---|${pools.map(() => "--:").join("|")}|`);
for (const [k, file] of args.files.entries()) {
  const cells = pools.map((p) => `${best(p.times.get(k)).toFixed(0)} / ${median(p.times.get(k)).toFixed(0)}`);
  console.log(`| ${basename(file)} | ${cells.join(" | ")} |`);
}
for (const p of pools) p.pool.dispose();
