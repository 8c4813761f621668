// Fetch → decode → cache, once per image, for everything a page shows. Requests are keyed:
//   * requests with the same key share one download, one decode and one cache entry (a pane, a
//     prefetch and the main view asking for the same step cost one load);
//   * each consumer passes its own AbortSignal; a load is cancelled when its last consumer leaves;
//   * foreground loads start at once, up to `concurrency` of them; prefetch loads wait until no
//     foreground load runs or waits, and run one at a time in the order they were asked for;
//     a prefetch that a foreground consumer joins becomes foreground;
//   * progress (queued, download bytes, decode) goes to every consumer, a late one first hearing
//     where the load already is.
// Latest-wins consumers (the main view, a pane) are built on this by ImageSlot (image_slot.ts).

import type { Progress } from "../api.js";
import type { ExrImage } from "../decoder/types.js";
import type { ExrDecoder } from "../viewer/index.js";
import { type CachedImage, DecodedImageCache, DEFAULT_CACHE_BYTES, type ImageInfo } from "./image_cache.js";

export type Priority = "foreground" | "prefetch";

/** The downloaded file, and what its download said about it (kept with the decoded image). */
export interface Download {
  bytes: ArrayBuffer;
  info?: ImageInfo;
}

export interface ImageRequest {
  /** Identity of the image: requests with equal keys are one download, one decode, one cache entry. */
  readonly key: string;
  /** Names the file in decoding errors (e.g. its path); without it the decoder's message stands alone. */
  readonly name?: string;
  /** Fetches the bytes, reporting progress as they arrive; rejects with an AbortError when aborted. */
  download(signal: AbortSignal, onProgress: (progress: Progress) => void): Promise<Download>;
}

export type LoadPhase =
  | { kind: "queued" }
  | { kind: "download"; progress: Progress }
  | { kind: "decode"; bytes: number };

export interface LoadOptions {
  /** Default "foreground". */
  priority?: Priority;
  /** Aborting leaves the load (rejecting with an AbortError); the last consumer to leave cancels it. */
  signal?: AbortSignal;
  onPhase?: (phase: LoadPhase) => void;
  /**
   * Whether the decoded image goes into the shared cache (default true). A consumer reading every
   * step of a tag once may say false, so as not to evict what is on screen; the image is kept if
   * any consumer of the load wants it kept.
   */
  keep?: boolean;
}

export interface LoadedImage extends CachedImage {
  key: string;
  /** True when it came from the cache without loading. */
  cached: boolean;
}

/** What the loader has done so far (tests and benchmarks read them). */
export interface LoaderCounts {
  /** Calls of load(). */
  requests: number;
  /** Requests answered from the cache. */
  cacheHits: number;
  /** Requests that joined a load already queued or running for the same key. */
  joined: number;
  /** Loads started (downloads begun). */
  started: number;
  /** Loads cancelled because their last consumer left. */
  cancelled: number;
  /** Loads decoded successfully. */
  decoded: number;
  /** Loads that failed (download or decode). */
  failed: number;
}

/** Default number of foreground loads at once: a browser's connections per host over HTTP/1.1. */
export const DEFAULT_CONCURRENCY = 6;

interface Consumer {
  priority: Priority;
  keep: boolean;
  onPhase: ((phase: LoadPhase) => void) | undefined;
  resolve(loaded: LoadedImage): void;
  reject(error: unknown): void;
  detach(): void;
}

interface Job {
  request: ImageRequest;
  controller: AbortController;
  consumers: Set<Consumer>;
  phase: LoadPhase;
  running: boolean;
}

export function abortError(): DOMException {
  return new DOMException("The load was aborted", "AbortError");
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

export class ImageLoader {
  readonly cache: DecodedImageCache;
  readonly counts: LoaderCounts = { requests: 0, cacheHits: 0, joined: 0, started: 0, cancelled: 0, decoded: 0, failed: 0 };
  private readonly concurrency: number;
  /** Queued and running loads by key; insertion order is the order they were asked for. */
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly decoder: ExrDecoder,
    options: { cacheBytes?: number; concurrency?: number } = {},
  ) {
    this.cache = new DecodedImageCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /** The cached image under `key` (now the most recently used), without loading anything. */
  cached(key: string): LoadedImage | null {
    const hit = this.cache.get(key);
    return hit ? { key, image: hit.image, info: hit.info, cached: true } : null;
  }

  /** Loads queued or running, for tests and benchmarks. */
  get pending(): { queued: number; running: number } {
    let running = 0;
    for (const job of this.jobs.values()) if (job.running) running += 1;
    return { queued: this.jobs.size - running, running };
  }

  load(request: ImageRequest, options: LoadOptions = {}): Promise<LoadedImage> {
    this.counts.requests += 1;
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError());
    const hit = this.cached(request.key);
    if (hit) {
      this.counts.cacheHits += 1;
      return Promise.resolve(hit);
    }
    return new Promise<LoadedImage>((resolve, reject) => {
      let job = this.jobs.get(request.key);
      if (job) {
        this.counts.joined += 1;
      } else {
        job = { request, controller: new AbortController(), consumers: new Set(), phase: { kind: "queued" }, running: false };
        this.jobs.set(request.key, job);
      }
      const joined = job;
      const onAbort = (): void => this.leave(joined, consumer);
      const consumer: Consumer = {
        priority: options.priority ?? "foreground",
        keep: options.keep ?? true,
        onPhase: options.onPhase,
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      job.consumers.add(consumer);
      signal?.addEventListener("abort", onAbort, { once: true });
      consumer.onPhase?.(job.phase);
      this.pump();
    });
  }

  private leave(job: Job, consumer: Consumer): void {
    if (!job.consumers.delete(consumer)) return;
    consumer.detach();
    consumer.reject(abortError());
    if (job.consumers.size === 0 && this.jobs.get(job.request.key) === job) {
      this.jobs.delete(job.request.key);
      job.controller.abort();
      this.counts.cancelled += 1;
    }
    this.pump(); // a freed slot, or a load that is only prefetched now
  }

  private priorityOf(job: Job): Priority {
    for (const consumer of job.consumers) if (consumer.priority === "foreground") return "foreground";
    return "prefetch";
  }

  /** Starts what may start: foreground loads first, then (when none runs or waits) one prefetch. */
  private pump(): void {
    let running = 0;
    let foregroundBusy = false;
    let prefetchRunning = false;
    for (const job of this.jobs.values()) {
      const foreground = this.priorityOf(job) === "foreground";
      if (job.running) running += 1;
      if (foreground) foregroundBusy = true;
      else if (job.running) prefetchRunning = true;
    }
    for (const job of this.jobs.values()) {
      if (running >= this.concurrency) return;
      if (job.running || this.priorityOf(job) !== "foreground") continue;
      this.start(job);
      running += 1;
    }
    if (foregroundBusy || prefetchRunning || running >= this.concurrency) return;
    for (const job of this.jobs.values()) {
      if (job.running) continue;
      this.start(job);
      return;
    }
  }

  private start(job: Job): void {
    job.running = true;
    this.counts.started += 1;
    this.fetchAndDecode(job).then(
      ({ image, info }) => {
        if (!this.finish(job)) return;
        this.counts.decoded += 1;
        const consumers = [...job.consumers];
        if (consumers.some((c) => c.keep)) this.cache.set(job.request.key, image, info);
        for (const c of consumers) c.resolve({ key: job.request.key, image, info, cached: false });
        this.pumpSoon();
      },
      (error: unknown) => {
        if (!this.finish(job)) return;
        this.counts.failed += 1;
        for (const c of job.consumers) c.reject(error);
        this.pumpSoon();
      },
    );
  }

  /** Takes a settled load out of the table; false when it had been cancelled meanwhile. */
  private finish(job: Job): boolean {
    if (this.jobs.get(job.request.key) !== job) return false;
    this.jobs.delete(job.request.key);
    for (const c of job.consumers) c.detach();
    return true;
  }

  /**
   * Starts the next loads once the consumers of a settled one have reacted: a latest-wins consumer
   * asks for its next image then, which must go before any prefetch that could start now.
   */
  private pumpSoon(): void {
    queueMicrotask(() => this.pump());
  }

  private setPhase(job: Job, phase: LoadPhase): void {
    job.phase = phase;
    for (const c of job.consumers) c.onPhase?.(phase);
  }

  private async fetchAndDecode(job: Job): Promise<{ image: ExrImage; info: ImageInfo }> {
    const { request, controller } = job;
    const { signal } = controller;
    const download = await request.download(signal, (progress) => this.setPhase(job, { kind: "download", progress }));
    signal.throwIfAborted();
    this.setPhase(job, { kind: "decode", bytes: download.bytes.byteLength });
    try {
      // The fetched bytes are not needed afterwards: hand them over instead of copying them.
      const image = await this.decoder.decode(download.bytes, { signal, transfer: true });
      return { image, info: download.info ?? {} };
    } catch (error) {
      if (isAbortError(error) || request.name === undefined) throw error;
      throw new Error(`${request.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
