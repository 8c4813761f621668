// The review server's page: the tree on the left, the viewer with the dashboard's controls on the
// right. Selecting a leaf shows its image (with the group's reference as image B) or its error
// map; number keys toggle the leaves of a group; the URL fragment holds the view (view_hash.ts).

import type { ExrImage } from "../decoder/types.js";
import { METRICS, type Metric } from "../render/pipeline.js";
import { h } from "../ui/dom.js";
import { DecodedImageCache, DEFAULT_CACHE_BYTES } from "../ui/image_cache.js";
import { FalseColourLegend } from "../ui/legend.js";
import css from "../ui/panel.css";
import { showReadout } from "../ui/readout.js";
import { SHORTCUTS } from "../ui/shortcuts.js";
import {
  bindViewControls,
  buildHelp,
  createViewControls,
  labelled,
  syncLayerSelect,
  syncViewControls,
  type ViewControls,
  viewChecks,
} from "../ui/toolbar.js";
import { StatisticsBox } from "../ui/statistics_box.js";
import type { ImageStatistics } from "../viewer/statistics.js";
import { DEFAULT_VIEW, type ViewState } from "../viewer/state.js";
import { type ExrDecoder, isTextInput, Viewer } from "../viewer/viewer.js";
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
  private readonly controls: ViewControls;
  private readonly statisticsBox: StatisticsBox;
  private readonly statsToggle = h("input", { class: "exr-stats-toggle", type: "checkbox" });
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
    this.controls = createViewControls("Image B of the metric and of Shift");
    const c = this.controls;
    const reload = h("button", { class: "exr-button exr-reload", type: "button", title: "Reload the list of images", text: "Reload" });
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
      ...viewChecks(c),
      h("label", { class: "exr-check", title: "Statistics and histogram (Ctrl+drag: a rectangle)" }, this.statsToggle, "Stats"),
      c.fit,
      c.actual,
      reload,
      c.help,
    );
    this.help = buildHelp(REVIEW_SHORTCUTS);
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
    this.statisticsBox = new StatisticsBox(this.viewer);
    stage.append(this.statisticsBox.element);
    this.statsToggle.addEventListener("change", () => this.statisticsBox.setEnabled(this.statsToggle.checked));

    bindViewControls(c, this.viewer);
    c.metric.addEventListener("change", () => this.setMetric(c.metric.value as Metric));
    c.reference.addEventListener("change", () => this.setReference(c.reference.value));
    reload.addEventListener("click", () => void this.loadTree(parseViewHash(location.hash)));
    c.help.addEventListener("click", () => (this.help.hidden = !this.help.hidden));
    this.viewer.on("state", () => {
      this.syncControls();
      this.scheduleHash();
    });
    this.viewer.on("hover", (info) => showReadout(this.readout, info));
    document.addEventListener("keydown", (event) => this.onKey(event));
    window.addEventListener("hashchange", () => this.onHashChange());
    this.syncControls();
  }

  /** Loads the tree and shows what the URL fragment names (or the first image). */
  async start(): Promise<void> {
    await this.loadTree(parseViewHash(location.hash));
  }

  /** The statistics shown in the Stats box (null when off or nothing to measure). */
  get statistics(): ImageStatistics | null {
    return this.statisticsBox.current;
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
          return await this.decoder.decode(bytes, { transfer: true });
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
    syncLayerSelect(this.controls.layer, this.viewer);
  }

  private syncControls(): void {
    syncViewControls(this.controls, this.viewer, this.legend);
    this.controls.metric.disabled = this.viewer.referenceImage === null;
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

  private onKey(event: KeyboardEvent): void {
    if (isTextInput(event.target)) return;
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
