// Each band's worker gets only the bytes of its rows (band_bytes.ts): a band decoded from those
// bytes, with everything else of the file overwritten, must equal the band decoded from the whole
// file; files that cannot be split that way go whole; and hostile files give the pool exactly the
// single-thread outcome.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createNodePool, importTs, loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { arrayBufferOf, assertSameImage, makeFixtures } from "./fixtures/fixtures.mjs";
import { mutate, parseHeader, prng } from "./fixtures/mutate.mjs";

let api;
let core;
let fx;
let bandBytes;
let bands;
let binding;
before(async () => {
  api = await loadDecoderApi();
  core = await loadCore();
  fx = makeFixtures();
  bandBytes = await importTs("src/decoder/band_bytes.ts");
  bands = await importTs("src/decoder/bands.ts");
  binding = await importTs("src/decoder/core_binding.ts");
});

const SPLIT = ["bands_ZIP.exr", "scan_ZIP.exr", "scan_PIZ.exr", "scan_ZSTD.exr", "scan_DWAB.exr", "scan_HTJ2K32.exr", "subsampled_PIZ.exr", "decreasing_ZIP.exr", "tiny_9x1_PIZ.exr"];

/** The file with every byte outside `ranges` overwritten. */
function onlyRanges(bytes, ranges) {
  const out = new Uint8Array(bytes.length).fill(0x5a);
  for (const r of ranges) out.set(bytes.subarray(r.at, r.at + r.length), r.at);
  return out;
}

/**
 * Band `index` of `count` of the file's part, decoded from `bytes`: its rows and the bytes of each
 * plane (without the padding that aligns the planes, which nothing writes).
 */
function decodeBand(bytes, index, count, pieces) {
  const file = new binding.ExrCoreFile(core, bytes, pieces);
  try {
    const info = file.header.parts[0];
    return bands.decodeBands(file, [0], index, count, 1 << 30).map((band) => ({
      rows: [band.rowBegin, band.rowEnd],
      planes: info.channels.map((c, i) => {
        const length = info.width * (band.rowEnd - band.rowBegin) * (c.pixelType === "half" ? 2 : 4);
        return Buffer.from(band.buffer, band.offsets[i], length);
      }),
    }));
  } finally {
    file.close();
  }
}

function assertSameBands(got, expected, label) {
  assert.equal(got.length, expected.length, label);
  got.forEach((band, i) => {
    assert.deepEqual(band.rows, expected[i].rows, label);
    band.planes.forEach((plane, c) => assert.ok(plane.equals(expected[i].planes[c]), `${label}, channel ${c}`));
  });
}

describe("the bytes of a band", () => {
  test("a band reads nothing of the file outside its ranges", () => {
    for (const name of SPLIT) {
      const bytes = fx.read(name);
      for (const count of [2, 3, 4]) {
        const split = bandBytes.bandByteRanges(bytes, count);
        assert.ok(split, `${name} is split`);
        assert.equal(split.bands.length, count);
        split.bands.forEach((ranges, index) => {
          const label = `${name}, band ${index} of ${count}`;
          assert.ok(bandBytes.rangesLength(ranges) <= bytes.length, label);
          const expected = decodeBand(bytes, index, count);
          assertSameBands(decodeBand(onlyRanges(bytes, ranges), index, count), expected, label);
          // The same from the ranges packed back to back, as the pool sends them.
          let from = 0;
          const packed = new Uint8Array(bandBytes.rangesLength(ranges));
          const placed = ranges.map((r) => {
            packed.set(bytes.subarray(r.at, r.at + r.length), from);
            from += r.length;
            return { ...r, from: from - r.length };
          });
          const pieces = { byteLength: bytes.length, ranges: placed, layout: split.layout };
          assertSameBands(decodeBand(packed, index, count, pieces), expected, `${label}, packed`);
        });
      }
    }
  });

  test("tiled, multipart and deep files, and files with a damaged chunk table, go whole", () => {
    for (const name of ["tiled_ZIP.exr", "mipmap_ZIP.exr", "multipart.exr"]) {
      assert.equal(bandBytes.bandByteRanges(fx.read(name), 2), null, name);
    }
    const bytes = fx.read("bands_ZIP.exr");
    const table = parseHeader(bytes).tableStart;
    const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const outside = bytes.slice();
    view(outside).setBigUint64(table + 8, BigInt(bytes.length + 5), true);
    assert.equal(bandBytes.bandByteRanges(outside, 2), null, "an offset past the end");
    const intoTable = bytes.slice();
    view(intoTable).setBigUint64(table + 16, BigInt(table), true);
    assert.equal(bandBytes.bandByteRanges(intoTable, 2), null, "an offset into the table");
    const longLeader = bytes.slice();
    const first = Number(view(bytes).getBigUint64(table, true));
    view(longLeader).setInt32(first + 4, bytes.length, true);
    assert.equal(bandBytes.bandByteRanges(longLeader, 2), null, "a chunk reaching past the end");
  });
});

describe("split files through the worker pool", () => {
  let pool;
  before(async () => {
    pool = await createNodePool({ workers: 2, parallelMinBytes: 0 });
  });
  after(() => pool.dispose());

  test("hostile variants give the pool the single-thread outcome, planes and errors alike", async () => {
    const rng = prng(20);
    const outcomes = { ok: 0, failed: 0 };
    for (let i = 0; i < 150; i++) {
      const seed = SPLIT[i % SPLIT.length];
      const bytes = mutate(fx.read(seed), rng);
      const label = `mutant ${i} of ${seed}`;
      let expected = null;
      let refusal = null;
      try {
        expected = api.decodeInProcess(core, bytes, { maxDecodedBytes: 64 * 1024 * 1024 });
      } catch (e) {
        refusal = e;
      }
      try {
        const image = await pool.decode(arrayBufferOf(bytes), { maxDecodedBytes: 64 * 1024 * 1024, transfer: i % 2 === 0 });
        assert.ok(expected, `${label}: the pool decoded what one thread refused (${refusal?.message})`);
        assertSameImage(image, expected, label);
        outcomes.ok++;
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(refusal, `${label}: the pool refused what one thread decoded: ${e.message}`);
        assert.doesNotMatch(e.message, /internal error/, label);
        // Which band meets a damaged chunk first may differ; the kind of reason does not.
        assert.equal(e.message.split(":")[0], refusal.message.split(":")[0], `${label}: ${e.message} / ${refusal.message}`);
        outcomes.failed++;
      }
    }
    assert.ok(outcomes.ok > 20 && outcomes.failed > 20, JSON.stringify(outcomes));
  });
});
