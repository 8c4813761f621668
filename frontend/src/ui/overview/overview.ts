// The overview: every EXR tag of every run as a card (card_layout.ts), drawn live by one shared
// WebGL context (card_renderer.ts), with one step, one set of view settings and one cursor for all.
//   * Step: the shared step (the scrubber's); a card without it shows its nearest earlier step
//     (marked), or its own pinned step.
//   * Settings: the shared ones (the inspector's: exposure, offset, gamma, tonemap, layer,
//     markers, metric) unless the card is unlinked. Pan and zoom are shared too while views are
//     linked (one {zoom, panX, panY}: the same image region in every card), else per card.
//   * Error cards: with a metric, a group's non-reference cards show their error map against the
//     group's reference at the same step, and its mean in the caption.
//   * Work and memory: only cards on screen (IntersectionObserver) load and hold textures; a card
//     that leaves cancels its loads; small cards draw from reduced copies of their planes.

import type { PluginApi, StepInfo, TagsByRun } from "../../api.js";
import { decodedBytes, type ImageLoader, isAbortError, type Priority } from "../../loading/index.js";
import { metricInfo } from "../../render/pipeline.js";
import { type Point, type ViewGeometry, ViewTransform } from "../../render/view_transform.js";
import type { ShownValues } from "../../viewer/auto_exposure.js";
import { activeLayerOf, drawParams, type Scene, viewPixelAspect } from "../../viewer/draw_plan.js";
import { DEFAULT_VIEW, fitView, MAX_ZOOM, MIN_ZOOM, pixelAspectOf, type ViewState } from "../../viewer/state.js";
import { readTheme } from "../../viewer/theme.js";
import type { Selection } from "../browser.js";
import { h } from "../dom.js";
import { depthWithin } from "../player.js";
import { type StepImage, stepImage } from "../step_images.js";
import { Card, type CardSettings, layeredImage, settingsOf } from "./card.js";
import { type CardLayout, cardId, type CardSpec, layoutCards } from "./card_layout.js";
import { CardPointer } from "./card_pointer.js";
import { type CardJob, CardRenderer } from "./card_renderer.js";
import { CardCursor } from "./card_cursor.js";
import { OverviewBar } from "./overview_bar.js";

export interface OverviewOptions {
  api: PluginApi;
  loader: ImageLoader;
  /** The image a card's error map compares with (the group's reference), or null. */
  referenceOf(card: Selection): Selection | null;
  /** Enter or a click on a card: show it in the inspector at `step`. */
  open(card: Card, step: number | null): void;
  /** Whether every card on screen is drawn (or failed). */
  onState(state: "loading" | "ready"): void;
  /** The union of the cards' steps changed. */
  onSteps(steps: StepInfo[]): void;
  /** The layers the cards on screen have changed (the toolbar's layer select lists them). */
  onLayers(names: readonly string[]): void;
}

/** Milliseconds of drawing per animation frame before the rest waits for the next one. */
const FRAME_BUDGET_MS = 24;
/** Cards drawn between two looks at the clock. */
const DRAW_BATCH = 4;

export class Overview {
  readonly element: HTMLElement;
  readonly bar: OverviewBar;
  private readonly grid: HTMLElement;
  /** The one WebGL context of the grid, made when the first card is drawn. */
  private cardRenderer: CardRenderer | null = null;
  private readonly observer: IntersectionObserver;
  private cards = new Map<string, Card>();
  /** The card of each card element (pointer events, the observer's entries). */
  private readonly cardOf = new WeakMap<Element, Card>();
  private layout: CardLayout = { rows: [], columns: [], cards: [] };
  private settings: CardSettings = settingsOf(DEFAULT_VIEW);
  /** The shared step chosen (null: the latest step of any card, following new ones). */
  private sharedStep: number | null = null;
  private latestStep: number | null = null;
  private linkedGeometry: ViewGeometry | null = null;
  private panStart: ViewGeometry | null = null;
  private readonly cursor: CardCursor;
  private layerNames: string[] = [];
  /** Cards whose steps are being listed. */
  private readonly listing = new Set<Card>();
  private hovered: Card | null = null;
  private active = false;
  /** TensorBoard reloaded while the grid was hidden: its cards' steps are listed again when shown. */
  private stepsStale = false;
  /** Whether the observer has said which cards are on screen since the grid was shown. */
  private visibilityKnown = false;
  private frameRequest = 0;
  private reportedState: "loading" | "ready" | null = null;

  constructor(private readonly options: OverviewOptions) {
    this.grid = h("div", { class: "exr-overview-grid" });
    this.bar = new OverviewBar(() => this.applyBar());
    this.cursor = new CardCursor((drawn, rect) => this.renderer.readValues(drawn, rect));
    this.element = h("div", { class: "exr-overview", hidden: true }, this.bar.element, this.grid, this.cursor.readout.element);
    this.observer = new IntersectionObserver((entries) => this.onVisibility(entries), { root: this.grid });
    new CardPointer<Card>(this.grid, {
      cardAt: (target) => this.cardAt(target),
      canvasOf: (card) => card.canvas,
      hover: (card, point) => this.hover(card, point),
      startPan: (card) => (this.panStart = this.geometryOf(card)),
      pan: (card, dx, dy) => this.pan(card, dx, dy),
      zoom: (card, factor, point) => this.zoomAbout(card, factor, point),
      open: (card) => this.options.open(card, card.imageStep),
    });
    this.applyBar();
  }

  // ---- what is shown ------------------------------------------------------------------------

  /** Lays the cards out again (new tags, runs or filter); cards that stay keep their state. */
  update(tags: TagsByRun, runs: readonly string[], filter: RegExp | null): void {
    this.layout = layoutCards(tags, runs, filter);
    const next = new Map<string, Card>();
    for (const spec of this.layout.cards) next.set(spec.id, this.cards.get(spec.id) ?? this.createCard(spec));
    for (const [id, card] of this.cards) {
      if (next.has(id)) continue;
      this.observer.unobserve(card.element);
      card.cancel();
      this.cursor.forget(card);
    }
    this.cards = next;
    this.grid.replaceChildren(...this.layout.rows.map((row) => this.rowElement(row)));
    this.grid.style.setProperty("--exr-columns", String(Math.max(1, this.layout.columns.length)));
    this.element.dataset["cards"] = String(this.cards.size);
    if (this.cards.size === 0) this.grid.append(h("p", { class: "exr-empty", text: "No tags match the filter." }));
    // A hidden grid lists nothing: the inspector's first visit must not wait behind every tag's steps.
    if (this.active) for (const card of this.cards.values()) if (!card.stepsKnown) this.listSteps(card);
    this.scheduleFrame();
  }

  /** Fetches every card's steps again (after TensorBoard reloaded). */
  refreshSteps(): void {
    if (this.active) this.cards.forEach((card) => this.listSteps(card));
    else this.stepsStale = true;
  }

  /** Fetches a card's steps (once at a time per card). */
  private listSteps(card: Card): void {
    if (this.listing.has(card)) return;
    this.listing.add(card);
    this.options.api.steps(card.spec.run, card.spec.tag).then(
      (steps) => {
        this.listing.delete(card);
        if (this.cards.get(card.spec.id) !== card) return;
        card.setSteps(steps);
        const union = this.unionSteps();
        const latest = union[union.length - 1]?.step ?? null;
        if (latest !== this.latestStep && this.sharedStep === null) {
          this.latestStep = latest;
          this.cards.forEach((c) => this.sync(c)); // every card follows the new latest step
        } else {
          this.latestStep = latest;
          this.sync(card);
        }
        this.options.onSteps(union);
      },
      (error: unknown) => {
        this.listing.delete(card);
        card.fail(`${card.spec.run} / ${card.spec.tag}: ${(error as Error).message}`);
      },
    );
  }

  /** The card of a run and tag (cardId), if the grid has it. */
  card(id: string): Card | null {
    return this.cards.get(id) ?? null;
  }

  /** Where the grid is scrolled (CSS px). */
  get scrollTop(): number {
    return this.grid.scrollTop;
  }

  set scrollTop(value: number) {
    this.grid.scrollTop = value;
  }

  /** Whether every card on screen is drawn (or failed). */
  get state(): "loading" | "ready" {
    return this.reportedState ?? "loading";
  }

  /** Cards in reading order (tests read them). */
  get cardList(): Card[] {
    return this.layout.cards.map((spec) => this.cards.get(spec.id)!);
  }

  /** The shared step chosen (null: the latest of any card). */
  get step(): number | null {
    return this.sharedStep;
  }

  /** The step the cards are shown at: the one chosen, else the latest (null before any is known). */
  get effectiveStep(): number | null {
    return this.sharedStep ?? this.latestStep;
  }

  setStep(step: number | null): void {
    this.sharedStep = step;
    this.element.dataset["step"] = step === null ? "" : String(step);
    this.cards.forEach((card) => this.sync(card));
  }

  /** The shared settings (cards follow them unless unlinked). */
  setSettings(settings: CardSettings): void {
    const next = settingsOf(settings);
    if (JSON.stringify(next) === JSON.stringify(this.settings)) return; // e.g. the inspector panned
    this.settings = next;
    for (const card of this.cards.values()) {
      if (!card.linked) continue;
      card.dirty = true;
      this.sync(card);
    }
    this.scheduleFrame();
  }

  get sharedSettings(): CardSettings {
    return { ...this.settings };
  }

  /** Shows the grid: cards on screen load and draw. */
  activate(): void {
    if (this.active) return;
    this.active = true;
    this.visibilityKnown = false;
    this.report("loading"); // until the observer has said which cards are on screen and they are drawn
    this.element.hidden = false;
    for (const card of this.cards.values()) {
      this.observer.observe(card.element);
      card.dirty = true;
      if (this.stepsStale || !card.stepsKnown) this.listSteps(card);
    }
    this.stepsStale = false;
    this.applyBar();
  }

  /** Hides the grid: every load is cancelled and every texture freed. */
  deactivate(): void {
    if (!this.active) return;
    this.active = false;
    this.element.hidden = true;
    this.observer.disconnect();
    for (const card of this.cards.values()) {
      card.visible = false;
      card.element.dataset["visible"] = "0";
      card.cancel();
      card.drawn = null;
    }
    this.cardRenderer?.retain([]);
    this.hover(null, null);
  }

  get isActive(): boolean {
    return this.active;
  }

  /**
   * Links a card to the shared settings, or unlinks it: it then keeps the settings it has and
   * no longer follows the shared ones (the inspector edits them while it shows the card).
   */
  setLinked(card: Card, linked: boolean): void {
    card.setLinked(linked, this.settings);
    card.dirty = true;
    this.sync(card);
  }

  /** Sets an unlinked card's own settings. */
  setCardSettings(card: Card, settings: CardSettings): void {
    if (card.linked) return;
    card.setLinked(false, settings);
    card.dirty = true;
    this.sync(card);
  }

  /** The pan and zoom every card shares (null: each card fits its image, or views are not linked). */
  get linkedView(): ViewGeometry | null {
    return this.bar.linkView && this.linkedGeometry ? { ...this.linkedGeometry } : null;
  }

  /** Sets the shared pan and zoom (with views linked). */
  setLinkedView(geometry: ViewGeometry): void {
    this.linkedGeometry = { ...geometry, zoom: Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, geometry.zoom)) };
    this.invalidateAll();
  }

  /** Fits every card (pan and zoom back to each image's fit). */
  fit(): void {
    this.linkedGeometry = null;
    for (const card of this.cards.values()) card.ownGeometry = null;
    this.invalidateAll();
  }

  /** The card to open with Enter: the one under the pointer, else the focused one. */
  cardToOpen(): Card | null {
    if (this.hovered) return this.hovered;
    const focused = document.activeElement?.closest?.(".exr-card");
    return (focused && this.cardOf.get(focused)) ?? null;
  }

  // ---- drawing ------------------------------------------------------------------------------

  private get renderer(): CardRenderer {
    return (this.cardRenderer ??= new CardRenderer());
  }

  /** Draws every card that needs it now (read-backs and playback frames see what is shown). */
  flush(): void {
    if (this.frameRequest) cancelAnimationFrame(this.frameRequest);
    this.frameRequest = 0;
    this.drawFrame(Infinity);
  }

  /** RGBA shown by card `index` (reading order) at image pixel (x, y). */
  cardPixel(index: number, x: number, y: number): number[] | null {
    this.flush();
    const card = this.cardList[index];
    if (!card?.drawn) return null;
    const p = card.drawn.view.canvasPixelOf(x, y);
    return Array.from(card.context.getImageData(p.x, p.y, 1, 1).data);
  }

  /**
   * The values before exposure card `index` draws at image pixel (x, y) (the error map's for an
   * error card): on a reduced card, the box mean of its reduced texel there.
   */
  cardValues(index: number, x: number, y: number): number[] | null {
    this.flush();
    const drawn = this.cardList[index]?.drawn;
    return drawn ? Array.from(this.renderer.readValues(drawn, { x, y, width: 1, height: 1 })) : null;
  }

  /** What the cards on screen show (auto exposure over the grid). */
  shownValues(): ShownValues[] {
    this.flush();
    return this.cardList.flatMap((card) => (card.visible && card.drawn ? [this.renderer.shownValues(card.drawn)] : []));
  }

  /** Counters for tests and benchmarks: live textures in the shared context, cards on screen, … */
  stats(): Record<string, number> {
    const cards = [...this.cards.values()];
    return {
      ...(this.cardRenderer?.stats() ?? { liveTextures: 0, textureBytes: 0, uploads: 0, draws: 0 }),
      cards: cards.length,
      visibleCards: cards.filter((c) => c.visible).length,
      drawnCards: cards.filter((c) => c.drawn !== null).length,
      loadingCards: cards.filter((c) => c.state === "loading").length,
    };
  }

  private scheduleFrame(): void {
    if (this.frameRequest || !this.active) return;
    this.frameRequest = requestAnimationFrame(() => {
      this.frameRequest = 0;
      this.drawFrame(FRAME_BUDGET_MS);
    });
  }

  private drawFrame(budgetMs: number): void {
    if (!this.active) return;
    const started = performance.now();
    const theme = readTheme(this.element);
    const visible = this.cardList.filter((c) => c.visible);
    const dirty = visible.filter((c) => c.dirty);
    // Batches, so that a frame that takes long (uploads, reductions) leaves the rest for the next.
    for (let i = 0; i < dirty.length; i += DRAW_BATCH) {
      if (performance.now() - started > budgetMs) {
        this.scheduleFrame();
        break;
      }
      this.drawCards(dirty.slice(i, i + DRAW_BATCH), theme);
    }
    for (const card of this.cards.values()) if (!card.visible) card.drawn = null;
    this.renderer.retain(visible.flatMap((c) => (c.drawn ? [c.drawn] : [])));
    this.cursor.show(this.cardList);
    this.reportLayers(visible);
    const waiting = (c: Card): boolean => !c.stepsKnown || (c.state === "idle" && c.stepFor(this.effectiveStep) !== null);
    const pending = !this.visibilityKnown || visible.some((c) => c.dirty || c.state === "loading" || waiting(c));
    this.report(pending ? "loading" : "ready");
  }

  private drawCards(cards: readonly Card[], theme: ReturnType<typeof readTheme>): void {
    const size = this.bar.cardSize;
    const jobs: Array<{ card: Card; job: CardJob; metric: CardSettings["metric"] | null }> = [];
    for (const card of cards) {
      card.dirty = false;
      card.fitCanvas(size.width, size.height);
      if (!card.image) {
        card.drawn = null;
        card.context.fillStyle = `rgb(${theme.background.map((c) => Math.round(c * 255)).join(",")})`;
        card.context.fillRect(0, 0, card.canvas.width, card.canvas.height);
        card.showMessage(card.state === "error" ? (card.element.dataset["error"] ?? "") : null);
        continue;
      }
      const settings = card.ownSettings ?? this.settings;
      const comparing = this.comparesWith(card, settings) !== null && card.reference !== null;
      const reference = comparing ? layeredImage(card.reference!) : null;
      const scene: Scene = { current: layeredImage(card.image), reference, metricImage: null };
      const geometry = this.geometryOf(card);
      const view: ViewState = { ...DEFAULT_VIEW, ...settings, ...geometry };
      const params = drawParams(scene, view, theme);
      if (!params) continue;
      card.element.dataset["layer"] = activeLayerOf(scene, view)?.name ?? "";
      const job = { target: card.context, params, geometry, pixelAspect: viewPixelAspect(scene, view) };
      jobs.push({ card, job, metric: comparing ? settings.metric : null });
    }
    const results = this.renderer.drawCards(jobs.map((j) => j.job));
    jobs.forEach(({ card, metric }, i) => {
      const result = results[i]!;
      if ("error" in result) {
        card.drawn = null;
        card.showMessage(`${card.spec.run} / ${card.spec.tag}: ${result.error}`);
        card.setState("error");
        return;
      }
      card.drawn = result.drawn;
      card.element.dataset["factor"] = String(result.drawn.factor);
      card.showMessage(null);
      this.updateMeanError(card, metric);
    });
  }

  /** The caption's mean error of an error card, read back once per pair, metric and layer. */
  private updateMeanError(card: Card, metric: CardSettings["metric"] | null): void {
    const drawn = card.drawn;
    if (!metric || !drawn || drawn.params.metric === "none") {
      card.meanError = null;
      card.showMeanError(null);
      return;
    }
    const key = JSON.stringify([card.imageSlot.shown, card.referenceSlot.shown, metric, drawn.params.metricEpsilon, card.element.dataset["layer"], drawn.factor]);
    if (card.meanError?.key !== key) card.meanError = { key, value: this.renderer.meanValue(drawn), approximate: drawn.factor > 1 };
    card.showMeanError(metricInfo(metric).label.replace(/ \(.*\)$/, "")); // "RSE (tev)" → "RSE"
  }

  // ---- loading ------------------------------------------------------------------------------

  /** Asks a card for what it should show now (nothing when it is off screen or the grid hidden). */
  private sync(card: Card): void {
    if (!this.active || !card.visible) {
      card.cancel();
      return;
    }
    const shared = this.effectiveStep;
    const info = card.stepFor(shared);
    card.showStep(info?.step ?? null, shared);
    if (!info) {
      card.cancel();
      if (card.image || card.steps.length > 0) {
        card.image = null;
        card.dirty = true;
      }
      this.scheduleFrame();
      return;
    }
    const request = this.stepRequest(card.spec, info.step, info);
    if (card.imageSlot.wanted?.key !== request.key) card.imageSlot.request(request);
    const compared = this.comparesWith(card, card.ownSettings ?? this.settings);
    const reference = compared ? this.stepRequest(compared, info.step) : null;
    if (card.referenceSlot.wanted?.key !== reference?.key) {
      // Cleared first: a cached reference is shown (set) by the request itself.
      card.reference = null;
      card.clearReferenceNote();
      card.dirty = true;
      card.referenceSlot.request(reference);
    }
    this.scheduleFrame();
  }

  private stepRequest(source: Selection, step: number, info?: StepInfo): StepImage {
    const known = info ?? this.cards.get(cardId(source.run, source.tag))?.steps.find((s) => s.step === step);
    return stepImage(this.options.api, { ...source, step, url: known?.url, error: known?.error });
  }

  /** The reference of an error card under `settings` (null: the card shows its image). */
  private comparesWith(card: Card, settings: CardSettings): Selection | null {
    const kind = metricInfo(settings.metric).kind;
    if (kind !== "per-pixel" && kind !== "map") return null;
    const reference = this.options.referenceOf(card.spec);
    if (!reference || (reference.run === card.spec.run && reference.tag === card.spec.tag)) return null;
    return reference;
  }

  private onVisibility(entries: IntersectionObserverEntry[]): void {
    this.visibilityKnown = true;
    for (const entry of entries) {
      const card = this.cardOf.get(entry.target);
      if (!card || this.cards.get(card.spec.id) !== card) continue;
      card.visible = entry.isIntersecting;
      card.element.dataset["visible"] = card.visible ? "1" : "0";
      card.dirty = true;
      this.sync(card);
    }
    const visible = [...this.cards.values()].filter((c) => c.visible).length;
    this.element.dataset["visibleCards"] = String(visible);
    this.bar.showCount(this.cards.size, visible);
    this.scheduleFrame();
  }

  private unionSteps(): StepInfo[] {
    const steps = new Map<number, StepInfo>();
    for (const card of this.cards.values()) for (const s of card.steps) if (!steps.has(s.step)) steps.set(s.step, { step: s.step, wall_time: s.wall_time });
    return [...steps.values()].sort((a, b) => a.step - b.step);
  }

  // ---- playback (ui/player.ts) --------------------------------------------------------------

  /** Loads what every card on screen shows at shared step `step` (images and references). */
  async prepare(step: number, priority: Priority, signal: AbortSignal): Promise<void> {
    const loads: Array<Promise<unknown>> = [];
    for (const card of this.cardList) {
      if (!card.visible) continue;
      const info = card.stepFor(step);
      if (!info) continue;
      const load = (request: StepImage) =>
        this.options.loader.load(request, { priority, signal }).catch((error: unknown) => {
          if (isAbortError(error)) throw error; // a failing card shows its error; it does not stop the film
        });
      loads.push(load(this.stepRequest(card.spec, info.step, info)));
      const reference = this.comparesWith(card, card.ownSettings ?? this.settings);
      if (reference) loads.push(load(this.stepRequest(reference, info.step)));
    }
    await Promise.all(loads);
  }

  /** How many steps ahead playback may load within the decoded-image cache's budget. */
  prefetchDepth(): number {
    const bytes = this.cardList.reduce((sum, c) => sum + (c.visible && c.image ? decodedBytes(c.image) * (c.reference ? 2 : 1) : 0), 0);
    return depthWithin(this.options.loader.cache.budgetBytes, bytes);
  }

  // ---- view: pan, zoom, cursor ---------------------------------------------------------------

  private geometryOf(card: Card): ViewGeometry {
    const own = this.bar.linkView ? this.linkedGeometry : card.ownGeometry;
    if (own || !card.image) return own ?? { zoom: 1, panX: 0, panY: 0 };
    return fitView(card.image.parts[0]!, card.canvas);
  }

  private setGeometry(card: Card, geometry: ViewGeometry): void {
    const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, geometry.zoom));
    if (this.bar.linkView) this.linkedGeometry = { ...geometry, zoom };
    else card.ownGeometry = { ...geometry, zoom };
    if (this.bar.linkView) this.invalidateAll();
    else {
      card.dirty = true;
      this.scheduleFrame();
    }
  }

  private pan(card: Card, dx: number, dy: number): void {
    const start = this.panStart ?? this.geometryOf(card);
    const aspect = pixelAspectOfCard(card);
    this.setGeometry(card, { zoom: start.zoom, panX: start.panX - dx / (start.zoom * aspect), panY: start.panY - dy / start.zoom });
  }

  private zoomAbout(card: Card, factor: number, point: Point): void {
    const geometry = this.geometryOf(card);
    const transform = ViewTransform.forView(geometry, card.canvas, pixelAspectOfCard(card));
    const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, geometry.zoom * factor));
    this.setGeometry(card, { zoom, ...transform.panKeeping(transform.canvasToImage(point.x, point.y), point, zoom) });
  }

  private hover(card: Card | null, point: Point | null): void {
    this.hovered = card;
    this.cursor.set(card, point);
    // Shown with the next frame: a burst of pointer moves costs one readout (its error values are read back).
    if (this.active) this.scheduleFrame();
    else this.cursor.show(this.cardList);
  }

  // ---- DOM ----------------------------------------------------------------------------------

  private createCard(spec: CardSpec): Card {
    const card = new Card(spec, this.options.loader, {
      changed: () => this.scheduleFrame(),
      pinned: (c) => this.sync(c),
      linkToggled: (c, linked) => this.setLinked(c, linked),
    });
    card.setLinked(true, this.settings);
    this.cardOf.set(card.element, card);
    if (this.active) this.observer.observe(card.element);
    return card;
  }

  private rowElement(row: CardLayout["rows"][number]): HTMLElement {
    const label = row.group ? `${row.group} · ${row.run}` : row.run;
    const cards = row.cards.map((spec) => this.cards.get(spec.id)!.element);
    return h(
      "section",
      { class: row.group ? "exr-ov-row" : "exr-ov-row exr-ov-loose", "data-group": row.group ?? "", "data-run": row.run },
      h("div", { class: "exr-ov-row-label", text: label, title: label }),
      h("div", { class: "exr-ov-cards" }, ...cards),
    );
  }

  private cardAt(target: EventTarget | null): Card | null {
    const view = target instanceof Element ? target.closest(".exr-card-view") : null;
    if (!view) return null;
    const element = view.closest(".exr-card");
    return (element && this.cardOf.get(element)) ?? null;
  }

  /** The bar's card size or view link changed. */
  private applyBar(): void {
    const size = this.bar.cardSize;
    this.grid.style.setProperty("--exr-card-width", `${size.width}px`);
    this.grid.style.setProperty("--exr-card-height", `${size.height}px`);
    if (!this.bar.linkView) this.linkedGeometry = null;
    this.invalidateAll();
  }

  private invalidateAll(): void {
    for (const card of this.cards.values()) card.dirty = true;
    this.scheduleFrame();
  }

  /** The layers of the cards on screen, in card order (each name once). */
  private reportLayers(visible: readonly Card[]): void {
    const names = [...new Set(visible.flatMap((c) => (c.image ? layeredImage(c.image).layers.map((l) => l.name) : [])))];
    if (names.join("\n") === this.layerNames.join("\n")) return;
    this.layerNames = names;
    this.options.onLayers(names);
  }

  /** The layers of the cards on screen. */
  get layers(): readonly string[] {
    return this.layerNames;
  }

  private report(state: "loading" | "ready"): void {
    this.element.dataset["state"] = state;
    if (state === this.reportedState) return;
    this.reportedState = state;
    this.options.onState(state);
  }
}

/** The pixel aspect of a card's image (its first part's pixelAspectRatio; 1 before it loads). */
function pixelAspectOfCard(card: Card): number {
  const part = card.image?.parts[0];
  return part ? pixelAspectOf(part) : 1;
}
