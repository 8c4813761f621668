// Each pin's value over every logged step: a sweep loads every step of the image shown through
// the page's ImageLoader (keep: false, so it does not evict what is on screen; two at a time, so
// the main view's loads still get through), reads the pins' values from the decoded planes
// (exact, as the readout shows them) and reports its progress; it can be cancelled at any time.

import { isAbortError, type ImageLoader, type ImageRequest } from "../../loading/index.js";
import type { Point } from "../../render/view_transform.js";
import { slotOf } from "../../viewer/draw_plan.js";
import { readingsAt } from "../../viewer/pixel_readout.js";

/** The steps of the image shown: what they are of (run and tag), and each one's load. */
export interface SteppedImage {
  id: string;
  steps: readonly number[];
  request(step: number): ImageRequest;
}

/** Where a page's steps come from. */
export interface ProbeSource {
  loader: ImageLoader;
  /** The image shown now, with its steps (null: nothing with steps is shown). */
  stepped(): SteppedImage | null;
}

/** One step of a sweep: each pin's value per channel (NaN where the step lacks it), or why it failed. */
export interface SeriesPoint {
  step: number;
  values: number[][];
  error?: string;
}

export interface Series {
  id: string;
  layer: string;
  pins: Point[];
  /** The layer's channels, in the order of each pin's values. */
  channels: string[];
  points: SeriesPoint[];
}

/** Loads of a sweep at once. */
const SWEEP_CONCURRENCY = 2;

export class ProbeSweep {
  /** The sweep's results so far (the last sweep's once it has ended). */
  series: Series | null = null;
  /** Steps done of all, while a sweep runs. */
  progress: { done: number; total: number } | null = null;
  private controller: AbortController | null = null;

  constructor(
    private readonly source: ProbeSource,
    private readonly changed: () => void,
  ) {}

  get running(): boolean {
    return this.controller !== null;
  }

  /** Sweeps every step for `pins` of `layer`'s `channels` (a running sweep is cancelled first). */
  start(layer: string, channels: readonly string[], pins: readonly Point[]): void {
    this.cancel();
    const image = this.source.stepped();
    const steps = [...(image?.steps ?? [])];
    if (!image || pins.length === 0 || steps.length === 0) return;
    const controller = (this.controller = new AbortController());
    const series: Series = { id: image.id, layer, pins: pins.map((p) => ({ ...p })), channels: [...channels], points: [] };
    this.series = series;
    this.progress = { done: 0, total: steps.length };
    this.changed();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < steps.length && !controller.signal.aborted) {
        const step = steps[next++]!;
        const point = await this.measure(image.request(step), step, series, controller.signal);
        if (controller.signal.aborted) return;
        series.points.push(point);
        series.points.sort((a, b) => a.step - b.step);
        this.progress = { done: series.points.length, total: steps.length };
        this.changed();
      }
    };
    void Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker)).then(() => {
      if (this.controller !== controller) return;
      this.controller = null;
      this.progress = null;
      this.changed();
    });
  }

  /** Stops a running sweep (what it measured stays). */
  cancel(): void {
    if (!this.controller) return;
    this.controller.abort();
    this.controller = null;
    this.progress = null;
    this.changed();
  }

  /** Forgets the results (another image, layer or set of pins). */
  clear(): void {
    this.cancel();
    this.series = null;
    this.changed();
  }

  private async measure(request: ImageRequest, step: number, series: Series, signal: AbortSignal): Promise<SeriesPoint> {
    try {
      const { image } = await this.source.loader.load(request, { signal, keep: false });
      const slot = slotOf(image);
      const values = series.pins.map((pin) => {
        const readings = readingsAt(slot, series.layer, pin);
        return series.channels.map((name) => readings?.find((r) => r.channel === name)?.value ?? NaN);
      });
      return { step, values };
    } catch (error) {
      if (isAbortError(error)) return { step, values: [] };
      return { step, values: series.pins.map(() => []), error: (error as Error).message };
    }
  }
}
