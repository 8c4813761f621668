// The embeddable EXR viewer, with no knowledge of TensorBoard (docs/viewer-api.md): it holds the
// images and the view state and composes the parts that do the work — draw_plan.ts (what a frame
// shows, without side effects), the renderer (uploads and draws), texture_residency.ts (which
// textures stay), overlay.ts (the 2-D layer), pixel_readout.ts (readout, statistics) and
// interaction.ts (pointer and keys).

import type { DecodeOptions, ExrImage } from "../decoder/types.js";
import { effectiveEpsilon, RELATIVE_MSE_METRIC, TONEMAPS } from "../render/pipeline.js";
import { Renderer } from "../render/renderer.js";
import { ViewTransform } from "../render/view_transform.js";
import {
  activeLayerOf,
  displayedColour,
  displayedSlot,
  drawParams,
  pinErrorView,
  planFrame,
  type Scene,
  sideView,
  slotOf,
  type Theme,
  viewPixelAspect,
  wipeSplit,
} from "./draw_plan.js";
import { luminances, type RobustRange, robustRange, type ShownValues, toneForRange } from "./auto_exposure.js";
import { imageId } from "./image_ids.js";
import { type ViewControls, ViewerInput } from "./interaction.js";
import { layerChannels } from "./layers.js";
import { type ComparisonStatistics, comparisonStatistics } from "./pair_errors.js";
import { drawOverlay, type OverlayContent, type PixelLabel } from "./overlay.js";
import {
  type HoverInfo,
  inspectPixel,
  measure,
  type PinReading,
  pixelTexts,
  type ReadoutSource,
  readPins,
  sampleShown,
} from "./pixel_readout.js";
import { DEFAULT_VIEW, fitView, frameRect, MAX_ZOOM, MIN_ZOOM, round6, type ViewState } from "./state.js";
import type { ImageStatistics, PixelRect } from "./statistics.js";
import { DEFAULT_TEXTURE_BUDGET_BYTES, TextureResidency } from "./texture_residency.js";
import { readTheme } from "./theme.js";

export { isTextInput } from "./interaction.js";
export type { RobustRange, ShownValues } from "./auto_exposure.js";
export type { ComparisonStatistics, PairErrors } from "./pair_errors.js";
export type { ChannelReading, HoverInfo, PinReading } from "./pixel_readout.js";
export { DEFAULT_TEXTURE_BUDGET_BYTES } from "./texture_residency.js";

/** Anything that turns EXR bytes into an ExrImage (the wasm worker pool does). */
export interface ExrDecoder {
  decode(bytes: ArrayBuffer, options?: DecodeOptions): Promise<ExrImage>;
}

export interface RenderInfo {
  frame: number;
  /** Milliseconds spent in the draw call (CPU side). */
  drawMs: number;
}

export interface ViewerEvents {
  state: ViewState;
  hover: HoverInfo | null;
  render: RenderInfo;
  error: string;
}

export interface ViewerOptions {
  /** Where keyboard shortcuts are listened for (default: the viewer element, which is focusable). */
  keyboardTarget?: HTMLElement | Document;
  /** Used by loadBytes(). */
  decoder?: ExrDecoder;
  /**
   * GPU memory for the textures of recently shown images (default 256 MiB): going back to one of
   * them (e.g. the previous training step) then needs no upload at all.
   */
  textureBudgetBytes?: number;
}

type Listener<T> = (value: T) => void;

const VIEWER_CSS_CLASS = "exr-viewer";

export class Viewer {
  /** Root element; carries data-* attributes describing what was last rendered. */
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly message: HTMLDivElement;
  private readonly renderer: Renderer;
  private readonly textures: TextureResidency;
  private readonly input: ViewerInput;
  private readonly listeners = new Map<keyof ViewerEvents, Set<Listener<never>>>();
  private readonly cleanups: Array<() => void> = [];
  private viewState: ViewState = { ...DEFAULT_VIEW };
  private readonly scene: Scene = { current: null, reference: null, metricImage: null };
  private frame = 0;
  private pendingFrame = 0;
  private viewFitted = false;
  /**
   * The view is the fit and nobody has zoomed or panned since: a resize of the canvas (the window,
   * a toolbar that wraps onto a second line once an image's controls appear) fits it again.
   */
  private followsFit = false;
  /** What the last overlay drawing wrote in the pixels (pixelLabels()). */
  private labels: PixelLabel[] = [];
  /** What auto exposure last fitted (fitKey()): it fits again when what is shown changes. */
  private fittedKey: string | null = null;
  /**
   * What auto exposure measures instead of this viewer's own view, while set: e.g. the overview's
   * cards on screen, whose settings are this viewer's state.
   */
  rangeSource: (() => ShownValues[]) | null = null;

  constructor(container: HTMLElement, private readonly options: ViewerOptions = {}) {
    this.element = document.createElement("div");
    this.element.className = VIEWER_CSS_CLASS;
    this.element.tabIndex = 0;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "exr-viewer-canvas";
    this.overlay = document.createElement("canvas");
    this.overlay.className = "exr-viewer-overlay";
    this.message = document.createElement("div");
    this.message.className = "exr-viewer-message";
    this.message.hidden = true;
    this.element.append(this.canvas, this.overlay, this.message);
    container.append(this.element);
    this.renderer = new Renderer(this.canvas);
    // Shader pipelines built while the first image is fetched and decoded (Renderer.prewarm).
    this.renderer.prewarm();
    this.textures = new TextureResidency(this.renderer, options.textureBudgetBytes ?? DEFAULT_TEXTURE_BUDGET_BYTES);
    this.input = new ViewerInput(this.element, this.canvas, options.keyboardTarget ?? this.element, this.controls());
    this.cleanups.push(() => this.input.dispose());
    const resize = new ResizeObserver(() => {
      this.syncCanvasSize();
      this.invalidate();
    });
    resize.observe(this.element);
    this.cleanups.push(() => resize.disconnect());
    this.writeAttributes();
  }

  // ---- images ----------------------------------------------------------------------------

  /**
   * Shows an image (null clears). The view (zoom, pan, layer, exposure...) is kept when the new
   * image has the same size, so stepping through training steps never jumps; otherwise it fits.
   * Renders synchronously: when this returns, the image is on screen.
   */
  setImage(image: ExrImage | null): void {
    const previous = this.scene.current;
    this.scene.current = slotOf(image);
    if (image) this.textures.shown(image);
    this.showMessage(null);
    if (image && (!previous || !this.viewFitted || !sameGeometry(previous.image, image))) {
      this.fitNow();
    }
    this.textures.release(this.scene);
    this.drawNow();
  }

  /** Sets the reference image B used by metrics and by display: "reference". */
  setReference(image: ExrImage | null): void {
    this.scene.reference = slotOf(image);
    this.textures.release(this.scene);
    this.invalidate();
  }

  /**
   * An error map of the current image against the reference computed outside the viewer (the
   * server's FLIP): shown, through exposure and tonemap, while an external metric (`flip-ldr`,
   * `flip-hdr`) is chosen. Its first layer is used. null clears it.
   */
  setMetricImage(image: ExrImage | null): void {
    this.scene.metricImage = slotOf(image);
    this.textures.release(this.scene);
    this.invalidate();
  }

  get metricMapImage(): ExrImage | null {
    return this.scene.metricImage?.image ?? null;
  }

  get image(): ExrImage | null {
    return this.scene.current?.image ?? null;
  }

  get referenceImage(): ExrImage | null {
    return this.scene.reference?.image ?? null;
  }

  /** Decodes EXR bytes with the configured decoder and shows the result. */
  async loadBytes(bytes: ArrayBuffer, options: DecodeOptions = {}): Promise<ExrImage> {
    if (!this.options.decoder) throw new Error("Viewer.loadBytes needs a decoder (ViewerOptions.decoder)");
    const image = await this.options.decoder.decode(bytes, options);
    this.setImage(image);
    return image;
  }

  /** Layer names of the current image, in menu order. */
  layers(): string[] {
    return this.scene.current?.layers.map((l) => l.name) ?? [];
  }

  /** The view of each layer of layers() in a multi-view file ("left", "right", ...); null outside views. */
  layerViews(): Array<string | null> {
    return this.scene.current?.layers.map((l) => l.view ?? null) ?? [];
  }

  /** Name of the layer that is displayed (state.layer, or the first layer when that is absent). */
  activeLayer(): string | null {
    return activeLayerOf(this.scene, this.viewState)?.name ?? null;
  }

  // ---- state -----------------------------------------------------------------------------

  get state(): ViewState {
    return { ...this.viewState };
  }

  setState(patch: Partial<ViewState>): void {
    const next = { ...this.viewState, ...patch };
    const s = this.viewState;
    if (next.zoom !== s.zoom || next.panX !== s.panX || next.panY !== s.panY) this.followsFit = false;
    // Exposure or offset set by hand ends auto exposure; turning it on (or unlocking) fits again.
    if ((next.exposure !== s.exposure || next.offset !== s.offset) && patch.autoExposure === undefined) next.autoExposure = false;
    if (next.autoExposure && (!s.autoExposure || (s.rangeLocked && !next.rangeLocked))) this.fittedKey = null;
    next.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, next.zoom));
    if (!(next.gamma > 0.01)) next.gamma = 0.01;
    if (!TONEMAPS.some((t) => t.id === next.tonemap)) throw new Error(`unknown tonemap "${next.tonemap}"`);
    this.viewState = next;
    // Scheduled before listeners run, so a read-back they make draws (and uploads) the new state.
    this.invalidate();
    this.emit("state", this.state);
  }

  /** Fits the image (data window and display window) into the canvas. */
  fit(): void {
    this.fitNow();
    this.invalidate();
    this.emit("state", this.state);
  }

  /** One image pixel per device pixel, about the canvas centre. */
  actualSize(): void {
    this.setState({ zoom: 1, panX: Math.round(this.viewState.panX), panY: Math.round(this.viewState.panY) });
  }

  /** Zooms by `factor` keeping the image point under canvas position (cx, cy) fixed. */
  zoomAbout(factor: number, cx: number, cy: number): void {
    const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.viewState.zoom * factor));
    const transform = this.transform();
    this.setState({ zoom, ...transform.panKeeping(transform.canvasToImage(cx, cy), { x: cx, y: cy }, zoom) });
  }

  /**
   * Auto exposure (N): fits exposure and offset now to the robust range of what is shown
   * (auto_exposure.ts: its 0.5–99.5th percentiles of luminance fill the display), locked or not,
   * and from then on to each new image, layer or metric unless the range is locked (L). Returns
   * the range measured (null: nothing to measure, nothing changed but the mode).
   */
  autoExpose(): RobustRange | null {
    this.flush();
    const fit = this.measureRange();
    this.fittedKey = this.fitKey();
    this.setState({ autoExposure: true, ...fit?.tone });
    return fit?.range ?? null;
  }

  /** Pins the image pixel under canvas pixel (x, y) (device px), or unpins it (P). */
  togglePinAt(x: number, y: number): void {
    const point = this.transform().imagePixelAt(x, y);
    const pins = this.viewState.pins;
    const at = pins.findIndex((p) => p.x === point.x && p.y === point.y);
    this.setState({ pins: at >= 0 ? pins.filter((_, i) => i !== at) : [...pins, point] });
  }

  /** The ε the relative formulas use now: the metric's (or relMSE's, for a metric without one). */
  epsilon(): number {
    const { metric, epsilon } = this.viewState;
    return effectiveEpsilon(metric, epsilon) || effectiveEpsilon(RELATIVE_MSE_METRIC, epsilon);
  }

  /** Resets exposure, offset and gamma. */
  resetTone(): void {
    this.setState({ exposure: DEFAULT_VIEW.exposure, offset: DEFAULT_VIEW.offset, gamma: DEFAULT_VIEW.gamma });
  }

  /** Shows a message in place of the image (null hides it). */
  showMessage(text: string | null, kind: "error" | "info" = "error"): void {
    this.message.hidden = text === null;
    this.message.textContent = text ?? "";
    this.message.dataset["kind"] = kind;
    if (text === null) delete this.element.dataset["error"];
    else if (kind === "error") this.element.dataset["error"] = text;
  }

  /** Applies the viewer's own shortcuts; returns true when the key was one of them. */
  handleKey(event: KeyboardEvent): boolean {
    return this.input.handleKey(event);
  }

  // ---- events ----------------------------------------------------------------------------

  on<K extends keyof ViewerEvents>(type: K, listener: Listener<ViewerEvents[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  // ---- inspection (tests, readout) -------------------------------------------------------

  /** Draws now and returns the RGBA8 of canvas pixel (x, y), top-left origin, device pixels. */
  readPixel(x: number, y: number): [number, number, number, number] {
    this.drawNow();
    return this.renderer.readPixel(x, y);
  }

  /** Canvas pixel (device px, top-left origin) whose centre lies in image pixel (ix, iy), if any. */
  canvasPointOf(ix: number, iy: number): { x: number; y: number } {
    return this.transform().canvasPixelOf(ix, iy);
  }

  /** Image pixel under canvas pixel (x, y) (device px). */
  imagePointOf(x: number, y: number): { x: number; y: number } {
    return this.transform().imagePixelAt(x, y);
  }

  /** Exact decoded values of the current layer at canvas pixel (x, y), and what is displayed there. */
  inspect(x: number, y: number): HoverInfo | null {
    this.flush();
    return inspectPixel(this.readoutSource(), x, y);
  }

  /**
   * Statistics and a log-spaced histogram of what is shown (the current image's colour channels,
   * or the error map) over `region` (default: state.region, else the whole data window).
   * Values are read back from the GPU pipeline before exposure. null without an image.
   */
  statistics(region: PixelRect | null = this.viewState.region): ImageStatistics | null {
    this.flush();
    return measure(this.readoutSource(), region);
  }

  /** What each pin shows now: its values in the current image and the reference, and the error there. */
  pinReadings(): PinReading[] {
    this.flush();
    return readPins(this.readoutSource());
  }

  /**
   * MSE, relMSE and PSNR of the current image against the reference on the active layer, over
   * `region` and over the whole image (pair_errors.ts, from the decoded values); null without a
   * reference that has the layer.
   */
  comparison(region: PixelRect | null = this.viewState.region): ComparisonStatistics | null {
    return comparisonStatistics(this.scene, this.viewState, region);
  }

  /**
   * The view as shown (tonemapped; the overlay of pins, outlines and values left out) as RGBA8
   * pixels: at the canvas's resolution ("canvas", the pixels readPixel reads), or one pixel per
   * image pixel over the frame Fit shows ("actual", the wipe's line at the same fraction). null
   * without an image.
   */
  renderView(resolution: "canvas" | "actual"): ImageData | null {
    const layer = activeLayerOf(this.scene, this.viewState);
    const part = layer && this.scene.current?.image.parts[layer.partIndex];
    if (!part) return null;
    const actual = resolution === "actual";
    // At 1:1 no grid (it starts at zoom 16) and no view-dependent sampling.
    const state = actual ? { ...this.viewState, zoom: 1 } : this.viewState;
    const transform = actual ? ViewTransform.pixelForPixel(frameRect(part)) : this.transform();
    const parts = planFrame(this.scene, state, this.theme(), transform.viewport.width);
    for (const { params } of parts) this.renderer.upload(params);
    const { width, height } = transform.viewport;
    return new ImageData(this.renderer.renderPixels(parts, transform), width, height);
  }

  /** The values written in the pixels by the last overlay drawing (empty below VALUES_MIN_ZOOM). */
  pixelLabels(): readonly PixelLabel[] {
    return this.labels;
  }

  /** GPU counters, for tests and benchmarks: plane uploads, texture bytes, frames, metric-map passes. */
  stats(): { uploads: number; textureBytes: number; frame: number; metricPasses: number } {
    const r = this.renderer;
    return { uploads: r.uploads, textureBytes: r.textureBytes, frame: this.frame, metricPasses: r.metricPasses };
  }

  destroy(): void {
    cancelAnimationFrame(this.pendingFrame);
    this.cleanups.forEach((c) => c());
    this.renderer.dispose();
    this.element.remove();
  }

  // ---- rendering -------------------------------------------------------------------------

  /** Schedules a redraw on the next animation frame (coalesced). */
  invalidate(): void {
    if (this.pendingFrame) return;
    this.pendingFrame = requestAnimationFrame(() => {
      this.pendingFrame = 0;
      this.drawNow();
    });
  }

  /** Draws the frame now if one is scheduled, so read-backs see (and find uploaded) what is shown. */
  private flush(): void {
    if (this.pendingFrame) this.drawNow();
  }

  private drawNow(): void {
    if (this.pendingFrame) {
      cancelAnimationFrame(this.pendingFrame);
      this.pendingFrame = 0;
    }
    const started = performance.now();
    const { width, height } = this.syncCanvasSize();
    if (this.overlay.width !== width || this.overlay.height !== height) {
      this.overlay.width = width;
      this.overlay.height = height;
    }
    const theme = this.theme();
    const parts = planFrame(this.scene, this.viewState, theme, width);
    let drawn = parts.length > 0;
    try {
      // The one place planes are uploaded: those the frame draws, those statistics() of this
      // state reads (the same, but for a wipe while the reference is held on screen), and those
      // the pins' error is read from (the reference's too, when no metric is shown).
      const measured = drawParams(this.scene, this.viewState, theme);
      const pinned = this.viewState.pins.length > 0 ? drawParams(this.scene, pinErrorView(this.viewState), theme) : null;
      for (const params of [...parts.map((p) => p.params), measured, pinned]) if (params) this.renderer.upload(params);
      const transform = this.transform();
      for (const { params, band } of parts) this.renderer.draw(params, transform, band);
      // Auto exposure follows what is shown: fitted again, and drawn again, before anyone sees it.
      if (drawn && this.refit()) return this.drawNow();
    } catch (error) {
      // e.g. a plane too large for the GPU, or no SSIM map: say so instead of a blank canvas
      drawn = false;
      this.showMessage(String(error instanceof Error ? error.message : error));
      this.emit("error", this.message.textContent ?? "");
    }
    if (!drawn) this.renderer.clear(theme.background);
    this.labels = drawOverlay(this.overlay, this.overlayContent(theme));
    this.frame += 1;
    this.writeAttributes(drawn);
    this.emit("render", { frame: this.frame, drawMs: performance.now() - started });
    if (this.input.pointer) this.emitHover();
  }

  /** The canvas↔image transform of the view state (non-square pixels drawn as the file says). */
  private transform(): ViewTransform {
    this.syncCanvasSize();
    return ViewTransform.forView(this.viewState, this.canvas, viewPixelAspect(this.scene, this.viewState));
  }

  /**
   * Brings the canvas to its layout size now rather than at the next ResizeObserver callback, so a
   * position computed from the transform and the frame drawn next agree; a view that is the fit
   * (`followsFit`) fits the new size. A hidden viewer (no layout box) keeps its size and fit.
   */
  private syncCanvasSize(): { width: number; height: number } {
    const before = { width: this.canvas.width, height: this.canvas.height };
    if (this.element.clientWidth === 0 || this.element.clientHeight === 0) return before;
    const size = this.renderer.resize();
    if ((size.width !== before.width || size.height !== before.height) && this.followsFit && this.scene.current) {
      this.fitNow();
      this.invalidate();
      this.emit("state", this.state);
    }
    return size;
  }

  /** Fits exposure and offset when auto exposure is on, unlocked, and what is shown changed; true when they changed. */
  private refit(): boolean {
    const s = this.viewState;
    if (!s.autoExposure || s.rangeLocked) return false;
    const key = this.fitKey();
    if (key === this.fittedKey) return false;
    this.fittedKey = key;
    const tone = this.measureRange()?.tone;
    if (!tone || (tone.exposure === s.exposure && tone.offset === s.offset)) return false;
    this.setState({ ...tone, autoExposure: true });
    return true;
  }

  /** The robust range of what the view shows (the current side: holding Shift does not refit) and the tone fitting it. */
  private measureRange(): { range: RobustRange; tone: { exposure: number; offset: number } } | null {
    const source = { ...this.readoutSource(), state: { ...this.viewState, display: "current" as const } };
    const shown = this.rangeSource ? this.rangeSource() : [sampleShown(source)].filter((v) => v !== null);
    const range = robustRange(Float64Array.from(shown.flatMap((values) => Array.from(luminances(values)))));
    const tone = range ? toneForRange(range, this.viewState.tonemap) : null;
    return range && tone ? { range, tone } : null;
  }

  /** What auto exposure measures: the images, and the view settings that change the values shown. */
  private fitKey(): string {
    const { layer, metric, epsilon, convertPrimaries, tonemap } = this.viewState;
    const images = [this.scene.current, this.scene.reference, this.scene.metricImage].map((slot) => imageId(slot?.image));
    return JSON.stringify([images, layer, metric, epsilon, convertPrimaries, tonemap]);
  }

  private wipeSplit(): number | null {
    return wipeSplit(this.scene, this.viewState, this.canvas.width);
  }

  private readoutSource(theme: Theme = this.theme()): ReadoutSource {
    return {
      scene: this.scene,
      state: this.viewState,
      transform: this.transform(),
      split: this.wipeSplit(),
      theme,
      renderer: this.renderer,
    };
  }

  private overlayContent(theme: Theme): OverlayContent | null {
    const state = this.viewState;
    const slot = displayedSlot(this.scene, state);
    const layer = activeLayerOf(this.scene, state);
    if (!slot || !layer) return null;
    const source = this.readoutSource(theme);
    return {
      transform: source.transform,
      state,
      split: source.split,
      part: slot.image.parts[layer.partIndex]!,
      lines: layerChannels(slot.layers.find((l) => l.name === layer.name) ?? layer).length,
      textsOf: (side, visible) => pixelTexts(source, sideView(state, side), layer, visible),
    };
  }

  private writeAttributes(rendered = false): void {
    const s = this.viewState;
    const d = this.element.dataset;
    d["ready"] = rendered ? "1" : "0";
    d["frame"] = String(this.frame);
    d["exposure"] = formatNumber(s.exposure);
    d["offset"] = formatNumber(s.offset);
    d["gamma"] = formatNumber(s.gamma);
    d["tonemap"] = s.tonemap;
    d["metric"] = s.metric;
    d["display"] = s.display;
    d["layer"] = this.activeLayer() ?? "";
    d["zoom"] = formatNumber(s.zoom);
    d["pan"] = `${formatNumber(s.panX)},${formatNumber(s.panY)}`;
    d["nonFinite"] = s.showNonFinite ? "1" : "0";
    d["primaries"] = s.convertPrimaries ? "converted" : "file";
    const colour = displayedColour(this.scene, s);
    if (colour) d["colour"] = colour;
    else delete d["colour"];
    d["windows"] = s.showWindows ? "1" : "0";
    d["autoExposure"] = s.autoExposure ? "1" : "0";
    d["locked"] = s.rangeLocked ? "1" : "0";
    d["epsilon"] = String(this.epsilon());
    d["pins"] = s.pins.map((p) => `${p.x},${p.y}`).join(";");
    if (s.region) d["region"] = `${s.region.x},${s.region.y},${s.region.width},${s.region.height}`;
    else delete d["region"];
    const split = this.wipeSplit();
    if (split === null) delete d["wipe"];
    else d["wipe"] = String(split);
  }

  /** What pointer and keys may do (interaction.ts). */
  private controls(): ViewControls {
    return {
      state: () => this.state,
      setState: (patch) => this.setState(patch),
      zoomAbout: (factor, x, y) => this.zoomAbout(factor, x, y),
      fit: () => this.fit(),
      actualSize: () => this.actualSize(),
      resetTone: () => this.resetTone(),
      autoExpose: () => void this.autoExpose(),
      togglePinAt: (x, y) => this.togglePinAt(x, y),
      epsilon: () => this.epsilon(),
      layers: () => this.layers(),
      activeLayer: () => this.activeLayer(),
      hasReference: () => this.scene.reference !== null,
      transform: () => this.transform(),
      wipeSplit: () => this.wipeSplit(),
      hover: (point) => (point ? this.emitHover() : this.emit("hover", null)),
    };
  }

  private emitHover(): void {
    const pointer = this.input.pointer;
    if (pointer) this.emit("hover", this.inspect(pointer.x, pointer.y));
  }

  private fitNow(): void {
    const slot = this.scene.current;
    if (!slot) return;
    this.renderer.resize();
    const part = slot.image.parts[activeLayerOf(this.scene, this.viewState)?.partIndex ?? 0]!;
    this.viewState = { ...this.viewState, ...fitView(part, this.canvas) };
    this.viewFitted = true;
    this.followsFit = true;
  }

  private theme(): Theme {
    return readTheme(this.element);
  }

  private emit<K extends keyof ViewerEvents>(type: K, value: ViewerEvents[K]): void {
    this.listeners.get(type)?.forEach((listener) => (listener as Listener<ViewerEvents[K]>)(value));
  }
}

function sameGeometry(a: ExrImage, b: ExrImage): boolean {
  const pa = a.parts[0];
  const pb = b.parts[0];
  if (!pa || !pb) return false;
  const eq = (x: typeof pa.dataWindow, y: typeof pa.dataWindow) =>
    x.xMin === y.xMin && x.yMin === y.yMin && x.xMax === y.xMax && x.yMax === y.yMax;
  return eq(pa.dataWindow, pb.dataWindow) && eq(pa.displayWindow, pb.displayWindow);
}

function formatNumber(x: number): string {
  return String(round6(x));
}
