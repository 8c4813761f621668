// The embeddable EXR viewer: renderer + interaction + readout, with no knowledge of TensorBoard.
// See docs/viewer-api.md for the public API.

import type { DecodeOptions, ExrChannel, ExrImage } from "../decoder/types.js";
import { EXTERNAL_METRIC_CODE, type Metric, metricCode, TONEMAPS, tonemapCode } from "../render/pipeline.js";
import { type DrawParams, type PlaneSet, Renderer } from "../render/renderer.js";
import { channelValue, formatValue, groupLayers, type Layer, layerChannels } from "./layers.js";
import { computeStatistics, type ImageStatistics, type PixelRect } from "./statistics.js";

/** The in-pixel texts of one image pixel, or null where nothing is shown. */
type PixelTexts = (x: number, y: number) => string[] | null;
import {
  DEFAULT_VIEW,
  EXPOSURE_STEP,
  GAMMA_STEP,
  GRID_MIN_ZOOM,
  MAX_ZOOM,
  MIN_ZOOM,
  OFFSET_STEP,
  VALUES_MIN_ZOOM,
  type ViewState,
} from "./state.js";

/** Anything that turns EXR bytes into an ExrImage (the wasm worker pool does). */
export interface ExrDecoder {
  decode(bytes: ArrayBuffer, options?: DecodeOptions): Promise<ExrImage>;
}

export interface ChannelReading {
  channel: string;
  pixelType: ExrChannel["pixelType"];
  value: number;
  /** Shortest text that reads back as exactly this value of the channel's type. */
  text: string;
}

export interface HoverInfo {
  /** EXR pixel coordinates (display-window space). */
  x: number;
  y: number;
  /** False when the pixel is outside the data window (then there are no readings). */
  inside: boolean;
  layer: string;
  readings: ChannelReading[];
  /** The displayed sRGB value, 0–255, as the shader produced it. */
  displayed: [number, number, number];
  /** Exact values of the reference image B at the pixel (empty without a reference). */
  referenceReadings: ChannelReading[];
  /** The metric shown at this pixel ("none" when the pixel shows an image, not an error map). */
  metric: Metric;
  /** The error map's value per colour channel at the pixel, as the GPU computed it (before exposure). */
  metricValue: number[] | null;
  /** Which side of the wipe the pixel is on (null without a wipe). */
  wipeSide: "a" | "b" | null;
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

export const DEFAULT_TEXTURE_BUDGET_BYTES = 256 * 1024 * 1024;

type Listener<T> = (value: T) => void;

interface ImageSlot {
  image: ExrImage;
  layers: Layer[];
}

const VIEWER_CSS_CLASS = "exr-viewer";

export class Viewer {
  /** Root element; carries data-* attributes describing what was last rendered. */
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly message: HTMLDivElement;
  private readonly renderer: Renderer;
  private readonly listeners = new Map<keyof ViewerEvents, Set<Listener<never>>>();
  private readonly cleanups: Array<() => void> = [];
  private viewState: ViewState = { ...DEFAULT_VIEW };
  private current: ImageSlot | null = null;
  private reference: ImageSlot | null = null;
  /** An error map computed elsewhere (FLIP from the server), shown for the external metrics. */
  private metricImage: ImageSlot | null = null;
  private frame = 0;
  private pendingFrame = 0;
  private pointer: { x: number; y: number } | null = null;
  private drag: { x: number; y: number; panX: number; panY: number } | null = null;
  private wipeDrag = false;
  private regionDrag: { x: number; y: number } | null = null;
  private viewFitted = false;
  /** Recently shown images, most recent last; their textures stay while they fit the budget. */
  private recent: ExrImage[] = [];
  /** What drawOverlay wrote in the pixels (pixelLabels()). */
  private labels: { x: number; y: number; texts: string[] }[] = [];

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
    this.bindInteraction(options.keyboardTarget ?? this.element);
    const resize = new ResizeObserver(() => this.invalidate());
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
    const previous = this.current;
    this.current = image ? { image, layers: groupLayers(image) } : null;
    if (image) this.recent = [...this.recent.filter((r) => r !== image), image];
    this.showMessage(null);
    if (image && (!previous || !this.viewFitted || !sameGeometry(previous.image, image))) {
      this.fitNow();
    }
    this.releaseUnusedTextures();
    this.drawNow();
  }

  /** Sets the reference image B used by metrics and by display: "reference". */
  setReference(image: ExrImage | null): void {
    this.reference = image ? { image, layers: groupLayers(image) } : null;
    this.releaseUnusedTextures();
    this.invalidate();
  }

  /**
   * An error map of the current image against the reference computed outside the viewer (the
   * server's FLIP): shown, through exposure and tonemap, while an external metric (`flip-ldr`,
   * `flip-hdr`) is chosen. Its first layer is used. null clears it.
   */
  setMetricImage(image: ExrImage | null): void {
    this.metricImage = image ? { image, layers: groupLayers(image) } : null;
    this.releaseUnusedTextures();
    this.invalidate();
  }

  get metricMapImage(): ExrImage | null {
    return this.metricImage?.image ?? null;
  }

  get image(): ExrImage | null {
    return this.current?.image ?? null;
  }

  get referenceImage(): ExrImage | null {
    return this.reference?.image ?? null;
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
    return this.current?.layers.map((l) => l.name) ?? [];
  }

  /** Name of the layer that is displayed (state.layer, or the first layer when that is absent). */
  activeLayer(): string | null {
    return this.currentLayer()?.name ?? null;
  }

  // ---- state -----------------------------------------------------------------------------

  get state(): ViewState {
    return { ...this.viewState };
  }

  setState(patch: Partial<ViewState>): void {
    const next = { ...this.viewState, ...patch };
    next.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, next.zoom));
    if (!(next.gamma > 0.01)) next.gamma = 0.01;
    if (!TONEMAPS.some((t) => t.id === next.tonemap)) throw new Error(`unknown tonemap "${next.tonemap}"`);
    this.viewState = next;
    this.emit("state", this.state);
    this.invalidate();
  }

  /** Fits the image (data window and display window) into the canvas. */
  fit(): void {
    this.fitNow();
    this.emit("state", this.state);
    this.invalidate();
  }

  /** One image pixel per device pixel, about the canvas centre. */
  actualSize(): void {
    this.setState({ zoom: 1, panX: Math.round(this.viewState.panX), panY: Math.round(this.viewState.panY) });
  }

  /** Zooms by `factor` keeping the image point under canvas position (cx, cy) fixed. */
  zoomAbout(factor: number, cx: number, cy: number): void {
    const s = this.viewState;
    const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, s.zoom * factor));
    const { width, height } = this.canvasSize();
    const ix = (cx - width / 2) / s.zoom + s.panX;
    const iy = (cy - height / 2) / s.zoom + s.panY;
    this.setState({ zoom, panX: ix - (cx - width / 2) / zoom, panY: iy - (cy - height / 2) / zoom });
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
    const s = this.viewState;
    const { width, height } = this.canvasSize();
    return {
      x: Math.floor((ix + 0.5 - s.panX) * s.zoom + width / 2),
      y: Math.floor((iy + 0.5 - s.panY) * s.zoom + height / 2),
    };
  }

  /** Image pixel under canvas pixel (x, y) (device px). */
  imagePointOf(x: number, y: number): { x: number; y: number } {
    const s = this.viewState;
    const { width, height } = this.canvasSize();
    return {
      x: Math.floor((x + 0.5 - width / 2) / s.zoom + s.panX),
      y: Math.floor((y + 0.5 - height / 2) / s.zoom + s.panY),
    };
  }

  /** Exact decoded values of the current layer at canvas pixel (x, y), and what is displayed there. */
  inspect(x: number, y: number): HoverInfo | null {
    const layer = this.currentLayer();
    const side = this.wipeSideOf(x);
    const view = this.sideView(side);
    const slot = view.display === "reference" && this.reference ? this.reference : this.current;
    if (!layer || !slot) return null;
    const point = this.imagePointOf(x, y);
    const readingsOf = (of: ImageSlot | null): ChannelReading[] | null => {
      if (!of) return null;
      const ofLayer = of.layers.find((l) => l.name === layer.name);
      if (!ofLayer) return null;
      const part = of.image.parts[ofLayer.partIndex]!;
      const tx = point.x - part.dataWindow.xMin;
      const ty = point.y - part.dataWindow.yMin;
      if (tx < 0 || ty < 0 || tx >= part.width || ty >= part.height) return null;
      return layerChannels(ofLayer).map((channel) => {
        const value = channelValue(channel, ty * part.width + tx);
        return { channel: channel.name, pixelType: channel.pixelType, value, text: formatValue(value, channel.pixelType) };
      });
    };
    const readings = readingsOf(slot);
    const params = this.drawParams(view);
    const rgba = params ? this.renderer.probe(params, x, y) : [0, 0, 0, 0];
    const comparing = params !== null && ((params.b !== null && params.metric !== 0) || this.showsExternalMap(view));
    let metricValue: number[] | null = null;
    if (comparing && readings) {
      const raw = this.renderer.probeValue(params, x, y);
      metricValue = raw.slice(0, Math.min(3, params.a.colour.length));
    }
    return {
      x: point.x,
      y: point.y,
      inside: readings !== null,
      layer: layer.name,
      readings: readings ?? [],
      displayed: [rgba[0]!, rgba[1]!, rgba[2]!],
      referenceReadings: slot === this.current ? (readingsOf(this.reference) ?? []) : [],
      metric: comparing ? view.metric : "none",
      metricValue,
      wipeSide: side,
    };
  }

  /**
   * Statistics and a log-spaced histogram of what is shown (the current image's colour channels,
   * or the error map) over `region` (default: state.region, else the whole data window).
   * Values are read back from the GPU pipeline before exposure. null without an image.
   */
  statistics(region: PixelRect | null = this.viewState.region): ImageStatistics | null {
    const view = this.viewState;
    const params = this.drawParams(view);
    const layer = this.currentLayer();
    if (!params || !layer) return null;
    const w = params.a.window;
    const x0 = Math.max(w.x, region ? region.x : w.x);
    const y0 = Math.max(w.y, region ? region.y : w.y);
    const x1 = Math.min(w.x + w.width, region ? region.x + region.width : w.x + w.width);
    const y1 = Math.min(w.y + w.height, region ? region.y + region.height : w.y + w.height);
    if (x1 <= x0 || y1 <= y0) return null;
    const rect = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    const values = this.renderer.readValues(params, rect);
    const external = this.showsExternalMap(view);
    const comparing = external || (params.b !== null && params.metric !== 0);
    const names = external ? ["FLIP"] : layer.colour.slice(0, 3).map((c) => c.name);
    return computeStatistics(values, names, rect, comparing ? view.metric : "image");
  }

  /** GPU upload counters, for tests and benchmarks. */
  stats(): { uploads: number; textureBytes: number; frame: number } {
    return { uploads: this.renderer.uploads, textureBytes: this.renderer.textureBytes, frame: this.frame };
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

  private drawNow(): void {
    if (this.pendingFrame) {
      cancelAnimationFrame(this.pendingFrame);
      this.pendingFrame = 0;
    }
    const started = performance.now();
    const { width, height } = this.renderer.resize();
    if (this.overlay.width !== width || this.overlay.height !== height) {
      this.overlay.width = width;
      this.overlay.height = height;
    }
    let params: DrawParams | null = null;
    let wipeParams: DrawParams | null = null;
    const split = this.wipeX();
    try {
      params = this.drawParams(this.sideView(split === null ? null : "a"));
      if (split !== null) wipeParams = this.drawParams(this.sideView("b"));
    } catch (error) {
      this.showMessage(String(error instanceof Error ? error.message : error));
      this.emit("error", this.message.textContent ?? "");
    }
    try {
      if (params && wipeParams && split !== null) {
        this.renderer.draw(params, { x: 0, width: split });
        this.renderer.draw(wipeParams, { x: split, width: width - split });
      } else if (params) this.renderer.draw(params);
    } catch (error) {
      // e.g. a GPU that cannot render the SSIM map: say so instead of a blank canvas
      params = null;
      this.showMessage(String(error instanceof Error ? error.message : error));
      this.emit("error", this.message.textContent ?? "");
    }
    if (!params) this.renderer.clear(this.themeColour("--exr-canvas-bg", [0.12, 0.12, 0.12]));
    this.drawOverlay();
    this.frame += 1;
    this.writeAttributes(params !== null);
    this.emit("render", { frame: this.frame, drawMs: performance.now() - started });
    if (this.pointer) this.emitHover();
  }

  /** Canvas x (device px) of the wipe line, or null when there is no wipe to draw. */
  private wipeX(): number | null {
    const wipe = this.viewState.wipe;
    if (wipe === null || !this.reference || !this.current) return null;
    return Math.round(Math.min(1, Math.max(0, wipe)) * this.canvas.width);
  }

  /** Side of the wipe line that canvas x is on (null without a wipe). */
  private wipeSideOf(x: number): "a" | "b" | null {
    const split = this.wipeX();
    if (split === null) return null;
    return x < split ? "a" : "b";
  }

  /**
   * What one side of the wipe shows: A is the current image as it is; B is the error map when a
   * metric is chosen, otherwise the reference image. Without a wipe, the view state itself.
   */
  private sideView(side: "a" | "b" | null): ViewState {
    const s = this.viewState;
    if (side === "a") return { ...s, metric: "none", display: "current" };
    if (side === "b") return s.metric !== "none" ? { ...s, display: "current" } : { ...s, display: "reference" };
    return s;
  }

  private showsExternalMap(view: ViewState): boolean {
    return (
      metricCode(view.metric) === EXTERNAL_METRIC_CODE &&
      view.display === "current" &&
      this.metricImage !== null &&
      this.reference !== null
    );
  }

  private drawParams(view: ViewState = this.viewState): DrawParams | null {
    if (this.showsExternalMap(view) && this.current) {
      const map = this.metricImage!;
      const mapLayer = map.layers[0];
      if (mapLayer) {
        const base = this.drawParams({ ...view, metric: "none" });
        if (base) return { ...base, a: this.planesOf(map, mapLayer.name)!, b: null, metric: 0 };
      }
    }
    const layer = this.currentLayer();
    const slot = view.display === "reference" && this.reference ? this.reference : this.current;
    if (!layer || !slot) return null;
    const a = this.planesOf(slot, layer.name) ?? this.planesOf(this.current!, layer.name)!;
    const s = view;
    const compare =
      s.metric !== "none" && metricCode(s.metric) !== EXTERNAL_METRIC_CODE && s.display === "current" && this.reference !== null;
    const b = compare ? this.planesOf(this.reference!, layer.name) : null;
    const background = this.themeColour("--exr-canvas-bg", [0.12, 0.12, 0.12]);
    return {
      a,
      b,
      metric: b ? metricCode(s.metric) : 0,
      exposure: s.exposure,
      offset: s.offset,
      gamma: s.gamma,
      tonemap: tonemapCode(s.tonemap),
      showNonFinite: s.showNonFinite,
      zoom: s.zoom,
      panX: s.panX,
      panY: s.panY,
      grid: s.grid && s.zoom >= GRID_MIN_ZOOM,
      background,
      checkerDark: this.themeColour("--exr-checker-dark", [0.3, 0.3, 0.3]),
      checkerLight: this.themeColour("--exr-checker-light", [0.4, 0.4, 0.4]),
    };
  }

  /** Planes of the named layer in an image, uploaded to the GPU; null if the image lacks it. */
  private planesOf(slot: ImageSlot, layerName: string): PlaneSet | null {
    const layer = slot.layers.find((l) => l.name === layerName);
    if (!layer) return null;
    const part = slot.image.parts[layer.partIndex]!;
    for (const channel of layerChannels(layer)) this.renderer.ensureUploaded(channel, part.width, part.height);
    return {
      colour: layer.colour,
      alpha: layer.alpha,
      window: { x: part.dataWindow.xMin, y: part.dataWindow.yMin, width: part.width, height: part.height },
    };
  }

  private currentLayer(): Layer | null {
    const layers = this.current?.layers ?? [];
    return layers.find((l) => l.name === this.viewState.layer) ?? layers[0] ?? null;
  }

  private displayedSlot(): ImageSlot | null {
    if (this.viewState.display === "reference" && this.reference) return this.reference;
    return this.current;
  }

  private releaseUnusedTextures(): void {
    const keep = new Set<ExrChannel>();
    const channelsOf = (image: ExrImage) => image.parts.flatMap((p) => p.channels);
    for (const slot of [this.current, this.reference, this.metricImage]) {
      if (slot) channelsOf(slot.image).forEach((c) => keep.add(c));
    }
    let budget = this.options.textureBudgetBytes ?? DEFAULT_TEXTURE_BUDGET_BYTES;
    const kept: ExrImage[] = [];
    for (const image of [...this.recent].reverse()) {
      const bytes = channelsOf(image).reduce((sum, c) => sum + this.renderer.uploadedBytes(c), 0);
      const always = image === this.current?.image || image === this.reference?.image;
      if (!always && bytes > budget) continue;
      budget -= bytes;
      kept.push(image);
      channelsOf(image).forEach((c) => keep.add(c));
    }
    this.recent = kept.reverse();
    this.renderer.releaseExcept(keep);
  }

  private drawOverlay(): void {
    const context = this.overlay.getContext("2d");
    if (!context) return;
    context.clearRect(0, 0, this.overlay.width, this.overlay.height);
    const slot = this.displayedSlot();
    const layer = this.currentLayer();
    if (!slot || !layer) return;
    const part = slot.image.parts[layer.partIndex]!;
    const s = this.viewState;
    const { width, height } = this.canvasSize();
    const toScreen = (x: number, y: number): [number, number] => [
      (x - s.panX) * s.zoom + width / 2,
      (y - s.panY) * s.zoom + height / 2,
    ];
    const split = this.wipeX();
    if (split !== null) {
      context.fillStyle = WIPE_LINE_COLOUR;
      context.fillRect(split - 1, 0, 2, height);
      context.fillRect(split - 6, height / 2 - 12, 12, 24);
    }
    if (s.region) {
      const [rx0, ry0] = toScreen(s.region.x, s.region.y);
      const [rx1, ry1] = toScreen(s.region.x + s.region.width, s.region.y + s.region.height);
      context.strokeStyle = REGION_COLOUR;
      context.lineWidth = 1;
      context.setLineDash([4, 3]);
      context.strokeRect(Math.round(rx0) + 0.5, Math.round(ry0) + 0.5, Math.round(rx1 - rx0) - 1, Math.round(ry1 - ry0) - 1);
      context.setLineDash([]);
    }
    if (s.showWindows) {
      const outline = (box: { xMin: number; yMin: number; xMax: number; yMax: number }, colour: string) => {
        const [x0, y0] = toScreen(box.xMin, box.yMin);
        const [x1, y1] = toScreen(box.xMax + 1, box.yMax + 1);
        context.strokeStyle = colour;
        context.lineWidth = 1;
        context.setLineDash(colour === DISPLAY_WINDOW_COLOUR ? [6, 4] : []);
        context.strokeRect(Math.round(x0) + 0.5, Math.round(y0) + 0.5, Math.round(x1 - x0) - 1, Math.round(y1 - y0) - 1);
      };
      outline(part.displayWindow, DISPLAY_WINDOW_COLOUR);
      outline(part.dataWindow, DATA_WINDOW_COLOUR);
    }
    const channels = layerChannels(slot.layers.find((l) => l.name === layer.name) ?? layer);
    const lineHeight = Math.min(14, s.zoom / (channels.length + 1));
    this.labels = [];
    if (s.zoom < VALUES_MIN_ZOOM || lineHeight < 8) return;
    const ratio = window.devicePixelRatio || 1;
    context.font = `${Math.round(lineHeight * 0.85)}px ui-monospace, monospace`;
    context.textAlign = "center";
    context.textBaseline = "middle";
    context.lineWidth = Math.max(2, ratio * 2);
    context.strokeStyle = "rgba(0,0,0,0.85)";
    context.setLineDash([]);
    const x0 = Math.max(part.dataWindow.xMin, Math.floor(s.panX - width / 2 / s.zoom));
    const x1 = Math.min(part.dataWindow.xMax, Math.ceil(s.panX + width / 2 / s.zoom));
    const y0 = Math.max(part.dataWindow.yMin, Math.floor(s.panY - height / 2 / s.zoom));
    const y1 = Math.min(part.dataWindow.yMax, Math.ceil(s.panY + height / 2 / s.zoom));
    if (x1 < x0 || y1 < y0) return;
    const visible = { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
    // Each side of a wipe labels what it shows: values of A or B, or the error map's values.
    const sources = new Map<"a" | "b" | null, PixelTexts | null>();
    const sourceOf = (side: "a" | "b" | null) => {
      if (!sources.has(side)) sources.set(side, this.pixelTexts(this.sideView(side), layer, visible));
      return sources.get(side)!;
    };
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const [cx, cy] = toScreen(x + 0.5, y + 0.5);
        const texts = sourceOf(this.wipeSideOf(cx))?.(x, y);
        if (!texts) continue;
        this.labels.push({ x, y, texts });
        texts.forEach((text, i) => {
          const ty = cy + (i - (texts.length - 1) / 2) * lineHeight;
          context.fillStyle = CHANNEL_TEXT_COLOURS[texts.length > 1 ? i : 3]!;
          context.strokeText(text, cx, ty, s.zoom - 4);
          context.fillText(text, cx, ty, s.zoom - 4);
        });
      }
    }
  }

  /**
   * The texts of the in-pixel values a view shows over `rect` (image pixels): the decoded values
   * of the displayed image, or, for an error map, the metric's values (read back from the GPU
   * once, before exposure, as the readout's).
   */
  private pixelTexts(view: ViewState, layer: Layer, rect: PixelRect): PixelTexts | null {
    const params = this.drawParams(view);
    if (!params) return null;
    const external = this.showsExternalMap(view);
    if (external || (params.b !== null && params.metric !== 0)) {
      const w = params.a.window;
      const x0 = Math.max(rect.x, w.x);
      const y0 = Math.max(rect.y, w.y);
      const x1 = Math.min(rect.x + rect.width, w.x + w.width);
      const y1 = Math.min(rect.y + rect.height, w.y + w.height);
      if (x1 <= x0 || y1 <= y0) return null;
      const area = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
      const values = this.renderer.readValues(params, area);
      const components = external ? 1 : Math.min(3, params.a.colour.length);
      return (x, y) => {
        if (x < x0 || y < y0 || x >= x1 || y >= y1) return null;
        // readPixels returns the bottom row first.
        const at = ((area.height - 1 - (y - y0)) * area.width + (x - x0)) * 4;
        return Array.from({ length: components }, (_, c) => formatValue(values[at + c]!, "float"));
      };
    }
    const slot = view.display === "reference" && this.reference ? this.reference : this.current;
    const shown = slot?.layers.find((l) => l.name === layer.name);
    if (!slot || !shown) return null;
    const part = slot.image.parts[shown.partIndex]!;
    const channels = layerChannels(shown);
    return (x, y) => {
      const tx = x - part.dataWindow.xMin;
      const ty = y - part.dataWindow.yMin;
      if (tx < 0 || ty < 0 || tx >= part.width || ty >= part.height) return null;
      return channels.map((channel) => formatValue(channelValue(channel, ty * part.width + tx), channel.pixelType));
    };
  }

  /** The values written in the pixels by the last overlay drawing (empty below VALUES_MIN_ZOOM). */
  pixelLabels(): readonly { x: number; y: number; texts: string[] }[] {
    return this.labels;
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
    d["windows"] = s.showWindows ? "1" : "0";
    if (s.region) d["region"] = `${s.region.x},${s.region.y},${s.region.width},${s.region.height}`;
    else delete d["region"];
    const split = this.wipeX();
    if (split === null) delete d["wipe"];
    else d["wipe"] = String(split);
  }

  // ---- interaction -----------------------------------------------------------------------

  private bindInteraction(keyboardTarget: HTMLElement | Document): void {
    const listen = <K extends keyof HTMLElementEventMap>(
      target: HTMLElement | Document,
      type: K,
      handler: (event: HTMLElementEventMap[K]) => void,
      options?: AddEventListenerOptions,
    ) => {
      target.addEventListener(type, handler as EventListener, options);
      this.cleanups.push(() => target.removeEventListener(type, handler as EventListener, options));
    };
    listen(this.element, "wheel", (event) => {
      event.preventDefault();
      const scale = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
      const [x, y] = this.devicePoint(event);
      this.zoomAbout(2 ** (-event.deltaY * scale * 0.002), x, y);
    }, { passive: false });
    listen(this.element, "pointerdown", (event) => {
      if (event.button !== 0) return;
      this.element.focus({ preventScroll: true });
      this.element.setPointerCapture(event.pointerId);
      const [x, y] = this.devicePoint(event);
      const split = this.wipeX();
      // Grabbing the wipe line moves it; Ctrl+drag draws a statistics rectangle; else pan.
      if (event.ctrlKey || event.metaKey) {
        this.regionDrag = { x, y };
      } else if (split !== null && Math.abs(x - split) <= WIPE_GRAB_PX) this.wipeDrag = true;
      else this.drag = { x, y, panX: this.viewState.panX, panY: this.viewState.panY };
    });
    listen(this.element, "pointermove", (event) => {
      const [x, y] = this.devicePoint(event);
      this.pointer = { x, y };
      if (this.regionDrag) {
        const a = this.imagePointOf(this.regionDrag.x, this.regionDrag.y);
        const b = this.imagePointOf(x, y);
        const region = {
          x: Math.min(a.x, b.x),
          y: Math.min(a.y, b.y),
          width: Math.abs(a.x - b.x) + 1,
          height: Math.abs(a.y - b.y) + 1,
        };
        this.setState({ region });
      } else if (this.wipeDrag) {
        this.setState({ wipe: Math.min(1, Math.max(0, x / Math.max(1, this.canvas.width))) });
      } else if (this.drag) {
        const zoom = this.viewState.zoom;
        this.setState({ panX: this.drag.panX - (x - this.drag.x) / zoom, panY: this.drag.panY - (y - this.drag.y) / zoom });
      } else {
        this.emitHover();
      }
    });
    const endDrag = () => {
      this.drag = null;
      this.wipeDrag = false;
      this.regionDrag = null;
    };
    listen(this.element, "pointerup", endDrag);
    listen(this.element, "pointercancel", endDrag);
    listen(this.element, "pointerleave", () => {
      this.pointer = null;
      this.emit("hover", null);
    });
    listen(keyboardTarget, "keydown", (event) => {
      if (isTextInput(event.target)) return;
      if (this.handleKey(event)) event.preventDefault();
    });
    listen(keyboardTarget, "keyup", (event) => {
      if (event.key === "Shift" && this.viewState.display === "reference") this.setState({ display: "current" });
    });
  }

  /** Applies the viewer's own shortcuts; returns true when the key was one of them. */
  handleKey(event: KeyboardEvent): boolean {
    const s = this.viewState;
    const sign = event.shiftKey ? -1 : 1;
    if ((event.ctrlKey || event.metaKey) && event.key === "0") {
      this.actualSize();
      return true;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    switch (event.key.toLowerCase()) {
      case "e":
        this.setState({ exposure: round6(s.exposure + sign * EXPOSURE_STEP) });
        return true;
      case "o":
        this.setState({ offset: round6(s.offset + sign * OFFSET_STEP) });
        return true;
      case "g":
        // Gamma only means something to the gamma tonemap; adjusting it from sRGB switches there.
        this.setState({
          gamma: round6(Math.max(0.1, s.gamma + sign * GAMMA_STEP)),
          tonemap: s.tonemap === "srgb" ? "gamma" : s.tonemap,
        });
        return true;
      case "r":
        this.resetTone();
        return true;
      case "f":
        this.fit();
        return true;
      case "t": {
        const i = TONEMAPS.findIndex((t) => t.id === s.tonemap);
        const next = TONEMAPS[(i + sign + TONEMAPS.length) % TONEMAPS.length]!;
        this.setState({ tonemap: next.id });
        return true;
      }
      case "n":
        this.setState({ showNonFinite: !s.showNonFinite });
        return true;
      case "b":
        this.setState({ showWindows: !s.showWindows });
        return true;
      case "w":
        this.setState({ wipe: s.wipe === null ? 0.5 : null });
        return true;
      case "[":
      case "]":
      case "{":
      case "}": {
        const names = this.layers();
        if (names.length === 0) return true;
        const i = Math.max(0, names.indexOf(this.activeLayer() ?? ""));
        const step = event.key === "[" || event.key === "{" ? -1 : 1;
        this.setState({ layer: names[(i + step + names.length) % names.length]! });
        return true;
      }
      case "+":
      case "=":
      case "-": {
        const { width, height } = this.canvasSize();
        this.zoomAbout(event.key === "-" ? 0.5 : 2, width / 2, height / 2);
        return true;
      }
      case "shift":
        if (this.reference && s.display === "current") this.setState({ display: "reference" });
        return false;
      default:
        return false;
    }
  }

  private emitHover(): void {
    if (!this.pointer) return;
    const info = this.inspect(this.pointer.x, this.pointer.y);
    this.emit("hover", info);
  }

  private devicePoint(event: MouseEvent): [number, number] {
    const rect = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    return [Math.floor((event.clientX - rect.left) * ratio), Math.floor((event.clientY - rect.top) * ratio)];
  }

  private canvasSize(): { width: number; height: number } {
    return { width: this.canvas.width, height: this.canvas.height };
  }

  private fitNow(): void {
    const slot = this.current;
    if (!slot) return;
    this.renderer.resize();
    const part = slot.image.parts[this.currentLayer()?.partIndex ?? 0]!;
    const d = part.dataWindow;
    const w = part.displayWindow;
    const x0 = Math.min(d.xMin, w.xMin);
    const y0 = Math.min(d.yMin, w.yMin);
    const x1 = Math.max(d.xMax, w.xMax) + 1;
    const y1 = Math.max(d.yMax, w.yMax) + 1;
    const { width, height } = this.canvasSize();
    const fitZoom = Math.min(width / (x1 - x0), height / (y1 - y0));
    // Snap to powers of two when magnifying so pixels stay equal-sized and values land on pixels.
    const zoom = fitZoom >= 1 ? 2 ** Math.floor(Math.log2(fitZoom)) : fitZoom;
    this.viewState = { ...this.viewState, zoom, panX: (x0 + x1) / 2, panY: (y0 + y1) / 2 };
    this.viewFitted = true;
  }

  private themeColour(variable: string, fallback: [number, number, number]): [number, number, number] {
    const text = getComputedStyle(this.element).getPropertyValue(variable).trim();
    const match = /^#([0-9a-f]{6})$/i.exec(text);
    if (!match) return fallback;
    const n = parseInt(match[1]!, 16);
    return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
  }

  private emit<K extends keyof ViewerEvents>(type: K, value: ViewerEvents[K]): void {
    this.listeners.get(type)?.forEach((listener) => (listener as Listener<ViewerEvents[K]>)(value));
  }
}

const DATA_WINDOW_COLOUR = "#4fc3f7";
const REGION_COLOUR = "#ffeb3b";
const WIPE_LINE_COLOUR = "rgba(255, 255, 255, 0.9)";
/** How close (device px) to the wipe line a press grabs it. */
const WIPE_GRAB_PX = 6;
const DISPLAY_WINDOW_COLOUR = "#ffb74d";
/** Per-channel text colours for R/G/B/A-like layers, and white for single channels. */
const CHANNEL_TEXT_COLOURS = ["#ff8a80", "#b9f6ca", "#82b1ff", "#ffffff"];

function sameGeometry(a: ExrImage, b: ExrImage): boolean {
  const pa = a.parts[0];
  const pb = b.parts[0];
  if (!pa || !pb) return false;
  const eq = (x: typeof pa.dataWindow, y: typeof pa.dataWindow) =>
    x.xMin === y.xMin && x.yMin === y.yMin && x.xMax === y.xMax && x.yMax === y.yMax;
  return eq(pa.dataWindow, pb.dataWindow) && eq(pa.displayWindow, pb.displayWindow);
}

/** Whether keys typed at `target` are text for it (not shortcuts): sliders and check boxes are not. */
export function isTextInput(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return target.type !== "range" && target.type !== "checkbox";
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target.isContentEditable;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function formatNumber(x: number): string {
  return String(round6(x));
}
