// The colour conversion of a part: its RGB (in the primaries of its `chromaticities` attribute) to
// linear Rec.709 / sRGB primaries with D65 white, the display's space and the common space error
// maps are computed in (docs/metrics.md). The matrix is OpenEXR's RGBtoXYZ of the file times the
// inverse of Rec.709's, in float64 (decoder/chromaticities.ts), with no white-point adaptation
// unless the part has an `adoptedNeutral` (then Bradford from that white to D65), as tev does for
// EXR. `whiteLuminance` scales XYZ on both sides of the conversion alike, so it cancels (the view
// is relative: 1.0 is display white). tensorboard_exr/colour.py is the Python twin (same
// operations, same order: the same float64 matrices).

import { type Chromaticities, chromaticitiesOf, type Matrix3, REC709, rgbToXyz } from "../decoder/chromaticities.js";
import type { AttributeValue, ExrPart } from "../decoder/types.js";

export type { Matrix3 } from "../decoder/chromaticities.js";

/** Bradford's cone response matrix (Lam 1985), in the row-vector layout: lms = xyz · M. */
const BRADFORD: Matrix3 = [0.8951, -0.7502, 0.0389, 0.2664, 1.7135, -0.0685, -0.1614, 0.0367, 1.0296];

/** a · b of row-major 3x3 matrices (sums in index order, as colour.py's `multiply`). */
export function multiply(a: Matrix3, b: Matrix3): Matrix3 {
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out.push(a[3 * i]! * b[j]! + a[3 * i + 1]! * b[3 + j]! + a[3 * i + 2]! * b[6 + j]!);
  }
  return out;
}

/** rgb · m (the row-vector layout of the shader's colour matrices). */
export function applyMatrix(m: Matrix3, r: number, g: number, b: number): [number, number, number] {
  return [r * m[0]! + g * m[3]! + b * m[6]!, r * m[1]! + g * m[4]! + b * m[7]!, r * m[2]! + g * m[5]! + b * m[8]!];
}

/** The inverse by cofactors (the same expression as colour.py's `invert`). */
export function invert(m: Matrix3): Matrix3 {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const co = [e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d];
  const det = a * co[0]! + b * co[3]! + c * co[6]!;
  return co.map((v) => v / det);
}

/** tev's test for "the same chromaticities": the points' squared distances sum below 1e-6. */
function same(a: readonly number[], b: readonly number[]): boolean {
  return a.reduce((sum, v, i) => sum + (v - b[i]!) ** 2, 0) < 1e-6;
}

const values = (c: Chromaticities) => [c.redX, c.redY, c.greenX, c.greenY, c.blueX, c.blueY, c.whiteX, c.whiteY];

function bradford(source: readonly number[], target: readonly number[]): Matrix3 {
  const white = ([x, y]: readonly number[]) => [x! / y!, 1, (1 - x! - y!) / y!, 0, 0, 0, 0, 0, 0];
  const ls = multiply(white(source), BRADFORD);
  const lt = multiply(white(target), BRADFORD);
  const scale = [lt[0]! / ls[0]!, 0, 0, 0, lt[1]! / ls[1]!, 0, 0, 0, lt[2]! / ls[2]!];
  return multiply(multiply(BRADFORD, scale), invert(BRADFORD));
}

/**
 * rgb709 = rgb · M for a part with these attributes, or null where the values are Rec.709
 * already (no `chromaticities`, Rec.709's, nothing to adapt) or OpenEXR could not use them.
 */
export function toRec709(attributes: Readonly<Record<string, AttributeValue>>): Matrix3 | null {
  const source = chromaticitiesOf(attributes) ?? REC709;
  const neutral = adoptedNeutralOf(attributes);
  const d65 = [REC709.whiteX, REC709.whiteY];
  const adapt = neutral !== null && !same(neutral, d65);
  if (same(values(source), values(REC709)) && !adapt) return null;
  let toXyz = rgbToXyz(source);
  const fromXyz = rgbToXyz(REC709);
  // OpenEXR refuses chromaticities its float32 arithmetic cannot build a matrix from.
  if (!toXyz || !fromXyz || !rgbToXyz(source, 1, Math.fround)) return null;
  if (adapt) toXyz = multiply(toXyz, bradford(neutral, d65));
  return multiply(toXyz, invert(fromXyz));
}

function adoptedNeutralOf(attributes: Readonly<Record<string, AttributeValue>>): number[] | null {
  const value = attributes["adoptedNeutral"];
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [x, y] = value;
  return typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y) && y !== 0
    ? [x, y]
    : null;
}

const matrices = new WeakMap<ExrPart, Matrix3 | null>();

/** `toRec709` of a part's attributes, computed once per part. */
export function partToRec709(part: ExrPart): Matrix3 | null {
  if (!matrices.has(part)) matrices.set(part, toRec709(part.attributes));
  return matrices.get(part)!;
}

/** Known primaries by name (writer's `chromaticities=` names), for labels: "ACEScg", "XYZ", ... */
const NAMED: ReadonlyArray<[string, readonly number[]]> = [
  ["Rec.709", values(REC709)],
  ["ACEScg", [0.713, 0.293, 0.165, 0.83, 0.128, 0.044, 0.32168, 0.33767]],
  ["ACES AP0", [0.7347, 0.2653, 0, 1, 0.0001, -0.077, 0.32168, 0.33767]],
  ["Rec.2020", [0.708, 0.292, 0.17, 0.797, 0.131, 0.046, 0.3127, 0.329]],
  ["Display P3", [0.68, 0.32, 0.265, 0.69, 0.15, 0.06, 0.3127, 0.329]],
  ["XYZ", [1, 0, 0, 1, 0, 0, 1 / 3, 1 / 3]],
];

/**
 * What a part says about its colour, for the UI: its primaries by name ("Rec.709" without the
 * attribute, "custom" for unknown ones), the adopted neutral and the white luminance if given.
 */
export function describeColour(part: ExrPart): string {
  const c = values(chromaticitiesOf(part.attributes) ?? REC709);
  const parts = [`${NAMED.find(([, v]) => same(c, v))?.[0] ?? "custom"} primaries`];
  const neutral = adoptedNeutralOf(part.attributes);
  if (neutral) parts.push(`adopted neutral (${neutral.map((v) => v.toFixed(4)).join(", ")})`);
  const white = part.attributes["whiteLuminance"];
  if (typeof white === "number") parts.push(`white luminance ${white} cd/m²`);
  return parts.join(", ");
}
