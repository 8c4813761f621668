// The EXR dashboard: the run/tag browser, the step scrubber, the error strip and the side-by-side
// panes around the shared viewer page (viewer_page.ts), wired to the plugin's routes and (when
// embedded) to TensorBoard's host messages. Everything TensorBoard-specific arrives through
// PanelOptions.host; the viewer itself knows none of it. Every image goes through one ImageLoader.
// Two views: the overview grid of every tag (overview/, the default when a run has several EXR
// tags) and the inspector of one image; Enter or a click opens a card, Esc goes back. Space plays
// the steps in either (player.ts). A link opens the same state (url_state.ts).

import type { PluginApi, StepErrors, StepInfo, TagsByRun } from "../api.js";
import {
  type DecodedImageCache,
  decodedBytes,
  ImageLoader,
  ImageSlot,
  isAbortError,
  type LoadedImage,
  type LoadPhase,
  type SlotCounts,
} from "../loading/index.js";
import type { TensorBoardHost } from "../tb.js";
import type { ExrDecoder, ImageStatistics, Metric, Viewer, ViewState } from "../viewer/index.js";
import { RunTagBrowser, type Selection } from "./browser.js";
import { ComparisonImages } from "./comparison_images.js";
import { Comparisons } from "./comparison.js";
import { h } from "./dom.js";
import { ErrorStrip } from "./error_strip.js";
import { describePhase } from "./load_phase.js";
import type { Card } from "./overview/card.js";
import overviewCss from "./overview/overview.css";
import type { Overview } from "./overview/overview.js";
import { OverviewMode } from "./overview/overview_mode.js";
import { type PanelView, panelExportSource, panelProbeSteps } from "./panel_tools.js";
import { depthWithin, type PlaybackTarget, Player } from "./player.js";
import { StepScrubber } from "./scrubber.js";
import { OVERVIEW_SHORTCUTS, SHORTCUTS, withShortcuts } from "./shortcuts.js";
import { MAX_PANES, SidePanes } from "./side_panes.js";
import { type StepImage, stepImage } from "./step_images.js";
import { labelled } from "./toolbar.js";
import { type PanelUrlState, readUrlState, settingsOfView, tensorBoardLink, viewPatchOf, withoutDefaults } from "./url_state.js";
import { ViewerPage } from "./viewer_page.js";

export interface PanelOptions {
  api: PluginApi;
  decoder: ExrDecoder;
  /** TensorBoard's host connection, or null when running outside TensorBoard. */
  host: TensorBoardHost | null;
  /** Memory budget for decoded images (default DEFAULT_CACHE_BYTES). */
  cacheBytes?: number;
}

/** Minimum time between refetches triggered by TensorBoard's reloads. */
const RELOAD_THROTTLE_MS = 2000;

export class Panel {
  readonly element: HTMLElement;
  readonly viewer: Viewer;
  /** Every image of the page (main view, reference, panes, FLIP maps) is loaded through it. */
  readonly loader: ImageLoader;
  private readonly page: ViewerPage;
  private readonly browser: RunTagBrowser;
  private readonly scrubber: StepScrubber;
  private readonly errorStrip: ErrorStrip;
  private readonly panesSelect: HTMLSelectElement;
  private readonly panes: SidePanes;
  /** The main view's image: the selection at a step, latest request wins. */
  private readonly slot: ImageSlot<StepImage>;
  private readonly comparisons = new Comparisons();
  private readonly comparisonImages: ComparisonImages;
  /** The overview grid, and playback of the steps (either view). */
  private readonly grid: OverviewMode;
  readonly player: Player;
  private view: "grid" | "inspector" = "inspector";
  /** The state of the link the panel was opened with. */
  private opened: PanelUrlState = {};
  /** Whether the first listing chose the view yet. */
  private viewChosen = false;
  /** The view the inspector's next image takes (a link's, a card's): a view state, or "fit". */
  private pendingView: Partial<ViewState> | "fit" | null = null;
  /** The step a card was opened at: returning to the grid moves the shared step only if it changed. */
  private openedAtStep: number | null = null;

  private tags: TagsByRun = {};
  private hostRuns: string[] | null = null;
  private selection: Selection | null = null;
  /** Whether select() ran: a deep-linked selection is set before its image is loaded. */
  private selectedOnce = false;
  /** The step on screen, or of the image that failed; kept across selections (group members open at it). */
  private step: number | null = null;
  /** The step last asked for (shown once loaded). */
  private requestedStep: number | null = null;
  private readonly stepBySelection = new Map<string, number>();
  private selectionToken = 0;
  private lastReload = 0;
  private reloadTimer = 0;

  constructor(container: HTMLElement, private readonly options: PanelOptions) {
    this.browser = new RunTagBrowser(
      (selection) => void this.select(selection),
      () => this.grid?.update(this.tags, this.orderedRuns(), this.browser.pattern),
    );
    this.scrubber = new StepScrubber((step) => this.goToStep(step));
    this.errorStrip = new ErrorStrip(
      options.api,
      (step) => {
        this.scrubber.setCurrent(step);
        this.goToStep(step);
      },
      () => this.scrubber.track,
    );
    this.panesSelect = h("select", { class: "exr-panes", title: "Side-by-side panes sharing zoom, pan, exposure and step", "aria-label": "Panes" });
    for (let n = 1; n <= MAX_PANES; n++) this.panesSelect.append(h("option", { value: n, text: String(n) }));
    const overviewButton = h("button", { class: "exr-button exr-overview-button", type: "button", title: "Every image at once (Esc)", text: "Overview" });
    const link = h("a", { class: "exr-menu-action exr-link", target: "_blank", rel: "noopener", text: "Open a link to this view" });
    this.player = new Player(() => (this.view === "grid" ? this.grid.playback : this.inspectorPlayback()));
    this.scrubber.element.append(this.player.element);
    const tools: PanelView = {
      api: options.api,
      loader: () => this.loader,
      shown: () => (this.view === "inspector" && this.selection && this.step !== null ? { ...this.selection, step: this.step } : null),
      reference: () => (this.viewer.referenceImage ? this.referenceOf() : null),
      steps: () => this.scrubber.stepValues,
      request: (selection, step) => this.stepRequest(selection, step),
      url: (_, step) => this.scrubber.info(step)?.url,
      link: () => this.link(),
      jump: (step) => this.scrubber.choose(step),
    };
    this.page = new ViewerPage(container, {
      decoder: options.decoder,
      title: "No image selected",
      sidebar: this.browser.element,
      shortcuts: withShortcuts(SHORTCUTS, OVERVIEW_SHORTCUTS),
      referenceTitle: "Reference image B (hold Shift to show it)",
      comparison: (c) => [labelled("B", c.reference), labelled("Panes", this.panesSelect), c.metric],
      below: [this.scrubber.element, this.errorStrip.element],
      metricWithoutReference: "hide",
      onKey: (event) => this.onKey(event),
      buttons: [overviewButton],
      menu: [link],
      exportSource: panelExportSource(tools),
      probeSteps: panelProbeSteps(tools),
      css: overviewCss,
    });
    this.element = this.page.element;
    this.viewer = this.page.viewer;
    this.loader = new ImageLoader(options.decoder, { cacheBytes: options.cacheBytes });
    this.slot = new ImageSlot<StepImage>(this.loader, {
      show: (image, loaded) => this.show(image, loaded),
      progress: (image, phase) => this.progress(image, phase),
      failed: (image, reason) => this.fail(image, reason),
    });
    this.panes = new SidePanes(this.page.stage, this.viewer, this.loader);
    this.comparisonImages = new ComparisonImages(this.page, options.api, this.loader, () => this.errorStrip.refresh());
    this.grid = new OverviewMode({
      api: options.api,
      loader: this.loader,
      page: this.page,
      scrubber: this.scrubber,
      referenceOf: (card) => this.comparisons.referenceOf(card),
      open: (card, step) => this.openCard(card, step),
    });
    this.element.dataset["view"] = "inspector";
    overviewButton.addEventListener("click", () => this.showOverview());
    // The link is made when it is about to be used (hovered, focused), not on every change.
    for (const type of ["pointerenter", "focus"]) link.addEventListener(type, () => (link.href = this.link()));

    const c = this.page.controls;
    c.metric.addEventListener("change", () => {
      this.viewer.setState({ metric: c.metric.value as Metric });
      this.comparisonImages.syncMetricMap();
    });
    c.reference.addEventListener("change", () => {
      if (!this.selection) return;
      this.comparisons.choose(this.selection, c.reference.value ? (JSON.parse(c.reference.value) as Selection) : null);
      this.syncReference();
    });
    this.panesSelect.addEventListener("change", () => this.setPaneCount(Number(this.panesSelect.value)));
    c.fit.addEventListener("click", () => {
      if (this.view === "grid") this.grid.overview.fit();
    });
    // The strip's relMSE (the server's) takes the ε the viewer's relative formulas use.
    this.viewer.on("state", (s) => this.errorStrip.setEpsilon(s.epsilon));
    // Rendering failures (e.g. a plane larger than the GPU allows) get the same context as load errors.
    this.viewer.on("error", (reason) => {
      if (this.selection && this.page.state !== "error") this.fail({ ...this.selection, step: this.step ?? NaN }, reason);
    });

    options.host?.onRunsChanged((runs) => {
      this.hostRuns = runs;
      void this.refresh();
    });
    options.host?.onDataReloaded(() => this.scheduleReload());
  }

  /** Loads runs and tags, then opens what the link says, else the overview or the first tag. */
  async start(): Promise<void> {
    const host = this.options.host;
    // Listed while the host answers: TensorBoard's own page may still be busy loading.
    const tags = this.options.api.tags();
    tags.catch(() => {}); // refresh() reports a failure
    [this.hostRuns, this.opened] = await Promise.all([host ? host.getRuns().catch(() => null) : null, readUrlState(host)]);
    this.applyLink(this.opened);
    await this.refresh(tags);
  }

  /** A TensorBoard link (this page's origin, `#exr&p.exr.…`) that opens what is shown now. */
  link(): string {
    return tensorBoardLink(this.urlState());
  }

  /** What a link to the current view says (the fields url_state.ts knows; defaults left out). */
  urlState(): PanelUrlState {
    const grid = this.view === "grid";
    const overview = this.grid.overview;
    const geometry = grid ? overview.linkedView : this.viewer.state;
    return withoutDefaults({
      view: this.view,
      filter: this.browser.filterText || undefined,
      ...(!grid && this.selection ? { ...this.selection, step: this.step ?? undefined } : {}),
      ...(grid ? { step: overview.step ?? undefined, linkView: overview.bar.linkView, cardSize: overview.bar.cardSize.width } : {}),
      ...settingsOfView(this.viewer.state, this.viewer.activeLayer()),
      ...(geometry ? { zoom: geometry.zoom, panX: geometry.panX, panY: geometry.panY } : {}),
      fps: this.player.fps,
      loop: this.player.loopToggle.checked,
    });
  }

  /** Sets what a link says before anything is loaded. */
  private applyLink(link: PanelUrlState): void {
    if (link.filter) this.browser.setFilter(link.filter);
    const { zoom, panX, panY, ...settings } = viewPatchOf(link);
    this.viewer.setState(settings);
    if (link.fps !== undefined) this.player.fpsField.value = String(link.fps);
    if (link.loop !== undefined) this.player.loopToggle.checked = link.loop;
    this.grid.overview.bar.set({ cardWidth: link.cardSize, linkView: link.linkView });
    const geometry = zoom !== undefined && panX !== undefined && panY !== undefined ? { zoom, panX, panY } : null;
    if (link.view === "grid") {
      if (link.step !== undefined) this.grid.goToStep(link.step);
      if (geometry) this.grid.overview.setLinkedView(geometry);
    } else if (geometry) {
      this.pendingView = geometry;
    }
    if (link.run && link.tag) {
      this.selection = { run: link.run, tag: link.tag };
      if (link.step !== undefined) this.stepBySelection.set(selectionId(this.selection), link.step);
    }
  }

  /** The reviewer's tools (tests drive them): the pins and their values over steps, the view taken away. */
  get tools(): Pick<ViewerPage, "probes" | "exporter" | "comparison"> {
    return this.page;
  }

  /** The overview grid (tests read its cards, pixels and counters). */
  get overview(): Overview {
    return this.grid.overview;
  }

  /** Which view is shown: the overview grid or the inspector. */
  get currentView(): "grid" | "inspector" {
    return this.view;
  }

  /** The cache of decoded images (its budget can be changed at run time). */
  get cache(): DecodedImageCache {
    return this.loader.cache;
  }

  /** The statistics shown in the Stats box (null when off or nothing to measure). */
  get statistics(): ImageStatistics | null {
    return this.page.statistics;
  }

  /** The error-over-steps values plotted for the shown image and its reference. */
  get errorValues(): readonly StepErrors[] {
    return this.errorStrip.values;
  }

  /** The main view's load counters (started / cancelled / shown / prefetched). */
  get loadCounts(): Readonly<SlotCounts> {
    return { ...this.slot.counts };
  }

  // ---- data ------------------------------------------------------------------------------

  /** Lists the tags again (or takes `listed`, a listing already asked for) and updates the page. */
  private async refresh(listed?: Promise<TagsByRun>): Promise<void> {
    try {
      this.tags = await (listed ?? this.options.api.tags());
    } catch (error) {
      this.viewer.showMessage(`Could not list EXR tags: ${(error as Error).message}`);
      return;
    }
    const runs = this.orderedRuns();
    this.comparisons.update(this.tags, runs);
    this.browser.update(this.tags, runs);
    const reload = this.viewChosen;
    this.grid.update(this.tags, runs, this.browser.pattern);
    if (reload) this.grid.overview.refreshSteps();
    if (!this.viewChosen) {
      this.viewChosen = true;
      const several = runs.some((run) => Object.keys(this.tags[run] ?? {}).length > 1);
      const linked = this.opened.run && this.opened.tag ? "inspector" : null;
      if ((this.opened.view ?? linked ?? (several ? "grid" : "inspector")) === "grid") return this.showOverview();
    }
    const stillThere = this.selection && this.tags[this.selection.run]?.[this.selection.tag] !== undefined;
    if (this.selection && stillThere) {
      // A deep-linked selection has not been loaded yet; an open one only needs its new steps.
      if (!this.selectedOnce) await this.select(this.selection);
      else await this.reloadSteps();
    } else if (this.view === "inspector") {
      const first = this.browser.visible()[0];
      if (first) await this.select(first);
    }
  }

  /** Shows the overview grid (where it was scrolled); the inspector's step, if changed there, becomes the shared one. */
  showOverview(): void {
    if (this.view === "grid") return;
    this.player.stop();
    this.view = "grid";
    if (this.step !== null && this.step !== this.openedAtStep && this.selectedOnce) this.grid.goToStep(this.step);
    this.grid.show();
  }

  /** Opens a card of the grid in the inspector at `step`, with the grid's linked view if there is one. */
  private openCard(card: Card, step: number | null): void {
    const selection = { run: card.spec.run, tag: card.spec.tag };
    if (step !== null) this.stepBySelection.set(selectionId(selection), step);
    this.openedAtStep = step;
    this.pendingView = this.grid.overview.linkedView ?? "fit";
    void this.select(selection);
  }

  private orderedRuns(): string[] {
    const withData = Object.keys(this.tags);
    if (!this.hostRuns) return withData.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    // TensorBoard's run list decides which runs exist and their order.
    return this.hostRuns.filter((run) => withData.includes(run));
  }

  private scheduleReload(): void {
    const wait = Math.max(0, this.lastReload + RELOAD_THROTTLE_MS - Date.now());
    clearTimeout(this.reloadTimer);
    this.reloadTimer = window.setTimeout(() => {
      this.lastReload = Date.now();
      void this.refresh();
    }, wait);
  }

  async select(selection: Selection): Promise<void> {
    const token = ++this.selectionToken;
    this.player.stop(); // a film of another image, or of the grid, ends here
    if (this.view === "grid") {
      this.view = "inspector";
      this.grid.hide();
    }
    this.grid.inspect(selection);
    this.selection = selection;
    this.selectedOnce = true;
    this.browser.select(selection);
    this.element.dataset["run"] = selection.run;
    this.element.dataset["tag"] = selection.tag;
    // Until this selection's image is on screen (tests and tools wait for "ready").
    this.page.setState("loading");
    this.page.setTitle(`${selection.run} · ${selection.tag}`);
    let steps: StepInfo[];
    try {
      steps = await this.options.api.steps(selection.run, selection.tag);
    } catch (error) {
      if (token === this.selectionToken) this.fail({ ...selection, step: NaN }, (error as Error).message);
      return;
    }
    if (token !== this.selectionToken) return;
    this.scrubber.setSteps(steps);
    this.syncReferenceOptions();
    const values = this.scrubber.stepValues;
    const remembered = this.stepBySelection.get(selectionId(selection));
    const step = remembered !== undefined && values.includes(remembered) ? remembered : values[values.length - 1];
    if (step === undefined) {
      this.slot.request(null);
      this.page.empty(`${selection.run} / ${selection.tag}: no steps logged`);
      return;
    }
    this.scrubber.setCurrent(step);
    this.goToStep(step);
  }

  private async reloadSteps(): Promise<void> {
    const selection = this.selection;
    if (!selection) return;
    try {
      const steps = await this.options.api.steps(selection.run, selection.tag);
      if (this.selection !== selection) return;
      this.scrubber.setSteps(steps);
      // New steps extend the slider; the step on screen and the view stay as they are.
      const shown = this.stepBySelection.get(selectionId(selection));
      if (shown !== undefined) this.scrubber.setCurrent(shown);
    } catch {
      // Keep showing what we have; the next reload tries again.
    }
  }

  private goToStep(step: number): void {
    if (this.view === "grid") return this.grid.goToStep(step);
    const selection = this.selection;
    if (!selection) return;
    this.stepBySelection.set(selectionId(selection), step);
    this.requestedStep = step;
    this.element.dataset["requestedStep"] = String(step);
    const image = (s: number): StepImage => this.stepRequest(selection, s);
    this.slot.request(image(step), this.scrubber.neighbours(step).map(image));
  }

  private stepRequest(selection: Selection, step: number): StepImage {
    const info = this.scrubber.info(step);
    return stepImage(this.options.api, { ...selection, step, url: info?.url, error: info?.error });
  }

  /** Playback of the inspector's steps: each step's image and reference loaded before it is shown. */
  private inspectorPlayback(): PlaybackTarget | null {
    const selection = this.selection;
    if (!selection) return null;
    const requests = (step: number): StepImage[] => {
      const reference = this.referenceOf(selection);
      return [this.stepRequest(selection, step), ...(reference ? [stepImage(this.options.api, { ...reference, step })] : [])];
    };
    return {
      steps: () => this.scrubber.stepValues,
      current: () => this.step,
      prepare: async (step, priority, signal) => {
        await Promise.all(requests(step).map((r) => this.loader.load(r, { priority, signal }).catch(keepAbort)));
      },
      show: (step) => {
        this.scrubber.setCurrent(step);
        this.goToStep(step);
      },
      prefetchDepth: () => {
        const bytes = [this.viewer.image, this.viewer.referenceImage].reduce((sum, i) => sum + (i ? decodedBytes(i) : 0), 0);
        return depthWithin(this.loader.cache.budgetBytes, bytes);
      },
    };
  }

  // ---- the main view's loads ---------------------------------------------------------------

  private show(image: StepImage, loaded: LoadedImage): void {
    if (!this.isSelected(image)) return;
    const d = this.element.dataset;
    this.step = image.step;
    this.page.setStatus(null);
    // State first: a failure while drawing (reported through the viewer's error event) overrides it.
    d["step"] = String(image.step);
    this.page.setState("ready");
    d["cached"] = loaded.cached ? "1" : "0";
    this.page.setTitle(`${image.run} · ${image.tag} · step ${image.step}`);
    const started = performance.now();
    this.viewer.setImage(loaded.image);
    const view = this.pendingView;
    this.pendingView = null;
    if (view === "fit") this.viewer.fit();
    else if (view) this.viewer.setState(view);
    d["showMs"] = (performance.now() - started).toFixed(1);
    this.syncReference();
    this.syncPanes();
    this.page.syncLayers();
    this.page.syncControls();
  }

  private progress(image: StepImage, phase: LoadPhase): void {
    if (!this.isSelected(image)) return;
    this.page.setState("loading");
    this.page.setStatus(`Step ${image.step}: ${describePhase(phase)}`);
  }

  private fail(key: { run: string; tag: string; step: number }, reason: string): void {
    if (!this.isSelected(key)) return;
    const known = !Number.isNaN(key.step);
    if (known) {
      this.step = key.step;
      this.element.dataset["step"] = String(key.step);
    }
    this.page.fail(`${key.run} / ${key.tag}${known ? ` / step ${key.step}` : ""}: ${reason}`);
  }

  private isSelected(key: Selection): boolean {
    return !!this.selection && this.selection.run === key.run && this.selection.tag === key.tag;
  }

  // ---- comparison: group members, reference, side-by-side panes -----------------------------

  /** Tags of the selected tag's group in its run, in the sidebar's order (number keys 1–9). */
  groupMembers(selection: Selection | null = this.selection): string[] {
    return selection ? this.comparisons.groupMembers(selection) : [];
  }

  /** The images the reference can be: the other members of the group, and the tag in other runs. */
  referenceCandidates(selection: Selection | null = this.selection): Selection[] {
    return selection ? this.comparisons.candidates(selection) : [];
  }

  /** The reference chosen for the selection's context; by default the group's role "reference". */
  referenceOf(selection: Selection | null = this.selection): Selection | null {
    return selection ? this.comparisons.referenceOf(selection) : null;
  }

  /** Shows the `index`-th member of the group at the current step, keeping the view. */
  showMember(index: number): boolean {
    const selection = this.selection;
    const tag = this.groupMembers()[index];
    if (!selection || tag === undefined) return false;
    if (tag === selection.tag) return true;
    const next = { run: selection.run, tag };
    const step = this.step ?? this.requestedStep;
    if (step !== null) this.stepBySelection.set(selectionId(next), step);
    void this.select(next);
    return true;
  }

  /** The viewers of the extra panes (tests read their pixels). */
  get paneViewers(): Viewer[] {
    return this.panes.viewers;
  }

  /** Shows `count` (1–4) panes: the main image, then the other comparison candidates in order. */
  setPaneCount(count: number): void {
    this.panesSelect.value = String(this.panes.setCount(count));
    this.syncPanes();
  }

  /** Each extra pane shows the next other candidate at the shown step. */
  private syncPanes(): void {
    const selection = this.selection;
    const step = this.step;
    if (!selection || step === null) return this.panes.show([]);
    const others = this.referenceCandidates().filter((c) => c.run !== selection.run || c.tag !== selection.tag);
    this.panes.show(
      others.map((source) => ({
        image: stepImage(this.options.api, { ...source, step }),
        label: `${source.run} · ${this.comparisons.info(source)?.role || source.tag}`,
      })),
    );
  }

  private syncReferenceOptions(): void {
    const select = this.page.controls.reference;
    const selection = this.selection;
    const candidates = this.referenceCandidates();
    select.replaceChildren(
      h("option", { value: "", text: "None" }),
      ...candidates.map((c) => h("option", { value: JSON.stringify(c), text: this.comparisons.label(c, selection!) })),
    );
    const chosen = this.referenceOf();
    select.value = chosen ? JSON.stringify(chosen) : "";
    select.disabled = candidates.length < 2;
  }

  /** The reference (and the error strip, and a FLIP map) follow the shown step. */
  private syncReference(): void {
    const reference = this.referenceOf();
    this.errorStrip.setPair(this.selection, reference);
    this.errorStrip.setCurrent(this.step ?? NaN);
    this.comparisonImages.update(this.selection, reference, this.step);
  }

  private onKey(event: KeyboardEvent): boolean {
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
    if (event.key === " " && plain) {
      this.player.toggle();
      return true;
    }
    if (this.view === "grid") {
      const card = event.key === "Enter" ? this.grid.overview.cardToOpen() : null;
      if (card) this.openCard(card, card.imageStep);
      else if (event.key.toLowerCase() === "f" && plain) this.grid.overview.fit();
      else return this.scrubber.handleKey(event);
      return true;
    }
    if (event.key === "Escape" && this.grid.overview.cardList.length > 0) {
      this.showOverview();
      return true;
    }
    if (/^[1-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      return this.showMember(Number(event.key) - 1);
    }
    return this.scrubber.handleKey(event);
  }
}

/** A load's failure is shown where the image is; only a stop (abort) ends playback's wait. */
function keepAbort(error: unknown): void {
  if (isAbortError(error)) throw error;
}

function selectionId(selection: Selection): string {
  return JSON.stringify([selection.run, selection.tag]);
}
