// Bad input never crashes or hangs the decoder: truncated, corrupted and hostile files come back
// as Errors with readable messages, and the same instance/worker decodes the next file.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createNodePool, loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { arrayBufferOf, makeFixtures } from "./fixtures/fixtures.mjs";
import { mutate, parseHeader, prng } from "./fixtures/mutate.mjs";

let fx;
let deepFx;
let api;
let core;

before(async () => {
  fx = makeFixtures();
  deepFx = makeFixtures("make_deep.py");
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

/**
 * Every reason the decoder gives for refusing a file (docs/decoder.md, "Errors"): what is wrong
 * and where, with OpenEXR's own error code and message when OpenEXR found it.
 */
const REASONS = {
  header: /^invalid OpenEXR file: (EXR_ERR_[A-Z_]+: \S.*|not an OpenEXR file: \S.*|part \d+ has \d+ channels \(at most 1024 are supported\))$/s,
  chunk:
    /^cannot decode part \d+( "[^"]*")?: (EXR_ERR_[A-Z_]+: \S.*|reading the (chunk|tile) table: \S.*|corrupt chunk( table)?( \d+)?: \S.*)$/s,
  size: /^image too large: (part \d+( "[^"]*")? holds \d+ deep samples; )?decoding needs \d+ (MiB|KiB|bytes), more than the \d+ MiB limit$/,
};

/** The kind of reason (a key of REASONS) an error gives; fails on anything else. */
function reasonOf(e, label = "") {
  // Only the decoder's own Errors are acceptable; a trap (RuntimeError), RangeError or
  // SyntaxError means the shim let bad input through.
  if (!(e instanceof Error) || e.constructor !== Error) throw e;
  const kind = Object.keys(REASONS).find((k) => REASONS[k].test(e.message));
  assert.ok(kind && !/undefined|\[object|NaN/.test(e.message), `${label}: not a stated reason: ${e.message}`);
  return kind;
}

/** Decodes and classifies: "ok", or the kind of reason it was refused for; throws on a crash. */
function decodeOrExplain(bytes, options = { maxDecodedBytes: 64 * 1024 * 1024 }) {
  try {
    const image = api.decodeInProcess(core, bytes, options);
    for (const part of image.parts) {
      for (const c of part.channels) assert.equal(c.data.length, part.width * part.height);
    }
    return "ok";
  } catch (e) {
    return reasonOf(e);
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
    assert.throws(() => api.decodeInProcess(core, new Uint8Array(0)), /^Error: invalid OpenEXR file: not an OpenEXR file: only 0 bytes$/);
    assert.throws(
      () => api.decodeInProcess(core, new TextEncoder().encode("<html>not found</html>")),
      /^Error: invalid OpenEXR file: not an OpenEXR file: bad magic number$/,
    );
    const zip = fx.read("scan_ZIP.exr");
    const headerEnd = parseHeader(zip).tableStart;
    assert.throws(() => api.decodeInProcess(core, zip.slice(0, 4)), /not an OpenEXR file: only 4 bytes$/);
    // Cut inside the header: OpenEXR's reason for the header; cut inside the pixels: the chunk's.
    for (const length of [8, 20, 100, 300]) {
      assert.ok(length < headerEnd);
      assert.throws(
        () => api.decodeInProcess(core, zip.slice(0, length)),
        (e) => reasonOf(e, `truncated to ${length}`) === "header" && /EXR_ERR_(READ_IO|ATTR_SIZE_MISMATCH)/.test(e.message),
      );
    }
    for (const length of [zip.length - 100, zip.length - 1]) {
      assert.throws(
        () => api.decodeInProcess(core, zip.slice(0, length)),
        /^Error: cannot decode part 0: EXR_ERR_BAD_CHUNK_LEADER: .*found corrupt leader: packed size \d+, file offset \d+, size \d+$/,
        `truncated to ${length}`,
      );
    }
  });

  test("an absurd data window is refused before anything is allocated", () => {
    const bytes = withHeaderEdit("scan_NONE.exr", (b, view, attr) => {
      const dw = attr("dataWindow");
      view.setInt32(dw.valueStart + 8, 1_000_000, true); // xMax
      view.setInt32(dw.valueStart + 12, 1_000_000, true); // yMax
    });
    const before = core.HEAPU8.byteLength;
    // 1 000 001 x 1 000 001 pixels of 4 half and 2 float channels (the fixture has 47 x 67)
    assert.throws(() => api.decodeInProcess(core, bytes), (e) => reasonOf(e) === "size" && /needs \d{7,} MiB/.test(e.message));
    assert.equal(core.HEAPU8.byteLength, before, "nothing was allocated");
  });

  test("the default 1 GiB cap rejects a decompression bomb with a clear message", () => {
    // 30000 x 20000 pixels x 6 channels: 5 GB decoded from a 30 KB file.
    const bytes = withHeaderEdit("scan_ZIP.exr", (b, view, attr) => {
      const dw = attr("dataWindow");
      view.setInt32(dw.valueStart + 8, 29_999, true);
      view.setInt32(dw.valueStart + 12, 19_999, true);
    });
    // 30 000 x 20 000 pixels x 16 bytes (R, G, B, A half; depth.Z float; objectId uint) = 9155 MiB
    assert.throws(
      () => api.decodeInProcess(core, bytes),
      /^Error: image too large: decoding needs 9155 MiB, more than the 1024 MiB limit$/,
    );
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
      assert.throws(
        () => api.decodeInProcess(core, bytes),
        /^Error: cannot decode part 0: EXR_ERR_CORRUPT_CHUNK: Unable to decompress .*, got 0$/,
        name,
      );
      assert.ok(api.decodeInProcess(core, fx.read(name)).parts.length === 1, "the next file decodes");
    }
  });

  test("2000 mutated files: zero crashes, zero hangs, the instance stays usable", { timeout: 120_000 }, () => {
    const rng = prng(0xe3a);
    const seeds = SEEDS.map((name) => fx.read(name));
    const outcome = { ok: 0, header: 0, chunk: 0, size: 0 };
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
    const rejected = outcome.header + outcome.chunk + outcome.size;
    assert.ok(rejected > 500, `most mutants are rejected (${JSON.stringify(outcome)})`);
    // Broken headers and broken pixel data both come up, each with its own reason.
    assert.ok(outcome.header > 100 && outcome.chunk > 100, JSON.stringify(outcome));
    assert.ok(slowest < 5000, `slowest mutant took ${slowest.toFixed(0)} ms`);
    // Still decodes a valid file exactly as before, without leaking the mutants' memory.
    assert.equal(decodeOrExplain(fx.read("scan_ZIP.exr")), "ok");
    assert.ok(core.HEAPU8.byteLength < 512 * 1024 * 1024, `heap grew to ${core.HEAPU8.byteLength}`);
  });
});

describe("hostile deep input", () => {
  const DEEP_SEEDS = ["scan_rgbaz_half_ZIPS.exr", "scan_rgbaz_zback_float_RLE.exr", "scan_half_z_NONE.exr", "scan_ZSTD.exr",
    "tiled_rgbaz_ZIPS.exr", "tiled_float_RLE.exr", "multipart.exr", "bomb.exr"];

  test("the default 1 GiB cap refuses a deep decompression bomb, naming its sample count", () => {
    // 226 KB declaring 256 x 256 pixels x 40 000 samples (make_deep.py, bomb_file).
    assert.throws(
      () => api.decodeInProcess(core, deepFx.read("bomb.exr")),
      (e) => reasonOf(e) === "size" && /holds 2621440000 deep samples/.test(e.message),
    );
    assert.ok(core.HEAPU8.byteLength < 256 * 1024 * 1024, "the refusal allocated nothing large");
  });

  test("1000 mutated deep files: zero crashes, zero hangs, the instance stays usable", { timeout: 120_000 }, () => {
    const rng = prng(0xdee9);
    const seeds = DEEP_SEEDS.map((name) => deepFx.read(name));
    const outcome = { ok: 0, header: 0, chunk: 0, size: 0 };
    let slowest = 0;
    for (let i = 0; i < 1000; i++) {
      const bytes = mutate(seeds[i % seeds.length], rng);
      const start = performance.now();
      try {
        outcome[decodeOrExplain(bytes)]++;
      } catch (e) {
        assert.fail(`mutant ${i} of ${DEEP_SEEDS[i % seeds.length]} crashed the decoder: ${e}`);
      }
      slowest = Math.max(slowest, performance.now() - start);
    }
    assert.ok(outcome.header > 50 && outcome.chunk > 50 && outcome.ok > 50, JSON.stringify(outcome));
    assert.ok(slowest < 5000, `slowest mutant took ${slowest.toFixed(0)} ms`);
    assert.equal(decodeOrExplain(deepFx.read("tiled_rgbaz_ZIPS.exr")), "ok");
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
    const seen = new Set();
    for (let i = 0; i < 40; i++) {
      const bytes = mutate(zip, rng);
      const options = { maxDecodedBytes: 64 * 1024 * 1024 };
      let inProcess = null;
      try {
        api.decodeInProcess(core, bytes, options);
      } catch (e) {
        inProcess = e;
      }
      try {
        await pool.decode(arrayBufferOf(bytes), options);
        assert.equal(inProcess, null, `mutant ${i}: the pool decoded what one thread refused`);
      } catch (e) {
        assert.ok(inProcess, `mutant ${i}: the pool refused what one thread decoded: ${e.message}`);
        const kind = reasonOf(e, `mutant ${i}`);
        seen.add(kind);
        assert.equal(kind, reasonOf(inProcess), `mutant ${i}: ${e.message} / ${inProcess.message}`);
        // A header is read the same way by every worker; chunk errors may come from another band.
        if (kind === "header" || kind === "size") assert.equal(e.message, inProcess.message);
      }
    }
    assert.ok(seen.has("header") && seen.has("chunk"), [...seen].join());
    await assert.rejects(pool.decode(new ArrayBuffer(3)), /^Error: invalid OpenEXR file: not an OpenEXR file: only 3 bytes$/);
    const image = await pool.decode(arrayBufferOf(zip));
    assert.equal(image.parts[0].channels.length, 6);
  });

  test("a decode that exceeds the time limit is stopped and the pool recovers", async () => {
    const slow = await createNodePool({ workers: 1, timeoutMs: 1 });
    try {
      await assert.rejects(slow.decode(arrayBufferOf(fx.read("bands_ZIP.exr"))), /^Error: decoding took longer than 1 ms and was stopped$/);
    } finally {
      slow.dispose();
    }
    const image = await pool.decode(arrayBufferOf(fx.read("bands_ZIP.exr")));
    assert.equal(image.parts[0].height, 256);
  });
});
