// Step scrubber: slider over the logged step values (snapping to steps that exist, with a tick per
// existing step), a step number field, and previous/next buttons.

import type { StepInfo } from "../api.js";
import { h } from "./dom.js";

export class StepScrubber {
  readonly element: HTMLElement;
  readonly slider: HTMLInputElement;
  private readonly field: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly ticks: HTMLElement;
  private steps: number[] = [];
  private infos = new Map<number, StepInfo>();
  private current: number | null = null;

  constructor(private readonly onStep: (step: number) => void) {
    const prev = h("button", { class: "exr-icon-button", type: "button", title: "Previous step (←)", text: "◀" });
    const next = h("button", { class: "exr-icon-button", type: "button", title: "Next step (→)", text: "▶" });
    this.slider = h("input", { class: "exr-step-slider", type: "range", min: 0, max: 0, step: 1, "aria-label": "Step" });
    this.ticks = h("div", { class: "exr-step-ticks", "aria-hidden": "true" });
    this.field = h("input", { class: "exr-step-field", type: "number", "aria-label": "Step number" });
    this.count = h("span", { class: "exr-step-count" });
    this.element = h(
      "div",
      { class: "exr-scrubber" },
      h("span", { class: "exr-label", text: "Step" }),
      prev,
      h("div", { class: "exr-slider-track" }, this.slider, this.ticks),
      next,
      this.field,
      this.count,
    );
    prev.addEventListener("click", () => this.move(-1));
    next.addEventListener("click", () => this.move(1));
    this.slider.addEventListener("input", () => this.choose(this.nearest(Number(this.slider.value))));
    this.field.addEventListener("change", () => this.choose(this.nearest(Number(this.field.value))));
    // The slider's native arrow keys move by one step *value*; we move by one *existing* step.
    this.slider.addEventListener("keydown", (event) => {
      if (this.handleKey(event)) {
        event.preventDefault();
        event.stopPropagation();
      }
    });
  }

  setSteps(steps: StepInfo[]): void {
    this.steps = steps.map((s) => s.step).sort((a, b) => a - b);
    this.infos = new Map(steps.map((s) => [s.step, s]));
    const first = this.steps[0] ?? 0;
    const last = this.steps[this.steps.length - 1] ?? 0;
    this.slider.min = String(first);
    this.slider.max = String(last);
    this.slider.disabled = this.steps.length < 2;
    this.field.min = String(first);
    this.field.max = String(last);
    this.count.textContent = `${this.steps.length} step${this.steps.length === 1 ? "" : "s"}`;
    const span = Math.max(1, last - first);
    this.ticks.replaceChildren(
      ...this.steps.map((step) =>
        h("span", { class: "exr-step-tick", "data-step": step, style: `left:${((step - first) / span) * 100}%` }),
      ),
    );
  }

  /** Where step `first` and step `last` sit on screen: the tick track's box, for plots aligned with it. */
  get track(): { element: HTMLElement; first: number; last: number } {
    return { element: this.ticks, first: this.steps[0] ?? 0, last: this.steps[this.steps.length - 1] ?? 0 };
  }

  info(step: number): StepInfo | undefined {
    return this.infos.get(step);
  }

  get stepValues(): readonly number[] {
    return this.steps;
  }

  /** Shows `step` as the current one without firing onStep. */
  setCurrent(step: number | null): void {
    this.current = step;
    if (step === null) return;
    this.slider.value = String(step);
    this.field.value = String(step);
  }

  /** ←/→ previous/next step, Home/End first/last; returns true when handled. */
  handleKey(event: KeyboardEvent): boolean {
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    if (event.key === "ArrowLeft") this.move(-1);
    else if (event.key === "ArrowRight") this.move(1);
    else if (event.key === "Home") this.choose(this.steps[0]);
    else if (event.key === "End") this.choose(this.steps[this.steps.length - 1]);
    else return false;
    return true;
  }

  /** Steps at index distance ±1 and ±2 from `step`, nearest first (prefetch order). */
  neighbours(step: number): number[] {
    const i = this.steps.indexOf(step);
    if (i < 0) return [];
    return [i + 1, i - 1, i + 2, i - 2].filter((j) => j >= 0 && j < this.steps.length).map((j) => this.steps[j]!);
  }

  private move(delta: number): void {
    if (this.steps.length === 0) return;
    const i = this.current === null ? 0 : this.steps.indexOf(this.nearest(this.current));
    this.choose(this.steps[Math.min(this.steps.length - 1, Math.max(0, i + delta))]);
  }

  /** Shows `step` and asks for it, as the slider does (a click on a plot's point). */
  choose(step: number | undefined): void {
    if (step === undefined) return;
    this.setCurrent(step);
    this.onStep(step);
  }

  private nearest(value: number): number {
    let best = this.steps[0] ?? value;
    for (const step of this.steps) if (Math.abs(step - value) < Math.abs(best - value)) best = step;
    return best;
  }
}
