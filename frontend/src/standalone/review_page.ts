// The review server's page: the tree on the left, the viewer with the dashboard's controls on the
// right. Selecting a leaf shows its image (with the group's reference as image B) or its error
// map; number keys toggle the leaves of a group; the URL fragment holds the view (view_hash.ts).

import type { ExrImage } from "../decoder/types.js";
import { METRICS, TONEMAPS, type Metric, type Tonemap } from "../render/pipeline.js";
import { h } from "../ui/dom.js";
import { DecodedImageCache, DEFAULT_CACHE_BYTES } from "../ui/image_cache.js";
import { FalseColourLegend } from "../ui/legend.js";
import css from "../ui/panel.css";
import { SHORTCUTS } from "../ui/shortcuts.js";
import { DEFAULT_VIEW, type ViewState } from "../viewer/state.js";
import { type ExrDecoder, type HoverInfo, Viewer } from "../viewer/viewer.js";
import {
  fetchFile,
  fetchTree,
  type GroupNode,
  type ImageNode,
  type LeafNode,
  leavesOf,
  type ReviewTree,
  type ServedFile,
} from "./review_api.js";
import reviewCss from "./review.css";
import { TreeBrowser } from "./tree_browser.js";
import { formatViewHash, type LinkedView, parseViewHash } from "./view_hash.js";

/** Settings a JERI `tonemapGroup` shares between its leaves. */
type Tone = Pick<ViewState, "exposure" | "offset" | "gamma" | "tonemap">;

const DEFAULT_TONE: Tone = {
  exposure: DEFAULT_VIEW.exposure,
  offset: DEFAULT_VIEW.offset,
  gamma: DEFAULT_VIEW.gamma,
  tonemap: DEFAULT_VIEW.tonemap,
};

/** How many images of the current group are decoded ahead (the number keys reach 10). */
const PREFETCH_SIBLINGS = 9;

/** The fragment is rewritten at most this often while dragging or zooming. */
const HASH_DELAY_MS = 150;

const REVIEW_SHORTCUTS: ReadonlyArray<{ keys: string; action: string }> = [
  { keys: "1 … 9, 0", action: "Show the 1st … 9th, 10th image of the group" },
  { keys: "↑ / ↓", action: "Previous / next image in the list" },
  // The dashboard's list, minus its steps and its own member keys.
  ...SHORTCUTS.filter((s) => !/^(←|Home|1 )/.test(s.keys)),
];

interface Placed {
  leaf: LeafNode;
  parent: GroupNode;
}

export class ReviewPage {
  readonly element: HTMLElement;
  readonly viewer: Viewer;
  private readonly browser: TreeBrowser;
  private readonly cache = new DecodedImageCache(DEFAULT_CACHE_BYTES);
  private readonly loading = new Map<string, Promise<ExrImage>>();
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly info: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly help: HTMLElement;
  private readonly legend = new FalseColourLegend();
  private readonly controls: {
    layer: HTMLSelectElement;
    tonemap: HTMLSelectElement;
    metric: HTMLSelectElement;
    reference: HTMLSelectElement;
    exposure: HTMLInputElement;
    exposureValue: HTMLOutputElement;
    offset: HTMLInputElement;
    offsetValue: HTMLOutputElement;
    gamma: HTMLInputElement;
    gammaValue: HTMLOutputElement;
    nonFinite: HTMLInputElement;
    windows: HTMLInputElement;
  };
  private tree: ReviewTree | null = null;
  private placed: Placed[] = [];
  private current: Placed | null = null;
  private token = 0;
  /** The metric chosen for image leaves (an error-map leaf imposes its own while selected). */
  private userMetric: Metric = "none";
  private readonly tones = new Map<string, Tone>();
  /** References chosen by the user, by group id ("" = none), instead of the group's default. */
  private readonly references = new Map<string, string>();
  private hashTimer = 0;
  private hashWritten = "";

  constructor(
    container: HTMLElement,
    private readonly decoder: ExrDecoder,
  ) {
    this.browser = new TreeBrowser((leaf) => void this.select(leaf));
    this.title = h("div", { class: "exr-title", text: "Loading…" });
    this.status = h("div", { class: "exr-status", role: "status", hidden: true });
    this.info = h("div", { class: "exr-scrubber exr-review-info" });
    this.readout = h("div", { class: "exr-readout", "aria-live": "off" });
    this.controls = {
      layer: h("select", { class: "exr-layer", title: "Layer ([ / ])", "aria-label": "Layer" }),
      tonemap: h("select", { class: "exr-tonemap", title: "Tonemap (T)", "aria-label": "Tonemap" }),
      metric: h("select", { class: "exr-metric", title: "Error metric against the reference", "aria-label": "Metric" }),
      reference: h("select", { class: "exr-reference", title: "Image B of the metric and of Shift", "aria-label": "Reference" }),
      exposure: h("input", { class: "exr-exposure", type: "range", min: -10, max: 10, step: 0.5, value: 0, "aria-label": "Exposure" }),
      exposureValue: h("output", { class: "exr-value" }),
      offset: h("input", { class: "exr-offset", type: "range", min: -1, max: 1, step: 0.1, value: 0, "aria-label": "Offset" }),
      offsetValue: h("output", { class: "exr-value" }),
      gamma: h("input", { class: "exr-gamma", type: "range", min: 0.1, max: 5, step: 0.1, value: 2.2, "aria-label": "Gamma" }),
      gammaValue: h("output", { class: "exr-value" }),
      nonFinite: h("input", { class: "exr-nonfinite", type: "checkbox", checked: true }),
      windows: h("input", { class: "exr-windows", type: "checkbox" }),
    };
    const c = this.controls;
    for (const t of TONEMAPS) c.tonemap.append(h("option", { value: t.id, text: t.label }));
    for (const m of METRICS) c.metric.append(h("option", { value: m.id, text: m.label, title: m.formula }));
    const fit = h("button", { class: "exr-button exr-fit", type: "button", title: "Fit (F)", text: "Fit" });
    const actual = h("button", { class: "exr-button exr-actual", type: "button", title: "Actual pixels (Ctrl+0)", text: "1:1" });
    const reload = h("button", { class: "exr-button exr-reload", type: "button", title: "Reload the list of images", text: "Reload" });
    const helpButton = h("button", { class: "exr-button exr-help-button", type: "button", title: "Shortcuts (?)", text: "?" });
    const toolbar = h(
      "div",
      { class: "exr-toolbar" },
      this.title,
      h("div", { class: "exr-spacer" }),
      labelled("Layer", c.layer),
      labelled("Tonemap", c.tonemap),
      labelled("Metric", c.metric),
      labelled("Reference", c.reference),
      labelled("Exposure", c.exposure, c.exposureValue),
      labelled("Offset", c.offset, c.offsetValue),
      labelled("Gamma", c.gamma, c.gammaValue),
      h("label", { class: "exr-check", title: "NaN / Inf markers (N)" }, c.nonFinite, "NaN/Inf"),
      h("label", { class: "exr-check", title: "Data / display window outlines (B)" }, c.windows, "Windows"),
      fit,
      actual,
      reload,
      helpButton,
    );
    this.help = buildHelp();
    const stage = h("div", { class: "exr-stage" }, this.status, this.legend.element);
    const main = h("main", { class: "exr-main" }, toolbar, stage, this.info, this.readout);
    this.element = h(
      "div",
      { class: "exr-panel exr-review", "data-state": "loading" },
      h("style", { text: css + reviewCss }),
      this.browser.element,
      main,
      this.help,
    );
    container.append(this.element);
    this.viewer = new Viewer(stage, { keyboardTarget: document, decoder });
    stage.prepend(this.viewer.element);

    c.layer.addEventListener("change", () => this.viewer.setState({ layer: c.layer.value }));
    c.tonemap.addEventListener("change", () => this.viewer.setState({ tonemap: c.tonemap.value as Tonemap }));
    c.metric.addEventListener("change", () => this.setMetric(c.metric.value as Metric));
    c.reference.addEventListener("change", () => this.setReference(c.reference.value));
    c.exposure.addEventListener("input", () => this.viewer.setState({ exposure: Number(c.exposure.value) }));
    c.offset.addEventListener("input", () => this.viewer.setState({ offset: Number(c.offset.value) }));
    c.gamma.addEventListener("input", () => this.viewer.setState({ gamma: Number(c.gamma.value) }));
    c.nonFinite.addEventListener("change", () => this.viewer.setState({ showNonFinite: c.nonFinite.checked }));
    c.windows.addEventListener("change", () => this.viewer.setState({ showWindows: c.windows.checked }));
    fit.addEventListener("click", () => this.viewer.fit());
    actual.addEventListener("click", () => this.viewer.actualSize());
    reload.addEventListener("click", () => void this.loadTree(parseViewHash(location.hash)));
    helpButton.addEventListener("click", () => (this.help.hidden = !this.help.hidden));
    this.viewer.on("state", () => {
      this.syncControls();
      this.scheduleHash();
    });
    this.viewer.on("hover", (info) => this.showReadout(info));
    document.addEventListener("keydown", (event) => this.onKey(event));
    window.addEventListener("hashchange", () => this.onHashChange());
    this.syncControls();
  }

  /** Loads the tree and shows what the URL fragment names (or the first image). */
  async start(): Promise<void> {
    await this.loadTree(parseViewHash(location.hash));
  }

  /** The leaf on screen (or being loaded). */
  get selected(): LeafNode | null {
    return this.current?.leaf ?? null;
  }

  private async loadTree(linked: LinkedView): Promise<void> {
    try {
      this.tree = await fetchTree();
    } catch (error) {
      this.fail(`Could not load the list of images: ${(error as Error).message}`);
      return;
    }
    this.placed = leavesOf(this.tree.root);
    this.browser.update(this.tree);
    document.title = `${this.tree.title} — EXR review`;
    const wanted = linked.image ?? this.current?.leaf.id;
    const found = this.placed.find((p) => p.leaf.id === wanted) ?? this.placed[0];
    if (!found) {
      this.title.textContent = this.tree.title;
      this.viewer.setImage(null);
      this.viewer.showMessage(`No images in ${this.tree.title}.`, "info");
      this.element.dataset["state"] = "ready";
      return;
    }
    await this.select(found.leaf, linked);
    // After the load, whose progress line would replace it.
    if (wanted !== undefined && found.leaf.id !== wanted) {
      this.flashStatus(`No image "${wanted}" here any more: showing "${found.leaf.id}".`);
    }
  }

  /** Shows a leaf; `linked` (from a URL) sets the view once the image is on screen. */
  async select(leaf: LeafNode, linked: LinkedView = {}): Promise<void> {
    const placed = this.placed.find((p) => p.leaf.id === leaf.id);
    if (!placed) return;
    const token = ++this.token;
    const previous = this.current;
    this.current = placed;
    this.browser.select(leaf.id);
    this.title.textContent = leaf.id;
    this.element.dataset["image"] = leaf.id;
    this.element.dataset["state"] = "loading";
    delete this.element.dataset["error"];
    if (linked.reference !== undefined) this.chooseReference(placed.parent, linked.reference);
    this.showInfo(placed);
    this.syncReferences();
    this.switchTone(previous?.leaf.tonemapGroup ?? null, leaf.tonemapGroup);

    const [fileA, fileB] = this.filesOf(placed);
    let metric: Metric = "none";
    if (leaf.type === "lossMap") {
      const known = METRICS.find((m) => m.id === leaf.metric);
      if (!known) {
        this.fail(`${leaf.title}: the viewer has no "${leaf.metric}" metric (yet); its images are linked below.`);
        return;
      }
      metric = known.id;
    } else if (fileB) {
      metric = linked.metric ?? this.userMetric;
      this.userMetric = metric;
    }
    this.status.hidden = false;
    this.status.textContent = `Loading ${fileA.path}${fileB ? ` and ${fileB.path}` : ""}…`;
    let images: [ExrImage, ExrImage | null];
    try {
      images = await Promise.all([this.image(fileA), fileB ? this.image(fileB) : Promise.resolve(null)]);
    } catch (error) {
      if (token === this.token) this.fail(`${leaf.title}: ${(error as Error).message}`);
      return;
    }
    if (token !== this.token) return;
    this.status.hidden = true;
    this.viewer.setReference(images[1]);
    this.viewer.setImage(images[0]);
    this.viewer.setState({ metric, ...viewPatch(linked) });
    this.syncLayers();
    this.syncControls();
    this.element.dataset["state"] = "ready";
    this.writeHash();
    this.prefetchSiblings(placed);
  }

  /** Selects the n-th leaf (0-based) of the current leaf's group. */
  toggle(index: number): void {
    const parent = this.current?.parent;
    if (!parent) return;
    const leaves = parent.children.filter((c): c is LeafNode => c.type !== "group");
    const target = leaves[index];
    if (target && target.id !== this.current?.leaf.id) void this.select(target);
  }

  /** Images A and B of a leaf: its file and the group's reference, or an error map's pair. */
  private filesOf(placed: Placed): [ServedFile, ServedFile | null] {
    const { leaf, parent } = placed;
    if (leaf.type === "lossMap") return [leaf.imageA, leaf.imageB];
    const title = this.referenceTitle(parent);
    const reference = parent.children.find((c): c is ImageNode => c.type === "image" && c.title === title);
    return [leaf.file, reference?.file ?? null];
  }

  /** The title of the member used as image B in a group (the user's choice, else the default). */
  private referenceTitle(group: GroupNode): string | null {
    const chosen = this.references.get(group.id);
    if (chosen === undefined) return group.reference;
    return chosen === "" ? null : chosen;
  }

  /** Records a reference choice ("" = none); choosing the default forgets the choice. */
  private chooseReference(group: GroupNode, title: string): void {
    const valid = title === "" || group.children.some((c) => c.type === "image" && c.title === title);
    if (!valid) return;
    if (title === (group.reference ?? "")) this.references.delete(group.id);
    else this.references.set(group.id, title);
  }

  private setReference(title: string): void {
    if (!this.current) return;
    this.chooseReference(this.current.parent, title);
    void this.select(this.current.leaf);
  }

  private syncReferences(): void {
    const select = this.controls.reference;
    const placed = this.current;
    const images = placed ? placed.parent.children.filter((c): c is ImageNode => c.type === "image") : [];
    const options = [h("option", { value: "", text: "None" })];
    for (const image of images) {
      const isDefault = image.title === placed?.parent.reference;
      options.push(h("option", { value: image.title, text: isDefault ? `${image.title} (default)` : image.title }));
    }
    select.replaceChildren(...options);
    select.value = placed ? (this.referenceTitle(placed.parent) ?? "") : "";
    // An error map names its own pair; a lone image has nothing to compare with.
    select.disabled = !placed || placed.leaf.type === "lossMap" || images.length < 2;
  }

  private image(file: ServedFile): Promise<ExrImage> {
    const key = file.url ?? file.path;
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve(cached);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = (async () => {
        const bytes = await fetchFile(file);
        try {
          return await this.decoder.decode(bytes);
        } catch (error) {
          throw new Error(`${file.path}: ${(error as Error).message}`);
        }
      })();
      pending.then(
        (image) => this.cache.set(key, image),
        () => undefined,
      );
      pending.finally(() => this.loading.delete(key)).catch(() => undefined);
      this.loading.set(key, pending);
    }
    return pending;
  }

  /**
   * Decodes the group's other images in the background so toggling is instant: the ones nearest
   * in the list first, at most PREFETCH_SIBLINGS (a plain folder may hold hundreds of images).
   */
  private prefetchSiblings(placed: Placed): void {
    const images = placed.parent.children.filter((c): c is ImageNode => c.type === "image" && !!c.file.url);
    const here = images.findIndex((c) => c.id === placed.leaf.id);
    const nearest = images
      .map((image, index) => ({ image, distance: here < 0 ? index : Math.abs(index - here) }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, PREFETCH_SIBLINGS + 1);
    for (const { image } of nearest) this.image(image.file).catch(() => undefined);
  }

  private setMetric(metric: Metric): void {
    if (this.current?.leaf.type === "image") this.userMetric = metric;
    this.viewer.setState({ metric });
  }

  /** Leaves of one JERI tonemap group share exposure, offset, gamma and tonemap. */
  private switchTone(from: string | null, to: string): void {
    if (from === to) return;
    const s = this.viewer.state;
    if (from !== null) this.tones.set(from, { exposure: s.exposure, offset: s.offset, gamma: s.gamma, tonemap: s.tonemap });
    this.viewer.setState(this.tones.get(to) ?? DEFAULT_TONE);
  }

  private fail(message: string): void {
    this.status.hidden = true;
    this.viewer.setImage(null);
    this.viewer.setReference(null);
    this.viewer.showMessage(message);
    this.element.dataset["state"] = "error";
    this.element.dataset["error"] = message;
    this.syncLayers();
    this.writeHash();
  }

  private flashStatus(message: string): void {
    this.status.hidden = false;
    this.status.textContent = message;
    window.setTimeout(() => {
      if (this.status.textContent === message) this.status.hidden = true;
    }, 4000);
  }

  // ---- URL fragment ----------------------------------------------------------------------

  private scheduleHash(): void {
    if (this.hashTimer) return;
    this.hashTimer = window.setTimeout(() => {
      this.hashTimer = 0;
      this.writeHash();
    }, HASH_DELAY_MS);
  }

  private writeHash(): void {
    if (!this.current) return;
    const group = this.current.parent;
    const chosen = this.references.get(group.id);
    const hash = formatViewHash(this.current.leaf.id, this.viewer.state, this.viewer.activeLayer(), chosen ?? null);
    this.hashWritten = hash;
    this.element.dataset["hash"] = hash;
    if (location.hash.replace(/^#/, "") !== hash) history.replaceState(null, "", `#${hash}`);
  }

  private onHashChange(): void {
    const hash = location.hash.replace(/^#/, "");
    if (hash === this.hashWritten) return;
    const linked = parseViewHash(hash);
    const target = this.placed.find((p) => p.leaf.id === linked.image);
    if (target) void this.select(target.leaf, linked);
    else this.viewer.setState(viewPatch(linked));
  }

  // ---- controls --------------------------------------------------------------------------

  private syncLayers(): void {
    const names = this.viewer.layers();
    const select = this.controls.layer;
    const same = names.length === select.options.length && names.every((n, i) => select.options[i]!.value === n);
    if (!same) select.replaceChildren(...names.map((name) => h("option", { value: name, text: name })));
    select.value = this.viewer.activeLayer() ?? "";
    select.disabled = names.length < 2;
  }

  private syncControls(): void {
    const s = this.viewer.state;
    const c = this.controls;
    c.tonemap.value = s.tonemap;
    c.metric.value = s.metric;
    c.metric.disabled = this.viewer.referenceImage === null;
    c.exposure.value = String(s.exposure);
    c.exposureValue.textContent = signed(s.exposure, 1);
    c.offset.value = String(s.offset);
    c.offsetValue.textContent = signed(s.offset, 2);
    c.gamma.value = String(s.gamma);
    c.gammaValue.textContent = s.gamma.toFixed(2);
    c.gamma.disabled = s.tonemap !== "gamma";
    c.nonFinite.checked = s.showNonFinite;
    c.windows.checked = s.showWindows;
    const layer = this.viewer.activeLayer();
    if (layer) c.layer.value = layer;
    this.legend.element.hidden = s.tonemap !== "falsecolour";
    this.legend.update(s.exposure, s.offset);
  }

  /** Links to the original files, as JERI's footer has them. */
  private showInfo(placed: Placed): void {
    const [a, b] = this.filesOf(placed);
    const link = (label: string, file: ServedFile): HTMLElement =>
      h(
        "span",
        { class: "exr-review-file" },
        h("span", { class: "exr-label", text: label }),
        file.url
          ? h("a", { href: file.url, download: file.path.split("/").pop(), text: file.path })
          : h("span", { class: "exr-review-warning", title: file.error, text: `${file.path} (${file.error ?? "not served"})` }),
      );
    const parts = [link(placed.leaf.type === "lossMap" ? "A" : "Image", a)];
    if (b) parts.push(link(placed.leaf.type === "lossMap" ? "B" : "Reference", b));
    if (placed.leaf.type === "lossMap") parts.push(h("span", { class: "exr-label", text: `error map: ${placed.leaf.metric}` }));
    this.info.replaceChildren(...parts);
  }

  private showReadout(info: HoverInfo | null): void {
    if (!info) {
      this.readout.replaceChildren();
      return;
    }
    this.readout.dataset["x"] = String(info.x);
    this.readout.dataset["y"] = String(info.y);
    const readings = info.inside
      ? info.readings.map((r) =>
          h(
            "span",
            { class: "exr-reading", "data-channel": r.channel, "data-value": r.text, title: `${r.channel} (${r.pixelType})` },
            h("span", { class: "exr-reading-name", text: r.channel }),
            h("span", { class: "exr-reading-value", text: r.text }),
          ),
        )
      : [h("span", { class: "exr-reading-outside", text: "outside the data window" })];
    const comparison: HTMLElement[] = [];
    if (info.referenceReadings.length > 0) {
      const texts = info.referenceReadings.map((x) => x.text).join(" ");
      comparison.push(
        h("span", { class: "exr-reference-readings", "data-values": texts }, h("span", { class: "exr-reading-name", text: "B" }), texts),
      );
    }
    if (info.metricValue) {
      const label = METRICS.find((m) => m.id === info.metric)?.label ?? info.metric;
      const texts = info.metricValue.map((v) => (Number.isFinite(v) ? String(Number(v.toPrecision(5))) : String(v)));
      comparison.push(
        h(
          "span",
          { class: "exr-error-value", "data-metric": info.metric, "data-values": info.metricValue.map(String).join(" ") },
          h("span", { class: "exr-reading-name", text: label }),
          texts.join(" "),
        ),
      );
    }
    const [r, g, b] = info.displayed;
    this.readout.replaceChildren(
      h("span", { class: "exr-readout-position", text: `${info.x}, ${info.y}` }),
      ...readings,
      ...comparison,
      h(
        "span",
        { class: "exr-displayed", "data-srgb": `${r},${g},${b}`, title: "Displayed sRGB (8-bit)" },
        h("span", { class: "exr-swatch", style: `background:rgb(${r},${g},${b})` }),
        `sRGB ${r} ${g} ${b}`,
      ),
    );
  }

  private onKey(event: KeyboardEvent): void {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.type !== "range" && target.type !== "checkbox") return;
    if (target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^[0-9]$/.test(event.key)) {
      this.toggle((Number(event.key) + 9) % 10);
      event.preventDefault();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const index = this.placed.findIndex((p) => p.leaf.id === this.current?.leaf.id);
      const next = this.placed[index + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) void this.select(next.leaf);
      event.preventDefault();
    } else if (event.key === "?") {
      this.help.hidden = !this.help.hidden;
    } else if (event.key === "Escape") {
      this.help.hidden = true;
    }
  }
}

/** The viewer-state part of a linked view (everything but the image). */
function viewPatch(linked: LinkedView): Partial<ViewState> {
  const patch: Partial<ViewState> = {};
  if (linked.exposure !== undefined) patch.exposure = linked.exposure;
  if (linked.offset !== undefined) patch.offset = linked.offset;
  if (linked.gamma !== undefined) patch.gamma = linked.gamma;
  if (linked.tonemap !== undefined) patch.tonemap = linked.tonemap;
  if (linked.layer !== undefined) patch.layer = linked.layer;
  if (linked.wipe !== undefined) patch.wipe = linked.wipe;
  if (linked.zoom !== undefined) patch.zoom = linked.zoom;
  if (linked.panX !== undefined && linked.panY !== undefined) {
    patch.panX = linked.panX;
    patch.panY = linked.panY;
  }
  return patch;
}

function buildHelp(): HTMLElement {
  const rows = REVIEW_SHORTCUTS.map((s) =>
    h("tr", {}, h("th", { scope: "row" }, h("kbd", { text: s.keys })), h("td", { text: s.action })),
  );
  const close = h("button", { class: "exr-button", type: "button", text: "Close" });
  const help = h(
    "div",
    { class: "exr-help", role: "dialog", "aria-label": "Keyboard shortcuts", hidden: true },
    h("div", { class: "exr-help-card" }, h("h2", { text: "Keyboard shortcuts" }), h("table", {}, h("tbody", {}, ...rows)), close),
  );
  close.addEventListener("click", () => (help.hidden = true));
  help.addEventListener("click", (event) => {
    if (event.target === help) help.hidden = true;
  });
  return help;
}

function labelled(text: string, ...controls: HTMLElement[]): HTMLElement {
  return h("label", { class: "exr-control" }, h("span", { class: "exr-label", text }), ...controls);
}

function signed(x: number, digits: number): string {
  return (x > 0 ? "+" : x < 0 ? "−" : "") + Math.abs(x).toFixed(digits);
}
