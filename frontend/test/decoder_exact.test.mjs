// The WebAssembly decoder against the OpenEXR Python package's own decode of files it wrote:
// bit-exact for every codec, lossy ones included (more DWA cases: decoder_dwa.test.mjs).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createNodePool, loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { arrayBufferOf, makeFixtures, planeBytes } from "./fixtures/fixtures.mjs";

let fx;
let api;
let core;

before(async () => {
  fx = makeFixtures();
  api = await loadDecoderApi();
  core = await loadCore();
});

const LOSSLESS = new Set(["NONE", "RLE", "ZIPS", "ZIP", "PIZ", "ZSTD", "HTJ2K256", "HTJ2K32"]);

function decode(name) {
  return api.decodeInProcess(core, fx.read(name));
}

function files(predicate) {
  return fx.manifest.files.filter(predicate);
}

function compareFile(entry) {
  const image = decode(entry.file);
  assert.equal(image.parts.length, entry.parts.length, `${entry.file}: part count`);
  entry.parts.forEach((want, p) => {
    const part = image.parts[p];
    assert.deepEqual(
      part.channels.map((c) => c.name),
      want.channels.map((c) => c.name),
      `${entry.file} part ${p}: channel names`,
    );
    want.channels.forEach((wc, c) => {
      const got = part.channels[c];
      const ref = fx.read(wc.reference);
      const where = `${entry.file} part ${p} channel ${wc.name} (${want.compression})`;
      assert.ok(planeBytes(got.data).equals(Buffer.from(ref)), `${where}: not bit-exact`);
    });
  });
}

describe("bit-exact against the OpenEXR Python package", () => {
  test("every lossless compression, scanline and tiled, half/float/uint", () => {
    const lossless = files((f) => f.kind === "lossless" && /^(scan|tiled)_/.test(f.file));
    const seen = new Set(lossless.map((f) => f.parts[0].compression));
    assert.deepEqual([...seen].sort(), [...LOSSLESS].sort());
    for (const f of lossless) compareFile(f);
  });

  test("lossy compressions equal OpenEXR's own decode", () => {
    const lossy = files((f) => f.kind === "lossy");
    const seen = new Set(lossy.map((f) => f.parts[0].compression));
    for (const c of ["PXR24", "B44", "B44A", "DWAA", "DWAB", "LJ2K"]) assert.ok(seen.has(c), c);
    for (const f of lossy) compareFile(f);
  });

  test("data window differs from display window, negative origin, dotted and unicode names", () => {
    const [entry] = files((f) => f.file === "windows_PIZ.exr");
    compareFile(entry);
    const part = decode(entry.file).parts[0];
    assert.deepEqual(part.dataWindow, { xMin: -5, yMin: -7, xMax: 30, yMax: 20 });
    assert.deepEqual(part.displayWindow, { xMin: 0, yMin: 0, xMax: 63, yMax: 47 });
    assert.equal(part.width, 36);
    assert.equal(part.height, 28);
    assert.ok(part.channels.some((c) => c.name === "weird name/ü"));
  });

  test("subsampled channels are expanded to the data window", () => {
    for (const f of files((f) => f.file.startsWith("subsampled_"))) {
      compareFile(f);
      const ry = decode(f.file).parts[0].channels.find((c) => c.name === "RY");
      assert.equal(ry.xSampling, 2);
      assert.equal(ry.ySampling, 2);
    }
  });

  test("1x1, thin and odd-sized images", () => {
    for (const f of files((f) => f.file.startsWith("tiny_"))) compareFile(f);
  });

  test("decreasing line order and mipmapped tiles (level 0)", () => {
    for (const f of files((f) => f.file === "decreasing_ZIP.exr" || f.file === "mipmap_ZIP.exr")) compareFile(f);
  });

  test("every part of a multipart file", () => {
    const [entry] = files((f) => f.file === "multipart.exr");
    compareFile(entry);
    const image = decode(entry.file);
    assert.deepEqual(
      image.parts.map((p) => [p.name, p.storage, p.compression]),
      [
        ["beauty", "scanline", "PIZ"],
        ["aux", "scanline", "ZIP"],
        ["preview", "tiled", "DWAB"],
      ],
    );
    assert.deepEqual(image.parts[1].dataWindow, { xMin: 3, yMin: -2, xMax: 12, yMax: 14 });
  });
});

describe("header", () => {
  test("channels, windows, compression and storage match the Python package", () => {
    for (const entry of fx.manifest.files) {
      const header = api.readHeaderInProcess(core, fx.read(entry.file));
      entry.parts.forEach((want, p) => {
        const got = header.parts[p];
        assert.equal(got.compression, want.compression, entry.file);
        assert.equal(got.storage, want.storage, entry.file);
        assert.deepEqual(got.dataWindow, want.dataWindow, entry.file);
        assert.deepEqual(got.displayWindow, want.displayWindow, entry.file);
        assert.deepEqual(
          got.channels.map((c) => [c.name, c.pixelType, c.xSampling, c.ySampling]),
          want.channels.map((c) => [c.name, c.pixelType, c.xSampling, c.ySampling]),
          entry.file,
        );
      });
    }
  });

  test("attributes worth showing: chromaticities, white point, strings, custom values", () => {
    const { attributes } = decode("attributes_ZIP.exr").parts[0];
    const chroma = attributes.chromaticities;
    assert.equal(chroma.whiteX, Math.fround(0.3127));
    assert.equal(chroma.redY, Math.fround(0.33));
    assert.equal(attributes.whiteLuminance, 100);
    assert.deepEqual(attributes.adoptedNeutral, [Math.fround(0.3127), Math.fround(0.329)]);
    assert.equal(attributes.comments, 'a "quoted"\nsecond line');
    assert.equal(attributes.owner, "tensorboard-exr");
    assert.equal(attributes["tensorboard/step"], 1234);
    assert.equal(attributes["custom.scale"], 0.5);
    assert.equal(attributes.lineOrder, "INCREASING_Y");
  });

  test("deep parts are described by the header and decoded flattened (decoder_deep.test.mjs)", () => {
    const header = api.readHeaderInProcess(core, fx.read("deep.exr"));
    assert.equal(header.parts[0].storage, "deep_scanline");
    const part = decode("deep.exr").parts[0];
    assert.deepEqual(part.channels.map((c) => c.name), ["Z", "deep.count"]);
    assert.equal(part.deep.sampleCount, 19); // 4 x 5 pixels with (x + y) % 3 samples
  });
});

describe("worker pool", () => {
  let pool;
  before(async () => {
    pool = await createNodePool({ workers: 2, parallelMinBytes: 0 });
  });
  after(() => pool.dispose());

  // Parallel decodes against this file's single-thread decode: decoder_parallel.test.mjs.

  test("a deep file decodes in the pool and the pool keeps working", async () => {
    assert.equal((await pool.decode(arrayBufferOf(fx.read("deep.exr")))).parts[0].deep.sampleCount, 19);
    const image = await pool.decode(arrayBufferOf(fx.read("scan_ZIP.exr")));
    assert.equal(image.parts[0].channels.length, 6);
  });

  test("the size cap rejects images that would decode to more than maxDecodedBytes", async () => {
    const bytes = arrayBufferOf(fx.read("bands_ZIP.exr"));
    await assert.rejects(pool.decode(bytes, { maxDecodedBytes: 100_000 }), /image too large/);
    const image = await pool.decode(bytes, { maxDecodedBytes: 1_000_000 });
    assert.equal(image.parts[0].width, 192);
  });

  test("readHeader returns parts without pixels", async () => {
    const header = await pool.readHeader(arrayBufferOf(fx.read("multipart.exr")));
    assert.deepEqual(
      header.parts.map((p) => p.name),
      ["beauty", "aux", "preview"],
    );
    assert.equal("data" in header.parts[0].channels[0], false);
  });

  test("a request aborted before it starts is dropped; one aborted while running is discarded", async () => {
    const bytes = arrayBufferOf(fx.read("bands_ZIP.exr"));
    const running = new AbortController();
    const queued = new AbortController();
    const first = pool.decode(bytes, { signal: running.signal });
    const second = pool.decode(bytes, { signal: queued.signal });
    const third = pool.decode(bytes);
    queued.abort();
    running.abort();
    await assert.rejects(first, { name: "AbortError" });
    await assert.rejects(second, { name: "AbortError" });
    const image = await third;
    assert.equal(image.parts[0].height, 256);
    const already = new AbortController();
    already.abort();
    await assert.rejects(pool.decode(bytes, { signal: already.signal }), { name: "AbortError" });
  });

  test("decoding only some parts", async () => {
    const image = await pool.decode(arrayBufferOf(fx.read("multipart.exr")), { parts: [2] });
    assert.deepEqual(
      image.parts.map((p) => p.name),
      ["preview"],
    );
    await assert.rejects(pool.decode(arrayBufferOf(fx.read("multipart.exr")), { parts: [7] }), /part 7 does not exist/);
  });
});
