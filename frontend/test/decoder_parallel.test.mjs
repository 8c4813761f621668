// A parallel decode passes the first band's whole-part planes from worker to worker (each copies
// its rows in): every band count must give the single-thread result, and a band that fails or a
// cancelled decode must never leave a worker waiting for planes that will not come.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createNodePool, defaultStaticDir, loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { arrayBufferOf, assertSameImage, makeFixtures } from "./fixtures/fixtures.mjs";

let api;
let core;
let fx;
before(async () => {
  api = await loadDecoderApi();
  core = await loadCore();
  fx = makeFixtures();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until no worker of the pool runs a request (a worker left waiting never gets there). */
async function allIdle(pool, ms = 10_000) {
  const end = Date.now() + ms;
  while (pool.busyWorkers > 0) {
    if (Date.now() > end) throw new Error(`${pool.busyWorkers} workers still busy after ${ms} ms`);
    await sleep(5);
  }
}

/**
 * The file with the chunk holding `row` of its single scanline part overwritten: the chunk table
 * directly follows the header, so the first offset says where the table ends.
 */
function corruptRow(bytes, row, linesPerChunk) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  while (bytes[at] !== 0) {
    at = bytes.indexOf(0, at) + 1; // name
    at = bytes.indexOf(0, at) + 1; // type
    at += 4 + view.getInt32(at, true);
  }
  const table = at + 1;
  const chunk = Number(view.getBigUint64(table + 8 * Math.floor(row / linesPerChunk), true));
  const out = bytes.slice();
  out.fill(0x5a, chunk + 8 + 4, chunk + 8 + 64);
  return out;
}

describe("planes passed between workers", () => {
  const pools = [];
  after(() => pools.forEach((p) => p.dispose()));
  const newPool = async (options) => {
    const pool = await createNodePool({ parallelMinBytes: 0, ...options });
    pools.push(pool);
    return pool;
  };

  test("2, 3 and 4 workers give the single-thread decode (empty bands and several parts included)", async () => {
    const names = ["bands_ZIP.exr", "multipart.exr", "subsampled_PIZ.exr", "tiled_ZIP.exr", "tiny_1x1_ZIP.exr", "tiny_9x1_PIZ.exr", "decreasing_ZIP.exr"];
    for (const workers of [2, 3, 4]) {
      const pool = await newPool({ workers });
      for (const name of names) {
        const expected = api.decodeInProcess(core, fx.read(name));
        for (const transfer of [false, true]) {
          const image = await pool.decode(arrayBufferOf(fx.read(name)), { transfer });
          assert.equal(pool.lastStats.workers, workers);
          // Every band started at once: the planes went from worker to worker, not through the page.
          assert.equal(pool.lastStats.relays, 0, `${name} on ${workers} workers`);
          assertSameImage(image, expected, `${name} on ${workers} workers`);
        }
      }
    }
  });

  test("files at once: bands queued behind another file get their planes through the pool", async () => {
    const pool = await newPool({ workers: 3 });
    const names = ["bands_ZIP.exr", "multipart.exr", "scan_PIZ.exr", "bands_ZIP.exr", "subsampled_PIZ.exr"];
    const relays = [];
    const images = await Promise.all(
      names.map((name) => pool.decode(arrayBufferOf(fx.read(name))).then((image) => (relays.push(pool.lastStats.relays), image))),
    );
    images.forEach((image, i) => assertSameImage(image, api.decodeInProcess(core, fx.read(names[i])), names[i]));
    // Three workers, five files of three bands: some band waited for a worker, so the pool relayed.
    assert.ok(relays.some((n) => n > 0), `relays ${relays}`);
  });

  test("a failing band fails the file at once and no worker is left waiting", async () => {
    // A long timeout: a worker left waiting for planes would hold the next decode for a minute.
    const pool = await newPool({ workers: 2, timeoutMs: 60_000 });
    const good = fx.read("bands_ZIP.exr");
    const height = 256;
    const linesPerChunk = 16;
    for (const row of [0, height - 1]) {
      const started = performance.now();
      await assert.rejects(pool.decode(arrayBufferOf(corruptRow(good, row, linesPerChunk))), /cannot decode part 0/);
      await allIdle(pool);
      const image = await pool.decode(arrayBufferOf(good));
      assertSameImage(image, api.decodeInProcess(core, good), `after a bad chunk at row ${row}`);
      assert.ok(performance.now() - started < 10_000, `recovered in ${(performance.now() - started).toFixed(0)} ms`);
    }
  });

  test("cancelling releases the workers waiting for planes", async () => {
    const pool = await newPool({ workers: 3, timeoutMs: 60_000 });
    const bytes = fx.read("bands_ZIP.exr");
    for (let i = 0; i < 8; i++) {
      const controller = new AbortController();
      const pending = pool.decode(arrayBufferOf(bytes), { signal: controller.signal });
      if (i === 0) {
        controller.abort(); // every band is sent and none has answered
        await assert.rejects(pending, { name: "AbortError" });
      } else {
        // Later, at whatever stage the decode has reached: it finishes or rejects as cancelled.
        setTimeout(() => controller.abort(), i - 1);
        await pending.catch((e) => assert.equal(e.name, "AbortError"));
      }
      await allIdle(pool);
    }
    const started = performance.now();
    const image = await pool.decode(arrayBufferOf(bytes));
    assertSameImage(image, api.decodeInProcess(core, bytes), "after cancelled decodes");
    assert.ok(performance.now() - started < 10_000);
  });

  test("a worker keeps planes that overtake their request and drops planes that come too late", async () => {
    const bytes = fx.read("bands_ZIP.exr");
    const request = (id, bandIndex) => ({
      kind: "decode",
      id,
      bytes: arrayBufferOf(bytes),
      byteLength: bytes.length,
      parts: null,
      bandIndex,
      bandCount: 2,
      wholePart: bandIndex === 0,
      fill: bandIndex > 0,
      passTo: null,
      maxDecodedBytes: 1 << 30,
    });
    const first = new api.DecoderService(() => loadCore());
    const second = new api.DecoderService(() => loadCore());
    const band0 = await first.handle(request(101, 0));
    // The planes reach the second worker before its request does (two different ports).
    assert.equal(await second.handle({ kind: "fill", id: 102, targets: band0.response.bands }), null);
    const band1 = await second.handle(request(102, 1));
    assert.ok(band1.response.ok, band1.response.error);
    const { header, parts, bands } = band1.response;
    assertSameImage(api.assembleImage(header, parts, bands), api.decodeInProcess(core, bytes), "planes before request");
    // Planes for request 102, which is answered, must not feed the next request.
    const late = (await first.handle(request(103, 0))).response.bands;
    await second.handle({ kind: "fill", id: 102, targets: late });
    const next = second.handle(request(104, 1));
    await sleep(50);
    await second.handle({ kind: "fill", id: 104, targets: null });
    assert.equal((await next).response.error, "decoding was cancelled");
  });

  test("warmUp starts every worker without occupying it; decodes work right after", async () => {
    const pool = await newPool({ workers: 3 });
    pool.warmUp();
    pool.warmUp(); // twice is harmless
    assert.equal(pool.busyWorkers, 0);
    const bytes = fx.read("bands_ZIP.exr");
    const image = await pool.decode(arrayBufferOf(bytes));
    assert.equal(pool.lastStats.workers, 3);
    assert.equal(pool.lastStats.relays, 0);
    assertSameImage(image, api.decodeInProcess(core, bytes), "after warmUp");
    pool.dispose();
    pool.warmUp(); // after dispose: nothing happens
    await assert.rejects(pool.decode(arrayBufferOf(bytes)), /disposed/);
  });

  test("workers instantiate the module the page compiled, exercise it once, and report their start-up", async () => {
    // Beside the glue there is no exr_core.wasm: the workers can only use the module they are sent.
    const dir = mkdtempSync(join(tmpdir(), "exr-glue-only-"));
    copyFileSync(join(defaultStaticDir, "exr_core.js"), join(dir, "exr_core.js"));
    const wasmModule = Promise.resolve(new WebAssembly.Module(readFileSync(join(defaultStaticDir, "exr_core.wasm"))));
    const pool = await createNodePool({ workers: 2, parallelMinBytes: 0, staticDir: dir, wasmModule });
    try {
      pool.warmUp();
      const deadline = Date.now() + 10_000;
      while (pool.startups[0].exercisedAt === undefined && Date.now() < deadline) await sleep(10);
      assert.ok(pool.startups[0].exercisedAt !== undefined, "the first worker exercised the decoder");
      const bytes = fx.read("bands_ZIP.exr");
      assertSameImage(await pool.decode(arrayBufferOf(bytes)), api.decodeInProcess(core, bytes), "shared module");
      assert.equal(pool.lastStats.workers, 2);
      assert.equal(pool.startups.length, 2);
      for (const s of pool.startups) assert.ok(s.spawnedAt <= s.scriptAt && s.scriptAt <= s.coreReadyAt, JSON.stringify(s));
      // The first worker decoded the made-up warm-up file (warm_up_image.ts) before the request,
      // unless the request came first; the others never do.
      const [first, second] = pool.startups;
      assert.ok(first.coreReadyAt <= first.exerciseAt && first.exerciseAt <= first.exercisedAt);
      assert.equal(second.exerciseAt, undefined);
      for (const span of pool.lastStats.workerSpans) {
        assert.ok(pool.lastStats.startedAt <= span.startedAt && span.endedAt <= pool.lastStats.endedAt);
      }
    } finally {
      pool.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a failed file's bands still in the queue are never started", async () => {
    // Mock workers make the order of events exact: slot 0 busy with a header, band 0 of the file
    // on slot 1, band 1 queued; then band 0's worker dies.
    const workers = [];
    const createWorker = () => {
      const worker = { sent: [], onmessage: null, onerror: null, terminated: false };
      worker.postMessage = (message) => worker.sent.push(message);
      worker.terminate = () => (worker.terminated = true);
      workers.push(worker);
      return worker;
    };
    const pool = new api.ExrDecoderPool({ workers: 2, parallelMinBytes: 0, timeoutMs: 60_000, createWorker });
    const header = pool.readHeader(new ArrayBuffer(8));
    const decode = pool.decode(new ArrayBuffer(16));
    assert.equal(workers.length, 2);
    workers[1].onerror({ message: "worker script failed" });
    await assert.rejects(decode, /worker script failed/);
    const sentBands = workers.flatMap((w) => w.sent.filter((m) => m.kind === "decode").map((m) => m.bandIndex));
    assert.deepEqual(sentBands, [0], "band 1 of the failed file was started");
    assert.equal(pool.busyWorkers, 1); // the header request only
    workers[0].onmessage({ data: { id: workers[0].sent.find((m) => m.kind === "header").id, ok: false, error: "x" } });
    await assert.rejects(header, /x/);
    assert.equal(pool.busyWorkers, 0);
    pool.dispose();
  });

  test("a worker drops planes it holds once it has answered, and a cancelled band does not decode", async () => {
    const bytes = fx.read("bands_ZIP.exr");
    const bad = corruptRow(bytes, 255, 16);
    const request = (id, data) => ({
      kind: "decode",
      id,
      bytes: arrayBufferOf(data),
      byteLength: data.length,
      parts: null,
      bandIndex: 1,
      bandCount: 2,
      wholePart: false,
      fill: true,
      passTo: null,
      maxDecodedBytes: 1 << 30,
    });
    const planes = (await new api.DecoderService(() => loadCore()).handle({ ...request(1, bytes), bandIndex: 0, wholePart: true, fill: false })).response.bands;
    // Planes arrive while the worker still loads the wasm; then its own rows turn out corrupt.
    let loaded;
    const service = new api.DecoderService(() => new Promise((resolve) => (loaded = resolve)));
    const answer = service.handle(request(2, bad));
    await service.handle({ kind: "fill", id: 2, targets: planes });
    loaded(await loadCore());
    assert.match((await answer).response.error, /cannot decode part 0/);
    assert.equal(service.arrived, undefined, "the planes are still held"); // internal: nothing keeps 1 frame alive
    assert.equal(service.early, null);
    // Cancelled before its request arrives: answers at once, without decoding (the corrupt rows
    // would say "cannot decode" otherwise).
    await service.handle({ kind: "fill", id: 3, targets: null });
    assert.equal((await service.handle(request(3, bad))).response.error, "decoding was cancelled");
  });

  test("uncompressed files are decoded by one worker (splitting a copy only adds copies)", async () => {
    const pool = await newPool({ workers: 3 });
    for (const [name, workers] of [["scan_NONE.exr", 1], ["tiled_NONE.exr", 1], ["scan_RLE.exr", 3], ["multipart.exr", 3]]) {
      const bytes = fx.read(name);
      const image = await pool.decode(arrayBufferOf(bytes));
      assert.equal(pool.lastStats.workers, workers, name);
      assertSameImage(image, api.decodeInProcess(core, bytes), name);
    }
  });
});
