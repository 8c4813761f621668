// The keyboard shortcuts are declared once (src/ui/shortcuts.ts) and no two actions share a key:
// on the dashboard (SHORTCUTS with OVERVIEW_SHORTCUTS merged), on the review page and in the
// notebook (which use SHORTCUTS minus the step keys). Every reviewer's action of issue 17 has one.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { importTs } from "../tools/decoder_node.mjs";

let shortcuts; // exports of src/ui/shortcuts.ts

before(async () => {
  shortcuts = await importTs("src/ui/shortcuts.ts");
});

/** The keys one entry declares: "E / Shift+E" → ["e", "shift+e"], "1 – 9" → "1"…"9", "Shift (hold)" → "shift". */
function keysOf(entry) {
  const range = /^(\d) – (\d)$/.exec(entry.keys);
  if (range) {
    const out = [];
    for (let k = Number(range[1]); k <= Number(range[2]); k++) out.push(String(k));
    return out;
  }
  return entry.keys.split(" / ").map((k) => k.replace(/\s*\(.*\)$/, "").trim().toLowerCase());
}

/** Each key declared by more than one entry of `list`, with the actions that share it. */
function clashes(list) {
  const owner = new Map();
  const found = [];
  for (const entry of list) {
    for (const key of keysOf(entry)) {
      if (owner.has(key)) found.push(`${key}: "${owner.get(key)}" and "${entry.action}"`);
      else owner.set(key, entry.action);
    }
  }
  return found;
}

describe("shortcuts", () => {
  test("no two actions share a key on the dashboard", () => {
    assert.deepEqual(clashes(shortcuts.SHORTCUTS), []);
    assert.deepEqual(clashes(shortcuts.OVERVIEW_SHORTCUTS), []);
    assert.deepEqual(clashes(shortcuts.withShortcuts(shortcuts.SHORTCUTS, shortcuts.OVERVIEW_SHORTCUTS)), []);
  });

  test("the clash check finds a key declared twice", () => {
    const lock = shortcuts.SHORTCUTS.find((s) => s.keys === "L").action;
    assert.deepEqual(clashes([...shortcuts.SHORTCUTS, { keys: "Q / L", action: "something new" }]), [`l: "${lock}" and "something new"`]);
    assert.equal(clashes([{ keys: "1 – 9", action: "a" }, { keys: "7", action: "b" }]).length, 1);
  });

  test("every reviewer's action has its key, and the NaN/Inf markers moved from N to M", () => {
    const declared = new Map(shortcuts.SHORTCUTS.flatMap((s) => keysOf(s).map((k) => [k, s.action])));
    for (const [key, words] of [
      ["n", /auto exposure/i],
      ["l", /lock/i],
      ["p", /pin/i],
      ["ctrl+c", /copy the view/i],
      ["s", /save the view as png/i],
      ["d", /original exr/i],
      ["u", /link/i],
      ["x", /ε/],
      ["m", /nan/i],
    ]) {
      assert.match(declared.get(key) ?? "(none)", words, `key ${key}`);
    }
    const overview = new Map(shortcuts.OVERVIEW_SHORTCUTS.flatMap((s) => keysOf(s).map((k) => [k, s.action])));
    assert.match(overview.get("v") ?? "(none)", /pins' values over every step/);
  });
});
