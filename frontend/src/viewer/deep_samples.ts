// The samples of one pixel of a deep part, for the readout: front to back, as they were
// composited into the flattened picture (deep_flatten.ts), each with its depth and the values of
// the channels the layer shows, exactly as stored.

import { depthOrder } from "../decoder/deep_flatten.js";
import type { ExrChannel, ExrPart } from "../decoder/types.js";
import type { Point } from "../render/view_transform.js";
import { type ImageSlot, layerPixelAt } from "./draw_plan.js";
import { formatValue, halfToFloat, type Layer, layerChannels } from "./layers.js";

/** The readout lists this many samples; the count says how many there are. */
export const LISTED_SAMPLES = 4;

export interface DeepSampleReading {
  /** The sample's index within its pixel, in the file's order. */
  index: number;
  /** The sample's channels: Z (and ZBack), then the layer's colour and alpha channels. */
  values: { channel: string; value: number; text: string }[];
}

export interface DeepPixelReading {
  /** Samples in the pixel. */
  count: number;
  /** The first LISTED_SAMPLES samples, front to back. */
  samples: DeepSampleReading[];
}

/**
 * The samples at data-window texel (tx, ty) of a deep part; null for flat parts. `layer` picks the
 * channels listed with the depth (R, G, B, A when it shows none of the samples' channels, e.g.
 * the count channel).
 */
export function deepSamplesAt(part: ExrPart, layer: Layer, tx: number, ty: number): DeepPixelReading | null {
  const deep = part.deep;
  if (!deep) return null;
  const pixel = ty * part.width + tx;
  const byName = new Map(deep.channels.map((c) => [c.name, c]));
  const shown = layerChannels(layer).flatMap((c) => byName.get(c.name) ?? []);
  const colour = shown.length > 0 ? shown : ["R", "G", "B", "A"].flatMap((n) => byName.get(n) ?? []);
  const depth = ["Z", "ZBack"].flatMap((n) => byName.get(n) ?? []);
  const listed = [...depth, ...colour.filter((c) => !depth.includes(c))];
  const first = deep.offsets[pixel]!;
  const view = { width: part.width, height: part.height, counts: deep.counts, offsets: deep.offsets, channels: deep.channels };
  const samples = depthOrder(view, pixel)
    .slice(0, LISTED_SAMPLES)
    .map((sample) => ({
      index: sample - first,
      values: listed.map((c) => {
        const value = sampleValue(c, sample);
        return { channel: c.name, value, text: formatValue(value, c.pixelType) };
      }),
    }));
  return { count: deep.counts[pixel]!, samples };
}

/** The samples under image pixel `point` of the slot's layer `layerName`; null if not deep. */
export function deepReadingAt(slot: ImageSlot | null, layerName: string, point: Point): DeepPixelReading | null {
  const at = layerPixelAt(slot, layerName, point);
  return at && deepSamplesAt(at.part, at.layer, at.tx, at.ty);
}

function sampleValue(channel: ExrChannel, sample: number): number {
  const raw = channel.data[sample]!;
  return channel.pixelType === "half" ? halfToFloat(raw) : raw;
}
