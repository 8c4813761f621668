// A file with a huge channel list is refused from its bytes, at once: OpenEXRCore's channel-list
// parse is quadratic (10 000 channels took 1-2 s, 100 000 would take minutes) and runs before the
// shim's own 1024-channel limit. Files at the limit, and multipart files, still decode.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { pythonExecutable } from "./fixtures/fixtures.mjs";

let api;
let core;
const dir = mkdtempSync(join(tmpdir(), "exr-channels-"));

const WRITE = `
import sys, numpy as np, OpenEXR
out, counts = sys.argv[1], [int(n) for n in sys.argv[2:]]
for n in counts:
    channels = {f"c{i:06d}": np.full((1, 2), i % 7, np.float16) for i in range(n)}
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION}, channels).write(f"{out}/ch{n}.exr")
parts = [OpenEXR.Part({"type": OpenEXR.scanlineimage}, {f"c{i}": np.zeros((1, 2), np.float16) for i in range(600)}, name=f"p{k}") for k in range(3)]
OpenEXR.File(parts).write(f"{out}/multipart_600x3.exr")
parts = [OpenEXR.Part({"type": OpenEXR.scanlineimage}, {"Y": np.zeros((1, 2), np.float16)}, name="small"),
         OpenEXR.Part({"type": OpenEXR.scanlineimage}, {f"c{i}": np.zeros((1, 2), np.float16) for i in range(3000)}, name="big")]
OpenEXR.File(parts).write(f"{out}/multipart_big_second.exr")
`;

before(async () => {
  execFileSync(pythonExecutable(), ["-c", WRITE, dir, "1024", "1025", "20000"]);
  api = await loadDecoderApi();
  core = await loadCore();
});
after(() => rmSync(dir, { recursive: true, force: true }));

const read = (name) => new Uint8Array(readFileSync(join(dir, name)));

test("20 000 channels are refused before OpenEXRCore parses them", () => {
  const bytes = read("ch20000.exr");
  const start = performance.now();
  assert.throws(() => api.readHeaderInProcess(core, bytes), /part 0 has 20000 channels \(at most 1024 are supported\)/);
  assert.throws(() => api.decodeInProcess(core, bytes), /part 0 has 20000 channels/);
  assert.ok(performance.now() - start < 500, `took ${(performance.now() - start).toFixed(0)} ms`);
});

test("one channel over the limit is refused, the limit itself decodes", () => {
  assert.throws(() => api.decodeInProcess(core, read("ch1025.exr")), /part 0 has 1025 channels/);
  const image = api.decodeInProcess(core, read("ch1024.exr"));
  assert.equal(image.parts[0].channels.length, 1024);
  assert.deepEqual([...image.parts[0].channels[9].data], [0x4000, 0x4000]); // half 2.0 (9 % 7)
});

test("the count is per part: a multipart file under the limit in each part decodes", () => {
  const image = api.decodeInProcess(core, read("multipart_600x3.exr"));
  assert.deepEqual(image.parts.map((p) => p.channels.length), [600, 600, 600]);
  assert.throws(() => api.readHeaderInProcess(core, read("multipart_big_second.exr")), /part 1 has 3000 channels/);
});
