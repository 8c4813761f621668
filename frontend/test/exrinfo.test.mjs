// tools/exrinfo.mjs against statistics the test generator computes with numpy from the
// OpenEXR Python package's decode (min/max/mean of finite values, NaN/Inf counts, float32 sha256).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { before, test } from "node:test";
import { makeFixtures } from "./fixtures/fixtures.mjs";

const tool = join(dirname(fileURLToPath(import.meta.url)), "..", "tools", "exrinfo.mjs");
let fx;
before(() => {
  fx = makeFixtures();
});

function run(...args) {
  return JSON.parse(execFileSync(process.execPath, [tool, ...args], { encoding: "utf8" }));
}

function close(actual, expected, what) {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

test("per-channel statistics and float32 sha256 match numpy on the Python decode", () => {
  // Lossless files only: every value is the Python package's, so every statistic must agree.
  const names = ["scan_PIZ.exr", "tiled_ZSTD.exr", "windows_PIZ.exr", "subsampled_ZIP.exr", "multipart.exr"];
  const infos = run(...names.map((n) => join(fx.dir, n)));
  infos.forEach((info, k) => {
    const want = fx.manifest.files.find((f) => f.file === names[k]);
    assert.equal(info.parts.length, want.parts.length);
    want.parts.forEach((wp, p) => {
      const gp = info.parts[p];
      assert.equal(gp.compression, wp.compression);
      assert.deepEqual(gp.dataWindow, wp.dataWindow);
      assert.deepEqual(gp.displayWindow, wp.displayWindow);
      wp.channels.forEach((wc, c) => {
        const gc = gp.channels[c];
        const what = `${names[k]} part ${p} ${wc.name}`;
        if (wp.compression === "DWAB") return; // lossy: covered by the decoder tests
        assert.equal(gc.name, wc.name, what);
        assert.equal(gc.sha256, wc.sha256, what);
        assert.equal(gc.nan, wc.nan, what);
        assert.equal(gc.inf, wc.inf, what);
        close(gc.min, wc.min, `${what} min`);
        close(gc.max, wc.max, `${what} max`);
        close(gc.mean, wc.mean, `${what} mean`);
      });
    });
  });
});

test("NaN and Inf are counted, not averaged", () => {
  const info = run(join(fx.dir, "scan_ZIP.exr"));
  const b = info.parts[0].channels.find((c) => c.name === "B");
  assert.equal(b.nan, 1);
  assert.equal(b.inf, 2);
  assert.ok(Number.isFinite(b.mean));
});

test("--header-only prints the header without statistics; bad files report an error", () => {
  const header = run("--header-only", join(fx.dir, "deep.exr"));
  assert.equal(header.parts[0].storage, "deep_scanline");
  assert.equal(header.parts[0].channels[0].min, undefined);
  const notExr = join(fx.dir, "not_an.exr");
  writeFileSync(notExr, "<html>not found</html>");
  assert.throws(
    () => execFileSync(process.execPath, [tool, notExr], { encoding: "utf8", stdio: "pipe" }),
    (e) => e.status === 1 && /not an OpenEXR file: bad magic number/.test(e.stdout),
  );
});

test("deep files: statistics of the flattened channels and the sample count", () => {
  const info = run(join(fx.dir, "deep.exr"));
  assert.deepEqual(info.parts[0].deep, { sampleCount: 19, countChannel: "deep.count" });
  assert.deepEqual(info.parts[0].channels.map((c) => c.name), ["Z", "deep.count"]);
});
