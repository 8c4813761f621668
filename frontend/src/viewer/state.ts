// The view state a Viewer renders, and the steps its keyboard shortcuts take.

import type { ExrPart } from "../decoder/types.js";
import type { Metric, Tonemap } from "../render/pipeline.js";
import type { Point } from "../render/view_transform.js";
import type { PixelRect } from "./statistics.js";

export interface ViewState {
  /** Stops: values are multiplied by 2^exposure before the tonemap. */
  exposure: number;
  /** Added after exposure. */
  offset: number;
  /** Used by the "gamma" tonemap. */
  gamma: number;
  tonemap: Tonemap;
  /** Error metric between the current and the reference image ("none" shows the current image). */
  metric: Metric;
  /** Which image is displayed: the current one, or the reference (e.g. while Shift is held). */
  display: "current" | "reference";
  /** Draw NaN / +Inf / -Inf in marker colours. */
  showNonFinite: boolean;
  /**
   * Convert RGB from the file's primaries (its `chromaticities`) to the display's sRGB/Rec.709;
   * false shows the stored values unconverted. Error maps are always computed in Rec.709.
   */
  convertPrimaries: boolean;
  /** Layer name (see Viewer.layers()); null picks the first layer of the image. */
  layer: string | null;
  /** Device pixels per image pixel. */
  zoom: number;
  /** Image coordinate (EXR pixel space, x right, y down) shown at the centre of the canvas. */
  panX: number;
  panY: number;
  /** Pixel grid once pixels are large enough. */
  grid: boolean;
  /** Outline the data window and the display window. */
  showWindows: boolean;
  /**
   * Wipe: the split line's position as a fraction of the canvas width (0–1), or null for no wipe.
   * Left of the line the current image A, right of it the error map (when a metric is chosen)
   * or the reference B.
   */
  wipe: number | null;
  /** A rectangle (EXR pixel space) for statistics, drawn dashed; Ctrl+drag sets it, null = none. */
  region: PixelRect | null;
  /**
   * The ε of every relative formula: the metric shown, relMSE in the statistics and the error
   * strip (pipeline.ts, `effectiveEpsilon`); null: each formula's own default.
   */
  epsilon: number | null;
  /**
   * Auto exposure (N): exposure and offset are fitted to the robust range of what is shown
   * (auto_exposure.ts) and fitted again to each new image, layer or metric, unless `rangeLocked`.
   * Setting exposure or offset by hand turns it off.
   */
  autoExposure: boolean;
  /** The display range is locked (L): exposure and offset stay as they are whatever is shown. */
  rangeLocked: boolean;
  /** Pinned pixels (P), EXR pixel coordinates, numbered from 1 in this order. */
  pins: Point[];
}

export const DEFAULT_VIEW: Readonly<ViewState> = {
  exposure: 0,
  offset: 0,
  gamma: 2.2,
  tonemap: "srgb",
  metric: "none",
  display: "current",
  showNonFinite: true,
  convertPrimaries: true,
  layer: null,
  zoom: 1,
  panX: 0,
  panY: 0,
  grid: true,
  showWindows: false,
  wipe: null,
  region: null,
  epsilon: null,
  autoExposure: false,
  rangeLocked: false,
  pins: [],
};

export const EXPOSURE_STEP = 0.5;
export const OFFSET_STEP = 0.1;
export const GAMMA_STEP = 0.1;
export const MIN_ZOOM = 1 / 64;
export const MAX_ZOOM = 512;
/** Zoom (device px per image px) from which the pixel grid is drawn. */
export const GRID_MIN_ZOOM = 16;
/** Zoom from which each pixel shows its values as text. */
export const VALUES_MIN_ZOOM = 64;

/** Rounds to 6 decimals, so repeated steps of 0.1 stay 0.3 and not 0.30000000000000004. */
export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * Width over height of a part's pixels: its `pixelAspectRatio` attribute, 1 when absent. (The
 * decoder refuses files whose ratio is outside [1e-6, 1e6], as OpenEXR does; a hand-built image
 * with a meaningless one gets square pixels.)
 */
export function pixelAspectOf(part: Pick<ExrPart, "attributes">): number {
  const ratio = part.attributes["pixelAspectRatio"];
  return typeof ratio === "number" && ratio > 0 && Number.isFinite(ratio) ? ratio : 1;
}

/** The frame of a part: its data window and display window together (what Fit shows). */
export function frameRect(part: Pick<ExrPart, "dataWindow" | "displayWindow">): PixelRect {
  const d = part.dataWindow;
  const w = part.displayWindow;
  const x = Math.min(d.xMin, w.xMin);
  const y = Math.min(d.yMin, w.yMin);
  return { x, y, width: Math.max(d.xMax, w.xMax) + 1 - x, height: Math.max(d.yMax, w.yMax) + 1 - y };
}

/** The zoom and pan that fit a part's data window and display window into a canvas. */
export function fitView(part: ExrPart, canvas: { width: number; height: number }): Pick<ViewState, "zoom" | "panX" | "panY"> {
  const frame = frameRect(part);
  // zoom is vertical: a pixel is pixelAspect times as wide on the canvas.
  const fitZoom = Math.min(canvas.width / (frame.width * pixelAspectOf(part)), canvas.height / frame.height);
  // Snap to powers of two when magnifying so pixels stay equal-sized and values land on pixels.
  const zoom = fitZoom >= 1 ? 2 ** Math.floor(Math.log2(fitZoom)) : fitZoom;
  return { zoom, panX: frame.x + frame.width / 2, panY: frame.y + frame.height / 2 };
}
