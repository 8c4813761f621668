// The frame both pages put around the viewer: the page's list on the left; the toolbar (two rows
// at most on a 1000 px window: what is used now and then is in its ⋯ menu); the stage (viewer,
// status line, false-colour legend, the metric's formula, statistics box, pin panel); the page's
// rows under the stage; the pixel readout; the keyboard help. It keeps the controls in step with
// the viewer, owns the root's `data-state` / `data-error` and the error display, and the keys
// both pages share beyond the viewer's (statistics, export). The TensorBoard dashboard (panel.ts)
// and the review page (standalone/review_page.ts) compose it with what they show.

import { metricFormula, metricInfo } from "../render/pipeline.js";
import type { ImageStatistics } from "../viewer/index.js";
import { type ExrDecoder, isTextInput, Viewer } from "../viewer/viewer.js";
import { h } from "./dom.js";
import { HeaderInfo } from "./header_info.js";
import { FalseColourLegend } from "./legend.js";
import { ProbePanel, type ProbeSteps } from "./probes/probe_panel.js";
import { showReadout } from "./readout.js";
import type { ComparisonStatistics } from "../viewer/pair_errors.js";
import { StatisticsBox } from "./statistics_box.js";
import {
  bindViewControls,
  buildHelp,
  createViewControls,
  epsilonControl,
  exposureTools,
  labelled,
  syncLayerSelect,
  syncViewControls,
  type ViewControls,
  viewChecks,
  windowsCheck,
} from "./toolbar.js";
import { ToolbarMenu } from "./toolbar_menu.js";
import { type ExportSource, ViewExport } from "./view_export.js";
import css from "./viewer_page.css";

export interface ViewerPageOptions {
  decoder: ExrDecoder;
  /** Class of the root besides `exr-panel` (the review page's `exr-review`). */
  className?: string;
  /** Styles added after the shared sheet. */
  css?: string;
  title: string;
  /** The list of images on the left. */
  sidebar: HTMLElement;
  shortcuts: ReadonlyArray<{ keys: string; action: string }>;
  /** Tooltip of the reference select: each page says what its image B is. */
  referenceTitle: string;
  /** The comparison controls, placed after the tonemap, made of the shared controls and the page's own. */
  comparison(controls: ViewControls): HTMLElement[];
  /** Buttons placed before the info, menu and help buttons. */
  buttons?: HTMLElement[];
  /** Items at the top of the ⋯ menu (the dashboard's link). */
  menu?: HTMLElement[];
  /** What an exported view is (default: the page's title and address, no original file). */
  exportSource?: Partial<Omit<ExportSource, "viewer" | "say">>;
  /** The page's steps, for plotting the pins over them (the dashboard). */
  probeSteps?: ProbeSteps;
  /** Rows between the stage and the readout (the scrubber, the error strip, the file links). */
  below?: HTMLElement[];
  /** Without a reference the metric select is hidden (dashboard) or disabled (review page). */
  metricWithoutReference: "hide" | "disable";
  /** The page's keys, asked after the help's `?` and Esc; true when handled (its default is then prevented). */
  onKey(event: KeyboardEvent): boolean;
  /**
   * Where the shortcuts listen: the whole document (default: a page of its own), or only this
   * page's element (one viewer among others on a host page, e.g. a notebook, whose keys typed
   * elsewhere are the host's).
   */
  keyboard?: "document" | "page";
}

/** `empty`: what was asked for holds no image (a tag with no logged step, a folder without EXRs). */
export type PageState = "loading" | "ready" | "error" | "empty";

export class ViewerPage {
  readonly element: HTMLElement;
  readonly viewer: Viewer;
  readonly controls: ViewControls;
  /** Where the viewer is; panes and overlays go in here. */
  readonly stage: HTMLElement;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly help: HTMLElement;
  /** The info view: the whole header of the image shown (I). */
  readonly info = new HeaderInfo();
  private readonly legend = new FalseColourLegend();
  private readonly formula = h("div", { class: "exr-metric-formula", hidden: true });
  private readonly statisticsBox: StatisticsBox;
  private readonly statsToggle: HTMLInputElement;
  /** The pins' panel (P), and the view taken away (copy, PNG, the original EXR, a link). */
  readonly probes: ProbePanel;
  readonly exporter: ViewExport;
  private statusTimer = 0;
  private pageState: PageState | undefined;
  /** The metric select stays shown without a reference (the overview's error cards need it). */
  private metricAlwaysShown = false;

  constructor(
    container: HTMLElement,
    private readonly options: ViewerPageOptions,
  ) {
    this.title = h("div", { class: "exr-title", text: options.title });
    this.status = h("div", { class: "exr-status", role: "status", hidden: true });
    this.readout = h("div", { class: "exr-readout", "aria-live": "off" });
    const c = (this.controls = createViewControls(options.referenceTitle));
    const statsToggle = (this.statsToggle = h("input", { class: "exr-stats-toggle", type: "checkbox" }));
    const infoButton = h("button", {
      class: "exr-button exr-info-button",
      type: "button",
      title: "Header: every part, channel and attribute (I)",
      text: "Info",
    });
    const menu = new ToolbarMenu(options.menu ?? []);
    const toolbar = h(
      "div",
      { class: "exr-toolbar" },
      this.title,
      h("div", { class: "exr-spacer" }),
      labelled("Layer", c.layer),
      labelled("Tone", c.tonemap),
      ...options.comparison(c),
      epsilonControl(c),
      labelled("Exp", c.exposure, c.exposureValue),
      ...exposureTools(c),
      ...viewChecks(c),
      h("label", { class: "exr-check", title: "Statistics and histogram (H; Ctrl+drag: a rectangle)" }, statsToggle, "Stats"),
      c.fit,
      c.actual,
      ...(options.buttons ?? []),
      infoButton,
      menu.element,
      c.help,
    );
    this.help = buildHelp(options.shortcuts);
    this.stage = h("div", { class: "exr-stage" }, this.status, this.legend.element, this.formula);
    const main = h("main", { class: "exr-main" }, toolbar, this.stage, ...(options.below ?? []), this.readout);
    const rootClass = options.className ? `exr-panel ${options.className}` : "exr-panel";
    const style = h("style", { text: css + (options.css ?? "") });
    this.element = h("div", { class: rootClass }, style, options.sidebar, main, this.help);
    container.append(this.element);

    const keys = options.keyboard === "page" ? this.element : document;
    this.viewer = new Viewer(this.stage, { keyboardTarget: keys, decoder: options.decoder });
    this.stage.prepend(this.viewer.element);
    this.statisticsBox = new StatisticsBox(this.viewer);
    this.probes = new ProbePanel(this.viewer, options.probeSteps ?? null);
    this.stage.append(this.statisticsBox.element, this.probes.element, this.info.element);
    statsToggle.addEventListener("change", () => this.statisticsBox.setEnabled(statsToggle.checked));
    this.exporter = new ViewExport({
      viewer: this.viewer,
      identity: () => [["image", this.title.textContent ?? ""]],
      fileStem: () => this.title.textContent || "view",
      original: () => null,
      link: () => location.href,
      ...options.exportSource,
      say: (text) => this.flashStatus(text, 6000),
    });
    const x = this.exporter;
    menu.append(
      labelled("Offset", c.offset, c.offsetValue),
      labelled("Gamma", c.gamma, c.gammaValue),
      windowsCheck(c),
      menu.action("exr-copy-view", "Copy view", "Ctrl+C", () => void x.copyView("canvas")),
      menu.action("exr-copy-actual", "Copy view 1:1", "Ctrl+Shift+C", () => void x.copyView("actual")),
      menu.action("exr-save-png", "Save PNG", "S", () => void x.savePng("canvas")),
      menu.action("exr-save-actual", "Save PNG 1:1", "Shift+S", () => void x.savePng("actual")),
      menu.action("exr-download-exr", "Download EXR", "D", () => void x.downloadOriginal()),
      menu.action("exr-copy-link", "Copy link", "U", () => void x.copyLink()),
    );

    bindViewControls(c, this.viewer);
    c.help.addEventListener("click", () => this.toggleHelp());
    infoButton.addEventListener("click", () => this.toggleInfo());
    // A new image (a step, a member, a leaf) replaces the header shown while the view is open.
    this.viewer.on("render", () => {
      if (this.info.open) this.info.update(this.viewer.image, this.title.textContent ?? "");
    });
    this.viewer.on("state", () => this.syncControls());
    this.viewer.on("hover", (info) => showReadout(this.readout, info));
    keys.addEventListener("keydown", (event) => this.onKey(event as KeyboardEvent));
    this.syncControls();
  }

  /** The statistics shown in the Stats box (null when off or nothing to measure). */
  get statistics(): ImageStatistics | null {
    return this.statisticsBox.current;
  }

  /** What the root's `data-state` says (undefined before anything was asked for). */
  get state(): PageState | undefined {
    return this.pageState;
  }

  setTitle(text: string): void {
    this.title.textContent = text;
    this.title.title = text; // whole on hover when the toolbar cuts it
  }

  /** Shows a line over the image; null hides it. */
  setStatus(text: string | null): void {
    window.clearTimeout(this.statusTimer);
    this.status.hidden = text === null;
    if (text !== null) this.status.textContent = text;
  }

  /** Shows a status line for a few seconds (unless another replaces it). */
  flashStatus(text: string, ms = 4000): void {
    this.setStatus(text);
    this.statusTimer = window.setTimeout(() => this.setStatus(null), ms);
  }

  /** Marks the page as loading, or as showing what was asked for (which clears a former error). */
  setState(state: "loading" | "ready"): void {
    this.pageState = state;
    this.element.dataset["state"] = state;
    if (state === "ready") delete this.element.dataset["error"];
  }

  /** Replaces the image by `message` and marks the page failed (`data-state="error"`, `data-error`). */
  fail(message: string): void {
    this.setStatus(null);
    this.viewer.setImage(null);
    this.viewer.showMessage(message);
    this.pageState = "error";
    this.element.dataset["state"] = "error";
    this.element.dataset["error"] = message;
    this.syncLayers();
  }

  /** Shows `message` in place of an image: what was asked for has none (`data-state="empty"`). */
  empty(message: string): void {
    this.setStatus(null);
    this.viewer.setImage(null);
    this.viewer.showMessage(message, "info");
    this.pageState = "empty";
    this.element.dataset["state"] = "empty";
    delete this.element.dataset["error"];
    this.syncLayers();
  }

  /** Rebuilds the layer list from the viewer's image. */
  syncLayers(): void {
    syncLayerSelect(this.controls.layer, this.viewer);
  }

  /** The MSE, relMSE and PSNR against the reference in the Stats box (null when off or without one). */
  get comparison(): ComparisonStatistics | null {
    return this.statisticsBox.comparison;
  }

  /** Shows the viewer's state in the controls. */
  syncControls(): void {
    syncViewControls(this.controls, this.viewer, this.legend);
    const noReference = this.viewer.referenceImage === null && !this.metricAlwaysShown;
    const epsilon = this.controls.epsilon.parentElement!;
    if (this.options.metricWithoutReference === "hide") {
      this.controls.metric.hidden = noReference;
      epsilon.hidden = noReference;
    } else {
      this.controls.metric.disabled = noReference;
      this.controls.epsilon.disabled = noReference;
    }
    // The formula of the error map shown, its ε written out.
    const s = this.viewer.state;
    const shown = s.metric !== "none" && this.viewer.referenceImage !== null;
    this.formula.hidden = !shown;
    this.formula.textContent = shown ? `${metricInfo(s.metric).label}: ${metricFormula(s.metric, s.epsilon)}` : "";
  }

  /** Statistics on or off (H). */
  toggleStatistics(on = !this.statsToggle.checked): void {
    this.statsToggle.checked = on;
    this.statisticsBox.setEnabled(on);
  }

  /** Shows the metric select even without a reference (true), or as the page's option says (false). */
  showMetric(always: boolean): void {
    this.metricAlwaysShown = always;
    this.syncControls();
  }

  toggleHelp(show = this.help.hidden): void {
    this.help.hidden = !show;
  }

  /** Opens or closes the info view of the image shown. */
  toggleInfo(show = !this.info.open): void {
    if (show) this.info.update(this.viewer.image, this.title.textContent ?? "");
    this.info.toggle(show);
  }

  private onKey(event: KeyboardEvent): void {
    if (isTextInput(event.target)) return;
    if (event.key === "?") {
      this.toggleHelp();
      event.preventDefault();
    } else if (event.key === "Escape" && !this.help.hidden) {
      this.toggleHelp(false);
    } else if (event.key === "Escape" && this.info.open) {
      this.toggleInfo(false);
    } else if (isInfoKey(event)) {
      this.toggleInfo();
      event.preventDefault();
    } else if (this.sharedKey(event) || this.options.onKey(event)) {
      event.preventDefault();
    }
  }

  /** The keys both pages share beyond the viewer's: statistics, export, the pins over steps. */
  private sharedKey(event: KeyboardEvent): boolean {
    const x = this.exporter;
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && !event.altKey && key === "c") {
      // Selected text is copied as text, as everywhere.
      if (document.getSelection()?.toString()) return false;
      void x.copyView(event.shiftKey ? "actual" : "canvas");
      return true;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    if (key === "s") void x.savePng(event.shiftKey ? "actual" : "canvas");
    else if (key === "d" && !event.shiftKey) void x.downloadOriginal();
    else if (key === "u" && !event.shiftKey) void x.copyLink();
    else if (key === "h" && !event.shiftKey) this.toggleStatistics();
    else if (key === "v" && !event.shiftKey) return this.probes.toggleSweep();
    else return false;
    return true;
  }
}

function isInfoKey(event: KeyboardEvent): boolean {
  return event.key.toLowerCase() === "i" && !event.ctrlKey && !event.metaKey && !event.altKey;
}
