// Luminance/chroma files (Y, RY, BY with chroma sampled 2x2): the decoder's RGB reconstruction
// against OpenEXR's own RgbaInputFile (the C++ library, tests/reference/rgba_reference.cpp), bit for
// bit, in this thread and across a pool of workers (the last band's worker reconstructs).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { createNodePool, loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { arrayBufferOf, halfDifferences, makeFixtures } from "./fixtures/fixtures.mjs";

let api;
let core;
let fx;
before(async () => {
  api = await loadDecoderApi();
  core = await loadCore();
  fx = makeFixtures("make_yc.py");
});

/** The reference's R, G and B planes (half bits) of a manifest entry. */
function referencePlanes(entry) {
  const bytes = fx.read(entry.reference);
  const rgba = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  return [0, 1, 2].map((c) => Uint16Array.from({ length: entry.width * entry.height }, (_, i) => rgba[4 * i + c]));
}

function assertMatchesReference(image, entry) {
  const part = image.parts[0];
  assert.equal(part.derived?.length, 1, `${entry.file}: one reconstructed group`);
  const [derived] = part.derived;
  assert.equal(derived.prefix, entry.prefix);
  assert.deepEqual(derived.colour.map((c) => c.name), ["R", "G", "B"].map((c) => entry.prefix + c));
  referencePlanes(entry).forEach((want, c) => {
    const got = derived.colour[c].data;
    const { count, worst } = halfDifferences(got, want);
    assert.equal(count, 0, `${entry.file} ${"RGB"[c]}: ${count} halves differ from RgbaInputFile (up to ${worst} ULPs)`);
  });
}

describe("luminance/chroma reconstruction equals OpenEXR's RgbaInputFile", () => {
  test("every file, bit for bit (RgbaOutputFile's files, saturated chroma, float Y, RY only, a layer)", () => {
    assert.ok(fx.manifest.files.length >= 7);
    for (const entry of fx.manifest.files) assertMatchesReference(api.decodeInProcess(core, fx.read(entry.file)), entry);
  });

  test("the stored channels stay as they are, and name the reconstruction's sources", () => {
    const image = api.decodeInProcess(core, fx.read("yc_alpha_acescg_zip.exr"));
    const part = image.parts[0];
    assert.deepEqual(part.channels.map((c) => c.name).sort(), ["A", "BY", "RY", "Y"]);
    assert.deepEqual(part.derived[0].sources, ["Y", "RY", "BY"]);
    assert.equal(part.channels.find((c) => c.name === "RY").xSampling, 2);
    const layered = api.decodeInProcess(core, fx.read("yc_layer_rec2020.exr")).parts[0];
    assert.deepEqual(layered.derived[0].sources, ["left.Y", "left.RY", "left.BY"]);
  });

  test("a pool of workers reconstructs the same, whichever band is last", async () => {
    for (const workers of [2, 3]) {
      const pool = await createNodePool({ workers, parallelMinBytes: 0 });
      try {
        for (const entry of fx.manifest.files) {
          const image = await pool.decode(arrayBufferOf(fx.read(entry.file)));
          // Uncompressed files go to one worker.
          const uncompressed = /_none\.exr$|_tiny\.exr$/.test(entry.file);
          assert.equal(pool.lastStats.workers, uncompressed ? 1 : workers, entry.file);
          assertMatchesReference(image, entry);
        }
      } finally {
        pool.dispose();
      }
    }
  });

  test("luminance only, chroma at full rate or tiled: nothing derived (RgbaInputFile reads them without filters)", () => {
    assert.equal(fx.manifest.untouched.length, 3);
    for (const name of fx.manifest.untouched) {
      const part = api.decodeInProcess(core, fx.read(name)).parts[0];
      assert.equal(part.derived, undefined, name);
      assert.ok(part.channels.some((c) => c.name === "Y"), name);
    }
  });
});
