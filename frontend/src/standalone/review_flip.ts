// The review page's FLIP: while the metric is FLIP LDR/HDR and the shown image has an image B,
// the server's FLIP map of the pair (`api/flip`, computed in a background job) is loaded through
// the page's ImageLoader and handed to the viewer, as the dashboard's comparison_images.ts does.
// Its state is on the page root under the same names: data-metric-map ("loading", "ready",
// "error"), data-metric-map-progress while the server computes, data-flip-mean.

import type { JobStatus } from "../api.js";
import { type ImageLoader, type ImageRequest, ImageSlot } from "../loading/index.js";
import { describeJob } from "../ui/comparison_images.js";
import type { ViewerPage } from "../ui/viewer_page.js";
import { fetchFlip, type ServedFile } from "./review_api.js";

type FlipMode = "ldr" | "hdr";

export class ReviewFlipMap {
  private readonly slot: ImageSlot;

  constructor(
    private readonly page: ViewerPage,
    loader: ImageLoader,
  ) {
    const d = page.element.dataset;
    this.slot = new ImageSlot(
      loader,
      {
        show: (_, loaded) => {
          page.viewer.setMetricImage(loaded.image);
          d["metricMap"] = "ready";
          d["flipMean"] = loaded.info["mean"] ?? "NaN";
          delete d["metricMapProgress"];
          page.setStatus(null);
        },
        progress: (_, phase) => {
          if (phase.kind !== "queued") return;
          d["metricMap"] = "loading";
          page.viewer.setMetricImage(null);
        },
        failed: (_, reason) => {
          d["metricMap"] = "error";
          page.setStatus(`FLIP: ${reason}`);
        },
      },
      { showSuperseded: false },
    );
  }

  /** Images A and B on screen (null: none); fetches their FLIP map when the metric is FLIP. */
  sync(a: ServedFile | null, b: ServedFile | null): void {
    const metric = this.page.viewer.state.metric;
    const mode: FlipMode | null = metric === "flip-ldr" ? "ldr" : metric === "flip-hdr" ? "hdr" : null;
    if (!mode || !a?.url || !b?.url) {
      this.slot.request(null);
      const d = this.page.element.dataset;
      delete d["metricMap"];
      delete d["metricMapProgress"];
      delete d["flipMean"];
      if (this.page.viewer.metricMapImage) this.page.viewer.setMetricImage(null);
      return;
    }
    // Versioned URLs: a re-rendered file is another pair, whose map is computed anew.
    const key = JSON.stringify(["flip", mode, a.url, b.url]);
    if (this.slot.wanted?.key === key) return;
    const request: ImageRequest = {
      key,
      name: `FLIP of ${a.path} against ${b.path}`,
      download: async (signal) => {
        const { bytes, mean } = await fetchFlip(a, b, mode, signal, (status) => this.showJob(key, mode, status));
        return { bytes, info: { mean: String(mean) } };
      },
    };
    this.slot.request(request);
  }

  private showJob(key: string, mode: FlipMode, status: JobStatus): void {
    if (this.slot.wanted?.key !== key) return;
    this.page.element.dataset["metricMapProgress"] = String(status.progress);
    this.page.setStatus(`FLIP (${mode.toUpperCase()}) on the server: ${describeJob(status)}…`);
  }
}
