// The statistics overlay: min / max / mean / NaN / Inf counts per channel and a log-spaced
// histogram of what the viewer shows (image or error map), over the image or the Ctrl+dragged
// rectangle. Recomputed only when what is measured changes, never for exposure or pan.

import type { ImageStatistics } from "../viewer/statistics.js";
import type { Viewer } from "../viewer/viewer.js";
import { h } from "./dom.js";

const BAR_COLOURS = ["#ef5350", "#66bb6a", "#42a5f5"];

export class StatisticsBox {
  readonly element: HTMLElement;
  private readonly table: HTMLTableSectionElement;
  private readonly histogram: HTMLCanvasElement;
  private readonly caption: HTMLElement;
  private lastKey: string | null = null;
  private pending = 0;
  /** The statistics shown (tests read them). */
  current: ImageStatistics | null = null;
  private enabled = false;

  /** `inputsKey` names what is measured; by default the viewer's image, reference and metric map. */
  constructor(
    private readonly viewer: Viewer,
    private readonly inputsKey: () => string = () => viewerInputsKey(viewer),
  ) {
    this.table = h("tbody");
    this.histogram = h("canvas", { class: "exr-histogram", width: 256, height: 64 });
    this.caption = h("div", { class: "exr-stats-caption" });
    const clear = h("button", { class: "exr-button exr-stats-clear", type: "button", text: "Whole image" });
    clear.addEventListener("click", () => this.viewer.setState({ region: null }));
    this.element = h(
      "div",
      { class: "exr-stats", hidden: true },
      h("div", { class: "exr-stats-head" }, this.caption, clear),
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, ...["", "min", "max", "mean", "NaN", "+Inf", "−Inf"].map((t) => h("th", { text: t })))),
        this.table,
      ),
      this.histogram,
    );
    viewer.on("render", () => this.schedule());
  }

  setEnabled(on: boolean): void {
    this.enabled = on;
    this.element.hidden = !on;
    this.lastKey = null;
    this.schedule();
  }

  private schedule(): void {
    if (!this.enabled || this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      const s = this.viewer.state;
      const key = `${this.inputsKey()}|${s.metric}|${s.layer}|${s.display}|${JSON.stringify(s.region)}`;
      if (key === this.lastKey) return;
      this.lastKey = key;
      this.current = this.viewer.statistics();
      this.render();
    });
  }

  private render(): void {
    const stats = this.current;
    this.element.dataset["source"] = stats?.source ?? "";
    if (!stats) {
      this.caption.textContent = "No values";
      this.table.replaceChildren();
      return;
    }
    const r = stats.region;
    this.element.dataset["region"] = `${r.x},${r.y},${r.width},${r.height}`;
    this.caption.textContent = `${stats.source === "image" ? "Image" : stats.source} · ${r.width}×${r.height} at ${r.x},${r.y}`;
    const fmt = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(5))) : "–");
    this.table.replaceChildren(
      ...stats.channels.map((c) =>
        h(
          "tr",
          { "data-channel": c.channel },
          h("th", { text: c.channel }),
          ...[fmt(c.min), fmt(c.max), fmt(c.mean), String(c.nan), String(c.posInf), String(c.negInf)].map((t) => h("td", { text: t })),
        ),
      ),
    );
    const context = this.histogram.getContext("2d");
    if (!context) return;
    const { width, height } = this.histogram;
    context.clearRect(0, 0, width, height);
    const peak = Math.max(1, ...stats.channels.flatMap((c) => c.histogram));
    const binWidth = width / (stats.edges.length - 1);
    context.globalCompositeOperation = "lighter";
    stats.channels.forEach((c, i) => {
      context.fillStyle = stats.channels.length === 1 ? "#e0e0e0" : BAR_COLOURS[i]!;
      c.histogram.forEach((count, bin) => {
        const barHeight = (Math.log1p(count) / Math.log1p(peak)) * height;
        context.fillRect(bin * binWidth, height - barHeight, Math.max(1, binWidth - 0.5), barHeight);
      });
    });
    context.globalCompositeOperation = "source-over";
  }
}

const imageIds = new WeakMap<object, number>();
let nextImageId = 1;
/** A stable number per decoded image object (what the statistics measured). */
function imageId(image: object): number {
  let id = imageIds.get(image);
  if (id === undefined) imageIds.set(image, (id = nextImageId++));
  return id;
}

/** Identifies the images a viewer shows, so statistics are recomputed only when they change. */
export function viewerInputsKey(viewer: Viewer): string {
  return [viewer.image, viewer.referenceImage, viewer.metricMapImage].map((i) => (i ? imageId(i) : 0)).join(",");
}
