// Luminance/chroma (Y, RY, BY with RY/BY sampled 2x2) to RGB, exactly as OpenEXR's RgbaInputFile
// reads such a file (ImfRgbaFile.cpp's FromYca with ImfRgbaYca.cpp): chroma reconstructed by a
// 27-tap filter horizontally on the chroma rows, then vertically on the rows between; YCA -> RGB
// with the luminance weights of the file's chromaticities; fixSaturation, which pulls pixels much
// more saturated than their neighbours towards them. Every step rounds where the C++ library
// stores a half, and every float operation is a float32 one (Math.fround) in the library's order,
// so the result is the library's bit for bit (decoder_yc.test.mjs compares with OpenEXR's own
// RgbaInputFile). tensorboard_exr/luminance_chroma.py is the numpy twin.
//
// Rows and columns beyond the data window are read as OpenEXR reads them: rows above are the
// first row, rows below the second-to-last (FromYca::readYCAScanLine clamps to yMax - 1, which
// keeps a chroma row where the window ends on a row without chroma), columns beyond either side
// repeat the first or the second-to-last column's chroma (padTmpBuf).

import { floatToHalfBits, halfToFloatTable } from "./half_bits";

/** The luminance/chroma planes of one image (its data window's size, both dimensions even). */
export interface YcaPlanes {
  width: number;
  height: number;
  /** Y as half bits, width x height. */
  luminance: Uint16Array;
  /** RY and BY samples as half bits, (width / 2) x (height / 2): one per 2x2 block. */
  ry: Uint16Array;
  by: Uint16Array;
  /** RgbaYca::computeYw of the file's chromaticities (chromaticities.ts luminanceWeights). */
  weights: readonly [number, number, number];
}

/** R, G, B as half bits over the data window. */
export interface RgbPlanes {
  r: Uint16Array;
  g: Uint16Array;
  b: Uint16Array;
}

/** The reconstruction filter's taps (ImfRgbaYca.cpp), for samples at offsets -13, -11, ..., +13. */
const TAPS = [0.002128, -0.00754, 0.019597, -0.043159, 0.087929, -0.186077, 0.627123, 0.627123, -0.186077, 0.087929, -0.043159, 0.019597, -0.00754, 0.002128].map(Math.fround);

const f = Math.fround;

/** RgbaInputFile's RGB of a luminance/chroma image. */
export function reconstructRgb(planes: YcaPlanes): RgbPlanes {
  const { width, height } = planes;
  if (width % 2 || height % 2 || width < 2 || height < 2) {
    throw new Error(`internal error: luminance/chroma planes of ${width}x${height} (both must be even)`);
  }
  const half = halfToFloatTable();
  const chromaR = reconstructRows(planes.ry, width, height, half);
  const chromaB = reconstructRows(planes.by, width, height, half);
  const rows = new RgbRows(planes, chromaR, chromaB, half);
  const out: RgbPlanes = { r: new Uint16Array(width * height), g: new Uint16Array(width * height), b: new Uint16Array(width * height) };
  // Three rows at a time (FromYca's _buf2), the fourth buffer is the next one to fill.
  let above = rows.make(-1);
  let row = rows.make(0);
  let spare = newRow(width);
  for (let y = 0; y < height; y++) {
    const below = rows.make(y + 1, spare);
    fixSaturation(above, row, below, planes.weights, out, y * width);
    [spare, above, row] = [above, row, below];
  }
  return out;
}

/**
 * Chroma of every even row (those that hold samples) at every column, rounded to half: the samples
 * at even columns, the horizontal filter at odd ones (reconstructChromaHoriz).
 */
function reconstructRows(samples: Uint16Array, width: number, height: number, half: Float32Array): Float32Array {
  const w2 = width / 2;
  const out = new Float32Array((height / 2) * width);
  for (let k = 0; k < height / 2; k++) {
    const line = k * w2;
    const target = k * width;
    for (let m = 0; m < w2; m++) {
      out[target + 2 * m] = half[samples[line + m]!]!;
      // Column 2m + 1: samples 2m + 1 + (-13, -11, ..., 13), i.e. sample indices m - 6 ... m + 7.
      let s = 0;
      for (let t = 0; t < 14; t++) {
        const q = Math.min(Math.max(m - 6 + t, 0), w2 - 1);
        const p = f(half[samples[line + q]!]! * TAPS[t]!);
        s = t === 0 ? p : f(s + p);
      }
      out[target + 2 * m + 1] = half[floatToHalfBits(s)]!;
    }
  }
  return out;
}

/** One row of RGB before fixSaturation (FromYca's _buf2): half values, their bits and saturations. */
interface RgbRow {
  r: Float32Array;
  g: Float32Array;
  b: Float32Array;
  rBits: Uint16Array;
  gBits: Uint16Array;
  bBits: Uint16Array;
  saturation: Float32Array;
}

class RgbRows {
  private readonly chromaR: Float32Array;
  private readonly chromaB: Float32Array;
  private readonly vertR: Float32Array;
  private readonly vertB: Float32Array;

  constructor(
    private readonly planes: YcaPlanes,
    chromaR: Float32Array,
    chromaB: Float32Array,
    private readonly half: Float32Array,
  ) {
    this.chromaR = chromaR;
    this.chromaB = chromaB;
    this.vertR = new Float32Array(planes.width);
    this.vertB = new Float32Array(planes.width);
  }

  /** The data-window row OpenEXR reads for row `y` (readYCAScanLine's clamp). */
  private clampRow(y: number): number {
    const { height } = this.planes;
    return y < 0 ? 0 : y > height - 1 ? height - 2 : y;
  }

  /** Row `y` (relative to the data window, -1 ... height) converted to RGB, into `reuse` if given. */
  make(y: number, reuse?: RgbRow): RgbRow {
    const { width, luminance, weights } = this.planes;
    const row = reuse ?? newRow(width);
    const lumaAt = this.clampRow(y) * width;
    let cr: Float32Array;
    let cb: Float32Array;
    let at: number;
    if (y & 1) {
      this.filterVertically(y);
      [cr, cb, at] = [this.vertR, this.vertB, 0];
    } else {
      [cr, cb, at] = [this.chromaR, this.chromaB, (this.clampRow(y) / 2) * width];
    }
    const [ywx, ywy, ywz] = weights;
    const half = this.half;
    for (let x = 0; x < width; x++) {
      const yBits = luminance[lumaAt + x]!;
      const ry = cr[at + x]!;
      const by = cb[at + x]!;
      if (ry === 0 && by === 0) {
        // YCAtoRGBA's grey case: R = G = B = Y, bit for bit.
        row.rBits[x] = row.gBits[x] = row.bBits[x] = yBits;
      } else {
        const Y = half[yBits]!;
        const r = f(f(ry + 1) * Y);
        const b = f(f(by + 1) * Y);
        const g = f(f(f(Y - f(r * ywx)) - f(b * ywz)) / ywy);
        row.rBits[x] = floatToHalfBits(r);
        row.gBits[x] = floatToHalfBits(g);
        row.bBits[x] = floatToHalfBits(b);
      }
      const rv = (row.r[x] = half[row.rBits[x]!]!);
      const gv = (row.g[x] = half[row.gBits[x]!]!);
      const bv = (row.b[x] = half[row.bBits[x]!]!);
      row.saturation[x] = saturation(rv, gv, bv);
    }
    return row;
  }

  /** reconstructChromaVert for an odd row: the chroma rows y - 13, y - 11, ..., y + 13. */
  private filterVertically(y: number): void {
    const { width } = this.planes;
    const lines = TAPS.map((_, t) => (this.clampRow(y - 13 + 2 * t) / 2) * width);
    for (const [source, target] of [
      [this.chromaR, this.vertR],
      [this.chromaB, this.vertB],
    ] as const) {
      for (let x = 0; x < width; x++) {
        let s = f(source[lines[0]! + x]! * TAPS[0]!);
        for (let t = 1; t < 14; t++) s = f(s + f(source[lines[t]! + x]! * TAPS[t]!));
        target[x] = this.half[floatToHalfBits(s)]!;
      }
    }
  }
}

function newRow(width: number): RgbRow {
  return {
    r: new Float32Array(width),
    g: new Float32Array(width),
    b: new Float32Array(width),
    rBits: new Uint16Array(width),
    gBits: new Uint16Array(width),
    bBits: new Uint16Array(width),
    saturation: new Float32Array(width),
  };
}

// std::max / std::min as the C++ library calls them (NaN handling included).
const max = (a: number, b: number) => (a < b ? b : a);
const min = (a: number, b: number) => (b < a ? b : a);

function saturation(r: number, g: number, b: number): number {
  const rgbMax = max(r, max(g, b));
  const rgbMin = min(r, min(g, b));
  return rgbMax > 0 ? f(1 - f(rgbMin / rgbMax)) : 0;
}

/** RgbaYca::fixSaturation of row `row` between `above` and `below`, into `out` from `offset`. */
function fixSaturation(
  above: RgbRow,
  row: RgbRow,
  below: RgbRow,
  weights: readonly [number, number, number],
  out: RgbPlanes,
  offset: number,
): void {
  const n = row.r.length;
  const half = halfToFloatTable();
  for (let i = 0; i < n; i++) {
    // The neighbours' saturations, left and right (the row's ends repeat the end pixel).
    const left = i > 0 ? i - 1 : 0;
    const right = i < n - 1 ? i + 1 : n - 1;
    const sum = f(f(f(above.saturation[left]! + above.saturation[right]!) + below.saturation[left]!) + below.saturation[right]!);
    const sMean = min(1, f(0.25 * sum));
    const s = row.saturation[i]!;
    if (s > sMean) {
      const sMax = min(1, f(1 - f(f(1 - sMean) * 0.25)));
      if (s > sMax) {
        desaturate(row.r[i]!, row.g[i]!, row.b[i]!, f(sMax / s), weights, out, offset + i, half);
        continue;
      }
    }
    out.r[offset + i] = row.rBits[i]!;
    out.g[offset + i] = row.gBits[i]!;
    out.b[offset + i] = row.bBits[i]!;
  }
}

/** RgbaYca's desaturate: towards the pixel's maximum by `factor`, keeping its luminance. */
function desaturate(
  r: number,
  g: number,
  b: number,
  factor: number,
  [ywx, ywy, ywz]: readonly [number, number, number],
  out: RgbPlanes,
  at: number,
  half: Float32Array,
): void {
  const rgbMax = max(r, max(g, b));
  const toHalf = (c: number) => half[floatToHalfBits(max(f(rgbMax - f(f(rgbMax - c) * factor)), 0))]!;
  let ro = toHalf(r);
  let go = toHalf(g);
  let bo = toHalf(b);
  const yIn = f(f(f(r * ywx) + f(g * ywy)) + f(b * ywz));
  const yOut = f(f(f(ro * ywx) + f(go * ywy)) + f(bo * ywz));
  if (yOut > 0) {
    const scale = f(yIn / yOut);
    ro = f(ro * scale);
    go = f(go * scale);
    bo = f(bo * scale);
  }
  out.r[at] = floatToHalfBits(ro);
  out.g[at] = floatToHalfBits(go);
  out.b[at] = floatToHalfBits(bo);
}
