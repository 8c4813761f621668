// The pure parts of taking a view away: file names made safe (view_export.ts, safeFileName) and
// PNG text chunks (png_text.ts): tEXt for Latin-1, iTXt for the rest, right after IHDR, every
// chunk's CRC valid (the CRC-32 checked against zlib's check value). The browser tests decode real
// saved PNGs with Pillow.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { deflateSync } from "node:zlib";
import { importTs } from "../tools/decoder_node.mjs";

let exporter; // exports of src/ui/view_export.ts
let png; // exports of src/ui/png_text.ts


before(async () => {
  exporter = await importTs("src/ui/view_export.ts");
  png = await importTs("src/ui/png_text.ts");
});

/** A 1x1 grey PNG (IHDR, IDAT, IEND) with correct CRCs. */
function tinyPng() {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(png.crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
      chunk("IHDR", ihdr),
      chunk("IDAT", deflateSync(Buffer.from([0, 128]))),
      chunk("IEND", Buffer.alloc(0)),
    ]),
  );
}

/** The chunks of a PNG: [type, data], CRCs checked. */
function chunks(bytes) {
  const buffer = Buffer.from(bytes);
  const out = [];
  for (let at = 8; at < buffer.length; ) {
    const length = buffer.readUInt32BE(at);
    const type = buffer.toString("latin1", at + 4, at + 8);
    const data = buffer.subarray(at + 8, at + 8 + length);
    assert.equal(buffer.readUInt32BE(at + 8 + length), png.crc32(buffer.subarray(at + 4, at + 8 + length)), `CRC of ${type}`);
    out.push([type, data]);
    at += 12 + length;
  }
  return out;
}

describe("view export", () => {
  test("file names lose what no file system accepts", () => {
    const safe = exporter.safeFileName;
    assert.equal(safe("train_files/a:b*c_0.exr"), "train_files_a_b_c_0.exr");
    assert.equal(safe('r<u>n|"x"?\\y.exr'), "r_u_n__x___y.exr");
    assert.equal(safe("tab\there\u0000.exr"), "tab_here_.exr");
    assert.equal(safe("..hidden."), "_hidden_");
    assert.equal(safe(""), "_");
    assert.equal(safe("ünïcode λ.exr"), "ünïcode λ.exr");
  });

  test("CRC-32 is zlib's", () => {
    assert.equal(png.crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  });

  test("text chunks go right after IHDR: tEXt for Latin-1, iTXt (UTF-8) otherwise", () => {
    const out = png.withTextChunks(tinyPng(), [
      ["run", "train"],
      ["metric", "RSE (tev): (A − B)² / (B² + ε)"],
    ]);
    const list = chunks(out);
    assert.deepEqual(list.map(([type]) => type), ["IHDR", "tEXt", "iTXt", "IDAT", "IEND"]);
    assert.equal(Buffer.from(list[1][1]).toString("latin1"), "run\0train");
    const itxt = Buffer.from(list[2][1]);
    assert.equal(itxt.toString("latin1", 0, 7), "metric\0");
    assert.deepEqual([...itxt.subarray(7, 11)], [0, 0, 0, 0]); // uncompressed, no language, no translation
    assert.equal(itxt.subarray(11).toString("utf8"), "RSE (tev): (A − B)² / (B² + ε)");
    assert.throws(() => png.textChunk("", "x"), /keyword/);
    assert.throws(() => png.withTextChunks(new Uint8Array(16), []), /not a PNG/);
  });
});
