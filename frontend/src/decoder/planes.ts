// Decoded planes in transferable buffers: their layout (one plane per channel, 16-byte aligned,
// as exr_shim.c lays them out), copying a band of rows into whole-part planes, typed views.

import type { ExrChannel, ExrPartInfo, PixelType } from "./types";

/** Rows [rowBegin, rowEnd) of one part, relative to its data window; planes share `buffer`. */
export interface DecodedBand {
  part: number;
  rowBegin: number;
  rowEnd: number;
  buffer: ArrayBuffer;
  /** Byte offset of each channel's plane in `buffer` (16-byte aligned). */
  offsets: number[];
  /**
   * The planes in `buffer` span the whole part (every row), of which [rowBegin, rowEnd) are
   * filled: the workers of the other bands copy theirs in (BandFiller); assembleImage copies any
   * band that was not.
   */
  wholePart?: boolean;
  /**
   * Not decoded but computed (derived_colour.ts): R, G, B of the luminance/chroma group with this
   * channel prefix, from these stored channels.
   */
  derived?: { prefix: string; sources: string[] };
  /** A deep part (decoded whole by one worker, see deep_decode.ts): where its samples lie. */
  deep?: DeepBandLayout;
}

/** Where a deep part's arrays lie in its band's buffer, besides the planes at `offsets`. */
export interface DeepBandLayout {
  sampleCount: number;
  /** Byte offset of the Uint32Array of sample offsets (width * height + 1 entries). */
  offsetsAt: number;
  /** Byte offset of each file channel's samples. */
  samplesAt: number[];
}

/** Gives the buffer a decoded band is copied into; it must be exactly `size` bytes long. */
export type BufferAllocator = (size: number) => ArrayBuffer;

export const newBuffer: BufferAllocator = (size) => new ArrayBuffer(size);

/** Mirrors EXRW_PLANE_ALIGN in exr_shim.c. */
const PLANE_ALIGN = 16;

export function bytesPerSample(type: PixelType): number {
  return type === "half" ? 2 : 4;
}

/** Offsets of full-height planes of a part in one buffer, and the buffer's size. */
export function wholePartLayout(part: ExrPartInfo): { offsets: number[]; size: number } {
  let size = 0;
  const offsets = part.channels.map((c) => {
    size = Math.ceil(size / PLANE_ALIGN) * PLANE_ALIGN;
    const offset = size;
    size += part.width * part.height * bytesPerSample(c.pixelType);
    return offset;
  });
  return { offsets, size };
}

/** Whole-part planes of which no row is filled yet. */
export function emptyWholePart(info: ExrPartInfo, part: number, allocate: BufferAllocator): DecodedBand {
  const layout = wholePartLayout(info);
  return { part, rowBegin: 0, rowEnd: 0, buffer: allocate(layout.size), offsets: layout.offsets, wholePart: true };
}

/**
 * Copies the rows of a band (planes at `base + offsets[i]` in `source`) into whole-part planes
 * and widens the rows the target says it holds. Bands are filled in row order, so the filled
 * rows stay one contiguous range.
 */
export function copyRows(
  info: ExrPartInfo,
  source: Uint8Array,
  base: number,
  offsets: readonly number[],
  band: { rowBegin: number; rowEnd: number },
  target: DecodedBand,
): void {
  const rows = band.rowEnd - band.rowBegin;
  if (rows <= 0) return;
  const view = new Uint8Array(target.buffer);
  info.channels.forEach((c, i) => {
    const rowBytes = info.width * bytesPerSample(c.pixelType);
    const from = base + offsets[i];
    view.set(source.subarray(from, from + rows * rowBytes), target.offsets[i] + band.rowBegin * rowBytes);
  });
  if (target.rowEnd <= target.rowBegin) {
    target.rowBegin = band.rowBegin;
    target.rowEnd = band.rowEnd;
  } else {
    target.rowBegin = Math.min(target.rowBegin, band.rowBegin);
    target.rowEnd = Math.max(target.rowEnd, band.rowEnd);
  }
}

/** A typed view of a plane in a band's buffer. */
export function planeView(type: PixelType, buffer: ArrayBuffer, offset: number, length: number): ExrChannel["data"] {
  switch (type) {
    case "half":
      return new Uint16Array(buffer, offset, length);
    case "float":
      return new Float32Array(buffer, offset, length);
    default:
      return new Uint32Array(buffer, offset, length);
  }
}

/** A new, zeroed plane. */
export function allocatePlane(type: PixelType, length: number): ExrChannel["data"] {
  switch (type) {
    case "half":
      return new Uint16Array(length);
    case "float":
      return new Float32Array(length);
    default:
      return new Uint32Array(length);
  }
}
