// One notebook viewer: the shared viewer page (ui/viewer_page.ts) around the images of one
// `tensorboard_exr.show(...)` call. A comparison group lists its images on the left (number keys
// switch between them at the same view) and compares the shown one with a reference (the member
// with role "reference" unless another is chosen): metrics, wipe, Shift, statistics. Images load
// through the page's shared ImageLoader, keyed by the sha256 of their EXR, so `update()` of one
// member decodes only that member.

import { ImageSlot } from "../loading/index.js";
import type { Metric } from "../render/pipeline.js";
import { h } from "../ui/dom.js";
import { SHORTCUTS } from "../ui/shortcuts.js";
import { labelled } from "../ui/toolbar.js";
import { ViewerPage } from "../ui/viewer_page.js";
import type { ImageStatistics, Viewer } from "../viewer/index.js";
import { type Member, MemberList, memberImage } from "./member_list.js";
import notebookCss from "./notebook.css";
import type { NotebookRuntime } from "./runtime.js";

const NOTEBOOK_SHORTCUTS: ReadonlyArray<{ keys: string; action: string }> = [
  { keys: "1 … 9, 0", action: "Show the 1st … 9th, 10th image (same view)" },
  // The dashboard's list, minus its steps, its own member keys and the link (an output has none).
  ...SHORTCUTS.filter((s) => !/^(←|Home|1 |U$)/.test(s.keys)).map((s) =>
    s.keys === "Wheel" ? { ...s, action: `${s.action}, once the image was clicked (else the notebook scrolls)` } : s,
  ),
];

export class NotebookPage {
  readonly element: HTMLElement;
  readonly viewer: Viewer;
  /** performance.now() when the first image was drawn, and the last (bench/bench_notebook.py). */
  firstShownAt: number | null = null;
  lastShownAt: number | null = null;
  private readonly page: ViewerPage;
  private readonly list: MemberList;
  private readonly main: ImageSlot;
  private readonly referenceSlot: ImageSlot;
  private members: Member[] = [];
  private shown = 0;
  /** The reference chosen in the select: a member's name, "" for none, undefined for the default. */
  private referenceChoice: string | undefined;
  /** Metric and reference: hidden while the viewer shows a single image. */
  private comparisonControls: HTMLElement[] = [];

  constructor(
    container: HTMLElement,
    /** The page's shared decoder and loader (its pool's `lastStats` time the last decode). */
    readonly runtime: NotebookRuntime,
  ) {
    this.list = new MemberList((index) => this.select(index));
    this.page = new ViewerPage(container, {
      decoder: runtime.decoder,
      className: "exr-notebook exr-single",
      css: notebookCss,
      title: "",
      sidebar: this.list.element,
      shortcuts: NOTEBOOK_SHORTCUTS,
      referenceTitle: "Image B of the metric, of the wipe and of Shift",
      comparison: (c) => (this.comparisonControls = [labelled("Metric", c.metric), labelled("Reference", c.reference)]),
      metricWithoutReference: "disable",
      onKey: (event) => this.onKey(event),
      keyboard: "page",
      // The EXR shown is the one the widget received: exactly what `show` encoded (or was given).
      exportSource: {
        identity: () => [["image", this.members[this.shown]?.name ?? ""]],
        fileStem: () => this.members[this.shown]?.name ?? "view",
        original: () => {
          const member = this.members[this.shown];
          return member ? { name: `${member.name}.exr`, fetch: async () => member.bytes.slice().buffer } : null;
        },
        link: () => null,
      },
    });
    this.element = this.page.element;
    this.viewer = this.page.viewer;
    // Keys the viewer used are not the notebook's ("b" would insert a cell below). JupyterLab and
    // Notebook 7 leave keys alone whose default was prevented; VS Code's webview forwards every
    // keydown that reaches its window to the workbench, so they stop here.
    this.element.addEventListener("keydown", (event) => {
      if (event.defaultPrevented) event.stopPropagation();
    });
    // Over a viewer that was not clicked, the wheel scrolls the notebook as over any output
    // (stopped before it reaches the viewer, whose zoom would otherwise take it).
    this.element.addEventListener("wheel", (event) => this.viewerFocused() || event.stopPropagation(), { capture: true });
    const c = this.page.controls;
    c.metric.addEventListener("change", () => this.viewer.setState({ metric: c.metric.value as Metric }));
    c.reference.addEventListener("change", () => {
      this.referenceChoice = c.reference.value;
      this.showMembers();
    });
    this.main = new ImageSlot(runtime.loader, {
      show: (request, loaded) => {
        this.viewer.setImage(loaded.image);
        this.lastShownAt = performance.now();
        this.firstShownAt ??= this.lastShownAt;
        this.element.dataset["shown"] = request.key;
        this.page.setStatus(null);
        this.page.syncLayers();
        this.page.syncControls();
        this.page.setState("ready");
      },
      progress: (request, phase) => {
        this.page.setState("loading");
        if (phase.kind === "decode") this.page.setStatus(`Decoding ${request.name}…`);
      },
      // The loader's reasons already name the image.
      failed: (_, reason) => this.page.fail(reason),
    });
    this.referenceSlot = new ImageSlot(
      runtime.loader,
      {
        show: (_, loaded) => {
          this.viewer.setReference(loaded.image);
          this.element.dataset["referenceState"] = "ready";
          this.page.syncControls();
        },
        failed: (_, reason) => {
          this.element.dataset["referenceState"] = "error";
          this.page.setStatus(`reference: ${reason}`);
        },
      },
      { showSuperseded: false },
    );
  }

  /** The statistics shown in the Stats box (null when off or nothing to measure). */
  get statistics(): ImageStatistics | null {
    return this.page.statistics;
  }

  /** The images of the widget, in order; the one shown keeps being shown (by name) when it stays. */
  setMembers(members: Member[], title: string, height: number): void {
    const shownName = this.members[this.shown]?.name;
    this.members = members;
    const kept = members.findIndex((m) => m.name === shownName);
    this.shown = kept >= 0 ? kept : 0;
    this.page.setTitle(title);
    this.element.style.setProperty("--exr-notebook-height", `${height}px`);
    this.element.classList.toggle("exr-single", members.length < 2);
    for (const control of this.comparisonControls) control.hidden = members.length < 2;
    this.showMembers();
  }

  /** Shows the member at `index` (0-based), with the same view. */
  select(index: number): void {
    if (index < 0 || index >= this.members.length || index === this.shown) return;
    this.shown = index;
    this.showMembers();
  }

  /** Stops loading and releases the GPU context (the output was cleared or the cell re-run). */
  destroy(): void {
    this.main.request(null);
    this.referenceSlot.request(null);
    const canvas = this.viewer.element.querySelector("canvas");
    this.viewer.destroy();
    // Browsers keep few WebGL contexts per page (16 in Chromium): a re-run cell must free its own.
    canvas?.getContext("webgl2")?.getExtension("WEBGL_lose_context")?.loseContext();
  }

  private viewerFocused(): boolean {
    const root = this.viewer.element.getRootNode() as Document | ShadowRoot;
    return root.activeElement === this.viewer.element;
  }

  private referenceMember(): Member | null {
    const choice = this.referenceChoice;
    if (choice === "") return null;
    const chosen = choice === undefined ? undefined : this.members.find((m) => m.name === choice);
    return chosen ?? this.members.find((m) => m.role === "reference") ?? null;
  }

  private showMembers(): void {
    const member = this.members[this.shown];
    const reference = this.members.length > 1 ? this.referenceMember() : null;
    const d = this.element.dataset;
    d["member"] = member?.name ?? "";
    d["reference"] = reference?.name ?? "";
    this.list.update(this.members, this.shown, reference?.name ?? null);
    this.syncReferenceSelect(reference);
    if (!member) {
      this.main.request(null);
      this.page.fail("No image.");
      return;
    }
    const others = this.members.filter((m) => m !== member).map(memberImage);
    const wanted = memberImage(member);
    if (this.main.wanted?.key !== wanted.key) this.main.request(wanted, others);
    if (!reference) {
      this.referenceSlot.request(null);
      d["referenceState"] = "none";
      if (this.viewer.referenceImage) this.viewer.setReference(null);
      this.page.syncControls();
    } else if (this.referenceSlot.wanted?.key !== reference.sha256) {
      d["referenceState"] = "loading";
      this.referenceSlot.request(memberImage(reference));
    }
  }

  private syncReferenceSelect(reference: Member | null): void {
    const select = this.page.controls.reference;
    const options = [h("option", { value: "", text: "None" })];
    for (const m of this.members) {
      options.push(h("option", { value: m.name, text: m.role === "reference" ? `${m.name} (default)` : m.name }));
    }
    select.replaceChildren(...options);
    select.value = reference?.name ?? "";
    select.disabled = this.members.length < 2;
  }

  private onKey(event: KeyboardEvent): boolean {
    if (event.ctrlKey || event.metaKey || event.altKey || !/^[0-9]$/.test(event.key)) return false;
    this.select((Number(event.key) + 9) % 10);
    return true;
  }
}
