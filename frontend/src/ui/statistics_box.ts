// The statistics overlay: min / max / mean / standard deviation / NaN / Inf counts per channel
// and a log-spaced histogram of what the viewer shows (image or error map), over the image or the
// Ctrl+dragged rectangle (which stays while the step changes); with a reference, MSE, relMSE and
// PSNR against it over the rectangle and the whole image (pair_errors_table.ts). Recomputed only
// when what is measured changes: never for pan, and the comparison's PSNR for exposure and offset.

import { imageId } from "../viewer/image_ids.js";
import type { ComparisonStatistics } from "../viewer/pair_errors.js";
import type { ImageStatistics } from "../viewer/statistics.js";
import type { Viewer } from "../viewer/viewer.js";
import { h } from "./dom.js";
import { pairErrorsTable } from "./pair_errors_table.js";

const BAR_COLOURS = ["#ef5350", "#66bb6a", "#42a5f5"];

export class StatisticsBox {
  readonly element: HTMLElement;
  private readonly table: HTMLTableSectionElement;
  private readonly histogram: HTMLCanvasElement;
  private readonly caption: HTMLElement;
  private readonly pairErrors: HTMLElement;
  private lastKey: string | null = null;
  private lastComparisonKey: string | null = null;
  private pending = 0;
  /** The statistics shown (tests read them). */
  current: ImageStatistics | null = null;
  /** The comparison with the reference shown (null: none). */
  comparison: ComparisonStatistics | null = null;
  private enabled = false;

  /** `inputsKey` names what is measured; by default the viewer's image, reference and metric map. */
  constructor(
    private readonly viewer: Viewer,
    private readonly inputsKey: () => string = () => viewerInputsKey(viewer),
  ) {
    this.table = h("tbody");
    this.histogram = h("canvas", { class: "exr-histogram", width: 256, height: 64 });
    this.caption = h("div", { class: "exr-stats-caption" });
    this.pairErrors = h("div", { class: "exr-stats-comparison" });
    const clear = h("button", { class: "exr-button exr-stats-clear", type: "button", text: "Whole image" });
    clear.addEventListener("click", () => this.viewer.setState({ region: null }));
    this.element = h(
      "div",
      { class: "exr-stats", hidden: true },
      h("div", { class: "exr-stats-head" }, this.caption, clear),
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, ...["", "min", "max", "mean", "std", "NaN", "+Inf", "−Inf"].map((t) => h("th", { text: t })))),
        this.table,
      ),
      this.histogram,
      this.pairErrors,
    );
    viewer.on("render", () => this.schedule());
  }

  setEnabled(on: boolean): void {
    this.enabled = on;
    this.element.hidden = !on;
    this.lastKey = null;
    this.lastComparisonKey = null;
    this.schedule();
  }

  private schedule(): void {
    if (!this.enabled || this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      const s = this.viewer.state;
      const key = `${this.inputsKey()}|${s.metric}|${s.layer}|${s.display}|${s.epsilon}|${JSON.stringify(s.region)}`;
      const comparisonKey = `${key}|${s.exposure}|${s.offset}`;
      if (key !== this.lastKey) {
        this.lastKey = key;
        this.current = this.viewer.statistics();
        this.render();
      }
      if (comparisonKey !== this.lastComparisonKey) {
        this.lastComparisonKey = comparisonKey;
        this.comparison = this.viewer.comparison();
        this.pairErrors.replaceChildren(...pairErrorsTable(this.comparison));
      }
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
          ...[fmt(c.min), fmt(c.max), fmt(c.mean), fmt(c.std), String(c.nan), String(c.posInf), String(c.negInf)].map((t) => h("td", { text: t })),
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

/** Identifies the images a viewer shows, so statistics are recomputed only when they change. */
export function viewerInputsKey(viewer: Viewer): string {
  return [viewer.image, viewer.referenceImage, viewer.metricMapImage].map(imageId).join(",");
}
