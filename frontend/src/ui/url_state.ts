// The dashboard's state in TensorBoard's URL, so a link opens the same overview or inspector:
//   http://host:6006/#exr&p.exr.view=grid&p.exr.filter=val&p.exr.step=40&p.exr.exposure=-1.5
// TensorBoard hands a plugin the `p.<plugin>.` entries of its URL fragment (GetURLPluginData).
// This is the one module that reads and writes them, for the grid and the inspector alike: a new
// piece of state is one row of FIELDS. Reading ignores unknown and malformed entries (a hand-edited
// link still opens, with defaults where it is wrong). Links are built from the page's own origin
// and path; the parent's location is never written.

import { METRICS, TONEMAPS } from "../render/pipeline.js";
import type { Point } from "../render/view_transform.js";
import type { TensorBoardHost } from "../tb.js";
import { DEFAULT_VIEW, type ViewState } from "../viewer/state.js";
import type { PixelRect } from "../viewer/statistics.js";
import { formatPins, formatRegion, parsePins, parseRegion } from "./link_values.js";
import { DEFAULT_CARD_WIDTH } from "./overview/overview_bar.js";
import { DEFAULT_FPS } from "./player.js";

/**
 * What a link can say; every field is optional (absent: the panel's default). The shared view
 * settings (exposure, offset, gamma, tonemap, metric) and the inspector's view or the grid's
 * linked pan/zoom (zoom, panX, panY) are the view state's fields of those names.
 */
export interface PanelUrlState
  extends Partial<Pick<ViewState, "exposure" | "offset" | "gamma" | "tonemap" | "metric" | "zoom" | "panX" | "panY">> {
  /** The overview grid or the single-image inspector. */
  view?: "grid" | "inspector";
  /** The tag filter (a regular expression, as typed). */
  filter?: string;
  /** The inspector's image. */
  run?: string;
  tag?: string;
  /** The inspector's step, or the grid's shared step. */
  step?: number;
  /** The layer shown (where a card has it). */
  layer?: string;
  /** NaN/Inf markers. */
  markers?: boolean;
  /** Colours converted from the file's chromaticities to the display's primaries (the C toggle). */
  primaries?: boolean;
  /** Whether the grid's cards share pan and zoom. */
  linkView?: boolean;
  /** Card width in CSS pixels. */
  cardSize?: number;
  /** Playback rate and whether it loops. */
  fps?: number;
  loop?: boolean;
  /** Auto exposure (N) and the range lock (L). */
  auto?: boolean;
  lock?: boolean;
  /** The ε of the relative formulas (absent: each formula's default). */
  epsilon?: number;
  /** The inspector's pinned pixels, statistics rectangle and wipe line. */
  pins?: Point[];
  region?: PixelRect;
  wipe?: number;
}

/** TensorBoard's tab name for the plugin, and the prefix of its URL entries. */
export const PLUGIN_NAME = "exr";
export const URL_PREFIX = `p.${PLUGIN_NAME}.`;

interface Field<V> {
  /** The entry's name after `p.exr.`. */
  key: string;
  parse(text: string): V | undefined;
  format(value: V): string;
}

type Fields = { [K in keyof PanelUrlState]-?: Field<NonNullable<PanelUrlState[K]>> };

function text(): Field<string> {
  return { key: "", parse: (t) => (t === "" ? undefined : t), format: (v) => v };
}

function number(digits: number, valid: (v: number) => boolean = Number.isFinite): Field<number> {
  return {
    key: "",
    parse: (t) => {
      const v = t.trim() === "" ? NaN : Number(t);
      return Number.isFinite(v) && valid(v) ? v : undefined;
    },
    format: (v) => String(Number(v.toFixed(digits))),
  };
}

function oneOf<T extends string>(values: readonly T[]): Field<T> {
  return { key: "", parse: (t) => values.find((v) => v === t), format: (v) => v };
}

function flag(): Field<boolean> {
  return { key: "", parse: (t) => (t === "1" ? true : t === "0" ? false : undefined), format: (v) => (v ? "1" : "0") };
}

/** Every field, in the order links list them, under its URL key. */
const FIELDS: Fields = {
  view: { ...oneOf(["grid", "inspector"] as const), key: "view" },
  filter: { ...text(), key: "filter" },
  run: { ...text(), key: "run" },
  tag: { ...text(), key: "tag" },
  step: { ...number(0, Number.isInteger), key: "step" },
  // Six decimals: a fitted (N) or locked (L) range reopens drawing the same 8-bit pixels.
  exposure: { ...number(6), key: "exposure" },
  offset: { ...number(6), key: "offset" },
  gamma: { ...number(3, (v) => v > 0), key: "gamma" },
  tonemap: { ...oneOf(TONEMAPS.map((t) => t.id)), key: "tonemap" },
  metric: { ...oneOf(METRICS.map((m) => m.id)), key: "metric" },
  layer: { ...text(), key: "layer" },
  markers: { ...flag(), key: "markers" },
  primaries: { ...flag(), key: "primaries" },
  zoom: { ...number(5, (v) => v > 0), key: "zoom" },
  panX: { ...number(2), key: "x" },
  panY: { ...number(2), key: "y" },
  linkView: { ...flag(), key: "linkview" },
  cardSize: { ...number(0, (v) => v >= 32 && v <= 2048), key: "cards" },
  fps: { ...number(2, (v) => v > 0 && v <= 120), key: "fps" },
  loop: { ...flag(), key: "loop" },
  auto: { ...flag(), key: "auto" },
  lock: { ...flag(), key: "lock" },
  epsilon: { ...number(8, (v) => v >= 0), key: "epsilon" },
  pins: { key: "pins", parse: parsePins, format: formatPins },
  region: { key: "region", parse: parseRegion, format: formatRegion },
  wipe: { ...number(4, (v) => v >= 0 && v <= 1), key: "wipe" },
};

const FIELD_NAMES = Object.keys(FIELDS) as Array<keyof PanelUrlState>;

/** The state in a plugin's URL entries (keys without the `p.exr.` prefix). */
export function parseUrlState(entries: Readonly<Record<string, string>>): PanelUrlState {
  const state: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) {
    const field = FIELDS[name] as Field<unknown>;
    const raw = entries[field.key];
    const value = typeof raw === "string" ? field.parse(raw) : undefined;
    if (value !== undefined) state[name] = value;
  }
  // A pan is a point: half of one is no pan.
  if (state["panX"] === undefined || state["panY"] === undefined) {
    delete state["panX"];
    delete state["panY"];
  }
  return state as PanelUrlState;
}

/** The URL entries of `state` (keys without the prefix), in FIELDS order, absent fields left out. */
export function urlStateEntries(state: PanelUrlState): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const name of FIELD_NAMES) {
    const value = state[name];
    if (value === undefined) continue;
    const field = FIELDS[name] as Field<unknown>;
    entries.push([field.key, field.format(value)]);
  }
  return entries;
}

/** What the panel does when a link does not say (withoutDefaults leaves these out). */
export const URL_DEFAULTS: Readonly<PanelUrlState> = {
  exposure: DEFAULT_VIEW.exposure,
  offset: DEFAULT_VIEW.offset,
  gamma: DEFAULT_VIEW.gamma,
  tonemap: DEFAULT_VIEW.tonemap,
  metric: DEFAULT_VIEW.metric,
  markers: DEFAULT_VIEW.showNonFinite,
  primaries: DEFAULT_VIEW.convertPrimaries,
  linkView: true,
  cardSize: DEFAULT_CARD_WIDTH,
  fps: DEFAULT_FPS,
  loop: false,
  auto: DEFAULT_VIEW.autoExposure,
  lock: DEFAULT_VIEW.rangeLocked,
};

/** `state` without the fields that equal the panel's defaults (and without undefined ones): shorter links. */
export function withoutDefaults(state: PanelUrlState): PanelUrlState {
  const kept: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) {
    const value = state[name];
    if (value !== undefined && value !== URL_DEFAULTS[name]) kept[name] = value;
  }
  return kept as PanelUrlState;
}

/** TensorBoard's fragment for `state` (without "#"): `exr&p.exr.key=value&…`, encoded as TensorBoard does. */
export function tensorBoardHash(state: PanelUrlState): string {
  const pairs = urlStateEntries(state).map(([k, v]) => `${encodeURIComponent(URL_PREFIX + k)}=${encodeURIComponent(v)}`);
  return [PLUGIN_NAME, ...pairs].join("&");
}

/**
 * A link to TensorBoard showing `state`. The plugin's page is `<TensorBoard>/data/plugin_entry.html`
 * (the path prefix and an `/experiment/<id>/` part included), so TensorBoard's own page is the
 * folder above `data/`, on the page's own origin.
 */
export function tensorBoardLink(state: PanelUrlState, pageUrl: string = location.href): string {
  const root = new URL("..", pageUrl);
  root.search = "";
  root.hash = tensorBoardHash(state);
  return root.toString();
}

/** The plugin's entries in a TensorBoard fragment, by TensorBoard's own reading rule. */
export function pluginEntriesOfHash(hash: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const part of hash.replace(/^#/, "").split("&")) {
    const pair = part.split("=");
    if (pair.length !== 2) continue;
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(pair[0]!);
      value = decodeURIComponent(pair[1]!);
    } catch {
      continue; // a malformed escape: that entry is ignored, not the link
    }
    if (key.startsWith(URL_PREFIX)) entries[key.slice(URL_PREFIX.length)] = value;
  }
  return entries;
}

/**
 * The state of the URL the panel was opened with. TensorBoard's GetURLPluginData answers from a
 * copy of the fragment it refreshes only on `hashchange` (TensorBoard 2.21: `getUrlHashDict`), so
 * a link opened in a new tab gets `{}`; the plugin's iframe is same-origin, so the fragment is then
 * read from the parent's location (read only). Outside TensorBoard, the page's own fragment.
 */
export async function readUrlState(host: TensorBoardHost | null): Promise<PanelUrlState> {
  let entries: Record<string, string> = {};
  if (host) entries = await host.getUrlPluginData().catch(() => ({}));
  if (Object.keys(entries).length === 0) entries = pluginEntriesOfHash(hostHash());
  return parseUrlState(entries);
}

function hostHash(): string {
  try {
    return window.parent.location.hash;
  } catch {
    return ""; // a cross-origin embedding: only GetURLPluginData can tell
  }
}

/** The view-state part of a link: settings and, when given, the view. */
export function viewPatchOf(state: PanelUrlState): Partial<ViewState> {
  const patch: Partial<ViewState> = {};
  const copy = <K extends keyof PanelUrlState & keyof ViewState>(key: K): void => {
    if (state[key] !== undefined) (patch as Record<string, unknown>)[key] = state[key];
  };
  (["exposure", "offset", "gamma", "tonemap", "metric", "layer", "zoom", "panX", "panY"] as const).forEach(copy);
  if (state.markers !== undefined) patch.showNonFinite = state.markers;
  if (state.primaries !== undefined) patch.convertPrimaries = state.primaries;
  if (state.auto !== undefined) patch.autoExposure = state.auto;
  if (state.lock !== undefined) patch.rangeLocked = state.lock;
  (["epsilon", "pins", "region", "wipe"] as const).forEach(copy);
  return patch;
}

/** The link fields of a view state (the settings the grid and the inspector share). */
export function settingsOfView(view: ViewState, activeLayer: string | null): PanelUrlState {
  return {
    exposure: view.exposure,
    offset: view.offset,
    gamma: view.gamma,
    tonemap: view.tonemap,
    metric: view.metric,
    ...(view.layer !== null && activeLayer !== null ? { layer: activeLayer } : {}),
    markers: view.showNonFinite,
    primaries: view.convertPrimaries,
    auto: view.autoExposure,
    lock: view.rangeLocked,
    ...(view.epsilon !== null ? { epsilon: view.epsilon } : {}),
    ...(view.pins.length > 0 ? { pins: view.pins } : {}),
    ...(view.region ? { region: view.region } : {}),
    ...(view.wipe !== null ? { wipe: view.wipe } : {}),
  };
}
