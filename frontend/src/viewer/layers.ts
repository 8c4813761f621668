// Groups an image's channels into the layers the viewer offers, the way tev does: per part and
// per layer prefix ("albedo.R" -> layer "albedo"), RGB(A), XYZ and UV sets become one layer each and
// every other channel is its own single-channel layer. In multi-view files the default view's
// layers come first, then each other view's (multi_view.ts).

import type { DerivedColour, ExrChannel, ExrImage, ExrPart } from "../decoder/types.js";
import { viewOfChannel, viewRanks } from "./multi_view.js";

export interface Layer {
  /** Unique, human-readable id: "RGBA", "albedo.RGB", "depth.Z", "part1:normal.XYZ". */
  name: string;
  partIndex: number;
  /** 1–3 colour channels in display order. */
  colour: ExrChannel[];
  alpha: ExrChannel | null;
  /** The view ("left", "right", ...) of a multi-view file the layer belongs to; absent otherwise. */
  view?: string;
  /** The colour channels are R, G, B in the part's primaries (converted for display: colour_space.ts). */
  primaries?: boolean;
  /** Colour the decoder reconstructed (ExrPart.derived): the stored channels it came from. */
  sources?: ExrChannel[];
}

const SETS: ReadonlyArray<{ members: readonly string[]; label: string }> = [
  { members: ["R", "G", "B"], label: "RGB" },
  { members: ["X", "Y", "Z"], label: "XYZ" },
  { members: ["U", "V"], label: "UV" },
];

function splitName(name: string): { prefix: string; suffix: string } {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? { prefix: "", suffix: name } : { prefix: name.slice(0, dot + 1), suffix: name.slice(dot + 1) };
}

function partLayers(part: ExrPart, partIndex: number, partLabel: string): Layer[] {
  const byPrefix = new Map<string, Map<string, ExrChannel>>();
  for (const channel of part.channels) {
    const { prefix, suffix } = splitName(channel.name);
    let group = byPrefix.get(prefix);
    if (!group) byPrefix.set(prefix, (group = new Map()));
    group.set(suffix.toUpperCase(), channel);
  }
  const layers: Layer[] = [];
  for (const [prefix, group] of byPrefix) {
    const used = new Set<ExrChannel>();
    const derived = part.derived?.find((d) => d.prefix === prefix);
    if (derived) layers.push(...luminanceChromaLayers(derived, group, partIndex, partLabel, used).map((l) => withView(part, l)));
    for (const set of SETS) {
      if (!set.members.every((m) => group.has(m))) continue;
      const colour = set.members.map((m) => group.get(m)!);
      colour.forEach((c) => used.add(c));
      const rgb = set.label === "RGB";
      const alpha = rgb ? (group.get("A") ?? null) : null;
      if (alpha) used.add(alpha);
      layers.push(withView(part, { name: `${partLabel}${prefix}${set.label}${alpha ? "A" : ""}`, partIndex, colour, alpha, primaries: rgb }));
    }
    // Channels in file order, so single channels appear as the writer listed them.
    for (const channel of part.channels) {
      if (used.has(channel) || splitName(channel.name).prefix !== prefix) continue;
      layers.push(withView(part, { name: `${partLabel}${channel.name}`, partIndex, colour: [channel], alpha: null }));
    }
  }
  // Layers without a prefix first (the "beauty" image), then the rest by name.
  return layers.sort((x, y) => {
    const px = x.name.includes(".") ? 1 : 0;
    const py = y.name.includes(".") ? 1 : 0;
    return px - py || 0;
  });
}

/**
 * A luminance/chroma group's layers: the RGB(A) the decoder reconstructed (first: the picture) and
 * the stored Y, RY, BY as one layer "YC", as they are in the file.
 */
function luminanceChromaLayers(
  derived: DerivedColour,
  group: Map<string, ExrChannel>,
  partIndex: number,
  partLabel: string,
  used: Set<ExrChannel>,
): Layer[] {
  const stored = ["Y", "RY", "BY"].flatMap((c) => group.get(c) ?? []);
  const alpha = group.get("A") ?? null;
  [...stored, ...(alpha ? [alpha] : [])].forEach((c) => used.add(c));
  const label = `${partLabel}${derived.prefix}`;
  return [
    { name: `${label}RGB${alpha ? "A" : ""}`, partIndex, colour: derived.colour, alpha, primaries: true, sources: stored },
    { name: `${label}YC`, partIndex, colour: stored, alpha: null },
  ];
}

export function groupLayers(image: ExrImage): Layer[] {
  const multi = image.parts.length > 1;
  const layers = image.parts.flatMap((part, i) => partLayers(part, i, multi ? `${part.name ?? `part${i}`}:` : ""));
  // A stable sort: the default view first (what the file opens on), each view's layers in place.
  const rank = viewRanks(image.parts);
  return layers.sort((x, y) => rank(x.view ?? null) - rank(y.view ?? null));
}

/** The layer with its view, the view of its first channel (a layer never mixes prefixes). */
function withView(part: ExrPart, layer: Layer): Layer {
  const view = viewOfChannel(part, layer.colour[0]!.name);
  return view === null ? layer : { ...layer, view };
}

/** Every channel of a layer, alpha included, in display order. */
export function layerChannels(layer: Layer): ExrChannel[] {
  return layer.alpha ? [...layer.colour, layer.alpha] : [...layer.colour];
}

/** Exact value of an IEEE half given as its 16 bits. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Decoded value of a channel at a data-window texel. */
export function channelValue(channel: ExrChannel, index: number): number {
  const raw = channel.data[index]!;
  return channel.pixelType === "half" ? halfToFloat(raw) : raw;
}

/**
 * Shortest decimal text that reads back as the same value of the channel's type, so the readout
 * is exact without printing 17 digits for a half.
 */
export function formatValue(value: number, pixelType: ExrChannel["pixelType"]): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (pixelType === "uint") return String(value);
  const round = pixelType === "half" ? roundToHalf : Math.fround;
  for (let digits = 1; digits <= 9; digits++) {
    const text = value.toPrecision(digits);
    if (round(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}

/** Nearest half value (round-to-nearest-even), as a JS number. */
export function roundToHalf(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const abs = Math.abs(value);
  if (abs >= 65520) return Math.sign(value) * Infinity;
  // Quantum of the half grid at this magnitude (subnormals share the smallest one).
  const exponent = Math.max(Math.floor(Math.log2(abs)), -14);
  let quantum = 2 ** (exponent - 10);
  if (abs / quantum >= 2048) quantum *= 2; // log2 rounding at exact powers of two
  const scaled = abs / quantum;
  let n = Math.round(scaled);
  if (Math.abs(scaled - Math.trunc(scaled) - 0.5) < 1e-12 && n % 2 === 1) n -= 1; // ties to even
  return Math.sign(value) * n * quantum;
}
