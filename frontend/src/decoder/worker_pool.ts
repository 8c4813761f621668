// The decoding API pages use: a pool of decoder workers, each with its own OpenEXRCore wasm
// instance. Large files are split into row bands decoded in parallel (OpenEXR chunks are
// independent); there is no SharedArrayBuffer (TensorBoard is not cross-origin isolated), so
// every worker gets its own copy of the file. The first band's worker makes whole-part planes
// with its rows filled in and passes them (by transfer, through a MessageChannel between the two
// workers) to the next band's worker, which has decoded its rows meanwhile and copies them in, and
// so on: the page's thread neither copies pixels nor relays them, and the last worker's answer is
// the image.

import { assembleImage } from "./assemble_image";
import { type FilePieces, bandByteRanges } from "./band_bytes";
import { DEFAULT_MAX_DECODED_BYTES } from "./bands";
import { hasDeepParts, isUncompressed } from "./header_bytes";
import type { DecodedBand } from "./planes";
import { FileCopies } from "./spare_buffers";
import { epochNow, isWorkerEvent, recordEvent, type WorkerEvent, type WorkerStartup } from "./timing";
import type { DecodeOptions, ExrHeader, ExrImage } from "./types";
import type {
  DecodeRequest,
  FillMessage,
  HeaderRequest,
  ModuleMessage,
  PeerMessage,
  WarmUpMessage,
  WorkerRequest,
  WorkerResponse,
} from "./worker_service";

/** The part of the Worker API the pool uses; node tools adapt worker_threads to it. */
export interface DecoderWorkerLike {
  postMessage(message: WorkerRequest, transfer: Transferable[]): void;
  onmessage: ((event: { data: WorkerResponse | WorkerEvent }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
  terminate(): void;
}

export interface ExrDecoderPoolOptions {
  /** Number of workers (default: hardware threads, 1..4). */
  workers?: number;
  /** URL of decoder_worker.js (default: next to the module that bundles this file). */
  workerUrl?: string | URL;
  /** Creates a worker; overrides workerUrl (node adapters, tests). */
  createWorker?: () => DecoderWorkerLike;
  /**
   * Files smaller than this, and uncompressed files, are decoded by one worker (splitting costs a
   * copy per worker).
   */
  parallelMinBytes?: number;
  /** A worker busy longer than this is terminated and replaced; its request fails. */
  timeoutMs?: number;
  /**
   * The decoder's wasm, compiled by the page (wasm_module.ts): workers instantiate it instead of
   * fetching and compiling their own (null when that failed: they do).
   */
  wasmModule?: Promise<WebAssembly.Module | null>;
}

/** Timing of the last decode, for benchmarks and the UI's status line. */
export interface DecodeStats {
  totalMs: number;
  workers: number;
  /** Wall time each worker spent inside the wasm decoder. */
  workerDecodeMs: number[];
  /** When decode() was called and resolved, epoch ms (timing.ts). */
  startedAt: number;
  endedAt: number;
  /** When each worker began decoding (its wasm ready) and answered, epoch ms. */
  workerSpans: { startedAt: number; endedAt: number }[];
  /**
   * Times the page's thread relayed planes between two bands' workers: 0 when every band started
   * at once (the planes went worker to worker); more when some band had to wait for a worker.
   */
  relays: number;
}

interface JobResult {
  relays: number;
  header: ExrHeader;
  parts: number[];
  bands: DecodedBand[];
  workerMs: number[];
  workerSpans: { startedAt: number; endedAt: number }[];
}

interface Job {
  /** The last band's planes: the image. */
  result: DecodedBand[];
  /** Whole-part planes the pool relays to the next band's worker (when they did not go direct). */
  planes: DecodedBand[] | null;
  nextFill: number;
  relays: number;
  header: ExrHeader | null;
  parts: number[];
  remaining: number;
  settled: boolean;
  workerMs: number[];
  workerSpans: { startedAt: number; endedAt: number }[];
  resolve: (value: JobResult) => void;
  reject: (error: Error) => void;
}

interface Task {
  job: Job;
  request: DecodeRequest | HeaderRequest;
  transfer: Transferable[];
}

interface Slot {
  worker: DecoderWorkerLike;
  task: Task | null;
  timer: ReturnType<typeof setTimeout> | null;
  startup: WorkerStartup;
}

let nextId = 1;

function abortError(): Error {
  const e = new Error("decoding was cancelled");
  e.name = "AbortError";
  return e;
}

function defaultWorkerCount(): number {
  const n = typeof navigator !== "undefined" ? navigator.hardwareConcurrency : 2;
  return Math.max(1, Math.min(4, n || 2));
}

export class ExrDecoderPool {
  readonly size: number;
  private readonly slots: (Slot | null)[];
  private readonly queue: Task[] = [];
  private readonly createWorker: () => DecoderWorkerLike;
  private readonly parallelMinBytes: number;
  private readonly timeoutMs: number;
  private readonly wasmModule: Promise<WebAssembly.Module | null> | null;
  private disposed = false;
  /** Pairs of slots ("i:j", i < j) whose workers both hold a port to each other. */
  private readonly peerLinks = new Set<string>();
  /** File buffers the workers handed back, reused for the copies a parallel decode sends. */
  private readonly inputs = new FileCopies();
  /** Statistics of the most recent successful decode. */
  lastStats: DecodeStats | null = null;
  /** Every worker started so far, in order (a replaced worker adds one). */
  readonly startups: WorkerStartup[] = [];

  constructor(options: ExrDecoderPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.workers ?? defaultWorkerCount()));
    this.slots = new Array<Slot | null>(this.size).fill(null);
    this.parallelMinBytes = options.parallelMinBytes ?? 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.wasmModule = options.wasmModule?.catch(() => null) ?? null;
    // Resolved only when needed: a module imported from a blob: URL (a notebook's) has no
    // directory to resolve against, and brings its own createWorker.
    const url = () => options.workerUrl ?? new URL("./decoder_worker.js", import.meta.url);
    this.createWorker =
      options.createWorker ?? (() => new Worker(url(), { type: "module" }) as unknown as DecoderWorkerLike);
  }

  /**
   * Starts every worker and has it load the wasm now, so that the first decode does not wait for
   * worker start-up and compilation (in headless Chromium here ~400 ms of a first 1080p decode).
   * Call it when decodes are about to come, e.g. when the page opens.
   */
  warmUp(): void {
    if (this.disposed) return;
    this.slots.forEach((slot, i) => {
      if (slot) return;
      try {
        const worker = this.spawn(i).worker;
        const message: WarmUpMessage = { kind: "warm-up" };
        if (!this.wasmModule) worker.postMessage(message, []); // else spawn() did
      } catch {
        // The first decode reports why the worker cannot start.
      }
    });
  }

  /** Workers running a request now (waiting for another band's planes included). */
  get busyWorkers(): number {
    return this.slots.filter((slot) => slot?.task).length;
  }

  /** Decodes every part (or `options.parts`) of an EXR file into planes. */
  async decode(bytes: ArrayBuffer, options: DecodeOptions = {}): Promise<ExrImage> {
    const started = now();
    const startedAt = epochNow();
    const large = bytes.byteLength >= this.parallelMinBytes;
    // Deep parts are decoded whole by one worker (deep_decode.ts): bands would only copy the file.
    const head = new Uint8Array(bytes);
    const parallel = large && !isUncompressed(head) && !hasDeepParts(head) ? this.size : 1;
    // Each band's worker gets the bytes of its rows only, where the file allows (band_bytes.ts).
    const split = parallel > 1 ? bandByteRanges(head, parallel) : null;
    const result = await this.run(options.signal, (job) =>
      Array.from({ length: parallel }, (_, bandIndex) => {
        // The first band may take the caller's buffer: it is transferred when the tasks are sent,
        // after the copies for the other bands are made here.
        const own = options.transfer === true && bandIndex === 0;
        const ranges = split?.bands[bandIndex];
        let data = bytes;
        let pieces: FilePieces | null = null;
        if (ranges && split) {
          const packed = own ? { buffer: bytes, ranges } : this.inputs.copyRanges(bytes, ranges);
          data = packed.buffer;
          pieces = { byteLength: bytes.byteLength, ranges: packed.ranges, layout: split.layout };
        } else if (!own) {
          data = this.inputs.copy(bytes);
        }
        const request: DecodeRequest = {
          kind: "decode",
          id: nextId++,
          bytes: data,
          byteLength: bytes.byteLength,
          pieces,
          parts: options.parts ? [...options.parts] : null,
          bandIndex,
          bandCount: parallel,
          wholePart: parallel > 1 && bandIndex === 0,
          fill: bandIndex > 0,
          passTo: null,
          maxDecodedBytes: options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES,
        };
        return { job, request, transfer: [data] };
      }),
    );
    const image = assembleImage(result.header, result.parts, result.bands);
    this.lastStats = {
      totalMs: now() - started,
      workers: parallel,
      workerDecodeMs: result.workerMs,
      relays: result.relays,
      startedAt,
      endedAt: epochNow(),
      workerSpans: result.workerSpans,
    };
    return image;
  }

  /** Reads the header only: parts, channels, windows, attributes (no pixel is decoded). */
  async readHeader(bytes: ArrayBuffer, options: { signal?: AbortSignal } = {}): Promise<ExrHeader> {
    const result = await this.run(options.signal, (job) => {
      const data = bytes.slice(0);
      const request: HeaderRequest = { kind: "header", id: nextId++, bytes: data };
      return [{ job, request, transfer: [data] }];
    });
    return result.header;
  }

  /** Terminates every worker; pending and running requests reject. */
  dispose(): void {
    this.disposed = true;
    this.inputs.clear();
    for (const task of this.queue.splice(0)) this.fail(task.job, new Error("the decoder was disposed"));
    this.slots.forEach((slot, i) => {
      if (!slot) return;
      if (slot.timer) clearTimeout(slot.timer);
      if (slot.task) this.fail(slot.task.job, new Error("the decoder was disposed"));
      slot.worker.terminate();
      this.slots[i] = null;
    });
  }

  private run(
    signal: AbortSignal | undefined,
    makeTasks: (job: Job) => Task[],
  ): Promise<JobResult> {
    if (this.disposed) return Promise.reject(new Error("the decoder was disposed"));
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise((resolve, reject) => {
      const job: Job = {
        result: [],
        planes: null,
        nextFill: 1,
        relays: 0,
        header: null,
        parts: [],
        remaining: 0,
        settled: false,
        workerMs: [],
        workerSpans: [],
        resolve,
        reject,
      };
      const tasks = makeTasks(job);
      job.remaining = tasks.length;
      if (signal) {
        // Not started: dropped from the queue. Started: the result is discarded when it arrives.
        const onAbort = () => this.fail(job, abortError());
        signal.addEventListener("abort", onAbort, { once: true });
        const cleanup = () => signal.removeEventListener("abort", onAbort);
        job.resolve = (v) => {
          cleanup();
          resolve(v);
        };
        job.reject = (e) => {
          cleanup();
          reject(e);
        };
      }
      this.queue.push(...tasks);
      this.pump();
    });
  }

  private fail(job: Job, error: Error): void {
    if (job.settled) return;
    job.settled = true;
    job.planes = null;
    // Its bands not started yet never start (one would wait for planes that never come); those
    // running that wait for planes give up and become free.
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].job === job) this.queue.splice(i, 1);
    for (const slot of this.slots) {
      const request = slot?.task?.job === job ? slot.task.request : null;
      if (slot && request?.kind === "decode" && request.fill) this.sendPlanes(slot, request.id, null);
    }
    job.reject(error);
  }

  /** The slot running band `bandIndex` of a job, if that band has started. */
  private slotOfBand(job: Job, bandIndex: number): Slot | null {
    for (const slot of this.slots) {
      const request = slot?.task?.job === job ? slot.task.request : null;
      if (slot && request?.kind === "decode" && request.bandIndex === bandIndex) return slot;
    }
    return null;
  }

  /** Relays planes a worker answered with to the worker of the band whose turn it is, once it runs. */
  private relayPlanes(job: Job): void {
    const slot = job.planes ? this.slotOfBand(job, job.nextFill) : null;
    if (!slot?.task || !job.planes) return; // not started yet: dispatch() calls again
    const planes = job.planes;
    job.planes = null;
    job.relays++;
    this.sendPlanes(slot, slot.task.request.id, planes);
  }

  private sendPlanes(slot: Slot, id: number, targets: DecodedBand[] | null): void {
    const message: FillMessage = { kind: "fill", id, targets };
    try {
      slot.worker.postMessage(message, targets ? targets.map((t) => t.buffer) : []);
    } catch {
      // A worker that cannot take messages fails by its timeout; nothing else waits on it.
    }
  }

  private pump(): void {
    const started: [Slot, Task][] = [];
    for (let i = 0; i < this.slots.length && this.queue.length > 0; i++) {
      let slot = this.slots[i];
      if (slot?.task) continue;
      const task = this.queue.shift();
      if (!task) break;
      if (!slot) {
        try {
          slot = this.spawn(i);
        } catch (e) {
          this.fail(task.job, new Error(`cannot start the decoder worker: ${e instanceof Error ? e.message : e}`));
          continue;
        }
      }
      slot.task = task;
      started.push([slot, task]);
    }
    // Every started band has its worker before any is sent: a band knows where the next one runs.
    for (const [slot, task] of started) this.dispatch(slot, task);
  }

  private spawn(index: number): Slot {
    const slot: Slot = { worker: this.createWorker(), task: null, timer: null, startup: { spawnedAt: epochNow() } };
    this.startups.push(slot.startup);
    this.connectPeers(index, slot);
    slot.worker.onmessage = ({ data }) => {
      if (isWorkerEvent(data)) recordEvent(slot.startup, data);
      else this.onResult(index, slot, data);
    };
    slot.worker.onerror = (event) => {
      // The worker script itself failed (load error, uncaught exception): replace it.
      const task = slot.task;
      this.retire(index, slot);
      if (task) this.fail(task.job, new Error(`the decoder worker failed: ${event.message ?? "unknown error"}`));
      this.pump();
    };
    this.slots[index] = slot;
    // The first worker started also exercises the code: the others share what that optimises.
    if (this.wasmModule) this.sendModule(slot.worker, this.wasmModule, this.startups.length === 1);
    return slot;
  }

  /** Has a new worker wait for the page's compiled module, and sends it when it is ready. */
  private sendModule(worker: DecoderWorkerLike, compiled: Promise<WebAssembly.Module | null>, exercise: boolean): void {
    const warmUp: WarmUpMessage = { kind: "warm-up", awaitModule: true, exercise };
    worker.postMessage(warmUp, []);
    void compiled.then((module) => {
      // Should the module not be cloneable here, null has the worker load the wasm itself.
      for (const sent of [module, null]) {
        try {
          const message: ModuleMessage = { kind: "module", module: sent };
          worker.postMessage(message, []);
          return;
        } catch {
          // not cloneable, or the worker is gone
        }
      }
    });
  }

  /** Gives a new worker and every other worker a MessageChannel to each other. */
  private connectPeers(index: number, slot: Slot): void {
    for (const link of [...this.peerLinks]) if (link.split(":").includes(String(index))) this.peerLinks.delete(link);
    if (typeof MessageChannel === "undefined") return; // planes then go through the pool
    this.slots.forEach((other, j) => {
      if (!other || j === index) return;
      const channel = new MessageChannel();
      const toOther: PeerMessage = { kind: "peer", slot: j, port: channel.port1 };
      const toNew: PeerMessage = { kind: "peer", slot: index, port: channel.port2 };
      try {
        slot.worker.postMessage(toOther, [channel.port1]);
        other.worker.postMessage(toNew, [channel.port2]);
        this.peerLinks.add(`${Math.min(index, j)}:${Math.max(index, j)}`);
      } catch {
        // Not both ends delivered: planes between these two go through the pool.
      }
    });
  }

  private retire(index: number, slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.task = null;
    slot.worker.terminate();
    if (this.slots[index] === slot) this.slots[index] = null;
  }

  private dispatch(slot: Slot, task: Task): void {
    slot.task = task;
    const index = this.slots.indexOf(slot);
    const request = task.request;
    if (request.kind === "decode" && request.bandIndex < request.bandCount - 1) {
      const next = this.slotOfBand(task.job, request.bandIndex + 1);
      const to = next ? this.slots.indexOf(next) : -1;
      const linked = this.peerLinks.has(`${Math.min(index, to)}:${Math.max(index, to)}`);
      request.passTo = next?.task && linked ? { slot: to, id: next.task.request.id } : null;
    }
    slot.timer = setTimeout(() => {
      // A hostile file must never wedge the page: kill the worker, fail the request.
      this.retire(index, slot);
      const limit = this.timeoutMs < 1000 ? `${this.timeoutMs} ms` : `${Math.round(this.timeoutMs / 1000)} s`;
      this.fail(task.job, new Error(`decoding took longer than ${limit} and was stopped`));
      this.pump();
    }, this.timeoutMs);
    try {
      slot.worker.postMessage(task.request, task.transfer);
      this.relayPlanes(task.job);
    } catch (e) {
      this.retire(index, slot);
      this.fail(task.job, new Error(`cannot send the file to the decoder: ${e instanceof Error ? e.message : e}`));
      this.pump();
    }
  }

  private onResult(index: number, slot: Slot, response: WorkerResponse): void {
    const task = slot.task;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
    if (response.ok && response.input && this.size > 1) this.inputs.give(response.input, this.size);
    if (task && task.request.id === response.id) {
      const job = task.job;
      if (!job.settled) {
        if (!response.ok) {
          this.fail(job, new Error(response.error));
        } else {
          const request = task.request;
          const last = request.kind !== "decode" || request.bandIndex === request.bandCount - 1;
          job.header = response.header;
          job.parts = response.parts;
          job.workerMs.push(response.decodeMs);
          job.workerSpans.push({ startedAt: response.startedAt ?? NaN, endedAt: response.endedAt ?? NaN });
          if (last) {
            job.result = response.bands;
          } else if (!response.passed && request.kind === "decode") {
            // Planes the worker could not pass on itself: relay them to the next band's worker.
            job.planes = response.bands;
            job.nextFill = request.bandIndex + 1;
          }
          // Answers of different workers may arrive in any order; the job ends with all of them.
          if (--job.remaining === 0) {
            job.settled = true;
            job.resolve({
              header: response.header,
              parts: job.parts,
              bands: job.result,
              workerMs: job.workerMs,
              workerSpans: job.workerSpans,
              relays: job.relays,
            });
          }
        }
      }
    }
    if (this.slots[index] !== slot) slot.worker.terminate();
    if (task && !task.job.settled) this.relayPlanes(task.job);
    this.pump();
  }
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
