// What a decoder worker does with a request, independent of the worker API that delivers it
// (a browser module Worker in worker.ts, node worker_threads in tools/). It owns one wasm
// instance and recreates it after a trap or after decoding something unusually large, because
// wasm memory never shrinks.

import {
  type DecodedBand,
  type ExrCoreModule,
  ExrCoreFile,
  decodeBands,
  resolveParts,
} from "./exr_core";
import type { ExrHeader } from "./types";

export interface DecodeRequest {
  kind: "decode";
  id: number;
  bytes: ArrayBuffer;
  /** Parts to decode; null: all. */
  parts: number[] | null;
  /** This worker decodes band `bandIndex` of `bandCount` of every part. */
  bandIndex: number;
  bandCount: number;
  maxDecodedBytes: number;
}

export interface HeaderRequest {
  kind: "header";
  id: number;
  bytes: ArrayBuffer;
}

export type WorkerRequest = DecodeRequest | HeaderRequest;

export type WorkerResponse =
  | { id: number; ok: true; header: ExrHeader; parts: number[]; bands: DecodedBand[]; decodeMs: number }
  | { id: number; ok: false; error: string };

/** Heap size above which the instance is dropped after a request (memory never shrinks). */
const RECYCLE_HEAP_BYTES = 768 * 1024 * 1024;

export class DecoderService {
  private core: Promise<ExrCoreModule> | null = null;

  constructor(private readonly loadCore: () => Promise<ExrCoreModule>) {}

  async handle(request: WorkerRequest): Promise<{ response: WorkerResponse; transfer: ArrayBuffer[] }> {
    let core: ExrCoreModule;
    try {
      core = await (this.core ??= this.loadCore());
    } catch (e) {
      this.core = null;
      return failure(request.id, `the OpenEXR WebAssembly decoder failed to load: ${messageOf(e)}`);
    }
    let file: ExrCoreFile | null = null;
    try {
      const start = now();
      file = new ExrCoreFile(core, new Uint8Array(request.bytes));
      if (request.kind === "header") {
        return { response: { id: request.id, ok: true, header: file.header, parts: [], bands: [], decodeMs: 0 }, transfer: [] };
      }
      const parts = resolveParts(file.header, request.parts);
      const bands = decodeBands(file, parts, request.bandIndex, request.bandCount, request.maxDecodedBytes);
      const decodeMs = now() - start;
      return {
        response: { id: request.id, ok: true, header: file.header, parts, bands, decodeMs },
        transfer: bands.map((b) => b.buffer),
      };
    } catch (e) {
      // A trap (RuntimeError) may leave the instance inconsistent: start a fresh one next time.
      if (!(e instanceof Error) || e.constructor !== Error) this.core = null;
      return failure(request.id, messageOf(e));
    } finally {
      try {
        file?.close();
      } catch {
        this.core = null;
      }
      if (this.core && core.HEAPU8.byteLength > RECYCLE_HEAP_BYTES) this.core = null;
    }
  }
}

function failure(id: number, error: string): { response: WorkerResponse; transfer: ArrayBuffer[] } {
  return { response: { id, ok: false, error }, transfer: [] };
}

function messageOf(e: unknown): string {
  if (e instanceof Error) {
    // Traps read like "RuntimeError: memory access out of bounds": say which layer failed.
    return e.constructor === Error ? e.message : `decoder crashed (${e.name}: ${e.message})`;
  }
  return String(e);
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
