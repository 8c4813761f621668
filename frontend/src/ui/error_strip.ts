// Error over steps: a strip under the step scrubber plotting the server's mean errors (MSE and
// relMSE, each on its own log scale) of the shown tag against its reference at every step both
// have, each point right under its step's tick on the scrubber. Clicking a point jumps to that
// step. The values come from the `error_steps` route; while the server measures new steps (a
// background job) the steps measured so far are plotted and the caption counts them.

import type { JobStatus, PluginApi, StepErrors } from "../api.js";
import type { Selection } from "./browser.js";
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
/** The series drawn, in drawing order. */
const SERIES = [
  { key: "mse", label: "MSE", className: "exr-strip-mse" },
  { key: "relmse", label: "relMSE", className: "exr-strip-relmse" },
  { key: "flip_ldr", label: "FLIP LDR", className: "exr-strip-flip" },
  { key: "flip_hdr", label: "FLIP HDR", className: "exr-strip-flip" },
] as const;

export class ErrorStrip {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly caption: HTMLElement;
  private pairId: string | null = null;
  private controller: AbortController | null = null;
  private entries: StepErrors[] = [];
  private current: number | null = null;
  /** The server's job while it measures steps (null once the whole list arrived). */
  private job: JobStatus | null = null;
  /** relMSE's ε, sent to the server (null: its default, RSE's 0.01). */
  private epsilon: number | null = null;

  /**
   * @param track where the scrubber's ticks are (its tick element and step range): the plot is
   *   laid over the same horizontal span with the same step scale.
   */
  constructor(
    private readonly api: PluginApi,
    private readonly onJump: (step: number) => void,
    private readonly track: () => { element: HTMLElement; first: number; last: number },
  ) {
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.setAttribute("class", "exr-strip-plot");
    this.svg.setAttribute("viewBox", "0 0 1000 40");
    this.svg.setAttribute("preserveAspectRatio", "none");
    this.caption = h("span", { class: "exr-strip-caption" });
    this.element = h("div", { class: "exr-error-strip", hidden: true }, h("span", { class: "exr-label", text: "Error" }), this.svg, this.caption);
    // The scrubber's track moves with the panel's width: keep the plot under it.
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => this.align()).observe(this.element);
    // A click anywhere in the plot jumps to the nearest plotted step (points may overlap).
    this.svg.addEventListener("click", (event) => {
      const rect = this.svg.getBoundingClientRect();
      const x = ((event.clientX - rect.left) / Math.max(1, rect.width)) * 1000;
      let best: number | null = null;
      for (const point of this.svg.querySelectorAll<SVGCircleElement>(".exr-strip-point")) {
        const step = Number(point.dataset["step"]);
        if (best === null || Math.abs(Number(point.getAttribute("cx")) - x) < Math.abs(this.positionOf(best) - x)) {
          best = step;
        }
      }
      if (best !== null) this.onJump(best);
    });
  }

  private pair: [Selection, Selection] | null = null;

  /** Fetches the values again (e.g. after the server computed a step's FLIP). */
  refresh(): void {
    const pair = this.pair;
    this.pairId = null;
    this.setPair(pair?.[0] ?? null, pair?.[1] ?? null, true);
  }

  /** relMSE's ε (the viewer's setting): the values are fetched again with it. */
  setEpsilon(epsilon: number | null): void {
    if (epsilon === this.epsilon) return;
    this.epsilon = epsilon;
    this.refresh();
  }

  /** The image and reference whose errors to plot (null hides the strip). */
  setPair(a: Selection | null, b: Selection | null, keepPlot = false): void {
    const id = a && b ? JSON.stringify([a.run, a.tag, b.run, b.tag]) : null;
    if (id === this.pairId) return;
    this.pair = a && b ? [a, b] : null;
    this.pairId = id;
    this.controller?.abort();
    if (!keepPlot || !id) {
      this.entries = [];
      this.element.dataset["state"] = "none";
      this.render();
    }
    if (!a || !b) return;
    const controller = new AbortController();
    this.controller = controller;
    this.element.dataset["state"] = "loading";
    this.job = null;
    this.updateCaption();
    const progress = (status: JobStatus): void => {
      if (controller.signal.aborted) return;
      this.job = status;
      this.element.dataset["done"] = String(status.done ?? 0);
      if (status.entries) {
        this.entries = status.entries;
        this.render();
      } else this.updateCaption();
    };
    this.api.errorSteps(a.run, a.tag, b.run, b.tag, controller.signal, progress, this.epsilon).then(
      (entries) => {
        if (controller.signal.aborted) return;
        this.entries = entries;
        this.job = null;
        delete this.element.dataset["done"];
        this.element.dataset["state"] = "ready";
        this.render();
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        this.element.dataset["state"] = "error";
        this.element.dataset["error"] = (error as Error).message;
        this.setCaption(`error over steps unavailable: ${(error as Error).message}`);
        this.element.hidden = false;
      },
    );
  }

  /** Marks the step on screen. */
  setCurrent(step: number): void {
    this.current = Number.isFinite(step) ? step : null;
    for (const point of this.svg.querySelectorAll<SVGElement>(".exr-strip-point")) {
      point.classList.toggle("current", Number(point.dataset["step"]) === this.current);
    }
    this.updateCaption();
  }

  /** The plotted values (tests read them). */
  get values(): readonly StepErrors[] {
    return this.entries;
  }

  private render(): void {
    this.svg.replaceChildren();
    const valid = this.entries.filter((e) => e.error === undefined);
    this.element.hidden = this.pairId === null;
    if (valid.length === 0) {
      this.updateCaption();
      return;
    }
    this.align();
    const { first, last } = this.track();
    const x = (step: number) => (last === first ? 0 : ((step - first) / (last - first)) * 1000);
    for (const series of SERIES) {
      if (!valid.some((e) => e[series.key] !== undefined)) continue;
      const logs = valid.map((e) => Math.log10(Math.max(e[series.key] ?? 0, 1e-12)));
      const lo = Math.min(...logs);
      const hi = Math.max(...logs);
      const y = (v: number) => (hi === lo ? 20 : 36 - ((v - lo) / (hi - lo)) * 32);
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("class", `exr-strip-line ${series.className}`);
      line.setAttribute("points", valid.map((e, i) => `${x(e.step)},${y(logs[i]!)}`).join(" "));
      this.svg.append(line);
      valid.forEach((e, i) => {
        const point = document.createElementNS(SVG, "circle");
        point.setAttribute("class", `exr-strip-point ${series.className}`);
        point.setAttribute("cx", String(x(e.step)));
        point.setAttribute("cy", String(y(logs[i]!)));
        point.setAttribute("r", "4");
        point.dataset["step"] = String(e.step);
        point.dataset["series"] = series.key;
        const title = document.createElementNS(SVG, "title");
        title.textContent = `step ${e.step}: ${series.label} ${formatMean(e[series.key])}`;
        point.append(title);
        this.svg.append(point);
      });
    }
    this.setCurrent(this.current ?? NaN);
  }

  /** Lays the plot over the scrubber's tick track (same left edge and width on screen). */
  align(): void {
    if (this.element.hidden) return;
    const ticks = this.track().element.getBoundingClientRect();
    const own = this.element.getBoundingClientRect();
    if (ticks.width <= 0 || own.width <= 0) return;
    this.svg.style.left = `${ticks.left - own.left}px`;
    this.svg.style.width = `${ticks.width}px`;
    // The caption keeps to the right of the plot (it wraps rather than covering the last point).
    this.caption.style.maxWidth = `${Math.max(0, own.right - ticks.right - 20)}px`;
  }

  private positionOf(step: number): number {
    const point = this.svg.querySelector<SVGCircleElement>(`.exr-strip-point[data-step="${step}"]`);
    return Number(point?.getAttribute("cx") ?? NaN);
  }

  private updateCaption(): void {
    const entry = this.entries.find((e) => e.step === this.current);
    // The server decodes every new step of both tags: say how far it is rather than showing a
    // partial plot as if it were all.
    if (this.element.dataset["state"] === "loading") {
      const job = this.job;
      const counted = job?.total !== undefined ? ` ${job.done ?? 0} of ${job.total} steps` : "";
      this.setCaption(`computing error over steps…${counted}`);
    }
    else if (!entry) this.setCaption(this.entries.length ? "" : "no common steps");
    else if (entry.error) this.setCaption(entry.error);
    else {
      this.setCaption(
        SERIES.filter((s) => entry[s.key] !== undefined)
          .map((s) => `${s.label}${s.key === "relmse" && this.epsilon !== null ? ` (ε ${this.epsilon})` : ""} ${formatMean(entry[s.key])}`)
          .join(" · "),
      );
    }
  }

  /** The caption has the room right of the plot; a longer text is cut there and whole on hover. */
  private setCaption(text: string): void {
    this.caption.textContent = text;
    this.caption.title = text;
  }
}

function formatMean(v: number | undefined): string {
  return v === undefined ? "–" : v.toPrecision(4);
}
