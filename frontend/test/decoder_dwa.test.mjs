// DWAA/DWAB bit for bit against the OpenEXR Python package (the C++ library on this machine's
// AVX path): levels 5/45/200, half and float RGB, R/G/B + A + other channels, odd sizes,
// scanline and tiled, noise / HDR gradients / flat areas / negatives and tiny values
// (fixtures/make_dwa.py). OpenEXR's own decoding paths differ from one another by a few half
// ULPs here and there; the wasm build follows the AVX one (docs/decoder.md, "DWA").
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { checkDwaKernels } from "../tools/dwa_kernels_check.mjs";
import { arrayBufferOf, halfDifferences, makeFixtures, planeBytes } from "./fixtures/fixtures.mjs";

let fx;
let api;
let core;

before(async () => {
  fx = makeFixtures("make_dwa.py");
  api = await loadDecoderApi();
  core = await loadCore();
});

/** Channels of a file that are not bit-exact, with how far off they are. */
function mismatches(entry) {
  const image = api.decodeInProcess(core, fx.read(entry.file));
  const out = [];
  entry.parts.forEach((want, p) => {
    const part = image.parts[p];
    assert.deepEqual(
      part.channels.map((c) => c.name),
      want.channels.map((c) => c.name),
      entry.file,
    );
    want.channels.forEach((wc, c) => {
      const got = part.channels[c];
      const ref = fx.read(wc.reference);
      if (planeBytes(got.data).equals(Buffer.from(ref))) return;
      if (got.pixelType === "half") {
        const { count, worst } = halfDifferences(got.data, new Uint16Array(arrayBufferOf(ref)));
        out.push(`${entry.file} ${wc.name}: ${count} of ${got.data.length} values differ, by up to ${worst} half ULPs`);
      } else {
        const expected = new Float32Array(arrayBufferOf(ref));
        let count = 0;
        let worst = 0;
        got.data.forEach((v, i) => {
          if (Object.is(v, expected[i])) return;
          count++;
          worst = Math.max(worst, Math.abs(v - expected[i]));
        });
        out.push(`${entry.file} ${wc.name}: ${count} of ${got.data.length} values differ, by up to ${worst}`);
      }
    });
  });
  return out;
}

function check(predicate, minimum) {
  const entries = fx.manifest.files.filter((f) => predicate(f.file));
  assert.ok(entries.length >= minimum, `${entries.length} files`);
  const wrong = entries.flatMap(mismatches);
  assert.ok(wrong.length === 0, `${wrong.length} channels not bit-exact:\n${wrong.join("\n")}`);
}

describe("DWA bit-exact against the OpenEXR Python package", () => {
  for (const comp of ["DWAA", "DWAB"]) {
    for (const level of [5, 45, 200]) {
      test(`${comp} level ${level}: half and float RGB, every content kind, odd sizes`, () => {
        check((name) => name.startsWith(`dwa_${comp}_L${level}_`) && /_(half|float)_/.test(name), 16);
      });
      test(`${comp} level ${level}: RGB + A + depth + layers + luminance, scanline and tiled`, () => {
        check((name) => name.startsWith(`dwa_${comp}_L${level}_`) && /_(layers|tiled)_/.test(name), 3);
      });
    }
    test(`${comp}: several chunks, negative data window`, () => {
      check((name) => name === `dwa_${comp}_L45_big_300x300.exr`, 1);
    });
  }
});

describe("DWA kernels against OpenEXR's x86 code", () => {
  test("inverse DCT (every variant), half <-> float and the table to linear: same bits", (t) => {
    // Native side: OpenEXR's AVX/F16C assembly, which needs a CPU with both (any x86 since 2013).
    const { native, differ } = checkDwaKernels({ blocks: 200_000, stride: 4099 });
    if (!native.cpu.avx || !native.cpu.f16c) return t.skip("this CPU has no AVX/F16C: no reference to compare with");
    assert.ok(native.idct.every((v) => v.blocks > 1000), "every inverse-DCT variant ran");
    assert.deepEqual(differ, []);
  });
});
