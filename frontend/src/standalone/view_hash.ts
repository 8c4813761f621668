// The view state kept in the page's URL fragment, so a link shows a colleague the same thing:
//   #image=Living+room/L1&exposure=1.5&tonemap=falsecolour&metric=l1&wipe=0.5&zoom=4&x=12.5&y=8
// and, when set: auto=1 (auto exposure), lock=1, epsilon=, pins=x,y;x,y, region=x,y,w,h.
// Only fields that differ from the defaults are written; unknown or malformed fields are ignored
// when reading (a hand-edited link still opens, with defaults where it is wrong).

import { METRICS, TONEMAPS, type Metric, type Tonemap } from "../render/pipeline.js";
import type { Point } from "../render/view_transform.js";
import { formatPins, formatRegion, parsePins, parseRegion } from "../ui/link_values.js";
import { DEFAULT_VIEW, type ViewState } from "../viewer/state.js";
import type { PixelRect } from "../viewer/statistics.js";

export interface LinkedView {
  /** Id of the selected leaf (see review_api.ts). */
  image?: string;
  /** Title of the group member used as image B when it is not the group's default; "" for none. */
  reference?: string;
  exposure?: number;
  offset?: number;
  gamma?: number;
  tonemap?: Tonemap;
  metric?: Metric;
  layer?: string;
  /** Wipe line position, a fraction of the canvas width. */
  wipe?: number;
  zoom?: number;
  panX?: number;
  panY?: number;
  autoExposure?: boolean;
  rangeLocked?: boolean;
  epsilon?: number;
  pins?: Point[];
  region?: PixelRect;
}

/** Reads a fragment (with or without the leading "#"). */
export function parseViewHash(hash: string): LinkedView {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const view: LinkedView = {};
  const image = params.get("image");
  if (image !== null) view.image = image;
  const reference = params.get("ref");
  if (reference !== null) view.reference = reference;
  const number = (name: string): number | undefined => {
    const text = params.get(name);
    if (text === null || text.trim() === "") return undefined;
    const value = Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  const exposure = number("exposure");
  if (exposure !== undefined) view.exposure = exposure;
  const offset = number("offset");
  if (offset !== undefined) view.offset = offset;
  const gamma = number("gamma");
  if (gamma !== undefined && gamma > 0) view.gamma = gamma;
  const zoom = number("zoom");
  if (zoom !== undefined && zoom > 0) view.zoom = zoom;
  const x = number("x");
  const y = number("y");
  if (x !== undefined && y !== undefined) {
    view.panX = x;
    view.panY = y;
  }
  const tonemap = params.get("tonemap");
  const knownTonemap = TONEMAPS.find((t) => t.id === tonemap);
  if (knownTonemap) view.tonemap = knownTonemap.id;
  const metric = params.get("metric");
  const knownMetric = METRICS.find((m) => m.id === metric);
  if (knownMetric) view.metric = knownMetric.id;
  const layer = params.get("layer");
  if (layer) view.layer = layer;
  const wipe = number("wipe");
  if (wipe !== undefined && wipe >= 0 && wipe <= 1) view.wipe = wipe;
  if (params.get("auto") === "1") view.autoExposure = true;
  if (params.get("lock") === "1") view.rangeLocked = true;
  const epsilon = number("epsilon");
  if (epsilon !== undefined && epsilon >= 0) view.epsilon = epsilon;
  const pins = parsePins(params.get("pins") ?? "");
  if (pins) view.pins = pins;
  const region = parseRegion(params.get("region") ?? "");
  if (region) view.region = region;
  return view;
}

/**
 * The fragment (without "#") for a selected leaf and a viewer state; `reference` only when the
 * user chose another reference than the group's default (null: the default).
 */
export function formatViewHash(
  image: string | null,
  state: ViewState,
  activeLayer: string | null,
  reference: string | null = null,
): string {
  const params = new URLSearchParams();
  if (image !== null) params.set("image", image);
  if (reference !== null) params.set("ref", reference);
  // Six decimals: a fitted (N) or locked (L) range reopens drawing the same 8-bit pixels.
  if (state.exposure !== DEFAULT_VIEW.exposure) params.set("exposure", round(state.exposure, 6));
  if (state.offset !== DEFAULT_VIEW.offset) params.set("offset", round(state.offset, 6));
  if (state.gamma !== DEFAULT_VIEW.gamma) params.set("gamma", round(state.gamma, 3));
  if (state.tonemap !== DEFAULT_VIEW.tonemap) params.set("tonemap", state.tonemap);
  if (state.metric !== DEFAULT_VIEW.metric) params.set("metric", state.metric);
  if (state.layer !== null && activeLayer !== null) params.set("layer", activeLayer);
  if (state.wipe !== null) params.set("wipe", round(state.wipe, 4));
  if (state.autoExposure) params.set("auto", "1");
  if (state.rangeLocked) params.set("lock", "1");
  if (state.epsilon !== null) params.set("epsilon", String(state.epsilon));
  if (state.pins.length > 0) params.set("pins", formatPins(state.pins));
  if (state.region) params.set("region", formatRegion(state.region));
  // Zoom and pan always: the fitted view depends on the window size, which a colleague's differs.
  params.set("zoom", round(state.zoom, 4));
  params.set("x", round(state.panX, 2));
  params.set("y", round(state.panY, 2));
  // Leaf ids read better with their "/" unescaped (it is allowed in a fragment).
  return params.toString().replace(/%2F/g, "/");
}

function round(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

/** The viewer-state part of a linked view (everything but the image and the reference). */
export function linkedViewPatch(linked: LinkedView): Partial<ViewState> {
  const patch: Partial<ViewState> = {};
  if (linked.exposure !== undefined) patch.exposure = linked.exposure;
  if (linked.offset !== undefined) patch.offset = linked.offset;
  if (linked.gamma !== undefined) patch.gamma = linked.gamma;
  if (linked.tonemap !== undefined) patch.tonemap = linked.tonemap;
  if (linked.layer !== undefined) patch.layer = linked.layer;
  if (linked.wipe !== undefined) patch.wipe = linked.wipe;
  if (linked.zoom !== undefined) patch.zoom = linked.zoom;
  if (linked.panX !== undefined && linked.panY !== undefined) {
    patch.panX = linked.panX;
    patch.panY = linked.panY;
  }
  for (const key of ["autoExposure", "rangeLocked", "epsilon", "pins", "region"] as const) {
    if (linked[key] !== undefined) (patch as Record<string, unknown>)[key] = linked[key];
  }
  return patch;
}
