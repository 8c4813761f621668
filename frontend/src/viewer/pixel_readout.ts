// Reading values back: the hover readout of one canvas pixel (exact decoded values, the displayed
// colour and the error value the GPU computed), the statistics of a rectangle, and the texts drawn
// inside pixels at high zoom. Read-backs draw the plans of the last frame again into offscreen
// targets; they never upload (Viewer flushes a pending frame first, and the frame uploads).

import type { ExrChannel } from "../decoder/types.js";
import { sampleStride, type ShownValues } from "./auto_exposure.js";
import type { Metric } from "../render/pipeline.js";
import type { Renderer } from "../render/renderer.js";
import type { Point, ViewTransform } from "../render/view_transform.js";
import {
  activeLayerOf,
  displayedSlot,
  drawParams,
  type ImageSlot,
  layerPixelAt,
  pinErrorView,
  type Scene,
  showsErrorMap,
  showsExternalMap,
  sideView,
  type Theme,
  type WipeSide,
  wipeSideAt,
} from "./draw_plan.js";
import { type DeepPixelReading, deepReadingAt } from "./deep_samples.js";
import { channelValue, formatValue, type Layer, layerChannels } from "./layers.js";
import type { ViewState } from "./state.js";
import { computeStatistics, type ImageStatistics, type PixelRect } from "./statistics.js";

export interface ChannelReading {
  channel: string;
  pixelType: ExrChannel["pixelType"];
  value: number;
  /** Shortest text that reads back as exactly this value of the channel's type. */
  text: string;
  /** Not stored: reconstructed by the decoder (R, G, B of a luminance/chroma file, Layer.sources). */
  reconstructed?: boolean;
}

export interface HoverInfo {
  /** EXR pixel coordinates (display-window space). */
  x: number;
  y: number;
  /** False when the pixel is outside the data window (then there are no readings). */
  inside: boolean;
  layer: string;
  readings: ChannelReading[];
  /** The displayed sRGB value, 0–255, as the shader produced it. */
  displayed: [number, number, number];
  /** Exact values of the reference image B at the pixel (empty without a reference). */
  referenceReadings: ChannelReading[];
  /** The metric shown at this pixel ("none" when the pixel shows an image, not an error map). */
  metric: Metric;
  /** The error map's value per colour channel at the pixel, as the GPU computed it (before exposure). */
  metricValue: number[] | null;
  /** Which side of the wipe the pixel is on (null without a wipe). */
  wipeSide: WipeSide;
  /** The pixel's samples, front to back, when the image is deep (null otherwise). */
  deep: DeepPixelReading | null;
}

/** What a pin shows: its values in the current image and the reference, and the error there. */
export interface PinReading {
  x: number;
  y: number;
  /** The current image's layer (empty outside its data window). */
  readings: ChannelReading[];
  /** The reference's same layer (empty without one, or outside its window). */
  referenceReadings: ChannelReading[];
  /** The error under the state's metric (A − B without one) per colour channel, as the GPU computes it; null without a reference. */
  error: { metric: Metric; values: number[] } | null;
}

/** The in-pixel texts of one image pixel, or null where nothing is shown. */
export type PixelTexts = (x: number, y: number) => string[] | null;

/** What a read-back needs: the images, the view, and the renderer that drew them. */
export interface ReadoutSource {
  scene: Scene;
  state: ViewState;
  transform: ViewTransform;
  /** Canvas x of the wipe line, or null. */
  split: number | null;
  theme: Theme;
  renderer: Renderer;
}

/** The readout of canvas pixel (x, y) (device px). */
export function inspectPixel(source: ReadoutSource, x: number, y: number): HoverInfo | null {
  const { scene, renderer, transform } = source;
  const layer = activeLayerOf(scene, source.state);
  const side = wipeSideAt(source.split, x);
  const view = sideView(source.state, side);
  const slot = displayedSlot(scene, view);
  if (!layer || !slot) return null;
  const point = transform.imagePixelAt(x, y);
  const readings = readingsAt(slot, layer.name, point, true);
  const params = drawParams(scene, view, source.theme);
  const drawn = params !== null && renderer.holds(params);
  const rgba = drawn ? renderer.probe(params, transform, x, y) : [0, 0, 0, 0];
  const comparing = params !== null && showsErrorMap(scene, view, params);
  let metricValue: number[] | null = null;
  if (comparing && drawn && readings) {
    metricValue = renderer.probe(params, transform, x, y, true).slice(0, Math.min(3, params.a.colour.length));
  }
  return {
    x: point.x,
    y: point.y,
    inside: readings !== null,
    layer: layer.name,
    readings: readings ?? [],
    displayed: [rgba[0]!, rgba[1]!, rgba[2]!],
    referenceReadings: slot === scene.current ? (readingsAt(scene.reference, layer.name, point) ?? []) : [],
    metric: comparing ? view.metric : "none",
    metricValue,
    wipeSide: side,
    deep: deepReadingAt(slot, layer.name, point),
  };
}

/** Each pin's values (the current image's, the reference's) and the error there. */
export function readPins(source: ReadoutSource): PinReading[] {
  const { scene, state, renderer } = source;
  const layer = activeLayerOf(scene, state);
  if (!layer) return [];
  const view = pinErrorView(state);
  const params = drawParams(scene, view, source.theme);
  const errors = params !== null && scene.reference !== null && showsErrorMap(scene, view, params) && renderer.holds(params);
  return state.pins.map((pin) => {
    const readings = readingsAt(scene.current, layer.name, pin) ?? [];
    const inside = clipToWindow(params?.a.window ?? { x: 0, y: 0, width: 0, height: 0 }, { ...pin, width: 1, height: 1 });
    const values = errors && inside ? Array.from(renderer.readValues(params, inside)).slice(0, Math.min(3, params.a.colour.length)) : null;
    return {
      x: pin.x,
      y: pin.y,
      readings,
      referenceReadings: readingsAt(scene.reference, layer.name, pin) ?? [],
      error: values ? { metric: view.metric, values } : null,
    };
  });
}

/**
 * Statistics of what the state shows (the image's colour channels, or the error map) over
 * `region` (null: the whole data window), from values read back before exposure.
 */
export function measure(source: ReadoutSource, region: PixelRect | null): ImageStatistics | null {
  const { scene, state, renderer } = source;
  const params = drawParams(scene, state, source.theme);
  const layer = activeLayerOf(scene, state);
  if (!params || !layer || !renderer.holds(params)) return null;
  const rect = clipToWindow(params.a.window, region);
  if (!rect) return null;
  const values = renderer.readValues(params, rect);
  const names = showsExternalMap(scene, state) ? ["FLIP"] : layer.colour.slice(0, 3).map((c) => c.name);
  return computeStatistics(values, names, rect, showsErrorMap(scene, state, params) ? state.metric : "image");
}

/**
 * What the state shows over the data window (the image's colour, or the error map), read back
 * before exposure on an even grid of at most about AUTO_EXPOSURE_SAMPLES pixels: auto exposure's
 * input. null when nothing is drawn.
 */
export function sampleShown(source: ReadoutSource): ShownValues | null {
  const { scene, state, renderer } = source;
  const params = drawParams(scene, state, source.theme);
  if (!params || !renderer.holds(params)) return null;
  const window = params.a.window;
  const values = renderer.readValues(params, window, sampleStride(window.width, window.height));
  const errorMap = showsErrorMap(scene, state, params);
  // An image's values are read as stored; the display converts them (an error map is in Rec.709 already).
  return { values, channels: Math.min(3, params.a.colour.length), matrix: errorMap ? null : params.colourMatrixA };
}

/**
 * The texts of the in-pixel values a view shows over `rect` (image pixels): the decoded values
 * of the displayed image, or, for an error map, the metric's values (read back from the GPU
 * once, before exposure, as the readout's).
 */
export function pixelTexts(source: ReadoutSource, view: ViewState, layer: Layer, rect: PixelRect): PixelTexts | null {
  const { scene, renderer } = source;
  const params = drawParams(scene, view, source.theme);
  if (!params) return null;
  if (!showsErrorMap(scene, view, params)) {
    const slot = displayedSlot(scene, view);
    return (x, y) => readingsAt(slot, layer.name, { x, y })?.map((r) => r.text) ?? null;
  }
  const area = clipToWindow(params.a.window, rect);
  if (!area || !renderer.holds(params)) return null;
  const values = renderer.readValues(params, area);
  const components = showsExternalMap(scene, view) ? 1 : Math.min(3, params.a.colour.length);
  return (x, y) => {
    if (x < area.x || y < area.y || x >= area.x + area.width || y >= area.y + area.height) return null;
    // readPixels returns the bottom row first.
    const at = ((area.height - 1 - (y - area.y)) * area.width + (x - area.x)) * 4;
    return Array.from({ length: components }, (_, c) => formatValue(values[at + c]!, "float"));
  };
}

/**
 * Exact decoded values of a layer of `slot` at an image pixel; null outside its data window. With
 * `sources`, a reconstructed layer's readings (marked) are followed by its stored channels'.
 */
export function readingsAt(slot: ImageSlot | null, layerName: string, point: Point, sources = false): ChannelReading[] | null {
  const at = layerPixelAt(slot, layerName, point);
  if (!at) return null;
  const { layer, part, tx, ty } = at;
  const reading = (channel: ExrChannel, reconstructed: boolean): ChannelReading => {
    const value = channelValue(channel, ty * part.width + tx);
    const text = formatValue(value, channel.pixelType);
    return { channel: channel.name, pixelType: channel.pixelType, value, text, ...(reconstructed ? { reconstructed } : {}) };
  };
  const derived = new Set(layer.sources ? layer.colour : []);
  return [
    ...layerChannels(layer).map((channel) => reading(channel, derived.has(channel))),
    ...(sources ? (layer.sources ?? []).map((channel) => reading(channel, false)) : []),
  ];
}

/** The part of `rect` (null: all) inside a data window, or null when they do not meet. */
function clipToWindow(window: PixelRect, rect: PixelRect | null): PixelRect | null {
  const r = rect ?? window;
  const x0 = Math.max(window.x, r.x);
  const y0 = Math.max(window.y, r.y);
  const x1 = Math.min(window.x + window.width, r.x + r.width);
  const y1 = Math.min(window.y + window.height, r.y + r.height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}
