// The EXR dashboard: run/tag browser, toolbar, viewer, step scrubber, readout and help, wired to
// the plugin's routes and (when embedded) to TensorBoard's host messages. Everything
// TensorBoard-specific arrives through PanelOptions.host; the viewer itself knows none of it.

import { type PluginApi, type StepErrors, type StepInfo, type TagInfo, type TagsByRun } from "../api.js";
import type { ExrImage } from "../decoder/types.js";
import type { Metric } from "../render/pipeline.js";
import type { TensorBoardHost } from "../tb.js";
import type { ImageStatistics } from "../viewer/statistics.js";
import type { ViewState } from "../viewer/state.js";
import { type ExrDecoder, isTextInput, Viewer } from "../viewer/viewer.js";
import { RunTagBrowser, type Selection } from "./browser.js";
import { h } from "./dom.js";
import { DecodedImageCache, DEFAULT_CACHE_BYTES } from "./image_cache.js";
import { FalseColourLegend } from "./legend.js";
import css from "./panel.css";
import { SHORTCUTS } from "./shortcuts.js";
import { StepScrubber } from "./scrubber.js";
import { type LoadPhase, type StepKey, stepKeyId, StepLoader } from "./step_loader.js";
import { ErrorStrip } from "./error_strip.js";
import { StatisticsBox } from "./statistics_box.js";
import { showReadout } from "./readout.js";
import {
  bindViewControls,
  buildHelp,
  createViewControls,
  labelled,
  syncLayerSelect,
  syncViewControls,
  type ViewControls,
  viewChecks,
} from "./toolbar.js";

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
  private readonly browser: RunTagBrowser;
  private readonly scrubber: StepScrubber;
  private readonly loader: StepLoader;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly help: HTMLElement;
  private readonly legend = new FalseColourLegend();
  private readonly controls: ViewControls & { stats: HTMLInputElement; panes: HTMLSelectElement };
  private readonly stage: HTMLElement;
  /** Side-by-side panes after the main one: their viewer, what they show, and its load. */
  private panes: Array<{ element: HTMLElement; viewer: Viewer; label: HTMLElement; key: string | null; controller: AbortController | null }> = [];
  private syncingPanes = false;
  private readonly statisticsBox: StatisticsBox;

  private tags: TagsByRun = {};
  private hostRuns: string[] | null = null;
  private selection: Selection | null = null;
  private readonly stepBySelection = new Map<string, number>();
  private selectionToken = 0;
  private lastReload = 0;
  private reloadTimer = 0;
  /** The chosen reference per comparison context (a group in a run, or a lone tag); null = none. */
  private readonly referenceByContext = new Map<string, Selection | null>();
  /** stepKeyId of the reference image handed to the viewer (or being loaded). */
  private referenceKey: string | null = null;
  private referenceController: AbortController | null = null;
  /** Id of the FLIP map requested from the server (or shown), and its download. */
  private metricMapKey: string | null = null;
  private metricMapController: AbortController | null = null;
  private readonly errorStrip: ErrorStrip;

  constructor(container: HTMLElement, private readonly options: PanelOptions) {
    const style = h("style", { text: css });
    this.browser = new RunTagBrowser((selection) => void this.select(selection));
    this.scrubber = new StepScrubber((step) => this.goToStep(step));
    this.title = h("div", { class: "exr-title", text: "No image selected" });
    this.status = h("div", { class: "exr-status", role: "status", hidden: true });
    this.readout = h("div", { class: "exr-readout", "aria-live": "off" });
    this.controls = {
      ...createViewControls("Reference image B (hold Shift to show it)"),
      stats: h("input", { class: "exr-stats-toggle", type: "checkbox" }),
      panes: h("select", { class: "exr-panes", title: "Side-by-side panes sharing zoom, pan, exposure and step", "aria-label": "Panes" }),
    };
    for (const n of [1, 2, 3, 4]) this.controls.panes.append(h("option", { value: n, text: String(n) }));
    this.controls.metric.hidden = true;

    const c = this.controls;
    const toolbar = h(
      "div",
      { class: "exr-toolbar" },
      this.title,
      h("div", { class: "exr-spacer" }),
      labelled("Layer", c.layer),
      labelled("Tonemap", c.tonemap),
      labelled("Reference", c.reference),
      labelled("Panes", c.panes),
      c.metric,
      labelled("Exposure", c.exposure, c.exposureValue),
      labelled("Offset", c.offset, c.offsetValue),
      labelled("Gamma", c.gamma, c.gammaValue),
      ...viewChecks(c),
      h("label", { class: "exr-check", title: "Statistics and histogram (Ctrl+drag: a rectangle)" }, c.stats, "Stats"),
      c.fit,
      c.actual,
      c.help,
    );
    this.help = buildHelp(SHORTCUTS);
    const stage = h("div", { class: "exr-stage" }, this.status, this.legend.element);
    this.stage = stage;
    this.errorStrip = new ErrorStrip(
      options.api,
      (step) => {
        this.scrubber.setCurrent(step);
        this.goToStep(step);
      },
      () => this.scrubber.track,
    );
    const main = h("main", { class: "exr-main" }, toolbar, stage, this.scrubber.element, this.errorStrip.element, this.readout);
    this.element = h("div", { class: "exr-panel" }, style, this.browser.element, main, this.help);
    container.append(this.element);

    this.viewer = new Viewer(stage, { keyboardTarget: document, decoder: options.decoder });
    stage.prepend(this.viewer.element);
    this.statisticsBox = new StatisticsBox(this.viewer);
    stage.append(this.statisticsBox.element);
    this.loader = new StepLoader(
      options.api,
      options.decoder,
      new DecodedImageCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES),
      {
        show: (key, image, cached) => this.show(key, image, cached),
        progress: (key, phase) => this.progress(key, phase),
        failed: (key, reason) => this.fail(key, reason),
      },
    );

    bindViewControls(c, this.viewer);
    c.metric.addEventListener("change", () => {
      this.viewer.setState({ metric: c.metric.value as Metric });
      this.syncMetricMap();
    });
    c.reference.addEventListener("change", () => {
      if (!this.selection) return;
      const chosen = c.reference.value ? (JSON.parse(c.reference.value) as Selection) : null;
      this.referenceByContext.set(this.contextId(this.selection), chosen);
      this.syncReference();
    });
    c.stats.addEventListener("change", () => this.statisticsBox.setEnabled(c.stats.checked));
    c.panes.addEventListener("change", () => this.setPaneCount(Number(c.panes.value)));
    this.viewer.on("state", (state) => this.syncPaneViews(state, this.viewer));
    c.help.addEventListener("click", () => this.toggleHelp());
    this.viewer.on("state", () => this.syncControls());
    this.viewer.on("hover", (info) => showReadout(this.readout, info));
    // Rendering failures (e.g. a plane larger than the GPU allows) get the same context as load errors.
    this.viewer.on("error", (reason) => {
      const step = Number(this.element.dataset["step"]);
      if (this.selection && this.element.dataset["state"] !== "error") this.fail({ ...this.selection, step }, reason);
    });
    document.addEventListener("keydown", (event) => this.onKey(event));
    this.syncControls();

    options.host?.onRunsChanged((runs) => {
      this.hostRuns = runs;
      void this.refresh();
    });
    options.host?.onDataReloaded(() => this.scheduleReload());
  }

  /** Loads runs and tags, then selects the first tag when nothing is selected yet. */
  async start(): Promise<void> {
    const host = this.options.host;
    let deepLink: Record<string, string> = {};
    if (host) {
      [this.hostRuns, deepLink] = await Promise.all([
        host.getRuns().catch(() => null),
        host.getUrlPluginData().catch(() => ({})),
      ]);
    }
    // `#exr&p.exr.run=…&p.exr.tag=…&p.exr.step=…` opens that image (when the host passes it on).
    const { run, tag, step } = deepLink;
    if (run && tag) {
      this.selection = { run, tag };
      const n = Number(step);
      if (step !== undefined && Number.isFinite(n)) this.stepBySelection.set(selectionId(this.selection), n);
    }
    await this.refresh();
  }

  /** The cache of decoded images (its budget can be changed at run time). */
  get cache(): DecodedImageCache {
    return this.loader.cache;
  }

  /** The statistics shown in the Stats box (null when off or nothing to measure). */
  get statistics(): ImageStatistics | null {
    return this.statisticsBox.current;
  }

  /** The error-over-steps values plotted for the shown image and its reference. */
  get errorValues(): readonly StepErrors[] {
    return this.errorStrip.values;
  }

  /** Foreground load counters (started / cancelled / shown / prefetched). */
  get loadCounts(): Readonly<StepLoader["counts"]> {
    return { ...this.loader.counts };
  }

  // ---- data ------------------------------------------------------------------------------

  private async refresh(): Promise<void> {
    try {
      this.tags = await this.options.api.tags();
    } catch (error) {
      this.viewer.showMessage(`Could not list EXR tags: ${(error as Error).message}`);
      return;
    }
    const runs = this.orderedRuns();
    this.browser.update(this.tags, runs);
    const stillThere = this.selection && this.tags[this.selection.run]?.[this.selection.tag] !== undefined;
    if (this.selection && stillThere) {
      // A deep-linked selection has not been loaded yet; an open one only needs its new steps.
      if (this.element.dataset["run"] === undefined) await this.select(this.selection);
      else await this.reloadSteps();
    } else {
      const first = this.browser.visible()[0];
      if (first) await this.select(first);
    }
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
    this.selection = selection;
    this.browser.select(selection);
    this.element.dataset["run"] = selection.run;
    this.element.dataset["tag"] = selection.tag;
    // Until this selection's image is on screen (tests and tools wait for "ready").
    this.element.dataset["state"] = "loading";
    this.title.textContent = `${selection.run} · ${selection.tag}`;
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
      this.viewer.setImage(null);
      this.viewer.showMessage(`${selection.run} / ${selection.tag}: no steps logged`, "info");
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
    const selection = this.selection;
    if (!selection) return;
    this.stepBySelection.set(selectionId(selection), step);
    this.element.dataset["requestedStep"] = String(step);
    const key = (s: number): StepKey => {
      const info = this.scrubber.info(s);
      return { ...selection, step: s, ...(info?.url ? { url: info.url } : {}), ...(info?.error ? { error: info.error } : {}) };
    };
    this.loader.request(key(step), this.scrubber.neighbours(step).map(key));
  }

  // ---- loader callbacks -----------------------------------------------------------------

  private show(key: StepKey, image: ExrImage, cached: boolean): void {
    if (!this.isSelected(key)) return;
    this.status.hidden = true;
    // State first: a failure while drawing (reported through the viewer's error event) overrides it.
    this.element.dataset["step"] = String(key.step);
    this.element.dataset["state"] = "ready";
    this.element.dataset["cached"] = cached ? "1" : "0";
    delete this.element.dataset["error"];
    this.title.textContent = `${key.run} · ${key.tag} · step ${key.step}`;
    const started = performance.now();
    this.viewer.setImage(image);
    this.element.dataset["showMs"] = (performance.now() - started).toFixed(1);
    this.syncReference();
    this.syncMetricMap();
    this.syncPanes();
    this.syncLayers();
    this.syncControls();
  }

  // ---- side-by-side panes -------------------------------------------------------------------

  /** The viewers of the extra panes (tests read their pixels). */
  get paneViewers(): Viewer[] {
    return this.panes.map((p) => p.viewer);
  }

  /** Shows `count` (1–4) panes: the main image, then the other comparison candidates in order. */
  setPaneCount(count: number): void {
    const wanted = Math.min(4, Math.max(1, Math.round(count))) - 1;
    while (this.panes.length > wanted) {
      const pane = this.panes.pop()!;
      pane.controller?.abort();
      pane.viewer.destroy();
      pane.element.remove();
    }
    while (this.panes.length < wanted) {
      const label = h("div", { class: "exr-pane-label" });
      const element = h("div", { class: "exr-pane" }, label);
      this.stage.append(element);
      const viewer = new Viewer(element);
      const pane = { element, viewer, label, key: null, controller: null };
      viewer.on("state", (state) => this.syncPaneViews(state, viewer));
      this.panes.push(pane);
    }
    this.controls.panes.value = String(wanted + 1);
    this.stage.dataset["panes"] = String(wanted + 1);
    this.syncPanes();
    this.syncPaneViews(this.viewer.state, this.viewer);
  }

  /** Zoom, pan, tone and layer are shared: a change in any pane is applied to all the others. */
  private syncPaneViews(state: ViewState, from: Viewer): void {
    if (this.syncingPanes || this.panes.length === 0) return;
    this.syncingPanes = true;
    const shared = {
      zoom: state.zoom,
      panX: state.panX,
      panY: state.panY,
      exposure: state.exposure,
      offset: state.offset,
      gamma: state.gamma,
      tonemap: state.tonemap,
      layer: state.layer,
      showNonFinite: state.showNonFinite,
      grid: state.grid,
    };
    try {
      for (const viewer of [this.viewer, ...this.paneViewers]) if (viewer !== from) viewer.setState(shared);
    } finally {
      this.syncingPanes = false;
    }
  }

  /** Loads each extra pane's image at the shown step. */
  private syncPanes(): void {
    const selection = this.selection;
    const step = Number(this.element.dataset["step"]);
    const others = this.referenceCandidates().filter((c) => !selection || c.run !== selection.run || c.tag !== selection.tag);
    this.panes.forEach((pane, i) => {
      const source = others[i];
      if (!source || !Number.isFinite(step)) {
        pane.key = null;
        pane.viewer.setImage(null);
        pane.viewer.showMessage("No other image in this group", "info");
        pane.label.textContent = "";
        delete pane.element.dataset["tag"];
        return;
      }
      const key: StepKey = { ...source, step };
      const id = stepKeyId(key);
      pane.label.textContent = `${source.run} · ${this.tags[source.run]?.[source.tag]?.role || source.tag}`;
      if (id === pane.key) return;
      pane.key = id;
      pane.controller?.abort();
      pane.element.dataset["state"] = "loading";
      const controller = new AbortController();
      pane.controller = controller;
      const shown = (image: ExrImage) => {
        pane.viewer.setImage(image);
        this.syncPaneViews(this.viewer.state, this.viewer);
        pane.element.dataset["run"] = key.run;
        pane.element.dataset["tag"] = key.tag;
        pane.element.dataset["step"] = String(key.step);
        pane.element.dataset["state"] = "ready";
      };
      const cached = this.loader.cache.get(id);
      if (cached) {
        shown(cached);
        return;
      }
      void (async () => {
        try {
          const bytes = await this.options.api.exr(key.run, key.tag, key.step, { signal: controller.signal });
          const image = await this.options.decoder.decode(bytes, { signal: controller.signal, transfer: true });
          this.loader.cache.set(id, image);
          if (pane.key === id) shown(image);
        } catch (error) {
          if (controller.signal.aborted || pane.key !== id) return;
          pane.element.dataset["state"] = "error";
          pane.viewer.setImage(null);
          pane.viewer.showMessage(`${key.run} / ${key.tag} / step ${key.step}: ${(error as Error).message}`);
        }
      })();
    });
  }

  private progress(key: StepKey, phase: LoadPhase): void {
    if (!this.isSelected(key)) return;
    this.element.dataset["state"] = "loading";
    this.status.hidden = false;
    if (phase.kind === "download") {
      const { received, total } = phase.progress;
      this.status.textContent =
        `Step ${key.step}: downloading ${formatBytes(received)}` + (total !== null ? ` / ${formatBytes(total)}` : "");
    } else {
      this.status.textContent = `Step ${key.step}: decoding ${formatBytes(phase.bytes)}…`;
    }
  }

  private fail(key: StepKey, reason: string): void {
    if (!this.isSelected(key)) return;
    this.status.hidden = true;
    const where = Number.isNaN(key.step) ? `${key.run} / ${key.tag}` : `${key.run} / ${key.tag} / step ${key.step}`;
    const message = `${where}: ${reason}`;
    this.viewer.setImage(null);
    this.viewer.showMessage(message);
    if (!Number.isNaN(key.step)) this.element.dataset["step"] = String(key.step);
    this.element.dataset["state"] = "error";
    this.element.dataset["error"] = message;
    this.syncLayers();
  }

  private isSelected(key: StepKey): boolean {
    return !!this.selection && this.selection.run === key.run && this.selection.tag === key.tag;
  }

  // ---- comparison: group members, reference, error over steps -------------------------------

  /** Tags of the selected tag's group in its run, in the sidebar's order (number keys 1–9). */
  groupMembers(selection: Selection | null = this.selection): string[] {
    if (!selection) return [];
    const tags = this.tags[selection.run] ?? {};
    const group = tags[selection.tag]?.group;
    if (!group) return [selection.tag];
    return Object.keys(tags)
      .filter((tag) => tags[tag]!.group === group)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  }

  /** Shows the `index`-th member of the group at the current step, keeping the view. */
  showMember(index: number): boolean {
    const selection = this.selection;
    const tag = this.groupMembers()[index];
    if (!selection || tag === undefined) return false;
    if (tag === selection.tag) return true;
    const step = Number(this.element.dataset["step"] ?? this.element.dataset["requestedStep"]);
    const next = { run: selection.run, tag };
    if (Number.isFinite(step)) this.stepBySelection.set(selectionId(next), step);
    void this.select(next);
    return true;
  }

  /** The images the reference can be: the other members of the group, and the tag in other runs. */
  referenceCandidates(selection: Selection | null = this.selection): Selection[] {
    if (!selection) return [];
    const members = this.groupMembers(selection).map((tag) => ({ run: selection.run, tag }));
    const otherRuns = this.orderedRuns()
      .filter((run) => run !== selection.run && this.tags[run]?.[selection.tag] !== undefined)
      .map((run) => ({ run, tag: selection.tag }));
    return [...members, ...otherRuns];
  }

  /** The reference chosen for the selection's context; by default the group's role "reference". */
  referenceOf(selection: Selection | null = this.selection): Selection | null {
    if (!selection) return null;
    const id = this.contextId(selection);
    if (this.referenceByContext.has(id)) return this.referenceByContext.get(id)!;
    const tags = this.tags[selection.run] ?? {};
    const byRole = this.groupMembers(selection).find((tag) => tags[tag]?.role === "reference");
    return byRole !== undefined && tags[selection.tag]?.group ? { run: selection.run, tag: byRole } : null;
  }

  /** A comparison context: a group within a run (its members share the reference), or one tag. */
  private contextId(selection: Selection): string {
    const group = this.tags[selection.run]?.[selection.tag]?.group;
    return group ? JSON.stringify(["group", selection.run, group]) : JSON.stringify(["tag", selection.run, selection.tag]);
  }

  private syncReferenceOptions(): void {
    const select = this.controls.reference;
    const candidates = this.referenceCandidates();
    const tags = this.tags;
    const label = (c: Selection): string => {
      const info: TagInfo | undefined = tags[c.run]?.[c.tag];
      const name = info?.role ? info.role : c.tag;
      return c.run === this.selection?.run ? name : `${c.run} · ${name}`;
    };
    select.replaceChildren(
      h("option", { value: "", text: "None" }),
      ...candidates.map((c) => h("option", { value: JSON.stringify(c), text: label(c) })),
    );
    const chosen = this.referenceOf();
    select.value = chosen ? JSON.stringify(chosen) : "";
    select.disabled = candidates.length < 2;
  }

  /** Loads the reference at the shown step (from the cache when possible) and hands it to the viewer. */
  private syncReference(): void {
    const selection = this.selection;
    const step = Number(this.element.dataset["step"]);
    const reference = this.referenceOf();
    this.errorStrip.setPair(selection, reference);
    this.errorStrip.setCurrent(step);
    if (!selection || !reference || !Number.isFinite(step)) {
      this.setReferenceImage(null, null);
      return;
    }
    const key: StepKey = { ...reference, step };
    const id = stepKeyId(key);
    if (id === this.referenceKey) return;
    this.referenceController?.abort();
    this.referenceKey = id;
    const cached = this.loader.cache.get(id);
    if (cached) {
      this.setReferenceImage(key, cached);
      return;
    }
    const controller = new AbortController();
    this.referenceController = controller;
    this.element.dataset["referenceState"] = "loading";
    void (async () => {
      try {
        const bytes = await this.options.api.exr(key.run, key.tag, key.step, { signal: controller.signal });
        const image = await this.options.decoder.decode(bytes, { signal: controller.signal, transfer: true });
        this.loader.cache.set(id, image);
        if (this.referenceKey === id) this.setReferenceImage(key, image);
      } catch (error) {
        if (controller.signal.aborted || this.referenceKey !== id) return;
        this.setReferenceImage(null, null);
        this.referenceKey = id;
        const reason = `reference ${key.run} / ${key.tag} / step ${key.step}: ${(error as Error).message}`;
        this.element.dataset["referenceState"] = "error";
        this.element.dataset["referenceError"] = reason;
        this.status.hidden = false;
        this.status.textContent = reason;
      }
    })();
  }

  private setReferenceImage(key: StepKey | null, image: ExrImage | null): void {
    const d = this.element.dataset;
    if (!key || !image) {
      this.referenceController?.abort();
      this.referenceKey = null;
      delete d["referenceRun"];
      delete d["referenceTag"];
      delete d["referenceStep"];
      delete d["referenceError"];
      d["referenceState"] = "none";
      if (this.viewer.referenceImage) this.viewer.setReference(null);
    } else {
      d["referenceRun"] = key.run;
      d["referenceTag"] = key.tag;
      d["referenceStep"] = String(key.step);
      d["referenceState"] = "ready";
      delete d["referenceError"];
      this.viewer.setReference(image);
    }
    this.syncMetricMap();
    this.syncControls();
  }

  /**
   * For the server-computed metrics (FLIP LDR/HDR): fetches the map of the shown image against
   * the reference at the shown step and hands it to the viewer; clears it for the other metrics.
   */
  private syncMetricMap(): void {
    const metric = this.viewer.state.metric;
    const mode = metric === "flip-ldr" ? "ldr" : metric === "flip-hdr" ? "hdr" : null;
    const selection = this.selection;
    const reference = this.referenceOf();
    const step = Number(this.element.dataset["step"]);
    const d = this.element.dataset;
    if (!mode || !selection || !reference || !Number.isFinite(step)) {
      this.metricMapController?.abort();
      this.metricMapKey = null;
      delete d["metricMap"];
      delete d["flipMean"];
      if (this.viewer.metricMapImage) this.viewer.setMetricImage(null);
      return;
    }
    const pair = { run: selection.run, tag: selection.tag, refRun: reference.run, refTag: reference.tag, step };
    const id = JSON.stringify(["flip", mode, pair]);
    if (id === this.metricMapKey) return;
    this.metricMapController?.abort();
    this.metricMapKey = id;
    const controller = new AbortController();
    this.metricMapController = controller;
    d["metricMap"] = "loading";
    this.viewer.setMetricImage(null);
    this.status.hidden = false;
    this.status.textContent = `Computing FLIP (${mode.toUpperCase()}) on the server…`;
    void (async () => {
      try {
        const { bytes, mean } = await this.options.api.flip(pair, mode, controller.signal);
        const image = await this.options.decoder.decode(bytes, { signal: controller.signal, transfer: true });
        if (this.metricMapKey !== id) return;
        this.viewer.setMetricImage(image);
        d["metricMap"] = "ready";
        d["flipMean"] = String(mean);
        this.status.hidden = true;
        this.errorStrip.refresh(); // the server now has this step's mean FLIP too
      } catch (error) {
        if (controller.signal.aborted || this.metricMapKey !== id) return;
        d["metricMap"] = "error";
        const where = `${pair.run} / ${pair.tag} / step ${step} vs ${pair.refRun} / ${pair.refTag}`;
        this.status.textContent = `FLIP ${where}: ${(error as Error).message}`;
      }
    })();
  }

  // ---- UI state --------------------------------------------------------------------------

  private syncLayers(): void {
    syncLayerSelect(this.controls.layer, this.viewer);
  }

  private syncControls(): void {
    syncViewControls(this.controls, this.viewer, this.legend);
    this.controls.metric.hidden = this.viewer.referenceImage === null;
  }

  private onKey(event: KeyboardEvent): void {
    if (isTextInput(event.target)) return;
    if (event.key === "?") {
      this.toggleHelp();
      event.preventDefault();
    } else if (event.key === "Escape" && !this.help.hidden) {
      this.toggleHelp(false);
    } else if (/^[1-9]$/.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      if (this.showMember(Number(event.key) - 1)) event.preventDefault();
    } else if (this.scrubber.handleKey(event)) {
      event.preventDefault();
    }
  }

  private toggleHelp(show = this.help.hidden): void {
    this.help.hidden = !show;
  }
}

function selectionId(selection: Selection): string {
  return JSON.stringify([selection.run, selection.tag]);
}


function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
