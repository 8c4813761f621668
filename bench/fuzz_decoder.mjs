// Long fuzzing run of the WebAssembly decoder (the CI test, frontend/test/decoder_hostile.test.mjs,
// runs 2 000 mutants; this runs as many as asked, plus hand-made hostile files): mutants of every
// fixture (every codec, tiled, multipart, mipmapped, subsampled, deep scanline and tiled) and
// headers built to hurt (huge and negative windows, overflowing offsets, 10 000 channels, 1 000
// parts, deep parts, a deep file declaring 2.6 billion samples).
// Prints cases/s, crashes (anything but the decoder's own Error: traps, RangeErrors...), hangs
// (a case over HANG_MS), the slowest case, the wasm heap at the end, and the error categories.
// Baseline in the same run: decoding the valid fixtures themselves (cases/s of good input).
//
// Usage: cd frontend && node ../bench/fuzz_decoder.mjs [COUNT=20000] [SEED=1]
import { execFileSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const frontend = resolve(fileURLToPath(import.meta.url), "..", "..", "frontend");
const { loadCore, loadDecoderApi } = await import(join(frontend, "tools", "decoder_node.mjs"));
const { makeFixtures, pythonExecutable } = await import(join(frontend, "test", "fixtures", "fixtures.mjs"));
const { mutate, parseHeader, prng } = await import(join(frontend, "test", "fixtures", "mutate.mjs"));

const COUNT = Number(process.argv[2] ?? 20000);
const SEED = Number(process.argv[3] ?? 1);
const HANG_MS = 5000; // the CI test's budget for one case (decoder_hostile.test.mjs)
const OPTIONS = { maxDecodedBytes: 64 * 1024 * 1024 };

const fx = makeFixtures();
// Deep files (make_deep.py): every deep codec, scanline and tiled, multipart, a sample bomb.
const deepFx = makeFixtures("make_deep.py");
const api = await loadDecoderApi();
const core = await loadCore();
const fixtureNames = (set, prefix) => readdirSync(set.dir).filter((f) => f.endsWith(".exr")).sort().map((f) => prefix + f);
const seedNames = [...fixtureNames(fx, ""), ...fixtureNames(deepFx, "deep/")];
/** A fixture's bytes; "deep/" names come from make_deep.py. */
const readFixture = (name) => (name.startsWith("deep/") ? deepFx.read(name.slice(5)) : fx.read(name));
const seeds = seedNames.map(readFixture);

// Files the mutator cannot reach: written by OpenEXR itself, so they are valid but extreme.
const EXTREME = `
import sys, numpy as np, OpenEXR
out = sys.argv[1]
many = {f"c{i:05d}": np.zeros((1, 1), np.float16) for i in range(10000)}
OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION}, many).write(out + "/channels_10000.exr")
parts = [OpenEXR.Part({"type": OpenEXR.scanlineimage}, {"Y": np.zeros((1, 1), np.float16)}, name=f"p{i}") for i in range(1000)]
OpenEXR.File(parts).write(out + "/parts_1000.exr")
`;
writeFileSync(join(fx.dir, "extreme.py"), EXTREME);
execFileSync(pythonExecutable(), [join(fx.dir, "extreme.py"), fx.dir]);

function headerEdit(name, edit) {
  const bytes = readFixture(name);
  const header = parseHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  edit(view, (attr) => header.attrs.find((a) => a.name === attr), header);
  return bytes;
}

function hostileCases() {
  const cases = [
    ["10 000 channels", fx.read("channels_10000.exr")],
    ["1 000 parts", fx.read("parts_1000.exr")],
  ];
  const I32 = [0x7fffffff, -0x80000000, 1 << 30, -(1 << 30), 1 << 20, -1, 65535];
  const names = ["scan_NONE.exr", "scan_ZIP.exr", "scan_PIZ.exr", "tiled_ZIP.exr", "multipart.exr", "deep.exr",
    "deep/scan_rgbaz_half_ZIPS.exr", "deep/tiled_rgbaz_ZIPS.exr", "deep/bomb.exr"];
  for (const name of names) {
    if (!seedNames.includes(name)) continue;
    for (const [i, a] of I32.entries()) {
      for (const [j, b] of I32.entries()) {
        cases.push([
          `${name}: dataWindow (${a},${b})-(${b},${a})`,
          headerEdit(name, (view, attr) => {
            const dw = attr("dataWindow");
            view.setInt32(dw.valueStart, a, true);
            view.setInt32(dw.valueStart + 4, b, true);
            view.setInt32(dw.valueStart + 8, b, true);
            view.setInt32(dw.valueStart + 12, a, true);
          }),
        ]);
        if (i === 0) {
          cases.push([
            `${name}: dataWindow max (${b}, ${b})`,
            headerEdit(name, (view, attr) => {
              const dw = attr("dataWindow");
              view.setInt32(dw.valueStart + 8, b, true);
              view.setInt32(dw.valueStart + 12, b, true);
            }),
          ]);
        }
      }
    }
    for (const offset of [0n, 1n, 7n, 1n << 31n, 1n << 40n, (1n << 63n) - 1n, (1n << 64n) - 1n]) {
      for (const entry of [0, 1, 5]) {
        cases.push([
          `${name}: offset[${entry}] = ${offset}`,
          headerEdit(name, (view, attr, header) => {
            const at = header.tableStart + 8 * entry;
            if (at + 8 <= view.byteLength) view.setBigUint64(at, offset, true);
          }),
        ]);
      }
    }
    const tiles = parseHeader(readFixture(name)).attrs.find((a) => a.name === "tiles");
    if (tiles) {
      for (const size of [0, 1, 0x7fffffff, 0xffffffff]) {
        cases.push([
          `${name}: tiles ${size}x${size}`,
          headerEdit(name, (view) => {
            view.setUint32(tiles.valueStart, size, true);
            view.setUint32(tiles.valueStart + 4, size, true);
          }),
        ]);
      }
    }
  }
  return cases;
}

/** "ok", or the error's category (its message with numbers and quoted names blanked). */
function decode(bytes) {
  try {
    const image = api.decodeInProcess(core, bytes, OPTIONS);
    for (const part of image.parts) {
      for (const c of part.channels) {
        if (c.data.length !== part.width * part.height) throw new TypeError(`plane of ${c.data.length} values`);
      }
    }
    return { kind: "ok" };
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error || e.message.length < 10 || /undefined|\[object/.test(e.message)) {
      return { kind: "crash", detail: `${e?.constructor?.name}: ${e?.message ?? e}` };
    }
    const category = e.message
      .replace(/'[^']*'|"[^"]*"/g, "'…'")
      .replace(/-?\d+(\.\d+)?\s*(KiB|MiB|GiB|bytes|B)?/g, "N")
      .slice(0, 90);
    return { kind: "error", category };
  }
}

function run(label, cases) {
  const outcome = { ok: 0, error: 0, crash: 0, hang: 0 };
  const categories = new Map();
  const crashes = [];
  let slowest = { ms: 0, label: "" };
  const start = performance.now();
  for (const [caseLabel, bytes] of cases) {
    const t = performance.now();
    const result = decode(bytes);
    const ms = performance.now() - t;
    if (ms > slowest.ms) slowest = { ms, label: caseLabel };
    if (ms > HANG_MS) outcome.hang++;
    outcome[result.kind]++;
    if (result.kind === "error") categories.set(result.category, (categories.get(result.category) ?? 0) + 1);
    if (result.kind === "crash") crashes.push(`${caseLabel}: ${result.detail}`);
  }
  const seconds = (performance.now() - start) / 1000;
  const rate = cases.length / seconds;
  console.log(
    `${label}: ${cases.length} cases in ${seconds.toFixed(1)} s (${rate.toFixed(0)} cases/s): ` +
      `ok ${outcome.ok}, readable errors ${outcome.error}, crashes ${outcome.crash}, hangs (>${HANG_MS} ms) ${outcome.hang}; ` +
      `slowest ${slowest.ms.toFixed(0)} ms (${slowest.label})`,
  );
  for (const crash of crashes.slice(0, 10)) console.log(`  CRASH ${crash}`);
  return { outcome, categories, rate };
}

const baseline = run(
  "baseline (valid fixtures x5)",
  Array.from({ length: 5 }, () => seeds.map((bytes, i) => [seedNames[i], bytes])).flat(),
);
const hostile = run("hand-made hostile headers", hostileCases());
const rng = prng(SEED);
const mutants = [];
for (let i = 0; i < COUNT; i++) mutants.push([`mutant ${i} of ${seedNames[i % seeds.length]}`, mutate(seeds[i % seeds.length], rng)]);
const fuzz = run(`mutants (seed ${SEED}, ${seeds.length} fixtures)`, mutants);
const after = decode(fx.read("scan_ZIP.exr"));
console.log(
  `after the run: a valid file decodes: ${after.kind === "ok"}; wasm heap ${(core.HEAPU8.byteLength / 2 ** 20).toFixed(0)} MiB; ` +
    `mutant throughput / valid-file throughput: ${(fuzz.rate / baseline.rate).toFixed(2)}x`,
);
console.log("error categories (mutants + hostile):");
const merged = new Map(fuzz.categories);
for (const [k, v] of hostile.categories) merged.set(k, (merged.get(k) ?? 0) + v);
for (const [category, n] of [...merged].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${String(n).padStart(6)}  ${category}`);
const bad = hostile.outcome.crash + hostile.outcome.hang + fuzz.outcome.crash + fuzz.outcome.hang + (after.kind === "ok" ? 0 : 1);
process.exitCode = bad ? 1 : 0;
