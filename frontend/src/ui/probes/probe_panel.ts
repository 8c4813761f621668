// The probe panel (P pins the pixel under the cursor): for each pin, its values in every channel
// of the layer shown — the current image's, the reference's and the error where one is set — and,
// on a page with steps (the TensorBoard dashboard), its value over every logged step: loaded on
// demand (V or the button), with progress, cancellable; a click on a point jumps to that step.

import { metricInfo } from "../../render/pipeline.js";
import { imageId } from "../../viewer/image_ids.js";
import type { PinReading, Viewer } from "../../viewer/viewer.js";
import { h } from "../dom.js";
import { probePlot } from "./probe_plot.js";
import { type ProbeSource, ProbeSweep, type Series } from "./probe_sweep.js";

/** A page's steps, for plotting the pins over them. */
export interface ProbeSteps extends ProbeSource {
  /** The step shown. */
  current(): number | null;
  /** Shows `step` (a click on a plot's point). */
  jump(step: number): void;
}

export class ProbePanel {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly progress: HTMLElement;
  private readonly sweepButton: HTMLButtonElement;
  private readonly sweep: ProbeSweep | null;
  private pending = 0;
  private shownKey = "";

  constructor(
    private readonly viewer: Viewer,
    private readonly steps: ProbeSteps | null,
  ) {
    this.sweep = steps ? new ProbeSweep(steps, () => this.schedule()) : null;
    this.sweepButton = h("button", { class: "exr-button exr-probe-sweep", type: "button", title: "Plot the pins over every step (V)", text: "Plot steps" });
    this.sweepButton.hidden = !steps;
    this.sweepButton.addEventListener("click", () => this.toggleSweep());
    const clear = h("button", { class: "exr-button exr-probe-clear", type: "button", title: "Remove every pin (Shift+P)", text: "Clear" });
    clear.addEventListener("click", () => viewer.setState({ pins: [] }));
    this.progress = h("span", { class: "exr-probe-progress" });
    this.list = h("div", { class: "exr-probe-list" });
    this.element = h(
      "div",
      { class: "exr-probes", hidden: true },
      h("div", { class: "exr-probes-head" }, h("span", { class: "exr-label", text: "Pins (P)" }), this.progress, this.sweepButton, clear),
      this.list,
    );
    viewer.on("render", () => this.schedule());
  }

  /** The pins' values over the steps measured so far (null: none). */
  get series(): Series | null {
    return this.sweep?.series ?? null;
  }

  /** Whether a sweep over the steps is running. */
  get sweeping(): boolean {
    return this.sweep?.running ?? false;
  }

  /** Starts plotting the pins over every step, or cancels the sweep running (V); false on a page without steps. */
  toggleSweep(): boolean {
    const sweep = this.sweep;
    if (!sweep) return false;
    if (sweep.running) {
      sweep.cancel();
      return true;
    }
    const s = this.viewer.state;
    const layer = this.viewer.activeLayer();
    const channels = this.viewer.pinReadings().find((p) => p.readings.length > 0)?.readings.map((r) => r.channel) ?? [];
    if (layer && channels.length > 0) sweep.start(layer, channels, s.pins);
    return true;
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.render();
    });
  }

  private render(): void {
    const s = this.viewer.state;
    const sweep = this.sweep;
    const stale = sweep?.series && (sweep.series.id !== this.steps?.stepped()?.id || sweep.series.layer !== this.viewer.activeLayer());
    if (stale) sweep.clear();
    this.element.hidden = s.pins.length === 0;
    const d = this.element.dataset;
    d["sweep"] = sweep?.running ? "running" : sweep?.series ? "done" : "none";
    const progress = sweep?.progress;
    this.progress.textContent = progress ? `${progress.done} / ${progress.total} steps` : "";
    this.sweepButton.textContent = sweep?.running ? "Cancel" : "Plot steps";
    const images = [this.viewer.image, this.viewer.referenceImage].map(imageId);
    const key = JSON.stringify([images, s.pins, s.layer, s.metric, s.epsilon, sweep?.series?.points.length, sweep?.running, this.steps?.current()]);
    if (key === this.shownKey || this.element.hidden) return;
    this.shownKey = key;
    this.list.replaceChildren(...this.viewer.pinReadings().map((pin, i) => this.pinBlock(pin, i)));
  }

  private pinBlock(pin: PinReading, index: number): HTMLElement {
    const series = this.sweep?.series ?? null;
    const inSeries = series ? series.pins.findIndex((p) => p.x === pin.x && p.y === pin.y) : -1;
    const plot = series && inSeries >= 0 ? probePlot(series, inSeries, this.steps?.current() ?? null, (step) => this.steps?.jump(step)) : null;
    return h(
      "div",
      { class: "exr-probe", "data-pin": index, "data-x": pin.x, "data-y": pin.y },
      h("div", { class: "exr-probe-name", text: `${index + 1} · ${pin.x}, ${pin.y}` }),
      valuesTable(pin),
      plot,
    );
  }
}

/** A row per channel of the layer: A's value, B's, and the error's. */
function valuesTable(pin: PinReading): HTMLElement {
  if (pin.readings.length === 0) return h("div", { class: "exr-probe-outside", text: "outside the image" });
  const error = pin.error;
  const errorLabel = error ? (error.metric === "signed" ? "A − B" : metricInfo(error.metric).label) : null;
  const head = ["", "A", ...(pin.referenceReadings.length ? ["B"] : []), ...(errorLabel ? [errorLabel] : [])];
  const rows = pin.readings.map((reading, c) => {
    const b = pin.referenceReadings.find((r) => r.channel === reading.channel);
    const e = error?.values[c];
    return h(
      "tr",
      { "data-channel": reading.channel },
      h("th", { text: reading.channel }),
      h("td", { class: "exr-probe-a", "data-value": String(reading.value), text: reading.text }),
      pin.referenceReadings.length ? h("td", { class: "exr-probe-b", "data-value": String(b?.value ?? NaN), text: b?.text ?? "–" }) : null,
      errorLabel ? h("td", { class: "exr-probe-error", "data-value": String(e ?? NaN), text: e === undefined ? "–" : String(Number(e.toPrecision(5))) }) : null,
    );
  });
  return h("table", { class: "exr-probe-values" }, h("thead", {}, h("tr", {}, ...head.map((t) => h("th", { text: t })))), h("tbody", {}, ...rows));
}
