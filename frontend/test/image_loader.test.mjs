// The pages' image loader (src/loading/) with real parts: files served by a local HTTP server,
// fetched with fetch(), decoded by the wasm decoder pool in worker threads. The server holds each
// answer until the test releases it, which is how a test decides what is still downloading.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { createNodePool, importTs, loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { assertSameImage, makeFixtures } from "./fixtures/fixtures.mjs";

let loading; // exports of src/loading/index.ts
let decoderApi;
let core;
let fx;
let pool;
let server;

before(async () => {
  loading = await importTs("src/loading/index.ts");
  decoderApi = await loadDecoderApi();
  core = await loadCore();
  fx = makeFixtures();
  pool = await createNodePool();
  server = await startServer((path) => {
    const name = path.split("#")[0];
    return name === "not-an-exr" ? Buffer.from("plain text, not an EXR") : fx.read(name);
  });
});
after(() => {
  pool?.dispose();
  server?.close();
});

const FILES = ["scan_ZIP.exr", "scan_PIZ.exr", "tiled_NONE.exr", "scan_RLE.exr"];

/**
 * A server answering GET /<name> with a file's bytes once release(name) was called (every
 * request for it, then and later). It logs what was asked for and which answers the client
 * abandoned before they were sent.
 */
async function startServer(read) {
  const released = new Set();
  const waiting = new Map(); // name -> answer callbacks
  const log = { requested: [], abandoned: [] };
  const http = createServer((req, res) => {
    const name = decodeURIComponent(req.url.slice(1));
    log.requested.push(name);
    const answer = () => {
      const bytes = read(name);
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": bytes.byteLength });
      res.end(bytes);
    };
    res.on("close", () => {
      if (!res.writableEnded) log.abandoned.push(name);
    });
    if (released.has(name)) answer();
    else waiting.set(name, [...(waiting.get(name) ?? []), answer]);
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${http.address().port}/`;
  return {
    log,
    release(name) {
      released.add(name);
      for (const answer of waiting.get(name) ?? []) answer();
      waiting.delete(name);
    },
    /** A loader request for GET /<name><tag>. */
    request(name, tag) {
      const path = `${name}${tag}`;
      return {
        key: path,
        name: path,
        path,
        download: async (signal, onProgress) => {
          const response = await fetch(base + encodeURIComponent(path), { signal });
          const bytes = await response.arrayBuffer();
          onProgress({ received: bytes.byteLength, total: bytes.byteLength });
          return { bytes };
        },
      };
    },
    close() {
      http.closeAllConnections();
      http.close();
    },
  };
}

let unique = 0;
/** A request for fixture `file` under a path no other test uses, and its release. */
function fresh(file) {
  const request = server.request(file, `#${++unique}`); // the server reads the file named before "#"
  return { request, release: () => server.release(request.path) };
}

const until = async (condition, what, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** A test that fails instead of hanging when a load never settles. */
const it = (name, fn) => test(name, { timeout: 20_000 }, fn);

const expected = (file) => decoderApi.decodeInProcess(core, fx.read(file));

describe("ImageLoader", () => {
  it("requests with one key share one download and one decode", async () => {
    const loader = new loading.ImageLoader(pool);
    const { request, release } = fresh("scan_ZIP.exr");
    const first = loader.load(request);
    const second = loader.load({ ...request }); // another object, the same key
    release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.image, b.image);
    assertSameImage(a.image, expected("scan_ZIP.exr"), "shared load");
    assert.equal(server.log.requested.filter((p) => p === request.path).length, 1);
    assert.deepEqual(
      { started: loader.counts.started, joined: loader.counts.joined, decoded: loader.counts.decoded },
      { started: 1, joined: 1, decoded: 1 },
    );
  });

  it("a cached image is answered at once, without a request", async () => {
    const loader = new loading.ImageLoader(pool);
    const { request, release } = fresh("scan_PIZ.exr");
    release();
    const loaded = await loader.load(request);
    assert.equal(loaded.cached, false);
    const again = await loader.load(request);
    assert.equal(again.cached, true);
    assert.equal(again.image, loaded.image);
    assert.equal(loader.cached(request.key)?.image, loaded.image);
    assert.equal(server.log.requested.filter((p) => p === request.path).length, 1);
    assert.equal(loader.counts.cacheHits, 1);
  });

  it("a load is cancelled only when its last consumer leaves", async () => {
    const loader = new loading.ImageLoader(pool);
    const { request, release } = fresh("tiled_NONE.exr");
    const one = new AbortController();
    const two = new AbortController();
    const first = loader.load(request, { signal: one.signal });
    const second = loader.load(request, { signal: two.signal });
    await until(() => server.log.requested.includes(request.path), "the request");
    one.abort();
    await assert.rejects(first, { name: "AbortError" });
    assert.equal(loader.counts.cancelled, 0);
    release();
    assertSameImage((await second).image, expected("tiled_NONE.exr"), "the remaining consumer's image");

    const other = fresh("tiled_NONE.exr");
    const three = new AbortController();
    const third = loader.load(other.request, { signal: three.signal });
    await until(() => server.log.requested.includes(other.request.path), "the second request");
    three.abort();
    await assert.rejects(third, { name: "AbortError" });
    assert.equal(loader.counts.cancelled, 1);
    await until(() => server.log.abandoned.includes(other.request.path), "the download to be abandoned");
    assert.equal(loader.cached(other.request.key), null);
  });

  it("prefetches wait for foreground loads; asking for one in the foreground starts it", async () => {
    const loader = new loading.ImageLoader(pool);
    const main = fresh("scan_ZIP.exr");
    const ahead = fresh("scan_RLE.exr");
    const shown = loader.load(main.request);
    const prefetched = loader.load(ahead.request, { priority: "prefetch" });
    await until(() => server.log.requested.includes(main.request.path), "the foreground request");
    assert.deepEqual(loader.pending, { queued: 1, running: 1 });
    assert.ok(!server.log.requested.includes(ahead.request.path), "the prefetch must wait");
    const promoted = loader.load(ahead.request); // the user went there
    await until(() => server.log.requested.includes(ahead.request.path), "the promoted request");
    assert.deepEqual(loader.pending, { queued: 0, running: 2 });
    ahead.release();
    main.release();
    const [a, b, c] = await Promise.all([shown, prefetched, promoted]);
    assert.equal(b.image, c.image);
    assertSameImage(a.image, expected("scan_ZIP.exr"), "foreground");
    assertSameImage(b.image, expected("scan_RLE.exr"), "promoted prefetch");
    assert.equal(loader.counts.started, 2);
  });

  it("no more than `concurrency` foreground loads run at once", async () => {
    const loader = new loading.ImageLoader(pool, { concurrency: 2 });
    const files = FILES.slice(0, 3).map(fresh);
    const loads = files.map((f) => loader.load(f.request));
    await until(() => loader.pending.running === 2, "two running loads");
    assert.deepEqual(loader.pending, { queued: 1, running: 2 });
    files[0].release();
    await loads[0];
    await until(() => server.log.requested.includes(files[2].request.path), "the third load to start");
    files[1].release();
    files[2].release();
    await Promise.all(loads);
    assert.equal(loader.counts.decoded, 3);
  });

  it("keep: false shows the image without putting it in the cache", async () => {
    const loader = new loading.ImageLoader(pool);
    const { request, release } = fresh("scan_PIZ.exr");
    release();
    const loaded = await loader.load(request, { keep: false });
    assertSameImage(loaded.image, expected("scan_PIZ.exr"), "unkept image");
    assert.equal(loader.cache.size, 0);
  });

  it("a file that is no EXR fails with the decoder's reason, named", async () => {
    const loader = new loading.ImageLoader(pool);
    const { request, release } = fresh("not-an-exr");
    release();
    await assert.rejects(loader.load(request), (error) => {
      assert.ok(error.message.startsWith(`${request.path}: `), error.message);
      assert.match(error.message, /magic|not an OpenEXR|EXR/i);
      return true;
    });
    assert.equal(loader.counts.failed, 1);
    assert.equal(loader.cache.size, 0);
  });
});

/** A slot recording what it was told to show, fail and report. */
function recordingSlot(loader, options = {}, onPhase = () => {}) {
  const events = [];
  const slot = new loading.ImageSlot(
    loader,
    {
      show: (request, loaded) => events.push(["show", request.path, loaded.cached]),
      progress: (request, phase) => onPhase(request, phase),
      failed: (request, reason) => events.push(["failed", request.path, reason]),
    },
    options,
  );
  return { slot, events };
}

describe("ImageSlot", () => {
  it("the latest request wins: superseded downloads are cancelled and never shown", async () => {
    const loader = new loading.ImageLoader(pool);
    const { slot, events } = recordingSlot(loader);
    const files = FILES.map(fresh);
    for (const f of files) slot.request(f.request);
    const last = files[files.length - 1];
    last.release();
    await until(() => events.length === 1, "one image shown");
    assert.deepEqual(events, [["show", last.request.path, false]]);
    assert.deepEqual(slot.counts, { started: 4, cancelled: 3, shown: 1, prefetched: 0 });
    assert.equal(loader.counts.cancelled, 3);
    assert.equal(loader.cache.size, 1);
    for (const f of files.slice(0, -1)) f.release(); // nothing left to answer them
  });

  it("a cached image is shown synchronously", async () => {
    const loader = new loading.ImageLoader(pool);
    const { slot, events } = recordingSlot(loader);
    const f = fresh("scan_ZIP.exr");
    f.release();
    await loader.load(f.request);
    slot.request(f.request);
    assert.deepEqual(events, [["show", f.request.path, true]]);
  });

  it("a decode already running finishes and is shown, then the latest request", async () => {
    const loader = new loading.ImageLoader(pool);
    const first = fresh("scan_ZIP.exr");
    const latest = fresh("scan_PIZ.exr");
    const { slot, events } = recordingSlot(loader, {}, (request, phase) => {
      // The moment the first file reaches the decoder, the user moves on.
      if (request === first.request && phase.kind === "decode") slot.request(latest.request);
    });
    first.release();
    latest.release();
    slot.request(first.request);
    await until(() => events.length === 2, "two images shown");
    assert.deepEqual(events, [
      ["show", first.request.path, false],
      ["show", latest.request.path, false],
    ]);
    assert.equal(slot.counts.cancelled, 0);
  });

  it("without showSuperseded a finished stale decode only goes to the cache", async () => {
    const loader = new loading.ImageLoader(pool);
    const first = fresh("tiled_NONE.exr");
    const latest = fresh("scan_RLE.exr");
    const { slot, events } = recordingSlot(loader, { showSuperseded: false }, (request, phase) => {
      if (request === first.request && phase.kind === "decode") slot.request(latest.request);
    });
    first.release();
    latest.release();
    slot.request(first.request);
    await until(() => events.length === 1, "one image shown");
    assert.deepEqual(events, [["show", latest.request.path, false]]);
    assert.ok(loader.cached(first.request.key), "the stale image is cached");
  });

  it("a failure is reported only while its request is still wanted", async () => {
    const loader = new loading.ImageLoader(pool);
    const bad = fresh("not-an-exr");
    const good = fresh("scan_ZIP.exr");
    const { slot, events } = recordingSlot(loader, {}, (request, phase) => {
      if (request === bad.request && phase.kind === "decode") slot.request(good.request);
    });
    bad.release();
    good.release();
    slot.request(bad.request);
    await until(() => events.length === 1, "the good image shown");
    assert.deepEqual(events, [["show", good.request.path, false]]);

    const alone = fresh("not-an-exr");
    alone.release();
    slot.request(alone.request);
    await until(() => events.length === 2, "the failure");
    assert.equal(events[1][0], "failed");
    assert.ok(events[1][2].startsWith(`${alone.request.path}: `), events[1][2]);
  });

  it("prefetches start once the wanted image is shown, and a new request drops them", async () => {
    const loader = new loading.ImageLoader(pool);
    const { slot, events } = recordingSlot(loader);
    const [wanted, next, later] = FILES.slice(0, 3).map(fresh);
    slot.request(wanted.request, [next.request, later.request]);
    await until(() => server.log.requested.includes(wanted.request.path), "the wanted request");
    assert.ok(!server.log.requested.includes(next.request.path), "no prefetch before the image is shown");
    wanted.release();
    await until(() => server.log.requested.includes(next.request.path), "the first prefetch");
    assert.ok(!server.log.requested.includes(later.request.path), "prefetches run one at a time");
    next.release();
    await until(() => slot.counts.prefetched === 1, "one prefetched image");
    await until(() => server.log.requested.includes(later.request.path), "the second prefetch");
    slot.request(next.request); // cached: shown at once, and the pending prefetch is dropped
    assert.deepEqual(events.at(-1), ["show", next.request.path, true]);
    await until(() => server.log.abandoned.includes(later.request.path), "the dropped prefetch abandoned");
    later.release();
  });

  it("request(null) cancels the load and shows nothing", async () => {
    const loader = new loading.ImageLoader(pool);
    const { slot, events } = recordingSlot(loader);
    const f = fresh("scan_RLE.exr");
    slot.request(f.request);
    await until(() => server.log.requested.includes(f.request.path), "the request");
    slot.request(null);
    await until(() => server.log.abandoned.includes(f.request.path), "the download abandoned");
    f.release();
    assert.deepEqual(events, []);
    assert.equal(slot.wanted, null);
  });
});

describe("cache budget", () => {
  test("a deep image's samples count against the cache budget, besides its planes", () => {
    const image = decoderApi.decodeInProcess(core, fx.read("deep.exr"));
    const part = image.parts[0];
    const planes = part.channels.reduce((n, c) => n + c.data.byteLength, 0);
    const samples = part.deep.offsets.byteLength + part.deep.channels.reduce((n, c) => n + c.data.byteLength, 0);
    assert.ok(samples > 0);
    assert.equal(loading.decodedBytes(image), planes + samples);
  });
});
