// The overview's pure parts: the URL state of a link (src/ui/url_state.ts: TensorBoard's
// `#exr&p.exr.*` fragment, read and written) and where the cards go (src/ui/overview/card_layout.ts).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { importTs } from "../tools/decoder_node.mjs";

let url; // exports of src/ui/url_state.ts
let layout; // exports of src/ui/overview/card_layout.ts


before(async () => {
  url = await importTs("src/ui/url_state.ts");
  layout = await importTs("src/ui/overview/card_layout.ts");
});

describe("url_state", () => {
  test("reads every field it knows and ignores malformed and unknown entries", () => {
    const state = url.parseUrlState({
      view: "grid", filter: "val/.*", run: "run_a", tag: "val/g0/output", step: "40", exposure: "-1.5",
      offset: "0.25", gamma: "2.4", tonemap: "falsecolour", metric: "rse", layer: "albedo.RGB", markers: "0",
      zoom: "2", x: "10.5", y: "7", linkview: "0", cards: "128", fps: "12", loop: "1", probes: "whatever",
    });
    assert.deepEqual(state, {
      view: "grid", filter: "val/.*", run: "run_a", tag: "val/g0/output", step: 40, exposure: -1.5, offset: 0.25,
      gamma: 2.4, tonemap: "falsecolour", metric: "rse", layer: "albedo.RGB", markers: false, zoom: 2, panX: 10.5,
      panY: 7, linkView: false, cardSize: 128, fps: 12, loop: true,
    });
    const bad = url.parseUrlState({
      view: "table", step: "1.5", exposure: "", gamma: "-1", tonemap: "neon", metric: "psnr", zoom: "0",
      x: "3", markers: "yes", cards: "5", fps: "NaN",
    });
    assert.deepEqual(bad, {}); // half a pan (x without y) is no pan
  });

  test("writes what it reads, in TensorBoard's form", () => {
    const state = { view: "inspector", run: "a b", tag: "val/g0/output", step: 20, exposure: 1, metric: "l1", panX: 3, panY: 4, zoom: 0.125 };
    assert.deepEqual(url.parseUrlState(Object.fromEntries(url.urlStateEntries(state))), state);
    assert.equal(
      url.tensorBoardHash({ view: "grid", tag: "val/g0/output", step: 10 }),
      "exr&p.exr.view=grid&p.exr.tag=val%2Fg0%2Foutput&p.exr.step=10",
    );
    // TensorBoard's reading rule takes it back (and leaves other plugins' entries alone).
    const hash = `#${url.tensorBoardHash(state)}&p.scalars.smoothing=0.6&broken=%E0%A4%A`;
    assert.deepEqual(url.parseUrlState(url.pluginEntriesOfHash(hash)), state);
  });

  test("links point at TensorBoard's page on the plugin page's own origin, prefixes kept", () => {
    const state = { view: "grid", exposure: 2 };
    assert.equal(
      url.tensorBoardLink(state, "http://host:6006/data/plugin_entry.html?name=exr"),
      "http://host:6006/#exr&p.exr.view=grid&p.exr.exposure=2",
    );
    assert.equal(
      url.tensorBoardLink(state, "https://host/tb/experiment/42/data/plugin_entry.html?name=exr#x"),
      "https://host/tb/experiment/42/#exr&p.exr.view=grid&p.exr.exposure=2",
    );
  });

  test("links leave out what equals the defaults", () => {
    assert.deepEqual(
      url.withoutDefaults({ view: "grid", exposure: 0, gamma: 2.2, tonemap: "srgb", metric: "none", markers: true, fps: 4, loop: false, step: undefined, offset: 0.5 }),
      { view: "grid", offset: 0.5 },
    );
  });
});

describe("card_layout", () => {
  const tags = {
    b: {
      "val/kitchen/reference": { group: "val/kitchen", role: "reference" },
      "val/kitchen/input": { group: "val/kitchen", role: "input" },
      "val/kitchen/output": { group: "val/kitchen", role: "output" },
      "images/loss": {},
    },
    a: {
      "val/attic/output": { group: "val/attic", role: "output" },
      "val/attic/reference": { group: "val/attic", role: "reference" },
      "val/kitchen/output": { group: "val/kitchen", role: "output" },
      "images/a10": {},
      "images/a9": {},
    },
  };

  test("rows are groups (their runs next to each other), columns roles in the groups' order, loose tags last", () => {
    const { rows, columns, cards } = layout.layoutCards(tags, ["b", "a"], null);
    assert.deepEqual(columns, ["input", "output", "reference"]);
    assert.deepEqual(
      rows.map((r) => [r.group, r.run, r.cards.map((c) => `${c.tag}@${c.column}`)]),
      [
        ["val/attic", "a", ["val/attic/output@1", "val/attic/reference@2"]],
        ["val/kitchen", "b", ["val/kitchen/input@0", "val/kitchen/output@1", "val/kitchen/reference@2"]],
        ["val/kitchen", "a", ["val/kitchen/output@1"]],
        [null, "b", ["images/loss@null"]],
        [null, "a", ["images/a9@null", "images/a10@null"]],
      ],
    );
    assert.equal(cards.length, 9);
    assert.equal(cards[0].id, layout.cardId("a", "val/attic/output"));
  });

  test("only tags matching the filter get cards", () => {
    const { cards, columns } = layout.layoutCards(tags, ["a", "b"], /kitchen/i);
    assert.deepEqual(cards.map((c) => `${c.run}:${c.tag}`), ["a:val/kitchen/output", "b:val/kitchen/input", "b:val/kitchen/output", "b:val/kitchen/reference"]);
    assert.deepEqual(columns, ["input", "output", "reference"]);
  });
});
