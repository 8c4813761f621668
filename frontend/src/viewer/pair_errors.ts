// Image-level errors of the current image A against the reference B over a rectangle: MSE,
// relMSE and PSNR, from the decoded values (exact, float64 sums), in the space error maps are
// computed in (both converted to linear Rec.709, as the shader does before a metric).
// tensorboard_exr/metrics.py is the reference: `mean_errors` (MSE, relMSE with its ε) and `psnr`.
//
// PSNR follows the convention of Intel Open Image Denoise's training scripts (compare_image.py:
// PSNR on the sRGB-encoded images after exposure, peak 1), with the viewer's sRGB tonemap as the
// curve: t(v) = sRGB(clamp(v · 2^exposure + offset, 0, 1)), NaN as 0, in float (not 8-bit);
// PSNR = 10 · log10(1 / mean((t(A) − t(B))²)) over every pixel and colour channel. (OIDN applies
// its own filmic curve before the sRGB encoding; we measure what the viewer shows.)

import type { ExrChannel } from "../decoder/types.js";
import { effectiveEpsilon, RELATIVE_MSE_METRIC } from "../render/pipeline.js";
import { applyMatrix, type Matrix3 } from "./colour_space.js";
import { activeLayerOf, colourMatrixOf, type ImageSlot, planesOf, type Scene } from "./draw_plan.js";
import { halfToFloat } from "./layers.js";
import type { ViewState } from "./state.js";
import type { PixelRect } from "./statistics.js";

/** The colour planes of one image's layer, with where they lie and how to convert them. */
export interface ComparedPlanes {
  colour: readonly ExrChannel[];
  window: PixelRect;
  /** To linear Rec.709 (null: as stored). */
  matrix: Matrix3 | null;
}

export interface PairErrors {
  /** The pixels compared: the rectangle within both data windows. */
  region: PixelRect;
  /** Pixel-channel terms in the means; those left out because a term was not finite. */
  count: number;
  nonFinite: number;
  mse: number;
  /** mean((A − B)² / (B² + ε)). */
  relmse: number;
  epsilon: number;
  /** dB; +Infinity for identical views. */
  psnr: number;
  /** PSNR's peak (the sRGB view's white) and the view it was measured on. */
  peak: 1;
  exposure: number;
  offset: number;
}

/** The view PSNR is measured on and relMSE's ε. */
export interface PairErrorView {
  exposure: number;
  offset: number;
  epsilon: number;
}

let halfTable: Float32Array | null = null;

/** A channel's values as float, read through a table for halves (65536 entries, made once). */
function valuesOf(channel: ExrChannel): (index: number) => number {
  if (channel.pixelType !== "half") {
    const data = channel.data;
    return (i) => data[i]!;
  }
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halfTable[bits] = halfToFloat(bits);
  }
  const table = halfTable;
  const data = channel.data;
  return (i) => table[data[i]!]!;
}

/** sRGB encoding of a value clamped to [0, 1], NaN as 0 (metrics.srgb_encode). */
function srgb(v: number): number {
  const c = Number.isNaN(v) ? 0 : Math.min(1, Math.max(0, v));
  return c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
}

/** The part of `rect` inside both windows, or null. */
function overlap(rect: PixelRect, a: PixelRect, b: PixelRect): PixelRect | null {
  const x0 = Math.max(rect.x, a.x, b.x);
  const y0 = Math.max(rect.y, a.y, b.y);
  const x1 = Math.min(rect.x + rect.width, a.x + a.width, b.x + b.width);
  const y1 = Math.min(rect.y + rect.height, a.y + a.height, b.y + b.height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/** The colour of one pixel as compared: converted when all its channels are finite (as the shader does). */
function pixelColour(read: Array<(i: number) => number>, index: number, matrix: Matrix3 | null, out: number[]): void {
  for (let c = 0; c < read.length; c++) out[c] = read[c]!(index);
  if (matrix && read.length === 3 && out.every(Number.isFinite)) {
    const [r, g, b] = applyMatrix(matrix, out[0]!, out[1]!, out[2]!);
    out[0] = r;
    out[1] = g;
    out[2] = b;
  }
}

/** MSE, relMSE and PSNR of A against B over `rect` (null: A's whole data window). */
export function pairErrors(a: ComparedPlanes, b: ComparedPlanes, rect: PixelRect | null, view: PairErrorView): PairErrors | null {
  const channels = Math.min(a.colour.length, b.colour.length);
  const region = overlap(rect ?? a.window, a.window, b.window);
  if (!region || channels === 0) return null;
  const readA = a.colour.slice(0, channels).map(valuesOf);
  const readB = b.colour.slice(0, channels).map(valuesOf);
  const scale = 2 ** view.exposure;
  const va: number[] = [];
  const vb: number[] = [];
  let squared = 0;
  let relative = 0;
  let count = 0;
  let shown = 0;
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++) {
      pixelColour(readA, (y - a.window.y) * a.window.width + (x - a.window.x), a.matrix, va);
      pixelColour(readB, (y - b.window.y) * b.window.width + (x - b.window.x), b.matrix, vb);
      for (let c = 0; c < channels; c++) {
        const d = va[c]! - vb[c]!;
        const term = d * d;
        const rel = term / (vb[c]! * vb[c]! + view.epsilon);
        if (Number.isFinite(term) && Number.isFinite(rel)) {
          squared += term;
          relative += rel;
          count++;
        }
        const t = srgb(va[c]! * scale + view.offset) - srgb(vb[c]! * scale + view.offset);
        shown += t * t;
      }
    }
  }
  const terms = region.width * region.height * channels;
  const shownMse = shown / terms;
  return {
    region,
    count,
    nonFinite: terms - count,
    mse: count ? squared / count : NaN,
    relmse: count ? relative / count : NaN,
    epsilon: view.epsilon,
    psnr: shownMse === 0 ? Infinity : 10 * Math.log10(1 / shownMse),
    peak: 1,
    exposure: view.exposure,
    offset: view.offset,
  };
}

/** The errors over the rectangle (null without one) and over the whole image. */
export interface ComparisonStatistics {
  region: PairErrors | null;
  whole: PairErrors;
}

/**
 * The current image against the reference on the active layer, as `state` shows them (exposure,
 * offset, ε); null without a reference holding the layer.
 */
export function comparisonStatistics(scene: Scene, state: ViewState, region: PixelRect | null): ComparisonStatistics | null {
  const layer = activeLayerOf(scene, state);
  const { current, reference } = scene;
  if (!layer || !current || !reference) return null;
  const compared = (slot: ImageSlot): ComparedPlanes | null => {
    const set = planesOf(slot, layer.name);
    return set && { colour: set.colour, window: set.window, matrix: colourMatrixOf(slot, layer.name) };
  };
  const a = compared(current);
  const b = compared(reference);
  if (!a || !b) return null;
  const view = { exposure: state.exposure, offset: state.offset, epsilon: effectiveEpsilon(RELATIVE_MSE_METRIC, state.epsilon) };
  const whole = pairErrors(a, b, null, view);
  return whole && { whole, region: region ? pairErrors(a, b, region, view) : null };
}
