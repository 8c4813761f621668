// Bad input never crashes or hangs the decoder: truncated, corrupted and hostile files come back
// as Errors with readable messages, and the same instance/worker decodes the next file.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createNodePool, loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { arrayBufferOf, makeFixtures } from "./fixtures/fixtures.mjs";
import { mutate, parseHeader, prng } from "./fixtures/mutate.mjs";

let fx;
let api;
let core;

before(async () => {
  fx = makeFixtures();
  api = await loadDecoderApi();
  core = await loadCore();
});

const SEEDS = [
  "scan_NONE.exr",
  "scan_RLE.exr",
  "scan_ZIPS.exr",
  "scan_ZIP.exr",
  "scan_PIZ.exr",
  "scan_PXR24.exr",
  "scan_B44A.exr",
  "scan_DWAA.exr",
  "scan_DWAB.exr",
  "scan_HTJ2K32.exr",
  "scan_ZSTD.exr",
  "tiled_ZIP.exr",
  "tiled_PIZ.exr",
  "tiled_HTJ2K256.exr",
  "subsampled_ZIP.exr",
  "multipart.exr",
  "mipmap_ZIP.exr",
  "deep.exr",
];

/** Decodes and classifies: "ok", "error" (a readable Error), or throws on a crash. */
function decodeOrExplain(bytes, options = { maxDecodedBytes: 64 * 1024 * 1024 }) {
  try {
    const image = api.decodeInProcess(core, bytes, options);
    for (const part of image.parts) {
      for (const c of part.channels) assert.equal(c.data.length, part.width * part.height);
    }
    return "ok";
  } catch (e) {
    // Only the decoder's own Errors are acceptable; a trap (RuntimeError), RangeError or
    // SyntaxError means the shim let bad input through.
    if (!(e instanceof Error) || e.constructor !== Error) throw e;
    assert.ok(e.message.length > 10 && !/undefined|\[object/.test(e.message), `unreadable message: ${e.message}`);
    return "error";
  }
}

function withHeaderEdit(name, edit) {
  const bytes = fx.read(name);
  const header = parseHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  edit(bytes, view, (attrName) => header.attrs.find((a) => a.name === attrName), header);
  return bytes;
}

describe("hostile input", () => {
  test("not an EXR, empty, and truncated files reject with a readable message", () => {
    assert.throws(() => api.decodeInProcess(core, new Uint8Array(0)), /not an OpenEXR file/);
    assert.throws(() => api.decodeInProcess(core, new TextEncoder().encode("<html>not found</html>")), /not an OpenEXR file/);
    const zip = fx.read("scan_ZIP.exr");
    for (const length of [4, 8, 20, 100, 300, zip.length - 100, zip.length - 1]) {
      assert.throws(() => api.decodeInProcess(core, zip.slice(0, length)), Error, `truncated to ${length}`);
    }
  });

  test("an absurd data window is refused before anything is allocated", () => {
    const bytes = withHeaderEdit("scan_NONE.exr", (b, view, attr) => {
      const dw = attr("dataWindow");
      view.setInt32(dw.valueStart + 8, 1_000_000, true); // xMax
      view.setInt32(dw.valueStart + 12, 1_000_000, true); // yMax
    });
    assert.throws(() => api.decodeInProcess(core, bytes), /invalid OpenEXR file|too large|out of range/);
  });

  test("the default 1 GiB cap rejects a decompression bomb with a clear message", () => {
    // 30000 x 20000 pixels x 6 channels: 5 GB decoded from a 30 KB file.
    const bytes = withHeaderEdit("scan_ZIP.exr", (b, view, attr) => {
      const dw = attr("dataWindow");
      view.setInt32(dw.valueStart + 8, 29_999, true);
      view.setInt32(dw.valueStart + 12, 19_999, true);
    });
    assert.throws(() => api.decodeInProcess(core, bytes), /too large|invalid OpenEXR file/);
    assert.ok(core.HEAPU8.byteLength < 256 * 1024 * 1024, "the refusal allocated nothing large");
  });

  test("an offset pointing past the end: OpenEXR rebuilds the chunk table, or it is an error", () => {
    const original = decodeOrExplain(fx.read("scan_PIZ.exr")) && api.decodeInProcess(core, fx.read("scan_PIZ.exr"));
    for (const offset of [1n << 40n, 0n, 5n]) {
      const bytes = withHeaderEdit("scan_PIZ.exr", (b, view, attr, header) => {
        view.setBigUint64(header.tableStart, offset, true);
      });
      if (decodeOrExplain(bytes) === "ok") {
        // Chunk-table reconstruction (scanning the chunk leaders) must give the same pixels.
        const image = api.decodeInProcess(core, bytes);
        image.parts[0].channels.forEach((c, i) =>
          assert.deepEqual(c.data, original.parts[0].channels[i].data, `offset ${offset}: ${c.name}`),
        );
      }
    }
  });

  test("a zlib chunk whose Adler-32 does not match is refused (ZIP, PXR24)", () => {
    // The checksum is the last 4 bytes of each chunk's zlib stream; flipping a bit of it leaves
    // the pixels decodable, so only the checksum (vectorised in the wasm build) can catch it.
    // (The ZIPS fixture's one-line chunks of noise do not shrink: all are stored raw.)
    for (const name of ["scan_ZIP.exr", "scan_PXR24.exr"]) {
      const bytes = new Uint8Array(fx.read(name));
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const part = api.readHeaderInProcess(core, bytes).parts[0];
      const lineBytes = part.width * part.channels.reduce((n, c) => n + (c.pixelType === "half" ? 2 : 4), 0);
      // A chunk that did not shrink is stored raw (no zlib, no checksum): take a compressed one.
      const table = parseHeader(bytes).tableStart;
      let chunk = 0;
      let offset;
      let packed;
      do {
        offset = Number(view.getBigUint64(table + 8 * chunk, true));
        packed = view.getInt32(offset + 4, true);
        chunk++;
      } while (packed >= lineBytes * Math.min(part.linesPerChunk, part.height) && chunk < 3);
      assert.ok(packed < lineBytes * Math.min(part.linesPerChunk, part.height), `${name} has a compressed chunk`);
      bytes[offset + 8 + packed - 1] ^= 0x10;
      assert.throws(() => api.decodeInProcess(core, bytes), /corrupt|decompress/i, name);
      assert.ok(api.decodeInProcess(core, fx.read(name)).parts.length === 1, "the next file decodes");
    }
  });

  test("2000 mutated files: zero crashes, zero hangs, the instance stays usable", { timeout: 120_000 }, () => {
    const rng = prng(0xe3a);
    const seeds = SEEDS.map((name) => fx.read(name));
    const outcome = { ok: 0, error: 0 };
    let slowest = 0;
    for (let i = 0; i < 2000; i++) {
      const seedIndex = i % seeds.length;
      const bytes = mutate(seeds[seedIndex], rng);
      const start = performance.now();
      let result;
      try {
        result = decodeOrExplain(bytes);
      } catch (e) {
        assert.fail(`mutant ${i} of ${SEEDS[seedIndex]} crashed the decoder: ${e}`);
      }
      slowest = Math.max(slowest, performance.now() - start);
      outcome[result]++;
    }
    assert.ok(outcome.error > 500, `most mutants are rejected (${JSON.stringify(outcome)})`);
    assert.ok(slowest < 5000, `slowest mutant took ${slowest.toFixed(0)} ms`);
    // Still decodes a valid file exactly as before, without leaking the mutants' memory.
    assert.equal(decodeOrExplain(fx.read("scan_ZIP.exr")), "ok");
    assert.ok(core.HEAPU8.byteLength < 512 * 1024 * 1024, `heap grew to ${core.HEAPU8.byteLength}`);
  });
});

describe("hostile input through the worker pool", () => {
  let pool;
  before(async () => {
    pool = await createNodePool({ workers: 2, parallelMinBytes: 0 });
  });
  after(() => pool.dispose());

  test("rejections carry the reason and the workers keep decoding", async () => {
    const rng = prng(7);
    const zip = fx.read("scan_ZIP.exr");
    for (let i = 0; i < 40; i++) {
      const bytes = mutate(zip, rng);
      try {
        await pool.decode(arrayBufferOf(bytes), { maxDecodedBytes: 64 * 1024 * 1024 });
      } catch (e) {
        assert.equal(e.constructor, Error);
      }
    }
    await assert.rejects(pool.decode(new ArrayBuffer(3)), /not an OpenEXR file/);
    const image = await pool.decode(arrayBufferOf(zip));
    assert.equal(image.parts[0].channels.length, 6);
  });

  test("a decode that exceeds the time limit is stopped and the pool recovers", async () => {
    const slow = await createNodePool({ workers: 1, timeoutMs: 1 });
    try {
      await assert.rejects(slow.decode(arrayBufferOf(fx.read("bands_ZIP.exr"))), /longer than/);
    } finally {
      slow.dispose();
    }
    const image = await pool.decode(arrayBufferOf(fx.read("bands_ZIP.exr")));
    assert.equal(image.parts[0].height, 256);
  });
});
