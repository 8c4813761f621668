// The work of one worker for one file: its band of rows of every requested part, checked against
// the size cap first; whole-file decoding in one thread; and BandFiller, which copies a band into
// planes another worker made.

import { assembleImage } from "./assemble_image";
import { deriveColourBands, ycGroups } from "./derived_colour";
import { ExrCoreFile, type ExrCoreModule, type HeldBand, formatBytes } from "./core_binding";
import { decodeDeepPart, deepFixedBytes, isDeep } from "./deep_decode";
import { type BufferAllocator, type DecodedBand, bytesPerSample, copyRows, emptyWholePart, newBuffer } from "./planes";
import type { ExrHeader, ExrImage, ExrPartInfo } from "./types";

/** Default cap on decoded bytes per file (see docs/decoder.md). */
export const DEFAULT_MAX_DECODED_BYTES = 1024 * 1024 * 1024;
/** Largest cap one 32-bit WebAssembly instance can honour with the file in the same memory. */
export const HARD_MAX_DECODED_BYTES = 2047 * 1024 * 1024;

/**
 * Bytes that decoding these parts produces (full-resolution planes); for deep parts, what the
 * header tells (flat planes, counts, offsets), their samples come on top.
 */
export function decodedByteLength(header: ExrHeader, parts: readonly number[]): number {
  let total = 0;
  for (const p of parts) {
    const part = header.parts[p];
    if (!part) continue;
    if (isDeep(part)) {
      total += deepFixedBytes(part);
      continue;
    }
    for (const c of part.channels) total += part.width * part.height * bytesPerSample(c.pixelType);
    // The R, G, B half planes reconstructed from each luminance/chroma group (derived_colour.ts).
    total += ycGroups(part).length * 3 * part.width * part.height * 2;
  }
  return total;
}

/**
 * Share of the rows band 0 takes, relative to each other band. Its worker also copies its rows
 * into whole-part planes and hands them on, and the next band's worker needs them as soon as it
 * has decoded its own rows (see ExrDecoderPool): with equal bands it mostly waited for them (4K
 * ZIP, two workers, timestamps across the threads); with 0.9 it mostly did not.
 */
const FIRST_BAND_WEIGHT = 0.9;

/**
 * Rows of band `index` out of `count` for a part. Bands are whole multiples of the chunk height
 * times the largest y sampling, so that chunks and subsampled rows never straddle two bands.
 */
export function bandRows(
  part: Pick<ExrPartInfo, "height" | "linesPerChunk"> & { channels: readonly { ySampling: number }[] },
  index: number,
  count: number,
): [number, number] {
  const ySampling = Math.max(1, ...part.channels.map((c) => c.ySampling));
  const unit = Math.max(1, part.linesPerChunk) * ySampling;
  const units = Math.ceil(part.height / unit);
  const total = FIRST_BAND_WEIGHT + (count - 1);
  const edge = (i: number) => (i === 0 ? 0 : Math.floor(((FIRST_BAND_WEIGHT + (i - 1)) / total) * units) * unit);
  return [Math.min(edge(index), part.height), Math.min(edge(index + 1), part.height)];
}

/** Which parts a request decodes, validated against the header. */
export function resolveParts(header: ExrHeader, requested: readonly number[] | null | undefined): number[] {
  if (!requested) return header.parts.map((_, i) => i);
  for (const p of requested) {
    if (!Number.isInteger(p) || p < 0 || p >= header.parts.length) {
      throw new Error(`part ${p} does not exist (the file has ${header.parts.length})`);
    }
  }
  return [...requested];
}

/**
 * Decodes band `index` of `count` of every requested part: the work one worker does for one
 * file. Checks the whole-file size cap first so that every worker rejects a bomb the same way.
 * With `wholePart`, each band's buffer holds full-height planes (see DecodedBand.wholePart).
 */
export function decodeBands(
  file: ExrCoreFile,
  parts: readonly number[],
  index: number,
  count: number,
  maxDecodedBytes: number,
  allocate: BufferAllocator = newBuffer,
  wholePart = false,
): DecodedBand[] {
  const cap = checkDecodable(file.header, parts, maxDecodedBytes);
  // Deep parts are decoded whole by band 0; their samples share what the planes leave of the cap.
  let spare = cap - decodedByteLength(file.header, parts);
  const bands: DecodedBand[] = [];
  for (const p of parts) {
    const info = file.header.parts[p];
    if (isDeep(info)) {
      if (index !== 0) continue;
      const fixed = deepFixedBytes(info);
      const band = decodeDeepPart(file, p, { budget: fixed + spare, cap }, allocate);
      spare -= band.buffer.byteLength - fixed;
      bands.push(band);
      continue;
    }
    const [begin, end] = bandRows(info, index, count);
    // Whole-part planes exist for every part, also one this band has no rows of.
    if (end <= begin) {
      if (wholePart) bands.push(emptyWholePart(info, p, allocate));
      continue;
    }
    bands.push(file.decodeBand(p, begin, end, cap, allocate, wholePart));
  }
  return bands;
}

/** Refuses files over the size cap (deep samples are checked once counted); returns the cap. */
function checkDecodable(header: ExrHeader, parts: readonly number[], maxDecodedBytes: number): number {
  const cap = Math.min(maxDecodedBytes, HARD_MAX_DECODED_BYTES);
  const total = decodedByteLength(header, parts);
  if (total > cap) {
    throw new Error(
      `image too large: decoding needs ${formatBytes(total)}, more than the ${formatBytes(cap)} limit`,
    );
  }
  return cap;
}

/**
 * The work of a worker whose band goes into whole-part planes another worker returns (see
 * ExrDecoderPool): it decodes its band as soon as it has the file, and copies it into the planes
 * once they arrive, so the page's thread never copies pixels. The last part's band waits in the
 * wasm heap (one copy, straight into the planes); earlier parts, if several are decoded, wait in
 * buffers from `allocate`, handed back by spentBuffers() for reuse.
 */
export class BandFiller {
  private readonly waiting: DecodedBand[] = [];
  private held: HeldBand | null = null;

  constructor(
    private readonly file: ExrCoreFile,
    parts: readonly number[],
    index: number,
    count: number,
    maxDecodedBytes: number,
    allocate: BufferAllocator = newBuffer,
  ) {
    const cap = checkDecodable(file.header, parts, maxDecodedBytes);
    // Deep parts are band 0's (decodeBands).
    const mine = parts
      .filter((p) => !isDeep(file.header.parts[p]))
      .map((p) => [p, ...bandRows(file.header.parts[p], index, count)])
      .filter(([, begin, end]) => end > begin);
    mine.forEach(([p, begin, end], i) => {
      if (i === mine.length - 1) this.held = file.decodeToHeap(p, begin, end, cap);
      else this.waiting.push(file.decodeBand(p, begin, end, cap, allocate));
    });
  }

  /** Copies this band into `targets` (whole-part planes, one per decoded part) and returns them. */
  fill(targets: DecodedBand[]): DecodedBand[] {
    const targetOf = (part: number) => {
      const target = targets.find((t) => t.part === part && t.wholePart);
      if (!target) throw new Error(`internal error: no planes to fill for part ${part}`);
      return target;
    };
    for (const band of this.waiting) {
      const info = this.file.header.parts[band.part];
      copyRows(info, new Uint8Array(band.buffer), 0, band.offsets, band, targetOf(band.part));
    }
    if (this.held) this.file.copyHeldInto(this.held, targetOf(this.held.part));
    this.release();
    return targets;
  }

  /** Frees the band held in the wasm heap (also when the planes never come). */
  release(): void {
    if (this.held) this.file.releaseHeld();
    this.held = null;
  }

  /** The buffers earlier parts waited in, free once fill() has copied them. */
  spentBuffers(): ArrayBuffer[] {
    return this.waiting.map((b) => b.buffer);
  }
}

/** Decodes a whole file in this thread (node tools, tests, and the one-worker path). */
export function decodeInProcess(
  core: ExrCoreModule,
  bytes: Uint8Array,
  options: { parts?: readonly number[]; maxDecodedBytes?: number } = {},
): ExrImage {
  const file = new ExrCoreFile(core, bytes);
  try {
    const parts = resolveParts(file.header, options.parts);
    const bands = decodeBands(file, parts, 0, 1, options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES);
    return assembleImage(file.header, parts, [...bands, ...deriveColourBands(core, file.header, parts, bands)]);
  } finally {
    file.close();
  }
}

/** Reads only the header (cheap: no pixel is decoded). */
export function readHeaderInProcess(core: ExrCoreModule, bytes: Uint8Array): ExrHeader {
  const file = new ExrCoreFile(core, bytes);
  file.close();
  return file.header;
}
