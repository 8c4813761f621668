// What a decoder worker does with a request, independent of the worker API that delivers it
// (a browser module Worker in worker.ts, node worker_threads in tools/). It owns one wasm
// instance and recreates it after a trap or after decoding something unusually large, because
// wasm memory never shrinks.

import { type FilePieces, checkPieces } from "./band_bytes";
import { BandFiller, decodeBands, resolveParts } from "./bands";
import { ExrCoreFile, type ExrCoreModule } from "./core_binding";
import { deriveColourBands } from "./derived_colour";
import type { DecodedBand } from "./planes";
import { SpareBuffers } from "./spare_buffers";
import { warmUpImage } from "./warm_up_image";
import { epochNow, type WorkerEvent } from "./timing";
import type { ExrHeader } from "./types";

export interface DecodeRequest {
  kind: "decode";
  id: number;
  /** The file is the first `byteLength` bytes (a reused buffer may be longer). */
  bytes: ArrayBuffer;
  byteLength: number;
  /** Only these ranges of the file are needed (band_bytes.ts); `bytes` holds them. null: all. */
  pieces: FilePieces | null;
  /** Parts to decode; null: all. */
  parts: number[] | null;
  /** This worker decodes band `bandIndex` of `bandCount` of every part. */
  bandIndex: number;
  bandCount: number;
  /** Return full-height planes with this band filled in (the others are copied into them). */
  wholePart: boolean;
  /**
   * Decode, then wait for a FillMessage with another band's whole-part planes, copy this band
   * into them and return them.
   */
  fill: boolean;
  /**
   * Where the next band runs: the planes go straight to that worker (its peer port) with a
   * FillMessage for request `id`, and the answer to the pool carries no planes. null: answer with
   * the planes (the pool passes them on, or they are the image).
   */
  passTo: { slot: number; id: number } | null;
  maxDecodedBytes: number;
}

/** A port to the worker in pool slot `slot`, for passing planes without the page's thread. */
export interface PeerMessage {
  kind: "peer";
  slot: number;
  port: MessagePort;
}

/**
 * Load the wasm now, before the first file arrives (nothing is answered). With `awaitModule` the
 * pool will send the module its page compiled (a ModuleMessage): wait for it instead of loading.
 */
export interface WarmUpMessage {
  kind: "warm-up";
  awaitModule?: boolean;
  /**
   * Then decode a small made-up file (warm_up_image.ts) unless a request came first, so that the
   * first real decode runs optimised code. One worker of a pool does it for all.
   */
  exercise?: boolean;
}

/** The compiled wasm to instantiate (wasm_module.ts); null: load it yourself. */
export interface ModuleMessage {
  kind: "module";
  module: WebAssembly.Module | null;
}

/** The whole-part planes a `fill` request waits for; null: give up (the file failed elsewhere). */
export interface FillMessage {
  kind: "fill";
  /** The id of the decode request that waits. */
  id: number;
  targets: DecodedBand[] | null;
}

export interface HeaderRequest {
  kind: "header";
  id: number;
  bytes: ArrayBuffer;
}

export type WorkerRequest = DecodeRequest | HeaderRequest | FillMessage | PeerMessage | WarmUpMessage | ModuleMessage;

/** What the worker posts back for a request, and the buffers that go with it. */
export type Answer = { response: WorkerResponse; transfer: ArrayBuffer[] };

export type WorkerResponse =
  | {
      id: number;
      ok: true;
      header: ExrHeader;
      parts: number[];
      bands: DecodedBand[];
      decodeMs: number;
      /** When the worker began decoding (its wasm instance ready) and answered, epoch ms. */
      startedAt?: number;
      endedAt?: number;
      /** The planes went to the next band's worker (DecodeRequest.passTo); `bands` is empty. */
      passed?: boolean;
      /** The request's file buffer, handed back for reuse once its bytes are in the wasm heap. */
      input?: ArrayBuffer;
    }
  | { id: number; ok: false; error: string };

/** Heap size above which the instance is dropped after a request (memory never shrinks). */
const RECYCLE_HEAP_BYTES = 768 * 1024 * 1024;

export class DecoderService {
  private core: Promise<ExrCoreModule> | null = null;
  private readonly spares = new SpareBuffers();
  private lastSizes: number[] = [];
  /** Ports to the other workers of the pool, by slot. */
  private readonly peers = new Map<number, MessagePort>();
  /**
   * The request being handled, and the planes that arrived for it or who waits for them. Planes
   * come from the pool or from a peer, so they may overtake their request (`early`); planes for
   * a request already answered (id ≤ finishedId) are dropped.
   */
  private activeId = 0;
  private finishedId = 0;
  private arrived: DecodedBand[] | null | undefined = undefined;
  private early: FillMessage | null = null;
  private waiter: ((targets: DecodedBand[] | null) => void) | null = null;
  /** When the current request's decoding began (epoch ms). */
  private startedAt = 0;
  /** The compiled module the pool sends (null: none, load the wasm); unset: none announced. */
  private module: Promise<WebAssembly.Module | null> | null = null;
  private receiveModule: ((module: WebAssembly.Module | null) => void) | null = null;
  /** A decode or header request has been received (a warm-up exercise is then pointless). */
  private requested = false;

  /** `notify` hears when the wasm instance is ready (the worker tells the pool: timing.ts). */
  constructor(
    private readonly loadCore: (module?: WebAssembly.Module) => Promise<ExrCoreModule>,
    private readonly notify: (event: WorkerEvent) => void = () => {},
  ) {}

  /** The wasm instance, loading it the first time (or again after a failure or recycling). */
  private coreLoading(): Promise<ExrCoreModule> {
    this.core ??= (async () => {
      const module = (await this.module) ?? undefined;
      const core = await this.loadCore(module);
      this.notify({ kind: "core-ready", at: epochNow() });
      return core;
    })();
    return this.core;
  }

  /** Call once the response is posted: the worker prepares output buffers while idle. */
  idle(): void {
    this.spares.prepare(this.lastSizes);
  }

  /** Handles a message; null: there is nothing to answer (a FillMessage feeds a waiting request). */
  async handle(request: WorkerRequest): Promise<Answer | null> {
    if (request.kind === "fill") {
      this.receivePlanes(request);
      return null;
    }
    if (request.kind === "module") {
      if (this.receiveModule) this.receiveModule(request.module);
      else this.module = Promise.resolve(request.module);
      this.receiveModule = null;
      return null;
    }
    if (request.kind === "warm-up") {
      if (request.awaitModule && !this.module) {
        this.module = new Promise((resolve) => (this.receiveModule = resolve));
      }
      // A failure is reported by the first request, which loads again.
      const loading = this.coreLoading();
      loading.catch(() => {
        this.core = null;
      });
      if (request.exercise) void loading.then((core) => this.exercise(core)).catch(() => {});
      return null;
    }
    if (request.kind === "peer") {
      this.peers.get(request.slot)?.close();
      this.peers.set(request.slot, request.port);
      request.port.onmessage = (event: MessageEvent<FillMessage>) => this.receivePlanes(event.data);
      return null;
    }
    this.activeId = request.id;
    this.requested = true;
    this.arrived = this.early?.id === request.id ? this.early.targets : undefined;
    this.early = null;
    try {
      return await this.answer(request);
    } finally {
      this.finishedId = Math.max(this.finishedId, request.id);
      this.activeId = 0;
      this.waiter = null;
      // Planes left over (the band failed, or they came for an answered request) are a whole frame.
      this.arrived = undefined;
      const early = this.early as FillMessage | null; // set by receivePlanes meanwhile
      if (early && early.id <= this.finishedId) this.early = null;
    }
  }

  /** Decodes the warm-up file once, if no request came meanwhile (its result is dropped). */
  private async exercise(core: ExrCoreModule): Promise<void> {
    const bytes = this.requested ? null : await warmUpImage();
    if (!bytes || this.requested || this.core === null) return;
    this.notify({ kind: "exercise", at: epochNow() });
    let file: ExrCoreFile | null = null;
    try {
      file = new ExrCoreFile(core, bytes);
      decodeBands(file, resolveParts(file.header, null), 0, 1, 16 * 1024 * 1024);
    } finally {
      file?.close();
    }
    this.notify({ kind: "exercised", at: epochNow() });
  }

  private async answer(request: DecodeRequest | HeaderRequest): Promise<Answer> {
    this.spares.pause();
    let core: ExrCoreModule;
    try {
      core = await this.coreLoading();
    } catch (e) {
      this.core = null;
      return failure(request.id, `the OpenEXR WebAssembly decoder failed to load: ${messageOf(e)}`);
    }
    let file: ExrCoreFile | null = null;
    try {
      const start = now();
      this.startedAt = epochNow();
      const pieces = request.kind === "decode" ? request.pieces : null;
      const length = request.kind === "decode" ? request.byteLength : request.bytes.byteLength;
      file = pieces
        ? new ExrCoreFile(core, new Uint8Array(request.bytes), pieces)
        : new ExrCoreFile(core, new Uint8Array(request.bytes, 0, length));
      if (pieces) checkPieces(file.header, pieces);
      if (request.kind === "header") {
        const response: WorkerResponse = { id: request.id, ok: true, header: file.header, parts: [], bands: [], decodeMs: 0 };
        return { response, transfer: [] };
      }
      const parts = resolveParts(file.header, request.parts);
      if (request.fill) return await this.decodeAndFill(core, request, file, parts, start);
      const bands = decodeBands(
        file,
        parts,
        request.bandIndex,
        request.bandCount,
        request.maxDecodedBytes,
        (size) => this.spares.take(size),
        request.wholePart,
      );
      this.lastSizes = bands.map((b) => b.buffer.byteLength);
      return this.deliver(core, request, file, parts, bands, now() - start);
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

  private async decodeAndFill(
    core: ExrCoreModule,
    request: DecodeRequest,
    file: ExrCoreFile,
    parts: number[],
    start: number,
  ): Promise<Answer> {
    // Cancelled before it started (the file failed in another band): no decoding for nothing.
    if (this.arrived === null) return failure(request.id, "decoding was cancelled");
    const filler = new BandFiller(file, parts, request.bandIndex, request.bandCount, request.maxDecodedBytes, (size) =>
      this.spares.take(size),
    );
    try {
      const decodeMs = now() - start;
      const targets = await this.planes();
      if (!targets) return failure(request.id, "decoding was cancelled");
      const bands = filler.fill(targets);
      this.lastSizes = filler.spentBuffers().map((b) => b.byteLength);
      return this.deliver(core, request, file, parts, bands, decodeMs);
    } finally {
      filler.release();
      for (const buffer of filler.spentBuffers()) this.spares.reuse(buffer);
    }
  }

  /** Passes the planes to the next band's worker if there is one to pass to, else answers with them. */
  private deliver(
    core: ExrCoreModule,
    request: DecodeRequest,
    file: ExrCoreFile,
    parts: number[],
    bands: DecodedBand[],
    decodeMs: number,
  ): Answer {
    const input = request.bytes;
    const header = file.header;
    // The last band holds every part's whole planes: colour derived from several rows is computed here.
    if (request.bandIndex === request.bandCount - 1) {
      const derived = deriveColourBands(core, header, parts, bands, (size) => this.spares.take(size));
      this.lastSizes.push(...derived.map((b) => b.buffer.byteLength));
      bands = [...bands, ...derived];
    }
    const port = request.passTo ? this.peers.get(request.passTo.slot) : undefined;
    if (request.passTo && port) {
      const message: FillMessage = { kind: "fill", id: request.passTo.id, targets: bands };
      try {
        port.postMessage(message, bands.map((b) => b.buffer));
        const response: WorkerResponse = {
          id: request.id,
          ok: true,
          header,
          parts,
          bands: [],
          decodeMs,
          passed: true,
          input,
          startedAt: this.startedAt,
          endedAt: epochNow(),
        };
        return { response, transfer: [input] };
      } catch {
        // Not sent (nothing was transferred): the pool passes them on.
      }
    }
    const response: WorkerResponse = {
      id: request.id,
      ok: true,
      header,
      parts,
      bands,
      decodeMs,
      input,
      startedAt: this.startedAt,
      endedAt: epochNow(),
    };
    return { response, transfer: [...bands.map((b) => b.buffer), input] };
  }

  /** The planes a fill request waits for (they may have arrived while the core was loading). */
  private planes(): Promise<DecodedBand[] | null> {
    if (this.arrived !== undefined) return Promise.resolve(this.arrived);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private receivePlanes(message: FillMessage): void {
    if (message.id !== this.activeId) {
      if (message.id > this.finishedId) this.early = message;
      return;
    }
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) waiter(message.targets);
    else if (this.arrived === undefined) this.arrived = message.targets;
  }
}

function failure(id: number, error: string): Answer {
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
