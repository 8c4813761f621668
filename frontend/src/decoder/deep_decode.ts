// A deep part, decoded whole by one worker: exr_deep.c reads every pixel's sample count, the
// total is weighed against the size limit before any sample memory exists (a few kilobytes can
// declare billions of samples), exr_deep.c reads the samples and flattens them (with the alpha of
// each channel from deep_flatten.ts), and samples and flat planes are copied out of the wasm heap
// into one transferable buffer.

import { type ExrCoreFile, describePart, formatBytes } from "./core_binding";
import { flattenRules } from "./deep_flatten";
import { type BufferAllocator, type DecodedBand, type DeepBandLayout, bytesPerSample, planeView } from "./planes";
import type { ExrChannel, ExrPart, ExrPartInfo } from "./types";

/** Name of the channel showing samples per pixel; another name if the file already has one. */
const COUNT_CHANNEL = "deep.count";
/** Mirrors EXRW_PLANE_ALIGN in exr_shim.c. */
const ALIGN = 16;

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/**
 * The buffer of a decoded deep part: a flat plane per channel (float32; uint32 for uint
 * channels), the count plane, the sample offsets, then every channel's samples as stored.
 */
function deepLayout(info: ExrPartInfo, sampleCount: number): { planes: number[]; layout: DeepBandLayout; size: number } {
  const pixels = info.width * info.height;
  let size = 0;
  const take = (bytes: number) => {
    const at = size;
    size = align(size + bytes);
    return at;
  };
  const planes = [...info.channels, null].map(() => take(pixels * 4));
  const offsetsAt = take((pixels + 1) * 4);
  const samplesAt = info.channels.map((c) => take(sampleCount * bytesPerSample(c.pixelType)));
  return { planes, layout: { sampleCount, offsetsAt, samplesAt }, size };
}

/** Bytes a deep part's buffer takes besides its samples (known from the header). */
export function deepFixedBytes(info: ExrPartInfo): number {
  return deepLayout(info, 0).size;
}

export function isDeep(info: ExrPartInfo): boolean {
  return info.storage === "deep_scanline" || info.storage === "deep_tiled";
}

/**
 * Decodes deep part `part` of an open file into one band spanning the whole part. `budget` is
 * what this part may take of the `cap` on decoded bytes (the rest went to other parts).
 */
export function decodeDeepPart(
  file: ExrCoreFile,
  part: number,
  limits: { budget: number; cap: number },
  allocate: BufferAllocator,
): DecodedBand {
  const info = file.header.parts[part];
  if (!info) throw new Error(`part ${part} does not exist (the file has ${file.header.parts.length})`);
  const { core, handle, lastError } = file.native;
  const where = describePart(info, part);
  const deep = core._exrw_deep_open(handle, part);
  if (!deep) throw new Error(`cannot decode ${where}: ${lastError() || "out of memory"}`);
  let band: DecodedBand;
  try {
    const sampleCount = core._exrw_deep_sample_count(deep);
    const { planes, layout, size } = deepLayout(info, sampleCount);
    if (size > limits.budget) {
      const needs = limits.cap - limits.budget + size;
      throw new Error(
        `image too large: ${where} holds ${sampleCount} deep samples; decoding needs ${formatBytes(needs)}, ` +
          `more than the ${formatBytes(limits.cap)} limit`,
      );
    }
    if (core._exrw_deep_read(deep, size) !== 0) throw new Error(`cannot decode ${where}: ${lastError() || "decoding failed"}`);
    flattenInHeap(core, deep, info.channels);
    if (info.channels.some((_, i) => !core._exrw_deep_flat(deep, i))) {
      throw new Error(`cannot decode ${where}: ${lastError() || "out of memory"}`);
    }
    const buffer = allocate(size);
    const bytes = new Uint8Array(buffer);
    const heap = core.HEAPU8; // after every allocation: growing the memory replaces it
    const pixels = info.width * info.height;
    const copy = (from: number, at: number, length: number) => bytes.set(heap.subarray(from, from + length), at);
    copy(core._exrw_deep_counts(deep) >>> 0, planes[info.channels.length]!, pixels * 4);
    copy(core._exrw_deep_offsets(deep) >>> 0, layout.offsetsAt, (pixels + 1) * 4);
    info.channels.forEach((c, i) => {
      copy(core._exrw_deep_channel(deep, i) >>> 0, layout.samplesAt[i]!, sampleCount * bytesPerSample(c.pixelType));
      copy(core._exrw_deep_flat(deep, i) >>> 0, planes[i]!, pixels * 4);
    });
    band = { part, rowBegin: 0, rowEnd: info.height, buffer, offsets: planes, wholePart: true, deep: layout };
  } finally {
    core._exrw_deep_close(deep);
  }
  return band;
}

/** Has exr_deep_flatten.c composite the samples read, each channel with the alpha its name gives. */
function flattenInHeap(core: ExrCoreFile["native"]["core"], deep: number, channels: ExrPartInfo["channels"]): void {
  const rules = flattenRules(channels);
  const alphaOf = Int32Array.from(rules, (r) => (r.kind === "nearest" ? -2 : r.alpha));
  const depth = (name: string) => channels.findIndex((c) => c.name === name && c.pixelType !== "uint");
  const at = core._malloc(alphaOf.byteLength);
  if (!at) throw new Error("out of memory");
  try {
    new Int32Array(core.HEAPU8.buffer, at, alphaOf.length).set(alphaOf);
    core._exrw_deep_flatten(deep, at, depth("Z"), depth("ZBack"));
  } finally {
    core._free(at);
  }
}

function flatPlanes(info: ExrPartInfo, band: DecodedBand): ExrChannel[] {
  const pixels = info.width * info.height;
  const taken = new Set(info.channels.map((c) => c.name));
  let countName = COUNT_CHANNEL;
  for (let n = 2; taken.has(countName); n++) countName = `${COUNT_CHANNEL}${n}`;
  const flat: ExrChannel[] = info.channels.map((c, i) => {
    const pixelType = c.pixelType === "uint" ? "uint" : "float";
    return { name: c.name, pixelType, xSampling: 1, ySampling: 1, data: planeView(pixelType, band.buffer, band.offsets[i]!, pixels) };
  });
  const counts = planeView("uint", band.buffer, band.offsets[info.channels.length]!, pixels);
  flat.push({ name: countName, pixelType: "uint", xSampling: 1, ySampling: 1, data: counts });
  return flat;
}

function deepSamplesOf(info: ExrPartInfo, band: DecodedBand, layout: DeepBandLayout) {
  const pixels = info.width * info.height;
  return {
    width: info.width,
    height: info.height,
    counts: planeView("uint", band.buffer, band.offsets[info.channels.length]!, pixels) as Uint32Array,
    offsets: planeView("uint", band.buffer, layout.offsetsAt, pixels + 1) as Uint32Array,
    channels: info.channels.map((c, i) => ({
      ...c,
      data: planeView(c.pixelType, band.buffer, layout.samplesAt[i]!, layout.sampleCount),
    })),
  };
}

/** The planes of a decoded deep part: flat channels (the count channel last) and the samples. */
export function deepPartPlanes(
  info: ExrPartInfo,
  band: DecodedBand,
  layout: DeepBandLayout,
): Pick<ExrPart, "channels" | "deep"> {
  const channels = flatPlanes(info, band);
  const samples = deepSamplesOf(info, band, layout);
  return {
    channels,
    deep: {
      counts: samples.counts,
      offsets: samples.offsets,
      sampleCount: layout.sampleCount,
      channels: samples.channels,
      countChannel: channels[channels.length - 1]!.name,
    },
  };
}
