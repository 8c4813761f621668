// Header attributes as the decoder reports them, against files whose headers the OpenEXR Python
// package wrote (fixtures/make_attributes.py): every attribute type, numbers that stay numbers
// (±Infinity and NaN too), multiView as a list, opaque and unknown types by name, type and size;
// and the layers of multi-view files (viewer/layers.ts), default view first.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { createNodePool, importTs, loadCore, loadDecoderApi } from "../tools/decoder_node.mjs";
import { arrayBufferOf, makeFixtures } from "./fixtures/fixtures.mjs";

let fx;
let api;
let core;
let viewerModules; // groupLayers (viewer/layers.ts), attributeText (ui/attribute_text.ts)


before(async () => {
  fx = makeFixtures("make_attributes.py");
  api = await loadDecoderApi();
  core = await loadCore();
  viewerModules = await importTs({
    source: 'export { groupLayers } from "./src/viewer/layers.ts"; export { attributeText } from "./src/ui/attribute_text.ts";',
  });
});

/** The manifest's expected value, with the tagged non-finite numbers made numbers again. */
function expectedValue(value) {
  if (Array.isArray(value)) return value.map(expectedValue);
  if (value && typeof value === "object") {
    if (Object.keys(value).length === 1 && "nonFinite" in value) return Number(value.nonFinite);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expectedValue(v)]));
  }
  return value;
}

function entry(file) {
  return fx.manifest.files.find((f) => f.file === file);
}

describe("attributes", () => {
  test("every attribute type keeps its value and its type, in the header and in the decoded image", () => {
    const want = entry("every_type.exr").parts[0].attributes;
    const header = api.readHeaderInProcess(core, fx.read("every_type.exr")).parts[0];
    const image = api.decodeInProcess(core, fx.read("every_type.exr")).parts[0];
    for (const part of [header, image]) {
      for (const [name, { type, value }] of Object.entries(want)) {
        assert.equal(part.attributeTypes[name], type, `${name}: type`);
        if (value !== undefined) assert.deepEqual(part.attributes[name], expectedValue(value), `${name}: value`);
      }
    }
  });

  test("infinities and NaN are numbers, not strings", () => {
    const { attributes } = api.decodeInProcess(core, fx.read("every_type.exr")).parts[0];
    assert.equal(attributes.focus, Infinity);
    assert.equal(attributes.minusInf, -Infinity);
    assert.ok(typeof attributes.notANumber === "number" && Number.isNaN(attributes.notANumber));
    assert.equal(attributes.infDouble, -Infinity);
    assert.deepEqual(attributes.aV2f, [1.5, Infinity]);
    assert.ok(Number.isNaN(attributes.aV3f[1]));
    // A string stays a string even when it reads like a number's name.
    assert.equal(typeof attributes.aString, "string");
  });

  test("multiView is the list of views", () => {
    const { attributes } = api.decodeInProcess(core, fx.read("every_type.exr")).parts[0];
    assert.deepEqual(attributes.multiView, ["left", "right", "centre"]);
  });

  test("opaque and unknown types are listed by name, type and size", () => {
    const { attributes, attributeTypes } = api.readHeaderInProcess(core, fx.read("every_type.exr")).parts[0];
    assert.equal(attributeTypes.idManifest, "idmanifest");
    assert.ok(attributes.idManifest.byteLength > 0);
    assert.equal(attributeTypes.custom, "myCustomType");
    assert.deepEqual(attributes.custom, { byteLength: 5 });
    assert.deepEqual(attributes.someBytes, { byteLength: 6 });
    assert.deepEqual(attributes.preview, { width: 5, height: 3 });
    // The channel list has a type but its value is the part's channels.
    assert.equal(attributeTypes.channels, "chlist");
    assert.equal(attributes.channels, undefined);
  });

  test("the worker pool hands the same attributes to the page (structured clone keeps Infinity and NaN)", async () => {
    const pool = await createNodePool({ workers: 1 });
    try {
      const image = await pool.decode(arrayBufferOf(fx.read("every_type.exr")));
      const { attributes } = image.parts[0];
      assert.equal(attributes.focus, Infinity);
      assert.ok(Number.isNaN(attributes.notANumber));
      assert.deepEqual(attributes.multiView, ["left", "right", "centre"]);
      assert.equal(image.parts[0].attributeTypes.timeCode, "timecode");
    } finally {
      pool.dispose();
    }
  });

  test("the info view's texts of some attribute types", () => {
    const { attributeText } = viewerModules;
    const { attributes: a, attributeTypes: t } = api.readHeaderInProcess(core, fx.read("every_type.exr")).parts[0];
    const text = (name) => attributeText(t[name], a[name]);
    assert.equal(text("focus"), "+Inf");
    assert.equal(text("notANumber"), "NaN");
    assert.equal(text("timeCode"), "01:02:03:04 (drop frame), user data 0x2a");
    assert.equal(text("framesPerSecond"), "24000/1001 (23.976023976023978)");
    assert.equal(text("aBox2i"), "(-1, -2) – (30, 40), 32 × 43");
    assert.equal(text("aM33f"), "[0 0.25 0.5; 0.75 1 1.25; 1.5 1.75 2]");
    assert.equal(text("multiView"), '"left", "right", "centre"');
    assert.equal(text("deepImageState"), "tidy");
    assert.equal(text("custom"), "5 bytes (not interpreted)");
    assert.equal(text("aTileDesc"), "32 × 32 tiles, one level, round down");
    assert.equal(text("channels"), "the channels above");
  });
});

describe("multi-view layers", () => {
  for (const file of ["stereo.exr", "stereo_parts.exr"]) {
    test(`${file}: the default view's layers first, each layer with its view`, () => {
      const want = entry(file);
      const layers = viewerModules.groupLayers(api.decodeInProcess(core, fx.read(file)));
      assert.deepEqual(
        layers.map((l) => l.name),
        want.layers,
      );
      assert.deepEqual(
        layers.map((l) => l.view ?? null),
        want.views,
      );
    });
  }
});
