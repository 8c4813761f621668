// The review server's page: the tree on the left, the shared viewer page (ui/viewer_page.ts) on
// the right. Selecting a leaf shows its image (with the group's reference as image B) or its error
// map; number keys toggle the leaves of a group; the URL fragment holds the view (view_hash.ts).
// Images go through one ImageLoader: a file shared by several leaves is fetched and decoded once.

import type { ExrImage } from "../decoder/types.js";
import { ImageLoader, type LoadedImage } from "../loading/index.js";
import { METRICS, type Metric } from "../render/pipeline.js";
import { h } from "../ui/dom.js";
import { SHORTCUTS } from "../ui/shortcuts.js";
import { labelled } from "../ui/toolbar.js";
import { ViewerPage } from "../ui/viewer_page.js";
import { DEFAULT_VIEW, type ExrDecoder, type ImageStatistics, type ViewState, type Viewer } from "../viewer/index.js";
import { filesOfLeaf, isReferenceChoice, servedImage } from "./leaf_images.js";
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
import { ReviewFlipMap } from "./review_flip.js";
import { TreeBrowser } from "./tree_browser.js";
import { formatViewHash, type LinkedView, linkedViewPatch, parseViewHash } from "./view_hash.js";

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
  readonly loader: ImageLoader;
  private readonly page: ViewerPage;
  private readonly flipMap: ReviewFlipMap;
  private readonly browser: TreeBrowser;
  private readonly info: HTMLElement;
  private tree: ReviewTree | null = null;
  private placed: Placed[] = [];
  /** The leaf on screen or being loaded. */
  private current: Placed | null = null;
  /** Cancels the loads of the leaf being selected when another one is. */
  private selecting: AbortController | null = null;
  private prefetching: AbortController | null = null;
  /** The metric chosen for image leaves (an error-map leaf imposes its own while selected). */
  private userMetric: Metric = "none";
  private readonly tones = new Map<string, Tone>();
  /** References chosen by the user, by group id ("" = none), instead of the group's default. */
  private readonly references = new Map<string, string>();
  private hashTimer = 0;
  /**
   * The fragment the page last read from the URL or wrote into it, as the browser spells it. A
   * different one in the URL is a navigation (a pasted link, history) whose hashchange event has
   * not been handled yet: the page follows it and must not write over it.
   */
  private hashSeen = "";

  /** `loader`: the page's image loader when made before the page (standalone.ts preloads with it). */
  constructor(container: HTMLElement, decoder: ExrDecoder, loader: ImageLoader = new ImageLoader(decoder)) {
    this.browser = new TreeBrowser((leaf) => void this.select(leaf));
    this.info = h("div", { class: "exr-scrubber exr-review-info" });
    const reload = h("button", { class: "exr-button exr-reload", type: "button", title: "Reload the list of images", text: "Reload" });
    this.page = new ViewerPage(container, {
      decoder,
      className: "exr-review",
      css: reviewCss,
      title: "Loading…",
      sidebar: this.browser.element,
      shortcuts: REVIEW_SHORTCUTS,
      referenceTitle: "Image B of the metric and of Shift",
      comparison: (c) => [labelled("Metric", c.metric), labelled("Reference", c.reference)],
      buttons: [reload],
      below: [this.info],
      metricWithoutReference: "disable",
      onKey: (event) => this.onKey(event),
      exportSource: {
        identity: () => this.identity(),
        fileStem: () => this.current?.leaf.id ?? "review",
        original: () => {
          const file = this.current ? this.filesOf(this.current)[0] : null;
          return file?.url ? { name: file.path.split("/").pop() ?? file.path, fetch: () => fetchFile(file) } : null;
        },
        link: () => this.link(),
      },
    });
    this.page.setState("loading");
    this.element = this.page.element;
    this.viewer = this.page.viewer;
    this.loader = loader;
    this.flipMap = new ReviewFlipMap(this.page, this.loader);

    const c = this.page.controls;
    c.metric.addEventListener("change", () => this.setMetric(c.metric.value as Metric));
    c.reference.addEventListener("change", () => this.setReference(c.reference.value));
    reload.addEventListener("click", () => void this.loadTree());
    this.viewer.on("state", () => this.scheduleHash());
    window.addEventListener("hashchange", () => this.onHashChange());
  }

  /**
   * Loads the tree and shows what the URL fragment names (or the first image). `tree`: the tree
   * already asked for (standalone.ts asks before the page builds its WebGL viewer); `preloading`:
   * the claim of first_image.ts's preload on the first images, dropped once the page has asked
   * for what it shows.
   */
  async start(tree?: Promise<ReviewTree>, preloading?: AbortController): Promise<void> {
    await this.loadTree(tree, preloading);
  }

  /** The reviewer's tools (tests drive them): the pins and their values over steps, the view taken away. */
  get tools(): Pick<ViewerPage, "probes" | "exporter" | "comparison"> {
    return this.page;
  }

  /** The statistics shown in the Stats box (null when off or nothing to measure). */
  get statistics(): ImageStatistics | null {
    return this.page.statistics;
  }

  /** The leaf on screen (or being loaded). */
  get selected(): LeafNode | null {
    return this.current?.leaf ?? null;
  }

  private async loadTree(requested?: Promise<ReviewTree>, preloading?: AbortController): Promise<void> {
    let tree: ReviewTree;
    try {
      tree = await (requested ?? fetchTree());
    } catch (error) {
      preloading?.abort();
      this.fail(`Could not load the list of images: ${(error as Error).message}`);
      return;
    }
    this.tree = tree;
    // The link as it is now: it may have changed while the list was loading.
    this.hashSeen = currentHash();
    const linked = parseViewHash(this.hashSeen);
    this.placed = leavesOf(this.tree.root);
    this.browser.update(this.tree);
    document.title = `${this.tree.title} — EXR review`;
    const wanted = linked.image ?? this.current?.leaf.id;
    const found = this.placed.find((p) => p.leaf.id === wanted) ?? this.placed[0];
    if (!found) {
      preloading?.abort();
      this.page.setTitle(this.tree.title);
      this.page.empty(`No images in ${this.tree.title}.`);
      return;
    }
    const shown = this.select(found.leaf, linked);
    // The select has asked for its images (joining the preload's loads): the preload can let go.
    preloading?.abort();
    await shown;
    // After the load, whose progress line would replace it.
    if (wanted !== undefined && found.leaf.id !== wanted) {
      this.page.flashStatus(`No image "${wanted}" here any more: showing "${found.leaf.id}".`);
    }
  }

  /** Shows a leaf; `linked` (from a URL) sets the view once the image is on screen. */
  async select(leaf: LeafNode, linked: LinkedView = {}): Promise<void> {
    const placed = this.placed.find((p) => p.leaf.id === leaf.id);
    if (!placed) return;
    const superseded = this.selecting;
    const selecting = (this.selecting = new AbortController());
    const previous = this.current;
    this.current = placed;
    this.browser.select(leaf.id);
    this.page.setTitle(leaf.id);
    this.element.dataset["image"] = leaf.id;
    this.page.setState("loading");
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
        superseded?.abort();
        this.fail(`${leaf.title}: the viewer has no "${leaf.metric}" metric (yet); its images are linked below.`);
        return;
      }
      metric = known.id;
    } else if (fileB) {
      metric = linked.metric ?? this.userMetric;
      this.userMetric = metric;
    }
    this.page.setStatus(`Loading ${fileA.path}${fileB ? ` and ${fileB.path}` : ""}…`);
    const load = (file: ServedFile): Promise<LoadedImage> => this.loader.load(servedImage(file), { signal: selecting.signal });
    const loads = Promise.all([load(fileA), fileB ? load(fileB) : null]);
    // Only now: a file the previous leaf was loading too has been joined, not restarted.
    superseded?.abort();
    let images: [ExrImage, ExrImage | null];
    try {
      const [a, b] = await loads;
      images = [a.image, b?.image ?? null];
    } catch (error) {
      if (!selecting.signal.aborted) this.fail(`${leaf.title}: ${(error as Error).message}`);
      return;
    }
    if (selecting.signal.aborted) return;
    this.page.setStatus(null);
    this.viewer.setReference(images[1]);
    this.viewer.setImage(images[0]);
    this.viewer.setState({ metric, ...linkedViewPatch(linked) });
    this.page.syncLayers();
    this.page.syncControls();
    this.page.setState("ready");
    this.syncFlip();
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
    return filesOfLeaf(placed.leaf, placed.parent, this.referenceTitle(placed.parent));
  }

  /** The title of the member used as image B in a group (the user's choice, else the default). */
  private referenceTitle(group: GroupNode): string | null {
    const chosen = this.references.get(group.id);
    if (chosen === undefined) return group.reference;
    return chosen === "" ? null : chosen;
  }

  /** Records a reference choice ("" = none); choosing the default forgets the choice. */
  private chooseReference(group: GroupNode, title: string): void {
    if (!isReferenceChoice(group, title)) return;
    if (title === (group.reference ?? "")) this.references.delete(group.id);
    else this.references.set(group.id, title);
  }

  private setReference(title: string): void {
    if (!this.current) return;
    this.chooseReference(this.current.parent, title);
    void this.select(this.current.leaf);
  }

  private syncReferences(): void {
    const select = this.page.controls.reference;
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
    const previous = this.prefetching;
    const prefetching = (this.prefetching = new AbortController());
    for (const { image } of nearest) {
      this.loader.load(servedImage(image.file), { priority: "prefetch", signal: prefetching.signal }).catch(() => undefined);
    }
    // Only now: what both lists hold has been joined by the new prefetch, not restarted.
    previous?.abort();
  }

  private setMetric(metric: Metric): void {
    if (this.current?.leaf.type === "image") this.userMetric = metric;
    this.viewer.setState({ metric });
    this.syncFlip();
  }

  /** The server's FLIP map follows the shown pair while the metric is FLIP. */
  private syncFlip(): void {
    const placed = this.current;
    if (!placed || this.page.state !== "ready") return this.flipMap.sync(null, null);
    const [a, b] = this.filesOf(placed);
    this.flipMap.sync(a, b);
  }

  /**
   * Leaves of one JERI tonemap group share exposure, offset, gamma and tonemap; a locked range (L)
   * or auto exposure (N) keeps exposure and offset to itself.
   */
  private switchTone(from: string | null, to: string): void {
    if (from === to) return;
    const s = this.viewer.state;
    if (from !== null) this.tones.set(from, { exposure: s.exposure, offset: s.offset, gamma: s.gamma, tonemap: s.tonemap });
    const { exposure, offset, ...tone } = this.tones.get(to) ?? DEFAULT_TONE;
    this.viewer.setState(s.rangeLocked || s.autoExposure ? tone : { ...tone, exposure, offset });
  }

  /** What a saved view is: the leaf, its file and the reference's. */
  private identity(): Array<[string, string]> {
    if (!this.current) return [];
    const [a, b] = this.filesOf(this.current);
    return [["image", this.current.leaf.id], ["file", a.path], ...(b ? [["reference", b.path] as [string, string]] : [])];
  }

  /** A link to this page showing the view now (what the fragment holds once written). */
  link(): string {
    const url = new URL(location.href);
    if (this.current) url.hash = this.viewHash();
    return url.toString();
  }

  private viewHash(): string {
    const chosen = this.current ? this.references.get(this.current.parent.id) : undefined;
    return formatViewHash(this.current?.leaf.id ?? null, this.viewer.state, this.viewer.activeLayer(), chosen ?? null);
  }

  private fail(message: string): void {
    this.viewer.setReference(null);
    this.page.fail(message);
    this.syncFlip();
    this.writeHash();
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
    if (currentHash() !== this.hashSeen) {
      // The URL changed since the page last looked (its hashchange event is still queued behind
      // the load that just finished): follow it instead of writing the old image's link over it.
      this.onHashChange();
      return;
    }
    const hash = this.viewHash();
    this.element.dataset["hash"] = hash;
    if (currentHash() !== hash) history.replaceState(null, "", `#${hash}`);
    this.hashSeen = currentHash();
  }

  /** Follows a link the URL holds now (a hashchange event, or one noticed before its event). */
  private onHashChange(): void {
    const hash = currentHash();
    // Already followed; or the list is still loading, and loadTree reads the link when it is here.
    if (hash === this.hashSeen || !this.tree) return;
    this.hashSeen = hash;
    const linked = parseViewHash(hash);
    const target = this.placed.find((p) => p.leaf.id === linked.image);
    if (target) void this.select(target.leaf, linked);
    else this.viewer.setState(linkedViewPatch(linked));
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

  private onKey(event: KeyboardEvent): boolean {
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    if (/^[0-9]$/.test(event.key)) {
      this.toggle((Number(event.key) + 9) % 10);
      return true;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return false;
    const index = this.placed.findIndex((p) => p.leaf.id === this.current?.leaf.id);
    const next = this.placed[index + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) void this.select(next.leaf);
    return true;
  }
}

/** The URL's fragment without its "#", as the browser spells it (percent-encoded where it must be). */
function currentHash(): string {
  return location.hash.replace(/^#/, "");
}
