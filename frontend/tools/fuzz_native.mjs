// Developer fuzzing under AddressSanitizer: writes N mutants of the test fixtures and decodes
// them with the native build of the same shim (bash bench/build_native.sh asan), which reports
// memory errors that the wasm build would only show as traps or silent corruption.
// Usage: node tools/fuzz_native.mjs [COUNT] [SEED]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { mutate, prng } from "../test/fixtures/mutate.mjs";
import { pythonExecutable, repoRoot } from "../test/fixtures/fixtures.mjs";

const count = Number(process.argv[2] ?? 5000);
const seed = Number(process.argv[3] ?? 1);
const native = resolve(repoRoot, "frontend/.cache/native-asan/exr_native");
const dir = mkdtempSync(join(tmpdir(), "exr-fuzz-"));
// Flat fixtures and deep ones (make_deep.py: every deep codec, tiled, multipart, a sample bomb).
for (const script of ["make_exr.py", "make_deep.py"]) {
  execFileSync(pythonExecutable(), [resolve(repoRoot, "frontend/test/fixtures", script), join(dir, script)]);
}
const seeds = ["make_exr.py", "make_deep.py"].flatMap((script) =>
  readdirSync(join(dir, script)).filter((f) => f.endsWith(".exr")).map((f) => readFileSync(join(dir, script, f))),
);
const rng = prng(seed);
const batch = [];
let failures = 0;
const flush = () => {
  const run = spawnSync(native, ["-r", "1", ...batch], { encoding: "utf8", env: { ...process.env, ASAN_OPTIONS: "detect_leaks=1:halt_on_error=1" } });
  if (run.status !== 0 || /Sanitizer|runtime error/.test(run.stderr)) {
    failures++;
    const last = run.stdout.trim().split("\n").length;
    console.log(`FAILURE near ${batch[last] ?? batch[0]}:\n${run.stderr.split("\n").filter((l) => /ERROR|#[0-4] |runtime error/.test(l)).join("\n")}`);
    for (const f of batch) writeFileSync(join(tmpdir(), `fuzz-keep-${f.split("/").pop()}`), readFileSync(f));
  }
  batch.length = 0;
};
for (let i = 0; i < count; i++) {
  const file = join(dir, `m${i}.exr`);
  writeFileSync(file, mutate(seeds[i % seeds.length], rng));
  batch.push(file);
  if (batch.length === 200) flush();
}
flush();
rmSync(dir, { recursive: true, force: true });
console.log(`${count} mutants, ${failures} failing batches`);
process.exitCode = failures ? 1 : 0;
