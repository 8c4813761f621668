// One place on the page that shows one image at a time (the main view, a pane, the reference, a
// card), fed by the page's ImageLoader with the scrubbing policy:
//   * a cached image is shown synchronously;
//   * one load at a time; while it runs, newer requests replace each other (only the latest is
//     kept) and a load that has not reached the decoder yet is cancelled;
//   * a load that is already decoding finishes (into the cache) and then the latest request
//     starts; with `showSuperseded` its image is shown meanwhile, so dragging the step slider
//     shows images as fast as they decode;
//   * once the wanted image is shown, the requests given as its prefetch are loaded in the
//     background (replaced by the next request's).

import { type ImageLoader, type ImageRequest, isAbortError, type LoadedImage, type LoadPhase } from "./image_loader.js";

export interface SlotCallbacks<R extends ImageRequest> {
  /** The image to display for `request` (with showSuperseded, possibly not the latest request). */
  show(request: R, loaded: LoadedImage): void;
  /** Progress of a load for this slot (not for its prefetches). */
  progress?(request: R, phase: LoadPhase): void;
  /** A load failed; only reported for the request still wanted. */
  failed?(request: R, reason: string): void;
}

export interface SlotOptions {
  /** Show a superseded image whose decode was already running while the wanted one loads (default true). */
  showSuperseded?: boolean;
}

/** What a slot has done so far (tests and benchmarks read them). */
export interface SlotCounts {
  /** Loads begun for this slot (not cache hits, not prefetches). */
  started: number;
  /** Of these, cancelled by a newer request before they reached the decoder. */
  cancelled: number;
  /** Images handed to show(). */
  shown: number;
  /** Prefetches that loaded an image (not those already cached). */
  prefetched: number;
}

interface InFlight<R> {
  request: R;
  controller: AbortController;
  decoding: boolean;
}

export class ImageSlot<R extends ImageRequest = ImageRequest> {
  readonly counts: SlotCounts = { started: 0, cancelled: 0, shown: 0, prefetched: 0 };
  private wantedRequest: R | null = null;
  private shownKey: string | null = null;
  private inFlight: InFlight<R> | null = null;
  private prefetchList: R[] = [];
  private prefetchController: AbortController | null = null;
  private readonly showSuperseded: boolean;

  constructor(
    private readonly loader: ImageLoader,
    private readonly callbacks: SlotCallbacks<R>,
    options: SlotOptions = {},
  ) {
    this.showSuperseded = options.showSuperseded ?? true;
  }

  /** The latest request (null after request(null)). */
  get wanted(): R | null {
    return this.wantedRequest;
  }

  /** The key of the image last handed to show() (null after request(null)). */
  get shown(): string | null {
    return this.shownKey;
  }

  /**
   * Asks for `request` to be shown (again, if it already is: a failed one is retried); null
   * cancels everything this slot loads. `prefetch` is loaded in the background once it is shown.
   */
  request(request: R | null, prefetch: R[] = []): void {
    const previousPrefetch = this.prefetchController;
    this.prefetchController = null;
    this.wantedRequest = request;
    this.prefetchList = request ? prefetch : [];
    // Asked again for what it shows: the consumer wants it shown anew (e.g. after reselecting it).
    if (request?.key === this.shownKey) this.shownKey = null;
    if (!request) {
      this.shownKey = null;
      this.cancelInFlight(true);
    } else {
      this.pursue(request);
    }
    // Only now: a prefetch of the wanted image has been joined by its foreground load, not restarted.
    previousPrefetch?.abort();
  }

  private pursue(request: R): void {
    const hit = this.loader.cached(request.key);
    if (hit) {
      this.cancelInFlight(false);
      this.display(request, hit);
      if (!this.inFlight) this.prefetch();
      return;
    }
    if (this.inFlight) {
      if (this.inFlight.request.key === request.key || this.inFlight.decoding) return;
      this.cancelInFlight(false);
    }
    this.start(request);
  }

  private display(request: R, loaded: LoadedImage): void {
    this.shownKey = request.key;
    this.counts.shown += 1;
    this.callbacks.show(request, loaded);
  }

  /** Drops the running load, unless it is decoding and `evenDecoding` is false. */
  private cancelInFlight(evenDecoding: boolean): void {
    const job = this.inFlight;
    if (!job || (job.decoding && !evenDecoding)) return;
    job.controller.abort();
    if (!job.decoding) this.counts.cancelled += 1;
    this.inFlight = null;
  }

  private start(request: R): void {
    const controller = new AbortController();
    const job: InFlight<R> = { request, controller, decoding: false };
    this.inFlight = job;
    this.counts.started += 1;
    const onPhase = (phase: LoadPhase): void => {
      if (this.inFlight !== job) return;
      if (phase.kind === "decode") job.decoding = true;
      this.callbacks.progress?.(request, phase);
    };
    this.loader.load(request, { signal: controller.signal, onPhase }).then(
      (loaded) => {
        if (this.inFlight !== job) return;
        this.inFlight = null;
        const wantedKey = this.wantedRequest?.key ?? null;
        const superseded = this.showSuperseded && wantedKey !== null && this.shownKey !== wantedKey;
        if (wantedKey === request.key || superseded) this.display(request, loaded);
        this.continueAfter(request);
      },
      (error: unknown) => {
        if (this.inFlight !== job) return;
        this.inFlight = null;
        if (isAbortError(error)) return;
        if (this.wantedRequest?.key === request.key) {
          this.callbacks.failed?.(request, error instanceof Error ? error.message : String(error));
        }
        this.continueAfter(request);
      },
    );
  }

  private continueAfter(finished: R): void {
    const wanted = this.wantedRequest;
    if (!wanted) return;
    if (wanted.key !== finished.key && wanted.key !== this.shownKey) this.pursue(wanted);
    else this.prefetch();
  }

  private prefetch(): void {
    this.prefetchController?.abort();
    const controller = new AbortController();
    this.prefetchController = controller;
    for (const request of this.prefetchList) {
      this.loader.load(request, { priority: "prefetch", signal: controller.signal }).then(
        (loaded) => {
          if (!loaded.cached) this.counts.prefetched += 1;
        },
        () => undefined, // a neighbour that fails is reported if and when it is asked for
      );
    }
  }
}
