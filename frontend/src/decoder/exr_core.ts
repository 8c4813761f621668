// The typed binding over the WebAssembly build of OpenEXRCore (exr_shim.c, built by
// build_wasm.sh). It runs wherever the module is instantiated: in the decoder worker, in node
// tools and tests. Nothing here touches the DOM or node APIs.

import type {
  ExrChannel,
  ExrChannelInfo,
  ExrHeader,
  ExrImage,
  ExrPart,
  ExrPartInfo,
  PixelType,
} from "./types";

/** The emscripten module (exports of exr_shim.c plus the runtime pieces we use). */
export interface ExrCoreModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _exrw_open(data: number, size: number): number;
  _exrw_error(file: number): number;
  _exrw_header_json(file: number): number;
  _exrw_decode(file: number, part: number, rowBegin: number, rowEnd: number, maxBytes: number): number;
  _exrw_output(file: number): number;
  _exrw_output_size(file: number): number;
  _exrw_plane_offset(file: number, channel: number): number;
  _exrw_band_row_begin(file: number): number;
  _exrw_band_row_end(file: number): number;
  _exrw_release_output(file: number): void;
  _exrw_close(file: number): void;
  UTF8ToString(ptr: number): string;
}

export interface ExrCoreFactoryOptions {
  /** The .wasm bytes; required under node, whose fetch() cannot read file paths. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where the glue finds exr_core.wasm (default: next to exr_core.js). */
  locateFile?: (path: string, prefix: string) => string;
}

/** The default export of exr_core.js. */
export type ExrCoreFactory = (options?: ExrCoreFactoryOptions) => Promise<ExrCoreModule>;

/** Default cap on decoded bytes per file (see docs/decoder.md). */
export const DEFAULT_MAX_DECODED_BYTES = 1024 * 1024 * 1024;
/** Largest cap one 32-bit WebAssembly instance can honour with the file in the same memory. */
export const HARD_MAX_DECODED_BYTES = 2047 * 1024 * 1024;

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
}

/** Offsets of full-height planes of a part in one buffer, and the buffer's size. */
function wholePartLayout(part: ExrPartInfo): { offsets: number[]; size: number } {
  let size = 0;
  const offsets = part.channels.map((c) => {
    size = Math.ceil(size / PLANE_ALIGN) * PLANE_ALIGN;
    const offset = size;
    size += part.width * part.height * bytesPerSample(c.pixelType);
    return offset;
  });
  return { offsets, size };
}

/** A band decoded into the wasm heap and not yet copied out (ExrCoreFile.decodeToHeap). */
export interface HeldBand {
  part: number;
  rowBegin: number;
  rowEnd: number;
  /** Heap address and size of the band's planes, and each plane's offset from `out`. */
  out: number;
  size: number;
  offsets: number[];
}

/** Whole-part planes of which no row is filled yet. */
function emptyWholePart(info: ExrPartInfo, part: number, allocate: BufferAllocator): DecodedBand {
  const layout = wholePartLayout(info);
  return { part, rowBegin: 0, rowEnd: 0, buffer: allocate(layout.size), offsets: layout.offsets, wholePart: true };
}

/**
 * Copies the rows of a band (planes at `base + offsets[i]` in `source`) into whole-part planes
 * and widens the rows the target says it holds. Bands are filled in row order, so the filled
 * rows stay one contiguous range.
 */
function copyRows(
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

/** Mirrors EXRW_PLANE_ALIGN in exr_shim.c. */
const PLANE_ALIGN = 16;

export function bytesPerSample(type: PixelType): number {
  return type === "half" ? 2 : 4;
}

/** Bytes that decoding these parts produces (full-resolution planes). */
export function decodedByteLength(header: ExrHeader, parts: readonly number[]): number {
  let total = 0;
  for (const p of parts) {
    const part = header.parts[p];
    if (!part) continue;
    for (const c of part.channels) total += part.width * part.height * bytesPerSample(c.pixelType);
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
export function bandRows(part: ExrPartInfo, index: number, count: number): [number, number] {
  const ySampling = Math.max(1, ...part.channels.map((c) => c.ySampling));
  const unit = Math.max(1, part.linesPerChunk) * ySampling;
  const units = Math.ceil(part.height / unit);
  const total = FIRST_BAND_WEIGHT + (count - 1);
  const edge = (i: number) => (i === 0 ? 0 : Math.floor(((FIRST_BAND_WEIGHT + (i - 1)) / total) * units) * unit);
  return [Math.min(edge(index), part.height), Math.min(edge(index + 1), part.height)];
}

type HeaderJson = { parts: ExrPartInfo[] };

/** Mirrors EXRW_MAX_CHANNELS in exr_shim.c. */
export const MAX_CHANNELS_PER_PART = 1024;

/**
 * Refuses a file whose channel list is longer than `MAX_CHANNELS_PER_PART`, from its bytes.
 * OpenEXRCore inserts channels one by one into a sorted list, so parsing n channels costs n²:
 * 10 000 channels take seconds, 100 000 minutes, before the shim could refuse them. Anything this
 * scan does not understand is left to OpenEXRCore, which reports it.
 */
export function checkChannelCounts(bytes: Uint8Array): void {
  walkHeaders(bytes, (part, type, start, size) => {
    if (type !== "chlist") return;
    let count = 0;
    for (let at = start; at < start + size && bytes[at] !== 0; count++) {
      const end = bytes.indexOf(0, at);
      if (end < 0 || end >= start + size) break;
      at = end + 17; // name, then pixel type, pLinear, 3 reserved bytes, x/y sampling
    }
    if (count > MAX_CHANNELS_PER_PART) {
      throw new Error(
        `invalid OpenEXR file: part ${part} has ${count} channels (at most ${MAX_CHANNELS_PER_PART} are supported)`,
      );
    }
  });
}

/**
 * Whether every part of the file is stored uncompressed (read from its bytes, without the
 * decoder). Decoding those is a copy: splitting it over workers only adds copies (4K half RGBA:
 * 29 ms in one worker, 82 in two).
 */
export function isUncompressed(bytes: Uint8Array): boolean {
  let parts = 0;
  let uncompressed = 0;
  walkHeaders(bytes, (part, type, start, size) => {
    parts = Math.max(parts, part + 1);
    if (type === "compression" && size === 1 && bytes[start] === 0) uncompressed++;
  });
  return parts > 0 && uncompressed === parts;
}

/**
 * Calls `visit` for each attribute of each part's header (part index, type name, value offset and
 * size), as far as the bytes make sense; anything it does not understand ends the walk quietly and
 * is left to OpenEXRCore, which reports it.
 */
function walkHeaders(bytes: Uint8Array, visit: (part: number, type: string, start: number, size: number) => void): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) return;
  const multipart = (view.getUint32(4, true) & 0x1000) !== 0;
  const nameEnd = (at: number): number => {
    const end = bytes.indexOf(0, at);
    return end < 0 || end - at > 255 ? -1 : end;
  };
  let pos = 8;
  for (let part = 0; ; part++) {
    let attributes = 0;
    while (pos < bytes.length && bytes[pos] !== 0) {
      const nameStop = nameEnd(pos);
      const typeStop = nameStop < 0 ? -1 : nameEnd(nameStop + 1);
      if (typeStop < 0 || typeStop + 5 > bytes.length) return;
      const size = view.getInt32(typeStop + 1, true);
      const start = typeStop + 5;
      if (size < 0 || start + size > bytes.length) return;
      visit(part, String.fromCharCode(...bytes.subarray(nameStop + 1, typeStop)), start, size);
      attributes++;
      pos = start + size;
    }
    pos++;
    if (!multipart || attributes === 0 || pos >= bytes.length || bytes[pos] === 0) return;
  }
}

/** Gives the buffer a decoded band is copied into; it must be exactly `size` bytes long. */
export type BufferAllocator = (size: number) => ArrayBuffer;

const newBuffer: BufferAllocator = (size) => new ArrayBuffer(size);

/** One EXR file opened in a module instance. Call close() when done (frees the wasm memory). */
export class ExrCoreFile {
  private handle: number;
  readonly header: ExrHeader;

  constructor(
    private readonly core: ExrCoreModule,
    bytes: Uint8Array,
  ) {
    checkChannelCounts(bytes);
    const ptr = core._malloc(Math.max(1, bytes.byteLength));
    if (!ptr) throw new Error(`out of memory: cannot hold a ${formatBytes(bytes.byteLength)} file`);
    core.HEAPU8.set(bytes, ptr);
    // exrw_open owns ptr from here on, also when it fails.
    this.handle = core._exrw_open(ptr, bytes.byteLength);
    if (!this.handle) throw new Error("out of memory while opening the file");
    const json = core._exrw_header_json(this.handle);
    if (!json) {
      const message = this.lastError() || "unreadable header";
      this.close();
      throw new Error(`invalid OpenEXR file: ${message}`);
    }
    const parsed = JSON.parse(core.UTF8ToString(json)) as HeaderJson;
    this.header = { parts: parsed.parts, byteLength: bytes.byteLength };
  }

  /**
   * Decodes rows [rowBegin, rowEnd) of a part (widened to whole chunks by the core). The planes
   * are copied out of the wasm heap into `allocate(size)` (default: a new buffer).
   */
  decodeBand(
    part: number,
    rowBegin: number,
    rowEnd: number,
    maxBytes: number,
    allocate: BufferAllocator = newBuffer,
    wholePart = false,
  ): DecodedBand {
    const held = this.decodeToHeap(part, rowBegin, rowEnd, maxBytes);
    try {
      const info = this.header.parts[part];
      const rows = held.rowEnd - held.rowBegin;
      const heap = this.core.HEAPU8;
      // One copy out of the wasm heap into a buffer the worker can transfer.
      if (!wholePart || rows === info.height) {
        const buffer = allocate(held.size);
        new Uint8Array(buffer).set(heap.subarray(held.out, held.out + held.size));
        return { part, rowBegin: held.rowBegin, rowEnd: held.rowEnd, buffer, offsets: held.offsets };
      }
      const target = emptyWholePart(info, part, allocate);
      copyRows(info, heap, held.out, held.offsets, held, target);
      return target;
    } finally {
      this.releaseHeld();
    }
  }

  /**
   * Decodes rows into the wasm heap and leaves them there (one band per file at a time): copy
   * them with copyHeldInto, then call releaseHeld.
   */
  decodeToHeap(part: number, rowBegin: number, rowEnd: number, maxBytes: number): HeldBand {
    const core = this.core;
    const info = this.header.parts[part];
    if (!info) throw new Error(`part ${part} does not exist (the file has ${this.header.parts.length})`);
    if (info.storage === "deep_scanline" || info.storage === "deep_tiled") {
      throw new Error(`deep images are not supported (${describePart(info, part)} stores deep data)`);
    }
    const status = core._exrw_decode(this.handle, part, rowBegin, rowEnd, maxBytes);
    if (status !== 0) {
      throw new Error(`cannot decode ${describePart(info, part)}: ${this.lastError() || `error ${status}`}`);
    }
    return {
      part,
      rowBegin: core._exrw_band_row_begin(this.handle),
      rowEnd: core._exrw_band_row_end(this.handle),
      out: core._exrw_output(this.handle) >>> 0,
      size: core._exrw_output_size(this.handle),
      offsets: info.channels.map((_, c) => core._exrw_plane_offset(this.handle, c) >>> 0),
    };
  }

  /** Copies a held band into whole-part planes (see BandFiller). */
  copyHeldInto(held: HeldBand, target: DecodedBand): void {
    copyRows(this.header.parts[held.part], this.core.HEAPU8, held.out, held.offsets, held, target);
  }

  releaseHeld(): void {
    if (this.handle) this.core._exrw_release_output(this.handle);
  }

  close(): void {
    if (this.handle) this.core._exrw_close(this.handle);
    this.handle = 0;
  }

  private lastError(): string {
    return this.handle ? this.core.UTF8ToString(this.core._exrw_error(this.handle)) : "";
  }
}

export function describePart(part: ExrPartInfo, index: number): string {
  return part.name ? `part ${index} "${part.name}"` : `part ${index}`;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(0)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} bytes`;
}

function planeView(type: PixelType, buffer: ArrayBuffer, offset: number, length: number): ExrChannel["data"] {
  switch (type) {
    case "half":
      return new Uint16Array(buffer, offset, length);
    case "float":
      return new Float32Array(buffer, offset, length);
    default:
      return new Uint32Array(buffer, offset, length);
  }
}

function allocatePlane(type: PixelType, length: number): ExrChannel["data"] {
  switch (type) {
    case "half":
      return new Uint16Array(length);
    case "float":
      return new Float32Array(length);
    default:
      return new Uint32Array(length);
  }
}

/**
 * Builds the ExrImage from decoded bands. A part decoded as one band keeps views into the band's
 * buffer (no copy); a part split over several bands is copied into one plane per channel.
 */
export function assembleImage(header: ExrHeader, parts: readonly number[], bands: readonly DecodedBand[]): ExrImage {
  const out: ExrPart[] = [];
  for (const p of parts) {
    const info = header.parts[p];
    if (!info) throw new Error(`part ${p} does not exist (the file has ${header.parts.length})`);
    const mine = bands.filter((b) => b.part === p && b.rowEnd > b.rowBegin);
    const pixels = info.width * info.height;
    let channels: ExrChannel[];
    const whole = mine.find((b) => b.wholePart);
    if (mine.length === 1 && mine[0].rowBegin === 0 && mine[0].rowEnd === info.height) {
      const band = mine[0];
      channels = info.channels.map((c: ExrChannelInfo, i) => ({
        ...c,
        data: planeView(c.pixelType, band.buffer, band.offsets[i], pixels),
      }));
    } else {
      let covered = 0;
      for (const b of mine) covered += b.rowEnd - b.rowBegin;
      if (covered !== info.height) {
        throw new Error(`internal error: ${describePart(info, p)} decoded ${covered} of ${info.height} rows`);
      }
      // The other bands go into the band that already spans the whole part (a buffer the worker
      // prepared while idle), else into new planes.
      channels = info.channels.map((c: ExrChannelInfo, i) => {
        const plane = whole
          ? planeView(c.pixelType, whole.buffer, whole.offsets[i], pixels)
          : allocatePlane(c.pixelType, pixels);
        for (const b of mine) {
          if (b === whole) continue;
          const rows = b.rowEnd - b.rowBegin;
          plane.set(planeView(c.pixelType, b.buffer, b.offsets[i], rows * info.width), b.rowBegin * info.width);
        }
        return { ...c, data: plane };
      });
    }
    out.push({
      name: info.name,
      storage: info.storage === "tiled" ? "tiled" : "scanline",
      compression: info.compression,
      dataWindow: info.dataWindow,
      displayWindow: info.displayWindow,
      width: info.width,
      height: info.height,
      channels,
      attributes: info.attributes,
    });
  }
  return { parts: out, byteLength: header.byteLength };
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
  const bands: DecodedBand[] = [];
  for (const p of parts) {
    const info = file.header.parts[p];
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

/** Refuses deep parts and files over the size cap; returns the cap to decode with. */
function checkDecodable(header: ExrHeader, parts: readonly number[], maxDecodedBytes: number): number {
  for (const p of parts) {
    const info = header.parts[p];
    if (info.storage === "deep_scanline" || info.storage === "deep_tiled") {
      throw new Error(`deep images are not supported (${describePart(info, p)} stores deep data)`);
    }
  }
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
    const mine = parts
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
    return assembleImage(file.header, parts, bands);
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
