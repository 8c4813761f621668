// Deep files: the decoder returns every sample exactly as the OpenEXR package reads it, and the
// flattened picture bit for bit as make_deep.py's reference composite computes it (OpenEXR's
// composite_pixel, see docs/decoder.md "Deep"), scanline and tiled, every deep codec, half and
// float, 0, 1 and many samples, unsorted depths, per-channel alphas, layers, ids, multipart.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createNodePool, loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { arrayBufferOf, makeFixtures, planeBytes } from "./fixtures/fixtures.mjs";

let fx;
let api;
let core;

before(async () => {
  fx = makeFixtures("make_deep.py");
  api = await loadDecoderApi();
  core = await loadCore();
});

const deepParts = () =>
  fx.manifest.files.flatMap((file) => file.parts.filter((p) => p.deep).map((part) => ({ file: file.file, part })));

/** Samples in the (first) deep part of a fixture, as make_deep.py wrote them. */
function samplesOf(file) {
  return fx.manifest.files.find((f) => f.file === file).parts.find((p) => p.deep).samples;
}

function bytesOf(name) {
  return Buffer.from(fx.read(name));
}

describe("deep parts", () => {
  test("every sample of every channel is the OpenEXR package's, in pixel order", () => {
    for (const { file, part } of deepParts()) {
      const got = api.decodeInProcess(core, fx.read(file)).parts[part.index];
      assert.equal(got.storage.startsWith("deep_"), true, file);
      assert.equal(got.deep.sampleCount, part.samples, file);
      assert.ok(planeBytes(got.deep.counts).equals(bytesOf(`${part.stem}.counts`)), `${file}: counts`);
      assert.equal(got.deep.offsets[got.width * got.height], part.samples);
      for (const want of part.channels) {
        const channel = got.deep.channels.find((c) => c.name === want.name);
        assert.equal(channel.pixelType, want.pixelType, `${file} ${want.name}`);
        assert.ok(planeBytes(channel.data).equals(bytesOf(`${part.stem}.${want.name}.samples`)), `${file} ${want.name}`);
      }
    }
  });

  test("the flattened picture is the reference composite, bit for bit", () => {
    let checked = 0;
    for (const { file, part } of deepParts()) {
      const got = api.decodeInProcess(core, fx.read(file)).parts[part.index];
      for (const want of part.channels) {
        const channel = got.channels.find((c) => c.name === want.name);
        assert.equal(channel.pixelType, want.pixelType === "uint" ? "uint" : "float", `${file} ${want.name}`);
        assert.equal(channel.data.length, part.width * part.height);
        const expected = bytesOf(`${part.stem}.${want.name}.flat`);
        if (!planeBytes(channel.data).equals(expected)) {
          const wanted = new Float32Array(expected.buffer, expected.byteOffset, expected.length / 4);
          const i = channel.data.findIndex((v, k) => !Object.is(v, wanted[k]));
          assert.fail(`${file} ${want.name}: pixel ${i} is ${channel.data[i]}, the reference composite gives ${wanted[i]}`);
        }
        checked++;
      }
    }
    assert.ok(checked > 50, `${checked} channels compared`);
  });

  test("the samples per pixel are offered as the uint channel deep.count", () => {
    const got = api.decodeInProcess(core, fx.read("scan_rgbaz_half_ZIPS.exr")).parts[0];
    const count = got.channels.at(-1);
    assert.equal(count.name, "deep.count");
    assert.equal(got.deep.countChannel, "deep.count");
    assert.equal(count.pixelType, "uint");
    assert.ok(planeBytes(count.data).equals(bytesOf("scan_rgbaz_half_ZIPS.exr.0.counts")));
    // 0, 1 and many: the fixture's first row is empty, its second column has one sample each.
    assert.equal(count.data[0], 0);
    assert.equal(count.data[got.width + 1], 1);
    assert.equal(count.data[got.width * got.height - 1], 5);
  });

  test("pixels without samples are 0 in every flattened channel", () => {
    const got = api.decodeInProcess(core, fx.read("tiled_rgbaz_ZIPS.exr")).parts[0];
    for (let x = 0; x < got.width; x++) for (const c of got.channels) assert.equal(c.data[x], 0, `${c.name} at ${x}`);
  });

  test("a multipart file decodes its flat part as before and its deep part flattened", () => {
    const image = api.decodeInProcess(core, fx.read("multipart.exr"));
    assert.deepEqual(
      image.parts.map((p) => [p.name, p.storage, p.deep ? "deep" : "flat"]),
      [
        ["flat", "scanline", "flat"],
        ["deep", "deep_scanline", "deep"],
      ],
    );
    const only = api.decodeInProcess(core, fx.read("multipart.exr"), { parts: [1] });
    assert.equal(only.parts.length, 1);
    assert.ok(planeBytes(only.parts[0].channels[0].data).equals(planeBytes(image.parts[1].channels[0].data)));
  });

  test("the header describes deep parts without reading samples", () => {
    const header = api.readHeaderInProcess(core, fx.read("tiled_rgbaz_ZIPS.exr"));
    assert.equal(header.parts[0].storage, "deep_tiled");
    assert.deepEqual(
      header.parts[0].channels.map((c) => c.name),
      ["A", "B", "G", "R", "Z", "ZBack"],
    );
  });
});

describe("deep limits", () => {
  test("a file declaring billions of samples is refused, naming the count and the limit, before allocating them", () => {
    const bomb = fx.read("bomb.exr");
    assert.ok(bomb.length < 300_000);
    assert.throws(
      () => api.decodeInProcess(core, bomb),
      /^Error: image too large: part 0 holds 2621440000 deep samples; decoding needs 5001 MiB, more than the 1024 MiB limit$/,
    );
    assert.ok(core.HEAPU8.byteLength < 256 * 1024 * 1024, `heap grew to ${core.HEAPU8.byteLength}`);
    assert.equal(api.decodeInProcess(core, fx.read("scan_ZSTD.exr")).parts[0].deep.sampleCount, samplesOf("scan_ZSTD.exr"));
  });

  test("samples count against maxDecodedBytes with everything else the file decodes to", () => {
    const bytes = fx.read("many_samples.exr");
    const samples = samplesOf("many_samples.exr");
    // 4 x 3 pixels: 4 planes (R, A, Z, count) of 48 bytes, offsets of 52 bytes, each 16-aligned,
    // then the samples of float R, half A, float Z.
    const align = (n) => Math.ceil(n / 16) * 16;
    const needed = 4 * 48 + 64 + align(samples * 4) + align(samples * 2) + align(samples * 4);
    assert.doesNotThrow(() => api.decodeInProcess(core, bytes, { maxDecodedBytes: needed }));
    assert.throws(
      () => api.decodeInProcess(core, bytes, { maxDecodedBytes: needed - 1 }),
      new RegExp(`^Error: image too large: part 0 holds ${samples} deep samples; decoding needs \\d+ (bytes|KiB), more than the \\d+ (bytes|KiB) limit$`),
    );
  });
});

describe("deep files through the worker pool", () => {
  let pool;
  before(async () => {
    pool = await createNodePool({ workers: 2, parallelMinBytes: 0 });
  });
  after(() => pool.dispose());

  test("decode in one worker, exactly as in one thread, the flattened planes and the samples", async () => {
    for (const { file } of deepParts()) {
      const got = await pool.decode(arrayBufferOf(fx.read(file)));
      assert.equal(pool.lastStats.workers, 1, file);
      const want = api.decodeInProcess(core, fx.read(file));
      got.parts.forEach((part, p) => {
        part.channels.forEach((c, i) => assert.ok(planeBytes(c.data).equals(planeBytes(want.parts[p].channels[i].data)), `${file} ${c.name}`));
        if (part.deep) {
          assert.ok(planeBytes(part.deep.offsets).equals(planeBytes(want.parts[p].deep.offsets)));
          part.deep.channels.forEach((c, i) => assert.ok(planeBytes(c.data).equals(planeBytes(want.parts[p].deep.channels[i].data))));
        }
      });
    }
  });

  test("a deep bomb is refused with its reason and the pool keeps decoding", async () => {
    await assert.rejects(pool.decode(arrayBufferOf(fx.read("bomb.exr"))), /^Error: image too large: part 0 holds 2621440000 deep samples/);
    const image = await pool.decode(arrayBufferOf(fx.read("layers.exr")));
    assert.equal(image.parts[0].deep.sampleCount, samplesOf("layers.exr"));
  });
});
