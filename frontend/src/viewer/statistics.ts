// Statistics and a log-spaced histogram of what the viewer shows (an image's colour channels or
// an error map), over the whole data window or a rectangle. The values come from the GPU pipeline
// itself (read back as float32 before exposure), so an error map's statistics are those of the
// values drawn, whatever the metric (SSIM, FLIP included).

/** A rectangle in EXR pixel coordinates (display-window space), inclusive of x, y. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChannelStatistics {
  channel: string;
  /** Finite values only. */
  min: number;
  max: number;
  mean: number;
  /** Standard deviation of the finite values (population: over n, as numpy's std). */
  std: number;
  /** Number of finite values. */
  count: number;
  nan: number;
  posInf: number;
  negInf: number;
  /** Finite values below zero (the histogram bins magnitudes). */
  negative: number;
  /** Counts of |value| per bin of `ImageStatistics.edges`; bin 0 also holds |value| below edges[0]. */
  histogram: number[];
}

export interface ImageStatistics {
  /** The pixels measured (clipped to the data window). */
  region: PixelRect;
  /** "image", or the metric id of the error map. */
  source: string;
  channels: ChannelStatistics[];
  /** HISTOGRAM_BINS + 1 log-spaced edges over the finite magnitudes of all channels. */
  edges: number[];
}

export const HISTOGRAM_BINS = 64;
/** The histogram spans at most this many decades below the largest magnitude. */
export const HISTOGRAM_DECADES = 6;

/**
 * Statistics of interleaved RGBA float values (`stride` 4), of which the first `names.length`
 * components are measured.
 */
export function computeStatistics(
  values: Float32Array,
  names: string[],
  region: PixelRect,
  source: string,
): ImageStatistics {
  const n = values.length / 4;
  let largest = 0;
  let smallest = Infinity;
  const channels = names.map((channel, c) => {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let count = 0;
    let nan = 0;
    let posInf = 0;
    let negInf = 0;
    let negative = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i * 4 + c]!;
      if (Number.isNaN(v)) nan++;
      else if (v === Infinity) posInf++;
      else if (v === -Infinity) negInf++;
      else {
        if (v < min) min = v;
        if (v > max) max = v;
        if (v < 0) negative++;
        const m = Math.abs(v);
        if (m > largest) largest = m;
        if (m > 0 && m < smallest) smallest = m;
        sum += v;
        count++;
      }
    }
    const mean = count ? sum / count : NaN;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i * 4 + c]!;
      if (Number.isFinite(v)) squares += (v - mean) * (v - mean);
    }
    const std = count ? Math.sqrt(squares / count) : NaN;
    return { channel, min, max, mean, std, count, nan, posInf, negInf, negative, histogram: [] as number[] };
  });
  const hi = largest > 0 ? largest : 1;
  const lo = Math.max(Number.isFinite(smallest) ? smallest : hi, hi / 10 ** HISTOGRAM_DECADES);
  const logLo = Math.log10(lo);
  const span = Math.max(Math.log10(hi) - logLo, 1e-6);
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => 10 ** (logLo + (span * i) / HISTOGRAM_BINS));
  channels.forEach((stats, c) => {
    const bins = new Array<number>(HISTOGRAM_BINS).fill(0);
    for (let i = 0; i < n; i++) {
      const v = values[i * 4 + c]!;
      if (!Number.isFinite(v)) continue;
      const m = Math.abs(v);
      const bin = m <= lo ? 0 : Math.floor(((Math.log10(m) - logLo) / span) * HISTOGRAM_BINS);
      bins[Math.min(HISTOGRAM_BINS - 1, Math.max(0, bin))]! += 1;
    }
    stats.histogram = bins;
  });
  return { region, source, channels, edges };
}
