// Fetch + decode of one (run, tag, step), with the scrubbing policy:
//   * a cached image is shown synchronously;
//   * one foreground load at a time; while it runs, newer requests replace each other (only the
//     latest is kept) and a download that has not reached the decoder yet is cancelled;
//   * a load that is already decoding finishes and is shown, so dragging the slider shows images
//     as fast as they decode;
//   * once the wanted image is shown, its neighbouring steps are prefetched into the cache.

import { type PluginApi, type Progress } from "../api.js";
import type { ExrImage } from "../decoder/types.js";
import type { ExrDecoder } from "../viewer/viewer.js";
import type { DecodedImageCache } from "./image_cache.js";

export interface StepKey {
  run: string;
  tag: string;
  step: number;
  /** The step's content-addressed URL from the steps route, when known. */
  url?: string;
  /** A reason the server gave for this step being unavailable. */
  error?: string;
}

export type LoadPhase = { kind: "download"; progress: Progress } | { kind: "decode"; bytes: number };

export interface StepLoaderCallbacks {
  /** The image to display for `key` (possibly not the latest request while scrubbing). */
  show(key: StepKey, image: ExrImage, cached: boolean): void;
  progress(key: StepKey, phase: LoadPhase): void;
  /** Only reported for the latest request. */
  failed(key: StepKey, reason: string): void;
}

export function stepKeyId(key: StepKey): string {
  return JSON.stringify([key.run, key.tag, key.step]);
}

interface InFlight {
  key: StepKey;
  controller: AbortController;
  decoding: boolean;
}

export class StepLoader {
  /** Counters of foreground loads, for tests and the benchmark. */
  readonly counts = { started: 0, cancelled: 0, shown: 0, prefetched: 0 };
  private inFlight: InFlight | null = null;
  private wanted: StepKey | null = null;
  private prefetchController: AbortController | null = null;

  constructor(
    private readonly api: PluginApi,
    private readonly decoder: ExrDecoder,
    readonly cache: DecodedImageCache,
    private readonly callbacks: StepLoaderCallbacks,
  ) {}

  /** Asks for `key` to be shown; `neighbours` are prefetched once it is. */
  request(key: StepKey, neighbours: StepKey[] = []): void {
    this.wanted = key;
    this.neighbours = neighbours;
    this.prefetchController?.abort();
    this.prefetchController = null;
    const cached = this.cache.get(stepKeyId(key));
    if (cached) {
      if (this.inFlight && !this.inFlight.decoding) this.cancelInFlight();
      this.display(key, cached, true);
      if (!this.inFlight) this.prefetch();
      return;
    }
    if (this.inFlight) {
      if (stepKeyId(this.inFlight.key) === stepKeyId(key)) return;
      if (this.inFlight.decoding) return; // picked up when the running decode finishes
      this.cancelInFlight();
    }
    this.start(key);
  }

  /** Forgets everything cached or running (e.g. the server's data changed). */
  reset(): void {
    this.cancelInFlight();
    this.prefetchController?.abort();
    this.prefetchController = null;
    this.wanted = null;
    this.displayedId = null;
    this.cache.clear();
  }

  private neighbours: StepKey[] = [];
  private displayedId: string | null = null;

  private display(key: StepKey, image: ExrImage, cached: boolean): void {
    this.displayedId = stepKeyId(key);
    this.counts.shown += 1;
    this.callbacks.show(key, image, cached);
  }

  private cancelInFlight(): void {
    if (this.inFlight) {
      this.inFlight.controller.abort();
      this.counts.cancelled += 1;
    }
    this.inFlight = null;
  }

  private start(key: StepKey): void {
    const controller = new AbortController();
    const job: InFlight = { key, controller, decoding: false };
    this.inFlight = job;
    this.counts.started += 1;
    const id = stepKeyId(key);
    this.fetchAndDecode(key, controller.signal, (phase) => {
      if (phase.kind === "decode") job.decoding = true;
      this.callbacks.progress(key, phase);
    }).then(
      (image) => {
        if (this.inFlight !== job) return;
        this.inFlight = null;
        this.cache.set(id, image);
        // A stale image is still worth showing while scrubbing, but never over the wanted one.
        const wantedId = this.wanted ? stepKeyId(this.wanted) : null;
        if (wantedId === id || this.displayedId !== wantedId) this.display(key, image, false);
        this.continueWithWanted(key);
      },
      (error: unknown) => {
        if (this.inFlight !== job) return;
        this.inFlight = null;
        if (isAbort(error)) return;
        if (this.wanted && stepKeyId(this.wanted) === id) {
          this.callbacks.failed(key, error instanceof Error ? error.message : String(error));
        }
        this.continueWithWanted(key);
      },
    );
  }

  private continueWithWanted(finished: StepKey): void {
    const wanted = this.wanted;
    if (wanted && stepKeyId(wanted) !== stepKeyId(finished)) this.request(wanted, this.neighbours);
    else this.prefetch();
  }

  private async prefetch(): Promise<void> {
    const controller = new AbortController();
    this.prefetchController = controller;
    for (const key of this.neighbours) {
      const id = stepKeyId(key);
      if (controller.signal.aborted) return;
      if (this.cache.has(id)) continue;
      try {
        const image = await this.fetchAndDecode(key, controller.signal, () => {});
        if (!controller.signal.aborted) {
          this.cache.set(id, image);
          this.counts.prefetched += 1;
        }
      } catch {
        // A neighbour that fails is reported if and when the user goes there.
      }
    }
  }

  private async fetchAndDecode(
    key: StepKey,
    signal: AbortSignal,
    onPhase: (phase: LoadPhase) => void,
  ): Promise<ExrImage> {
    if (key.error) throw new Error(key.error);
    const bytes = await this.api.exr(key.run, key.tag, key.step, {
      signal,
      ...(key.url ? { url: key.url } : {}),
      onProgress: (progress) => onPhase({ kind: "download", progress }),
    });
    signal.throwIfAborted();
    onPhase({ kind: "decode", bytes: bytes.byteLength });
    // The fetched bytes are not needed afterwards: hand them over instead of copying them.
    return this.decoder.decode(bytes, { signal, transfer: true });
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
