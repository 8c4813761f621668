// What a frame shows, computed from the images and the view state without side effects: which
// planes, which metric, which side of a wipe. Uploading the planes and drawing them are the
// renderer's explicit steps (Viewer.drawNow); read-backs reuse the same plans.

import type { ExrImage, ExrPart } from "../decoder/types.js";
import { effectiveEpsilon, metricInfo } from "../render/pipeline.js";
import type { CanvasBand, DrawParams, PlaneSet } from "../render/renderer.js";
import type { Point } from "../render/view_transform.js";
import { describeColour, type Matrix3, partToRec709 } from "./colour_space.js";
import { groupLayers, type Layer } from "./layers.js";
import { GRID_MIN_ZOOM, pixelAspectOf, type ViewState } from "./state.js";

/** A decoded image with its layers. */
export interface ImageSlot {
  image: ExrImage;
  layers: Layer[];
}

export function slotOf(image: ExrImage | null): ImageSlot | null {
  return image ? { image, layers: groupLayers(image) } : null;
}

/** Where an image pixel falls in the part of a slot's layer: the texel inside its data window. */
export interface LayerPixel {
  layer: Layer;
  part: ExrPart;
  tx: number;
  ty: number;
}

/** The layer `layerName` of `slot` at image pixel `point`; null without it or outside its data window. */
export function layerPixelAt(slot: ImageSlot | null, layerName: string, point: Point): LayerPixel | null {
  const layer = slot?.layers.find((l) => l.name === layerName);
  if (!slot || !layer) return null;
  const part = slot.image.parts[layer.partIndex]!;
  const tx = point.x - part.dataWindow.xMin;
  const ty = point.y - part.dataWindow.yMin;
  if (tx < 0 || ty < 0 || tx >= part.width || ty >= part.height) return null;
  return { layer, part, tx, ty };
}

/** The images a viewer holds. */
export interface Scene {
  current: ImageSlot | null;
  /** Image B of the metrics, and what display: "reference" shows. */
  reference: ImageSlot | null;
  /** An error map computed elsewhere (FLIP from the server), shown for the external metrics. */
  metricImage: ImageSlot | null;
}

/** Colours of the page's theme that a draw uses. */
export interface Theme {
  background: [number, number, number];
  checkerDark: [number, number, number];
  checkerLight: [number, number, number];
}

/** Which side of the wipe line a canvas point is on; null without a wipe. */
export type WipeSide = "a" | "b" | null;

/** The layer drawn: state.layer, or the current image's first. */
export function activeLayerOf(scene: Scene, state: ViewState): Layer | null {
  const layers = scene.current?.layers ?? [];
  return layers.find((l) => l.name === state.layer) ?? layers[0] ?? null;
}

/**
 * Width over height of the pixels shown: the pixelAspectRatio of the current image's part that
 * holds the layer (the whole frame, a reference or error map included, is drawn with it).
 */
export function viewPixelAspect(scene: Scene, state: ViewState): number {
  const layer = activeLayerOf(scene, state);
  const part = layer ? scene.current?.image.parts[layer.partIndex] : undefined;
  return part ? pixelAspectOf(part) : 1;
}

/** The image a view displays: the reference while display is "reference", else the current one. */
export function displayedSlot(scene: Scene, view: ViewState): ImageSlot | null {
  return view.display === "reference" && scene.reference ? scene.reference : scene.current;
}

/** Canvas x (device px) of the wipe line, or null when there is no wipe to draw. */
export function wipeSplit(scene: Scene, state: ViewState, canvasWidth: number): number | null {
  if (state.wipe === null || !scene.reference || !scene.current) return null;
  return Math.round(Math.min(1, Math.max(0, state.wipe)) * canvasWidth);
}

export function wipeSideAt(split: number | null, x: number): WipeSide {
  if (split === null) return null;
  return x < split ? "a" : "b";
}

/**
 * What one side of the wipe shows: A is the current image as it is; B is the error map when a
 * metric is chosen, otherwise the reference image. Without a wipe, the view state itself.
 */
export function sideView(state: ViewState, side: WipeSide): ViewState {
  if (side === "a") return { ...state, metric: "none", display: "current" };
  if (side === "b") return state.metric !== "none" ? { ...state, display: "current" } : { ...state, display: "reference" };
  return state;
}

/** The view the pins' error is read from: the state's metric, or the signed difference A − B without one. */
export function pinErrorView(state: ViewState): ViewState {
  return { ...state, display: "current", metric: state.metric === "none" ? "signed" : state.metric };
}

/** Whether a view shows the error map handed over by setMetricImage (FLIP). */
export function showsExternalMap(scene: Scene, view: ViewState): boolean {
  return (
    metricInfo(view.metric).kind === "external" &&
    view.display === "current" &&
    scene.metricImage !== null &&
    scene.reference !== null
  );
}

/** Whether drawing `params` shows an error map (whose values are the metric's, not the image's). */
export function showsErrorMap(scene: Scene, view: ViewState, params: DrawParams): boolean {
  return params.metric !== "none" || showsExternalMap(scene, view);
}

/** Planes of the named layer in an image; null if the image lacks it. */
export function planesOf(slot: ImageSlot, layerName: string): PlaneSet | null {
  const layer = slot.layers.find((l) => l.name === layerName);
  if (!layer) return null;
  const part = slot.image.parts[layer.partIndex]!;
  return {
    colour: layer.colour,
    alpha: layer.alpha,
    window: { x: part.dataWindow.xMin, y: part.dataWindow.yMin, width: part.width, height: part.height },
  };
}

/** The matrix taking the named layer of an image to linear Rec.709 (null: none needed, or not RGB). */
export function colourMatrixOf(slot: ImageSlot, layerName: string): Matrix3 | null {
  const layer = slot.layers.find((l) => l.name === layerName);
  return layer?.primaries ? partToRec709(slot.image.parts[layer.partIndex]!) : null;
}

/** What the displayed RGB layer's part says about its colour (describeColour); null for other layers. */
export function displayedColour(scene: Scene, view: ViewState): string | null {
  const layer = activeLayerOf(scene, view);
  const slot = displayedSlot(scene, view);
  const shown = slot?.layers.find((l) => l.name === layer?.name);
  return slot && shown?.primaries ? describeColour(slot.image.parts[shown.partIndex]!) : null;
}

/** Everything the renderer needs to draw `view`, or null when there is nothing to draw. */
export function drawParams(scene: Scene, view: ViewState, theme: Theme): DrawParams | null {
  const layer = activeLayerOf(scene, view);
  const slot = displayedSlot(scene, view);
  if (!layer || !slot || !scene.current) return null;
  const base = {
    exposure: view.exposure,
    offset: view.offset,
    gamma: view.gamma,
    tonemap: view.tonemap,
    showNonFinite: view.showNonFinite,
    // The narrower side of a pixel decides whether grid lines leave room for it.
    grid: view.grid && view.zoom * Math.min(1, viewPixelAspect(scene, view)) >= GRID_MIN_ZOOM,
    ...theme,
  };
  const mapLayer = scene.metricImage?.layers[0];
  if (showsExternalMap(scene, view) && mapLayer) {
    const a = planesOf(scene.metricImage!, mapLayer.name)!;
    return { ...base, a, b: null, metric: "none", metricEpsilon: 0, colourMatrixA: null, colourMatrixB: null };
  }
  const shown = planesOf(slot, layer.name) ? slot : scene.current;
  const a = planesOf(shown, layer.name)!;
  const kind = metricInfo(view.metric).kind;
  const compares = (kind === "per-pixel" || kind === "map") && view.display === "current" && scene.reference !== null;
  const b = compares ? planesOf(scene.reference!, layer.name) : null;
  const metric = b ? view.metric : "none";
  // Error maps are computed in linear Rec.709 whatever the view; images are converted on request.
  const convert = b !== null || view.convertPrimaries;
  return {
    ...base,
    a,
    b,
    metric,
    metricEpsilon: effectiveEpsilon(metric, view.epsilon),
    colourMatrixA: convert ? colourMatrixOf(shown, layer.name) : null,
    colourMatrixB: b ? colourMatrixOf(scene.reference!, layer.name) : null,
  };
}

/** One draw of a frame: the whole canvas, or one side of the wipe line. */
export interface FramePart {
  params: DrawParams;
  band?: CanvasBand;
}

/** The draws of a frame (empty when there is nothing to draw). */
export function planFrame(scene: Scene, state: ViewState, theme: Theme, canvasWidth: number): FramePart[] {
  const split = wipeSplit(scene, state, canvasWidth);
  const params = drawParams(scene, sideView(state, split === null ? null : "a"), theme);
  if (!params) return [];
  const wiped = split === null ? null : drawParams(scene, sideView(state, "b"), theme);
  if (!wiped || split === null) return [{ params }];
  return [
    { params, band: { x: 0, width: split } },
    { params: wiped, band: { x: split, width: canvasWidth - split } },
  ];
}
