// The overview's one WebGL context. Chromium keeps at most ~16 live WebGL contexts per page, so
// cards are not viewers: every card is a plain 2-D canvas, and this renderer draws a card into its
// own (detached) WebGL canvas and copies the result into the card's canvas. Scrolling the grid
// then costs no drawing at all (the cards are ordinary page content), and a change redraws only
// the cards it touches. The alternative, one canvas over the whole grid with a scissored viewport
// per card, redraws every visible card on every scroll frame and lags behind the scrolled page.
// (Drawing a batch of cards side by side in one strip and reading it back once measured 20 %
// slower here than a copy per card: the copies are cheap, the shading is what costs.)
//
// Small cards draw from reduced copies of their planes (Renderer.reduce: box means made on the
// GPU; the full plane is uploaded only for that pass), so a card holds textures the size of what
// it shows. The same view transform, shader and draw parameters as the inspector's viewer are used
// (render/view_transform.ts, render/renderer.ts, viewer/draw_plan.ts).

import type { ExrChannel } from "../../decoder/types.js";
import { type DrawParams, type PlaneSet, Renderer } from "../../render/renderer.js";
import { type ViewGeometry, ViewTransform } from "../../render/view_transform.js";
import { sampleStride, type ShownValues } from "../../viewer/auto_exposure.js";

/** What a card's canvas shows: its draw parameters at a view, for read-backs. */
export interface DrawnCard {
  /** The parameters drawn (reduced planes when `factor` > 1). */
  params: DrawParams;
  /** The transform drawn with (in the reduced space when `factor` > 1). */
  transform: ViewTransform;
  /** The card's view in image space. */
  view: ViewTransform;
  /** Reduction of the planes drawn (1: full resolution). */
  factor: number;
  /** Image point of the reduced space's origin. */
  origin: { x: number; y: number };
}

/** One card to draw. */
export interface CardJob {
  target: CanvasRenderingContext2D;
  params: DrawParams;
  geometry: ViewGeometry;
  /** Width of an image pixel over its height (the part's pixelAspectRatio). */
  pixelAspect: number;
}

export type CardResult = { drawn: DrawnCard } | { error: string };

/** Error maps (SSIM) kept at once: one per error card on screen. */
const METRIC_MAPS = 32;

export class CardRenderer {
  private readonly canvas = document.createElement("canvas");
  private readonly renderer: Renderer;
  /** Cards drawn, for tests and benchmarks. */
  draws = 0;

  constructor() {
    this.renderer = new Renderer(this.canvas, { metricMaps: METRIC_MAPS });
  }

  /**
   * Draws each job's `params` at its `geometry` into its `target` (a card's 2-D canvas, whose
   * backing size is the card's size in device pixels). A job that cannot be drawn (a plane too
   * large for the GPU, say) gets its error; the others are drawn all the same.
   */
  drawCards(jobs: readonly CardJob[]): CardResult[] {
    return jobs.map((job) => {
      try {
        return { drawn: this.drawCard(job) };
      } catch (error) {
        return { error: error instanceof Error ? error.message : String(error) };
      }
    });
  }

  private drawCard(job: CardJob): DrawnCard {
    const { width, height } = job.target.canvas;
    const drawn = this.plan(job);
    if (this.canvas.width < width || this.canvas.height < height) {
      this.canvas.width = Math.max(this.canvas.width, width);
      this.canvas.height = Math.max(this.canvas.height, height);
    }
    this.renderer.upload(drawn.params);
    this.renderer.draw(drawn.params, drawn.transform);
    // The draw filled the bottom-left corner of the WebGL canvas (its viewport starts at 0, 0).
    job.target.drawImage(this.canvas, 0, this.canvas.height - height, width, height, 0, 0, width, height);
    this.draws += 1;
    return drawn;
  }

  /** What a job draws: its planes (reduced when the card is small) and its transform. */
  private plan({ target, params, geometry, pixelAspect }: CardJob): DrawnCard {
    const size = { width: target.canvas.width, height: target.canvas.height };
    const view = ViewTransform.forView(geometry, size, pixelAspect);
    const factor = reductionFactor(geometry.zoom, params);
    const origin = { x: params.a.window.x, y: params.a.window.y };
    if (factor === 1) return { params, transform: view, view, factor, origin };
    const place = (set: PlaneSet): PlaneSet => {
      const reduced = this.renderer.reduce(set, factor);
      const x = (set.window.x - origin.x) / factor;
      const y = (set.window.y - origin.y) / factor;
      return { ...reduced, window: { ...reduced.window, x, y } };
    };
    const reducedView = {
      zoom: geometry.zoom * factor,
      panX: (geometry.panX - origin.x) / factor,
      panY: (geometry.panY - origin.y) / factor,
    };
    return {
      params: { ...params, a: place(params.a), b: params.b ? place(params.b) : null },
      transform: ViewTransform.forView(reducedView, size, pixelAspect),
      view,
      factor,
      origin,
    };
  }

  /** Frees every texture that none of `kept` draws (cards that left the screen). */
  retain(kept: readonly DrawnCard[]): void {
    const keep = new Set<ExrChannel>();
    for (const { params } of kept) {
      for (const set of [params.a, params.b]) {
        if (!set) continue;
        set.colour.forEach((c) => keep.add(c));
        if (set.alpha) keep.add(set.alpha);
      }
    }
    this.renderer.releaseExcept(keep);
  }

  /**
   * The values before exposure (the metric's, for an error card) of image pixels `rect` of a drawn
   * card, interleaved RGBA, rows bottom-up; on a reduced card, of the reduced pixels covering it.
   */
  readValues(drawn: DrawnCard, rect: { x: number; y: number; width: number; height: number }): Float32Array {
    const f = drawn.factor;
    const x0 = Math.floor((rect.x - drawn.origin.x) / f);
    const y0 = Math.floor((rect.y - drawn.origin.y) / f);
    const x1 = Math.ceil((rect.x + rect.width - drawn.origin.x) / f);
    const y1 = Math.ceil((rect.y + rect.height - drawn.origin.y) / f);
    return this.renderer.readValues(drawn.params, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
  }

  /** The whole drawn window's values (the error map's, for the mean error in a caption). */
  readWindow(drawn: DrawnCard): Float32Array {
    return this.renderer.readValues(drawn.params, drawn.params.a.window);
  }

  /** What a card shows (its reduced copy's values), sampled for auto exposure, and how it is displayed. */
  shownValues(drawn: DrawnCard): ShownValues {
    const p = drawn.params;
    const values = this.renderer.readValues(p, p.a.window, sampleStride(p.a.window.width, p.a.window.height));
    return { values, channels: Math.min(3, p.a.colour.length), matrix: p.metric === "none" ? p.colourMatrixA : null };
  }

  /** The mean of the finite values a card draws (the error map's), over its first three channels. */
  meanValue(drawn: DrawnCard): number {
    const values = this.readWindow(drawn);
    const channels = Math.min(3, drawn.params.a.colour.length);
    let sum = 0;
    let count = 0;
    for (let i = 0; i < values.length; i += 4) {
      for (let c = 0; c < channels; c++) {
        const v = values[i + c]!;
        if (!Number.isFinite(v)) continue;
        sum += v;
        count += 1;
      }
    }
    return count ? sum / count : NaN;
  }

  /** GPU counters: live textures (planes, reduced copies, metric maps), their bytes, uploads. */
  stats(): { liveTextures: number; textureBytes: number; uploads: number; draws: number } {
    const r = this.renderer;
    return { liveTextures: r.textureCount, textureBytes: r.textureBytes, uploads: r.uploads, draws: this.draws };
  }

  dispose(): void {
    this.renderer.dispose();
  }
}

/**
 * How much a card's planes are reduced: the largest power of two at which a reduced texel is still
 * no larger than a device pixel. Pairs whose data windows are not aligned on it stay at full size.
 */
export function reductionFactor(zoom: number, params: DrawParams): number {
  if (!(zoom < 0.5)) return 1;
  let factor = 2 ** Math.floor(Math.log2(1 / zoom));
  const { a, b } = params;
  const aligned = (f: number): boolean => !b || ((b.window.x - a.window.x) % f === 0 && (b.window.y - a.window.y) % f === 0);
  while (factor > 1 && !aligned(factor)) factor /= 2;
  return factor;
}

