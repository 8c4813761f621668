// The rules of flattening a deep part that depend on channel names, and the depth order of a
// pixel's samples: each pixel's samples are sorted by depth and composited front to back into one
// value per channel, as OpenEXR's DeepCompositing::composite_pixel does, with the alpha of each
// channel chosen as OpenEXR's "Interpreting Deep Pixels" says (flattenRules, here). The
// compositing itself runs in the wasm heap, where the samples are (exr_deep_flatten.c); the
// readout lists a pixel's samples in the same order (depthOrder). docs/decoder.md ("Deep") states
// the rules and where they go beyond composite_pixel.

import type { ExrChannel, PixelType } from "./types";

/** A deep part's samples as exr_deep.c lays them out (see ExrDeepSamples). */
export interface DeepSampleView {
  width: number;
  height: number;
  counts: Uint32Array;
  offsets: Uint32Array;
  channels: ReadonlyArray<Pick<ExrChannel, "name" | "pixelType" | "data">>;
}

/** How one channel is flattened. */
export interface ChannelRule {
  /** "blend": composited over with `alpha`'s coverage; "nearest": the front sample's value. */
  kind: "blend" | "nearest";
  /** Index of the alpha channel whose coverage this channel takes; -1: every sample is opaque. */
  alpha: number;
}

const ALPHA_NAMES = new Set(["A", "AR", "AG", "AB"]);
/** Alpha channels a colour channel matches, most specific first ("Interpreting Deep Pixels"). */
const MATCHING_ALPHAS: Readonly<Record<string, readonly string[]>> = { R: ["AR", "A"], G: ["AG", "A"], B: ["AB", "A"] };

/**
 * The rule of every channel, by name: alpha channels (base name A, AR, AG, AB) accumulate
 * themselves; colour and auxiliary channels take the alpha their layer, or the nearest enclosing
 * layer, provides (R takes AR if it exists, else A; Z and ZBack take the base layer's A);
 * channels without any alpha count as opaque. uint channels (ids) are not blended.
 */
export function flattenRules(channels: ReadonlyArray<{ name: string; pixelType: PixelType }>): ChannelRule[] {
  const alphaIndex = new Map<string, number>();
  channels.forEach((c, i) => {
    if (c.pixelType !== "uint" && ALPHA_NAMES.has(baseName(c.name))) alphaIndex.set(c.name, i);
  });
  return channels.map((c, i) => {
    if (c.pixelType === "uint") return { kind: "nearest", alpha: -1 };
    if (alphaIndex.get(c.name) === i) return { kind: "blend", alpha: i };
    const depth = c.name === "Z" || c.name === "ZBack";
    const candidates = depth ? ["A"] : (MATCHING_ALPHAS[baseName(c.name)] ?? ["A"]);
    for (const layer of depth ? [""] : enclosingLayers(c.name)) {
      for (const alpha of candidates) {
        const found = alphaIndex.get(layer + alpha);
        if (found !== undefined) return { kind: "blend", alpha: found };
      }
    }
    return { kind: "blend", alpha: -1 };
  });
}

function baseName(name: string): string {
  return name.slice(name.lastIndexOf(".") + 1);
}

/** "L1.L2.R" → ["L1.L2.", "L1.", ""]: the channel's layer and each layer enclosing it. */
function enclosingLayers(name: string): string[] {
  const parts = name.split(".").slice(0, -1);
  return parts.map((_, i) => parts.slice(0, parts.length - i).join(".") + ".").concat([""]);
}

/** Float value of every half bit pattern (exact). */
let halfTable: Float32Array | null = null;
function halfValues(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  const bits = new Uint32Array(halfTable.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) halfTable[h] = (sign ? -1 : 1) * mantissa * 2 ** -24;
    else if (exponent === 31) bits[h] = sign | 0x7f800000 | (mantissa << 13);
    else bits[h] = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  return halfTable;
}

/** A channel's samples as float (a view for float, converted for half and uint). */
export function sampleValues(channel: Pick<ExrChannel, "pixelType" | "data">): Float32Array {
  if (channel.data instanceof Float32Array) return channel.data;
  if (channel.pixelType === "half") {
    const table = halfValues();
    const out = new Float32Array(channel.data.length);
    for (let i = 0; i < out.length; i++) out[i] = table[channel.data[i]!]!;
    return out;
  }
  return Float32Array.from(channel.data);
}

/** Sample order key: Z, then ZBack (Z without one), then the file's order; NaN depths last. */
function before(z: Float32Array, zBack: Float32Array, a: number, b: number): boolean {
  const za = z[a]!;
  const zb = z[b]!;
  if (za < zb || (za === za && zb !== zb)) return true;
  if (za > zb || (za !== za && zb === zb)) return false;
  const ba = zBack[a]!;
  const bb = zBack[b]!;
  if (ba < bb || (ba === ba && bb !== bb)) return true;
  if (ba > bb || (ba !== ba && bb === bb)) return false;
  return a < b;
}

/** Sorts `order[from .. from + count)` (sample indices) front to back. */
function sortSamples(z: Float32Array, zBack: Float32Array, order: Uint32Array | Int32Array, from: number, count: number): void {
  if (count <= 32) {
    for (let k = from + 1; k < from + count; k++) {
      const s = order[k]!;
      let j = k - 1;
      while (j >= from && before(z, zBack, s, order[j]!)) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = s;
    }
    return;
  }
  const sorted = Array.from(order.subarray(from, from + count)).sort((a, b) => (before(z, zBack, a, b) ? -1 : 1));
  order.set(sorted, from);
}

/**
 * The samples of pixel `pixel` front to back (absolute sample indices): the order in which
 * flattenDeep composites them. Without a Z channel the file's order stands. Reads only this
 * pixel's samples (the readout calls it on every hover).
 */
export function depthOrder(samples: DeepSampleView, pixel: number): number[] {
  const first = samples.offsets[pixel]!;
  const count = samples.counts[pixel]!;
  const local = Int32Array.from({ length: count }, (_, k) => k);
  const depthOf = (name: string) => {
    const channel = samples.channels.find((c) => c.name === name && c.pixelType !== "uint");
    return channel ? sampleValues({ pixelType: channel.pixelType, data: channel.data.subarray(first, first + count) }) : null;
  };
  const z = depthOf("Z");
  if (z) sortSamples(z, depthOf("ZBack") ?? z, local, 0, count);
  return Array.from(local, (k) => first + k);
}
