// The buffers the decoder reuses: output planes a worker prepares while idle, and the file copies
// a parallel decode sends. Reuse must never change a decoded value.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createNodePool, loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { arrayBufferOf, assertSameImage, makeFixtures } from "./fixtures/fixtures.mjs";

let api;
before(async () => {
  api = await loadDecoderApi();
});

const MiB = 1024 * 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition, ms = 5000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out");
    await sleep(5);
  }
}

describe("SpareBuffers", () => {
  test("prepares buffers of the sizes last produced and hands them out by exact size", async () => {
    const spares = new api.SpareBuffers();
    spares.prepare([1 * MiB, 9 * MiB]);
    await until(() => spares.heldBytes === 10 * MiB);
    const a = spares.take(9 * MiB);
    assert.equal(a.byteLength, 9 * MiB);
    assert.equal(spares.heldBytes, 1 * MiB);
    const b = spares.take(123);
    assert.equal(b.byteLength, 123, "a size nobody prepared gets a new buffer");
    assert.equal(spares.heldBytes, 1 * MiB);
    spares.clear();
    assert.equal(spares.heldBytes, 0);
  });

  test("a request pauses preparation; a partly prepared buffer is still handed out", async () => {
    const spares = new api.SpareBuffers();
    spares.prepare([64 * MiB]);
    await sleep(1); // about one slice
    spares.pause();
    const held = spares.heldBytes;
    await sleep(20);
    assert.equal(spares.heldBytes, held, "nothing more is prepared while paused");
    const buffer = spares.take(64 * MiB);
    assert.equal(buffer.byteLength, 64 * MiB);
    assert.ok(new Uint8Array(buffer).every((v) => v === 0));
    spares.clear();
  });

  test("asking again for the sizes being prepared does not prepare them twice", async () => {
    const spares = new api.SpareBuffers();
    spares.prepare([32 * MiB]);
    await sleep(1);
    spares.prepare([32 * MiB]);
    await until(() => spares.heldBytes >= 32 * MiB);
    await sleep(50);
    assert.equal(spares.heldBytes, 32 * MiB);
    spares.clear();
  });

  test("never holds more than its cap", async () => {
    const spares = new api.SpareBuffers(5 * MiB);
    spares.prepare([4 * MiB, 4 * MiB, 1 * MiB]);
    await sleep(100);
    assert.equal(spares.heldBytes, 5 * MiB);
    spares.clear();
  });
});

describe("buffer reuse in the worker pool", () => {
  let fx;
  let core;
  let pool;
  before(async () => {
    fx = makeFixtures();
    core = await loadCore();
    pool = await createNodePool({ workers: 2, parallelMinBytes: 0 });
  });
  after(() => pool.dispose());


  test("parallel decodes that reuse input copies and prepared planes stay exact", async () => {
    // Files of different sizes in turn: a spare longer than the next file is reused for it.
    const names = ["bands_ZIP.exr", "multipart.exr", "bands_ZIP.exr", "subsampled_PIZ.exr", "scan_PIZ.exr", "scan_ZIP.exr"];
    for (const name of names) {
      const bytes = fx.read(name);
      const expected = api.decodeInProcess(core, bytes);
      for (let round = 0; round < 2; round++) {
        await sleep(30); // the workers prepare their next buffers
        const image = await pool.decode(arrayBufferOf(bytes), { transfer: true });
        assert.equal(pool.lastStats.workers, 2);
        assertSameImage(image, expected, `${name} round ${round}`);
      }
    }
  });
});
