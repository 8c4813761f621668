// The view state a Viewer renders, and the steps its keyboard shortcuts take.

import type { Metric, Tonemap } from "../render/pipeline.js";
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
}

export const DEFAULT_VIEW: Readonly<ViewState> = {
  exposure: 0,
  offset: 0,
  gamma: 2.2,
  tonemap: "srgb",
  metric: "none",
  display: "current",
  showNonFinite: true,
  layer: null,
  zoom: 1,
  panX: 0,
  panY: 0,
  grid: true,
  showWindows: false,
  wipe: null,
  region: null,
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
