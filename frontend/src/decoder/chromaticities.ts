// The `chromaticities` header attribute and OpenEXR's RGB -> XYZ matrix (ImfChromaticities.cpp's
// RGBtoXYZ, Roy Hall's derivation), written once for its two users: the luminance weights of
// luminance/chroma files in float32 exactly as the C++ library computes them (derived_colour.ts), and
// the display's colour conversion in float64 (viewer/colour_space.ts). tensorboard_exr/colour.py
// is the Python twin, with the same operations in the same order.

import type { AttributeValue } from "./types";

/** CIE xy of the three primaries and the white point, as the attribute stores them (float32). */
export interface Chromaticities {
  redX: number;
  redY: number;
  greenX: number;
  greenY: number;
  blueX: number;
  blueY: number;
  whiteX: number;
  whiteY: number;
}

const KEYS = ["redX", "redY", "greenX", "greenY", "blueX", "blueY", "whiteX", "whiteY"] as const;

/** OpenEXR's default (a file without the attribute): Rec. ITU-R BT.709 primaries, D65 white. */
export const REC709: Readonly<Chromaticities> = fromNumbers([0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329].map(Math.fround));

export function fromNumbers(v: readonly number[]): Chromaticities {
  return Object.fromEntries(KEYS.map((k, i) => [k, v[i]!])) as unknown as Chromaticities;
}

/** The part's `chromaticities` attribute (the decoder's record of 8 numbers), or null without one. */
export function chromaticitiesOf(attributes: Readonly<Record<string, AttributeValue>>): Chromaticities | null {
  const value = attributes["chromaticities"];
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  const numbers = KEYS.map((k) => (value as Record<string, unknown>)[k]);
  return numbers.every((n): n is number => typeof n === "number") ? fromNumbers(numbers) : null;
}

/** A 3x3 matrix in Imath's row-vector layout: xyz = rgb · M, row i is the XYZ of primary i. */
export type Matrix3 = readonly number[];

const FLT_MAX = 3.4028234663852886e38;

/**
 * OpenEXR's RGBtoXYZ(chroma, Y) with every operation rounded by `round` (Math.fround: the C++
 * library's float32 results bit for bit; the identity: float64). Unlike the textbook inversion of
 * the primaries' matrix it does not divide by a primary's y, so XYZ-primaries files (blue at
 * (0, 0)) work. null where OpenEXR throws (white y of 0, collinear primaries) or on non-finite input.
 */
export function rgbToXyz(c: Chromaticities, Y = 1, round: (x: number) => number = (x) => x): Matrix3 | null {
  const r = round;
  if (Math.abs(c.whiteY) <= 1 && Math.abs(r(c.whiteX * Y)) >= r(Math.abs(c.whiteY) * FLT_MAX)) return null;
  const X = r(r(c.whiteX * Y) / c.whiteY);
  const Z = r(r(r(r(1 - c.whiteX) - c.whiteY) * Y) / c.whiteY);
  const XZ = r(X + Z);
  const d = r(r(r(c.redX * r(c.blueY - c.greenY)) + r(c.blueX * r(c.greenY - c.redY))) + r(c.greenX * r(c.redY - c.blueY)));
  // Y * (p.y - 1) + p.y * (X + Z), for each primary p
  const term = (py: number) => r(r(Y * r(py - 1)) + r(py * XZ));
  const SrN = r(r(r(X * r(c.blueY - c.greenY)) - r(c.greenX * term(c.blueY))) + r(c.blueX * term(c.greenY)));
  const SgN = r(r(r(X * r(c.redY - c.blueY)) + r(c.redX * term(c.blueY))) - r(c.blueX * term(c.redY)));
  const SbN = r(r(r(X * r(c.greenY - c.redY)) - r(c.redX * term(c.greenY))) + r(c.greenX * term(c.redY)));
  const limit = r(Math.abs(d) * FLT_MAX);
  if (Math.abs(d) < 1 && (Math.abs(SrN) >= limit || Math.abs(SgN) >= limit || Math.abs(SbN) >= limit)) return null;
  const Sr = r(SrN / d);
  const Sg = r(SgN / d);
  const Sb = r(SbN / d);
  const m = [
    r(Sr * c.redX), r(Sr * c.redY), r(Sr * r(r(1 - c.redX) - c.redY)),
    r(Sg * c.greenX), r(Sg * c.greenY), r(Sg * r(r(1 - c.greenX) - c.greenY)),
    r(Sb * c.blueX), r(Sb * c.blueY), r(Sb * r(r(1 - c.blueX) - c.blueY)),
  ];
  return m.every(Number.isFinite) ? m : null;
}

/**
 * The luminance weights (Y = R·yw0 + G·yw1 + B·yw2) of RgbaYca::computeYw, in float32 exactly as
 * the C++ library computes them; null when OpenEXR would refuse the chromaticities.
 */
export function luminanceWeights(c: Chromaticities): [number, number, number] | null {
  const m = rgbToXyz(c, 1, Math.fround);
  if (!m) return null;
  const sum = Math.fround(Math.fround(m[1]! + m[4]!) + m[7]!);
  const yw: [number, number, number] = [Math.fround(m[1]! / sum), Math.fround(m[4]! / sum), Math.fround(m[7]! / sum)];
  return yw.every(Number.isFinite) ? yw : null;
}
