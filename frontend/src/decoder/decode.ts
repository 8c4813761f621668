// The public decoding API: a pool of decoder workers, each with its own OpenEXRCore wasm
// instance. Large files are split into row bands decoded in parallel (OpenEXR chunks are
// independent); there is no SharedArrayBuffer (TensorBoard is not cross-origin isolated), so
// every worker gets its own copy of the file. The first band's worker returns whole-part planes
// with its rows filled in; the pool passes them on (by transfer) to the next band's worker, which
// has decoded its rows meanwhile and copies them in, and so on: the page's thread never copies
// pixels, and the last worker's answer is the image.

import { DEFAULT_MAX_DECODED_BYTES, type DecodedBand, assembleImage } from "./exr_core";
import { FileCopies } from "./spare_buffers";
import type { DecodeOptions, ExrHeader, ExrImage } from "./types";
import type { DecodeRequest, FillMessage, HeaderRequest, WorkerRequest, WorkerResponse } from "./worker_service";

/** The part of the Worker API the pool uses; node tools adapt worker_threads to it. */
export interface DecoderWorkerLike {
  postMessage(message: WorkerRequest, transfer: Transferable[]): void;
  onmessage: ((event: { data: WorkerResponse }) => void) | null;
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
  /** Files smaller than this are decoded by one worker (splitting costs a copy per worker). */
  parallelMinBytes?: number;
  /** A worker busy longer than this is terminated and replaced; its request fails. */
  timeoutMs?: number;
}

/** Timing of the last decode, for benchmarks and the UI's status line. */
export interface DecodeStats {
  totalMs: number;
  workers: number;
  /** Wall time each worker spent inside the wasm decoder. */
  workerDecodeMs: number[];
}

interface JobResult {
  header: ExrHeader;
  parts: number[];
  bands: DecodedBand[];
  workerMs: number[];
}

interface Job {
  /** Whole-part planes waiting for the next band's worker, and that band's index. */
  planes: DecodedBand[] | null;
  nextFill: number;
  header: ExrHeader | null;
  parts: number[];
  remaining: number;
  settled: boolean;
  workerMs: number[];
  resolve: (value: JobResult) => void;
  reject: (error: Error) => void;
}

interface Task {
  job: Job;
  request: WorkerRequest;
  transfer: Transferable[];
}

interface Slot {
  worker: DecoderWorkerLike;
  task: Task | null;
  timer: ReturnType<typeof setTimeout> | null;
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
  private disposed = false;
  /** File buffers the workers handed back, reused for the copies a parallel decode sends. */
  private readonly inputs = new FileCopies();
  /** Statistics of the most recent successful decode. */
  lastStats: DecodeStats | null = null;

  constructor(options: ExrDecoderPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.workers ?? defaultWorkerCount()));
    this.slots = new Array<Slot | null>(this.size).fill(null);
    this.parallelMinBytes = options.parallelMinBytes ?? 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    const url = options.workerUrl ?? new URL("./decoder_worker.js", import.meta.url);
    this.createWorker =
      options.createWorker ?? (() => new Worker(url, { type: "module" }) as unknown as DecoderWorkerLike);
  }

  /** Workers running a request now (waiting for another band's planes included). */
  get busyWorkers(): number {
    return this.slots.filter((slot) => slot?.task).length;
  }

  /** Decodes every part (or `options.parts`) of an EXR file into planes. */
  async decode(bytes: ArrayBuffer, options: DecodeOptions = {}): Promise<ExrImage> {
    const started = now();
    const parallel = bytes.byteLength >= this.parallelMinBytes ? this.size : 1;
    const result = await this.run(options.signal, (job) =>
      Array.from({ length: parallel }, (_, bandIndex) => {
        // The first band may take the caller's buffer (copies for the others are made first).
        const own = options.transfer === true && bandIndex === 0;
        const data = own ? bytes : this.inputs.copy(bytes);
        const request: DecodeRequest = {
          kind: "decode",
          id: nextId++,
          bytes: data,
          byteLength: bytes.byteLength,
          parts: options.parts ? [...options.parts] : null,
          bandIndex,
          bandCount: parallel,
          wholePart: parallel > 1 && bandIndex === 0,
          fill: bandIndex > 0,
          maxDecodedBytes: options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES,
        };
        return { job, request, transfer: [data] };
      }),
    );
    const image = assembleImage(result.header, result.parts, result.bands);
    this.lastStats = { totalMs: now() - started, workers: parallel, workerDecodeMs: result.workerMs };
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
        planes: null,
        nextFill: 1,
        header: null,
        parts: [],
        remaining: 0,
        settled: false,
        workerMs: [],
        resolve,
        reject,
      };
      const tasks = makeTasks(job);
      job.remaining = tasks.length;
      if (signal) {
        const onAbort = () => {
          // Not started: drop from the queue. Started: the result is discarded when it arrives.
          for (let i = this.queue.length - 1; i >= 0; i--) {
            if (this.queue[i].job === job) this.queue.splice(i, 1);
          }
          this.fail(job, abortError());
        };
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
    // Workers of this job that wait for planes give up and become free.
    for (const slot of this.slots) {
      const request = slot?.task?.job === job ? slot.task.request : null;
      if (slot && request?.kind === "decode" && request.fill) this.sendPlanes(slot, request.id, null);
    }
    job.reject(error);
  }

  /** Passes the job's whole-part planes to the worker of the band whose turn it is, if it runs. */
  private passPlanes(job: Job): void {
    if (!job.planes) return;
    for (const slot of this.slots) {
      const request = slot?.task?.job === job ? slot.task.request : null;
      if (slot && request?.kind === "decode" && request.bandIndex === job.nextFill) {
        const planes = job.planes;
        job.planes = null;
        this.sendPlanes(slot, request.id, planes);
        return;
      }
    }
    // Not started yet (all workers busy): dispatch() passes them on.
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
      this.dispatch(slot, task);
    }
  }

  private spawn(index: number): Slot {
    const slot: Slot = { worker: this.createWorker(), task: null, timer: null };
    slot.worker.onmessage = (event) => this.onResult(index, slot, event.data);
    slot.worker.onerror = (event) => {
      // The worker script itself failed (load error, uncaught exception): replace it.
      const task = slot.task;
      this.retire(index, slot);
      if (task) this.fail(task.job, new Error(`the decoder worker failed: ${event.message ?? "unknown error"}`));
      this.pump();
    };
    this.slots[index] = slot;
    return slot;
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
    slot.timer = setTimeout(() => {
      // A hostile file must never wedge the page: kill the worker, fail the request.
      this.retire(index, slot);
      this.fail(task.job, new Error(`decoding took longer than ${Math.round(this.timeoutMs / 1000)} s and was stopped`));
      this.pump();
    }, this.timeoutMs);
    try {
      slot.worker.postMessage(task.request, task.transfer);
      this.passPlanes(task.job);
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
          // Sibling bands of the same file are pointless now.
          for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].job === job) this.queue.splice(i, 1);
          this.fail(job, new Error(response.error));
        } else {
          job.header = response.header;
          job.parts = response.parts;
          job.workerMs.push(response.decodeMs);
          if (--job.remaining === 0) {
            job.settled = true;
            job.resolve({ header: response.header, parts: job.parts, bands: response.bands, workerMs: job.workerMs });
          } else {
            // Whole-part planes with this band's rows in: on to the next band's worker.
            job.planes = response.bands;
            job.nextFill = task.request.kind === "decode" ? task.request.bandIndex + 1 : job.nextFill;
          }
        }
      }
    }
    if (this.slots[index] !== slot) slot.worker.terminate();
    if (task && !task.job.settled) this.passPlanes(task.job);
    this.pump();
  }
}

let sharedPool: ExrDecoderPool | null = null;

/** The page-wide pool used by decodeExr (created on first use). */
export function sharedDecoderPool(): ExrDecoderPool {
  return (sharedPool ??= new ExrDecoderPool());
}

/** Decodes an EXR file in the shared worker pool. Abort with `options.signal`. */
export function decodeExr(bytes: ArrayBuffer, options?: DecodeOptions): Promise<ExrImage> {
  return sharedDecoderPool().decode(bytes, options);
}

/** Reads an EXR header in the shared worker pool (cheap: no pixels are decoded). */
export function readExrHeader(bytes: ArrayBuffer, options?: { signal?: AbortSignal }): Promise<ExrHeader> {
  return sharedDecoderPool().readHeader(bytes, options);
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
