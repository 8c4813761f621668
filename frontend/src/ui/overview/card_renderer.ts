// The overview's one WebGL context. Chromium keeps at most ~16 live WebGL contexts per page, so
// cards are not viewers: every card is a plain 2-D canvas, and this renderer draws the cards to
// redraw side by side into one strip of its own (detached) WebGL canvas, then copies each card's
// part into the card's canvas: one GPU flush and read-back per batch, however many cards. Scrolling
// the grid costs no drawing at all (the cards are ordinary page content), and a change redraws
// only the cards it touches. The alternative, one canvas over the whole grid with a scissored
// viewport per card, redraws every visible card on every scroll frame and lags behind the page.
//
// Small cards draw from reduced copies of their planes (Renderer.reduce: box means made on the
// GPU; the full plane is uploaded only for that pass), so a card holds textures the size of what
// it shows. The same view transform, shader and draw parameters as the inspector's viewer are used
// (render/view_transform.ts, render/renderer.ts, viewer/draw_plan.ts).

import type { ExrChannel } from "../../decoder/types.js";
import { type DrawParams, type PlaneSet, Renderer } from "../../render/renderer.js";
import { type ViewGeometry, ViewTransform } from "../../render/view_transform.js";

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
}

export type CardResult = { drawn: DrawnCard } | { error: string };

/** Error maps (SSIM) kept at once: one per error card on screen. */
const METRIC_MAPS = 32;

export class CardRenderer {
  private readonly canvas = document.createElement("canvas");
  private readonly renderer: Renderer;
  /** The widest strip of cards drawn at once (device px). */
  private readonly maxWidth: number;
  /** Cards drawn, for tests and benchmarks. */
  draws = 0;

  constructor() {
    this.renderer = new Renderer(this.canvas, { metricMaps: METRIC_MAPS });
    const gl = this.renderer.gl;
    const viewport = gl.getParameter(gl.MAX_VIEWPORT_DIMS) as Int32Array;
    this.maxWidth = Math.min(viewport[0]!, gl.getParameter(gl.MAX_RENDERBUFFER_SIZE) as number, 8192);
  }

  /**
   * Draws each job's `params` at its `geometry` into its `target` (a card's 2-D canvas, whose
   * backing size is the card's size in device pixels). A job that cannot be drawn (a plane too
   * large for the GPU, say) gets its error; the others are drawn all the same.
   */
  drawCards(jobs: readonly CardJob[]): CardResult[] {
    const results: CardResult[] = [];
    for (let first = 0; first < jobs.length; ) {
      // Cards side by side, as many as the canvas may be wide.
      let width = 0;
      let last = first;
      while (last < jobs.length && (last === first || width + jobs[last]!.target.canvas.width <= this.maxWidth)) {
        width += jobs[last]!.target.canvas.width;
        last += 1;
      }
      results.push(...this.drawStrip(jobs.slice(first, last), width));
      first = last;
    }
    return results;
  }

  private drawStrip(jobs: readonly CardJob[], width: number): CardResult[] {
    const height = Math.max(...jobs.map((j) => j.target.canvas.height));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    const strip = { width, height };
    let x = 0;
    const placed = jobs.map((job): { drawn: DrawnCard; at: number } | { error: string; at: number } => {
      const at = x;
      x += job.target.canvas.width;
      try {
        const drawn = this.plan(job);
        this.renderer.upload(drawn.params);
        this.renderer.draw(drawn.params, placeIn(drawn.transform, strip, at), { x: at, width: job.target.canvas.width });
        this.draws += 1;
        return { drawn, at };
      } catch (error) {
        return { error: error instanceof Error ? error.message : String(error), at };
      }
    });
    // One read-back of the strip (the first copy); the others copy from the same snapshot.
    return placed.map((result, i) => {
      if ("error" in result) return { error: result.error };
      const target = jobs[i]!.target;
      const { width: w, height: h } = target.canvas;
      target.drawImage(this.canvas, result.at, 0, w, h, 0, 0, w, h);
      return { drawn: result.drawn };
    });
  }

  /** What a job draws: its planes (reduced when the card is small) and its transform. */
  private plan({ target, params, geometry }: CardJob): DrawnCard {
    const size = { width: target.canvas.width, height: target.canvas.height };
    const view = ViewTransform.forView(geometry, size);
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
      transform: ViewTransform.forView(reducedView, size),
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

/**
 * A card's transform (made for a canvas of the card's size) moved into a strip of cards: the card
 * sits at x = `at` on the top edge of a canvas of size `strip`, and every card pixel shows the
 * same image point as before (the shader's viewport is the whole strip, the draw is scissored to
 * the card).
 */
function placeIn(transform: ViewTransform, strip: { width: number; height: number }, at: number): ViewTransform {
  const centre = transform.canvasToImage(strip.width / 2 - at, strip.height / 2);
  const zoom = transform.scaleY;
  // forView puts (panX, panY) at the strip's centre: the image point the card shows there.
  return ViewTransform.forView({ zoom, panX: centre.x, panY: centre.y }, strip, transform.scaleX / transform.scaleY);
}
