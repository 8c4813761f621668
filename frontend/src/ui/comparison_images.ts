// The images a comparison needs besides the shown one, each in its own ImageSlot: the reference
// at the shown step (image B of the metrics, of Shift and of the wipe) and, for the metrics the
// server computes (FLIP LDR/HDR), the error map of the pair. Their state is published on the page
// root: data-reference-run/-tag/-step/-state/-error, data-metric-map (with
// data-metric-map-progress while the server computes it) and data-flip-mean.

import type { JobStatus, PluginApi } from "../api.js";
import type { ExrImage } from "../decoder/types.js";
import { type ImageLoader, ImageSlot } from "../loading/index.js";
import type { Selection } from "./browser.js";
import { type FlipImage, flipImage, type FlipMode, type StepImage, stepImage } from "./step_images.js";
import type { ViewerPage } from "./viewer_page.js";

interface Compared {
  selection: Selection;
  reference: Selection;
  step: number;
}

export class ComparisonImages {
  private compared: Compared | null = null;
  private readonly referenceSlot: ImageSlot<StepImage>;
  private readonly mapSlot: ImageSlot<FlipImage>;

  /** `onFlipComputed`: the server has computed a new FLIP map (and knows its mean from now on). */
  constructor(
    private readonly page: ViewerPage,
    private readonly api: PluginApi,
    loader: ImageLoader,
    onFlipComputed: () => void,
  ) {
    const d = page.element.dataset;
    const viewer = page.viewer;
    this.referenceSlot = new ImageSlot<StepImage>(
      loader,
      {
        show: (image, loaded) => this.setReference(image, loaded.image),
        progress: () => (d["referenceState"] = "loading"),
        failed: (image, reason) => {
          this.setReference(null, null);
          const message = `reference ${image.run} / ${image.tag} / step ${image.step}: ${reason}`;
          d["referenceState"] = "error";
          d["referenceError"] = message;
          page.setStatus(message);
        },
      },
      { showSuperseded: false },
    );
    this.mapSlot = new ImageSlot<FlipImage>(
      loader,
      {
        show: (_, loaded) => {
          viewer.setMetricImage(loaded.image);
          d["metricMap"] = "ready";
          delete d["metricMapProgress"];
          d["flipMean"] = loaded.info["mean"] ?? "NaN";
          page.setStatus(null);
          if (!loaded.cached) onFlipComputed();
        },
        progress: (image, phase) => {
          if (phase.kind !== "queued") return;
          d["metricMap"] = "loading";
          viewer.setMetricImage(null);
          page.setStatus(`Computing FLIP (${image.mode.toUpperCase()}) on the server…`);
        },
        failed: ({ pair }, reason) => {
          d["metricMap"] = "error";
          const where = `${pair.run} / ${pair.tag} / step ${pair.step} vs ${pair.refRun} / ${pair.refTag}`;
          page.setStatus(`FLIP ${where}: ${reason}`);
        },
      },
      { showSuperseded: false },
    );
  }

  /** What is compared now: the shown image's selection and step with its reference (null: nothing). */
  update(selection: Selection | null, reference: Selection | null, step: number | null): void {
    this.compared = selection && reference && step !== null ? { selection, reference, step } : null;
    if (!this.compared) {
      this.referenceSlot.request(null);
      this.setReference(null, null);
      return;
    }
    const image = stepImage(this.api, { ...this.compared.reference, step: this.compared.step });
    if (this.referenceSlot.wanted?.key !== image.key) this.referenceSlot.request(image);
    this.syncMetricMap();
  }

  /** Fetches the FLIP map of the compared pair when the viewer's metric is FLIP; drops it otherwise. */
  syncMetricMap(): void {
    const metric = this.page.viewer.state.metric;
    const mode: FlipMode | null = metric === "flip-ldr" ? "ldr" : metric === "flip-hdr" ? "hdr" : null;
    const compared = this.compared;
    if (!mode || !compared) {
      this.mapSlot.request(null);
      const d = this.page.element.dataset;
      delete d["metricMap"];
      delete d["flipMean"];
      if (this.page.viewer.metricMapImage) this.page.viewer.setMetricImage(null);
      return;
    }
    const { selection, reference, step } = compared;
    const pair = { run: selection.run, tag: selection.tag, refRun: reference.run, refTag: reference.tag, step };
    const image = flipImage(this.api, pair, mode, (status) => {
      if (this.mapSlot.wanted?.key === image.key) this.showJob(image, status);
    });
    if (this.mapSlot.wanted?.key !== image.key) this.mapSlot.request(image);
  }

  /** The server's progress on the wanted FLIP map (it answers 202 until the map is computed). */
  private showJob(image: FlipImage, status: JobStatus): void {
    const d = this.page.element.dataset;
    d["metricMapProgress"] = String(status.progress);
    const what = `FLIP (${image.mode.toUpperCase()}) on the server`;
    this.page.setStatus(`${what}: ${describeJob(status)}…`);
  }

  private setReference(image: StepImage | null, decoded: ExrImage | null): void {
    const d = this.page.element.dataset;
    const viewer = this.page.viewer;
    if (!image || !decoded) {
      delete d["referenceRun"];
      delete d["referenceTag"];
      delete d["referenceStep"];
      delete d["referenceError"];
      d["referenceState"] = "none";
      if (viewer.referenceImage) viewer.setReference(null);
    } else {
      d["referenceRun"] = image.run;
      d["referenceTag"] = image.tag;
      d["referenceStep"] = String(image.step);
      d["referenceState"] = "ready";
      delete d["referenceError"];
      viewer.setReference(decoded);
    }
    this.syncMetricMap();
    this.page.syncControls();
  }
}

/** "queued, 2 jobs ahead" or "computing FLIP, 42% (12 s)": a job's status for the status line. */
export function describeJob(status: JobStatus): string {
  if (status.state === "queued") {
    const ahead = status.queue_position ?? 0;
    return ahead ? `queued, ${ahead} job${ahead > 1 ? "s" : ""} ahead` : "queued, next to start";
  }
  return `${status.phase}, ${Math.round(100 * status.progress)}% (${Math.round(status.elapsed)} s)`;
}
