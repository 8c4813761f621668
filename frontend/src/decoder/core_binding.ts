// The typed binding over the WebAssembly build of OpenEXRCore (exr_shim.c, built by
// build_wasm.sh): one file opened in a module instance, decoded a band of rows at a time. It runs
// wherever the module is instantiated: in the decoder worker, in node tools and tests. Nothing
// here touches the DOM or node APIs.

import { restoreAttributeNumbers } from "./attributes";
import { checkChannelCounts } from "./header_bytes";
import { type BufferAllocator, type DecodedBand, copyRows, emptyWholePart, newBuffer } from "./planes";
import type { ExrHeader, ExrPartInfo } from "./types";

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
  /** rgba_yca.c: RGB of luminance/chroma planes (pointers into the heap), 0 or -1 (out of memory). */
  _exrw_yca_to_rgb(
    luminance: number, ry: number, by: number, width: number, height: number,
    ywx: number, ywy: number, ywz: number, r: number, g: number, b: number,
  ): number;
  // exr_deep.c (deep_decode.ts)
  _exrw_deep_open(file: number, part: number): number;
  _exrw_deep_sample_count(deep: number): number;
  _exrw_deep_read(deep: number, maxBytes: number): number;
  _exrw_deep_counts(deep: number): number;
  _exrw_deep_offsets(deep: number): number;
  _exrw_deep_channel(deep: number, channel: number): number;
  _exrw_deep_flatten(deep: number, alphaOf: number, zChannel: number, zBackChannel: number): number;
  _exrw_deep_flat(deep: number, channel: number): number;
  _exrw_deep_close(deep: number): void;
  UTF8ToString(ptr: number): string;
}

export interface ExrCoreFactoryOptions {
  /** The .wasm bytes; required under node, whose fetch() cannot read file paths. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where the glue finds exr_core.wasm (default: next to exr_core.js). */
  locateFile?: (path: string, prefix: string) => string;
  /**
   * Instantiates the module instead of the glue fetching and compiling it: call `receive` with
   * the instance (here: of a module the page compiled, see wasm_module.ts); return `{}`.
   */
  instantiateWasm?: (
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module?: WebAssembly.Module) => void,
  ) => object;
}

/** The default export of exr_core.js. */
export type ExrCoreFactory = (options?: ExrCoreFactoryOptions) => Promise<ExrCoreModule>;

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

type HeaderJson = { parts: ExrPartInfo[] };

/** One EXR file opened in a module instance. Call close() when done (frees the wasm memory). */
export class ExrCoreFile {
  private handle: number;
  readonly header: ExrHeader;

  /**
   * `pieces`: `bytes` holds only these ranges of a file `byteLength` long (band_bytes.ts), the
   * header first; they are put at their offsets and the rest of the file is never read.
   */
  constructor(
    private readonly core: ExrCoreModule,
    bytes: Uint8Array,
    pieces?: { byteLength: number; ranges: readonly { at: number; length: number; from: number }[] },
  ) {
    checkChannelCounts(bytes);
    const size = pieces ? pieces.byteLength : bytes.byteLength;
    const ptr = core._malloc(Math.max(1, size));
    if (!ptr) throw new Error(`out of memory: cannot hold a ${formatBytes(size)} file`);
    if (!pieces) core.HEAPU8.set(bytes, ptr);
    for (const r of pieces?.ranges ?? []) core.HEAPU8.set(bytes.subarray(r.from, r.from + r.length), ptr + r.at);
    // exrw_open owns ptr from here on, also when it fails.
    this.handle = core._exrw_open(ptr, size);
    if (!this.handle) throw new Error("out of memory while opening the file");
    const json = core._exrw_header_json(this.handle);
    if (!json) {
      const message = this.lastError() || "unreadable header";
      this.close();
      throw new Error(`invalid OpenEXR file: ${message}`);
    }
    const parsed = JSON.parse(core.UTF8ToString(json)) as HeaderJson;
    this.header = { parts: parsed.parts.map(restoreAttributeNumbers), byteLength: size };
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
      throw new Error(`internal error: ${describePart(info, part)} stores deep data (decode it with decodeDeep)`);
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

  /** The instance and shim handle of this file, for the shim's other exports (deep_decode.ts). */
  get native(): { core: ExrCoreModule; handle: number; lastError: () => string } {
    return { core: this.core, handle: this.handle, lastError: () => this.lastError() };
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
