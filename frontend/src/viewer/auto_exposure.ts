// Auto exposure (N, as tev's "normalize" but robust): exposure and offset chosen so that the range
// of what is shown, from the 0.5th to the 99.5th percentile of its luminance over finite values,
// fills the display. Percentiles rather than min/max, so one firefly or one dead pixel does not
// decide the picture. Pure functions: the viewer (viewer.ts) and the overview feed them the values
// they read back from the GPU before exposure (an image's or an error map's).

import { falseColourValueAt, type Tonemap } from "../render/pipeline.js";
import { applyMatrix, type Matrix3 } from "./colour_space.js";

/** The robust range: these percentiles of luminance. */
export const AUTO_EXPOSURE_PERCENTILES = { low: 0.5, high: 99.5 } as const;

/** At most about this many pixels are measured: larger images are sampled on an even grid. */
export const AUTO_EXPOSURE_SAMPLES = 1 << 18;

/** Rec. 709 luminance weights (the display's primaries, which RGB is converted to first). */
const LUMINANCE = [0.2126, 0.7152, 0.0722] as const;

/** Values as read back: interleaved RGBA float32, of which the first `channels` are colour. */
export interface ShownValues {
  values: Float32Array;
  channels: number;
  /** Converts RGB to the display's primaries first (null: shown as stored). */
  matrix: Matrix3 | null;
}

export interface RobustRange {
  low: number;
  high: number;
}

/**
 * The luminance of each pixel whose colour is finite: Rec. 709 weights for three channels (after
 * `matrix`), the mean of one or two (what a grey or a two-channel layer shows).
 */
export function luminances({ values, channels, matrix }: ShownValues): Float64Array {
  const n = values.length / 4;
  const out = new Float64Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    let r = values[4 * i]!;
    let g = values[4 * i + 1]!;
    let b = values[4 * i + 2]!;
    let y: number;
    if (channels >= 3) {
      if (matrix) [r, g, b] = applyMatrix(matrix, r, g, b);
      y = LUMINANCE[0] * r + LUMINANCE[1] * g + LUMINANCE[2] * b;
    } else {
      y = channels === 2 ? (r + g) / 2 : r;
    }
    if (Number.isFinite(y)) out[count++] = y;
  }
  return out.subarray(0, count);
}

/** The q-th percentile (0–100) of sorted values, interpolated linearly as numpy's default does. */
export function percentile(sorted: Float64Array, q: number): number {
  const at = (q / 100) * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (at - below);
}

/** The robust range of some luminances (null when none is finite). */
export function robustRange(luminance: Float64Array): RobustRange | null {
  if (luminance.length === 0) return null;
  const sorted = Float64Array.from(luminance).sort();
  return { low: percentile(sorted, AUTO_EXPOSURE_PERCENTILES.low), high: percentile(sorted, AUTO_EXPOSURE_PERCENTILES.high) };
}

/**
 * Exposure and offset (value · 2^exposure + offset) that put `range` onto what the tonemap
 * shows: [0, 1] for sRGB and gamma (low black, high white), [0, the legend's top] for false
 * colour, and for +/− the larger magnitude at full red or green (offset 0: zero stays black).
 * A range of one value puts that value at the top. null when there is nothing to fit.
 */
export function toneForRange(range: RobustRange, tonemap: Tonemap): { exposure: number; offset: number } | null {
  const { low, high } = range;
  if (tonemap === "posneg") {
    const magnitude = Math.max(Math.abs(low), Math.abs(high));
    // The tonemap shows 2 × the mean of the positive (negative) parts: 0.5 reaches full colour.
    return magnitude > 0 ? { exposure: Math.log2(0.5 / magnitude), offset: 0 } : null;
  }
  const top = tonemap === "falsecolour" ? falseColourValueAt(1) : 1;
  const span = high - low;
  if (span > 0) {
    const scale = top / span;
    return { exposure: Math.log2(scale), offset: -low * scale };
  }
  return high > 0 ? { exposure: Math.log2(top / high), offset: 0 } : null;
}

/** The grid step that samples a w × h rectangle with at most about `limit` pixels. */
export function sampleStride(width: number, height: number, limit = AUTO_EXPOSURE_SAMPLES): number {
  return Math.max(1, Math.ceil(Math.sqrt((width * height) / limit)));
}
