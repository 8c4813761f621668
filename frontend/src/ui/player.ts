// Playing the steps as a film (`Space`), in the overview and in the inspector alike: steps advance
// at the chosen rate; the steps ahead are loaded and decoded first (as many as the decoded-image
// cache holds twice over), a step that is not ready yet is waited for, never skipped, and the rate
// actually achieved is shown. At the last step it stops, or starts over when Loop is on.

import type { Priority } from "../loading/index.js";
import { h } from "./dom.js";

/** What is played: the overview's shared step, or the inspector's step. */
export interface PlaybackTarget {
  /** The steps, ascending. */
  steps(): readonly number[];
  /** The step shown now. */
  current(): number | null;
  /** Loads what showing `step` needs; resolves once show(step) shows it at once. */
  prepare(step: number, priority: Priority, signal: AbortSignal): Promise<void>;
  /** Shows `step`, drawn by the time it returns. */
  show(step: number): void;
  /** How many steps ahead may be loaded (what the cache holds). */
  prefetchDepth(): number;
}

export const DEFAULT_FPS = 4;
/** Steps loaded ahead at most. */
export const MAX_PREFETCH_STEPS = 8;

/** Steps that may be loaded ahead when one step's images take `stepBytes`: half the budget's worth. */
export function depthWithin(budgetBytes: number, stepBytes: number): number {
  return Math.max(1, Math.min(MAX_PREFETCH_STEPS, Math.floor(budgetBytes / Math.max(1, 2 * stepBytes))));
}
/** Frames the achieved rate is measured over. */
const RATE_WINDOW = 8;

export class Player {
  readonly element: HTMLElement;
  readonly fpsField: HTMLInputElement;
  readonly loopToggle: HTMLInputElement;
  private readonly button: HTMLButtonElement;
  private readonly achieved: HTMLOutputElement;
  private run: AbortController | null = null;
  private shownAt: number[] = [];
  private readonly listeners = new Set<(step: number) => void>();
  /** Steps shown and steps that had to be waited for, since the page opened. */
  readonly counts = { shown: 0, waited: 0 };

  constructor(private readonly target: () => PlaybackTarget | null) {
    this.button = h("button", { class: "exr-icon-button exr-play", type: "button", title: "Play the steps (Space)", text: "▶" });
    this.fpsField = h("input", { class: "exr-fps", type: "number", min: 0.25, max: 60, step: 0.25, value: DEFAULT_FPS, "aria-label": "Frames per second" });
    this.loopToggle = h("input", { class: "exr-loop", type: "checkbox" });
    this.achieved = h("output", { class: "exr-achieved-fps", title: "Steps per second actually shown" });
    this.element = h(
      "span",
      { class: "exr-player", "data-playing": "0" },
      this.button,
      this.fpsField,
      h("span", { class: "exr-label", text: "fps" }),
      h("label", { class: "exr-check", title: "Start over after the last step" }, this.loopToggle, "Loop"),
      this.achieved,
    );
    this.button.addEventListener("click", () => {
      this.toggle();
      this.button.blur(); // Space would press it again
    });
  }

  get playing(): boolean {
    return this.run !== null;
  }

  get fps(): number {
    const fps = Number(this.fpsField.value);
    return Number.isFinite(fps) && fps > 0 ? Math.min(60, fps) : DEFAULT_FPS;
  }

  /** Steps per second over the last frames shown (0 before two frames). */
  get achievedFps(): number {
    const t = this.shownAt;
    return t.length < 2 ? 0 : ((t.length - 1) * 1000) / (t[t.length - 1]! - t[0]!);
  }

  /** Calls `listener` with each step playback shows, after it is drawn. */
  onStep(listener: (step: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  toggle(): void {
    if (this.playing) this.stop();
    else this.play();
  }

  play(): void {
    const target = this.target();
    if (this.playing || !target || target.steps().length < 2) return;
    const run = new AbortController();
    this.run = run;
    this.shownAt = [];
    this.setPlaying(true);
    this.loop(target, run.signal).then(
      () => this.finish(run),
      () => this.finish(run), // stopped (aborted), or the target went away
    );
  }

  stop(): void {
    this.run?.abort();
    this.finish(this.run);
  }

  private async loop(target: PlaybackTarget, signal: AbortSignal): Promise<void> {
    const steps = target.steps();
    let index = steps.indexOf(target.current() ?? NaN);
    // From the end (or from nowhere), play from the start.
    if (index < 0 || index === steps.length - 1) {
      index = 0;
      await target.prepare(steps[0]!, "foreground", signal);
      this.show(target, steps[0]!);
    }
    let last = performance.now();
    for (;;) {
      let next = index + 1;
      if (next >= steps.length) {
        if (!this.loopToggle.checked) return;
        next = 0;
      }
      // The next step first, then the steps ahead: the loader serves loads in the order asked for.
      const asked = performance.now();
      const ready = target.prepare(steps[next]!, "foreground", signal);
      const depth = target.prefetchDepth();
      for (let k = 1; k < depth; k++) {
        if (!this.loopToggle.checked && next + k >= steps.length) break;
        void target.prepare(steps[(next + k) % steps.length]!, "foreground", signal).catch(() => undefined);
      }
      await ready;
      if (performance.now() - asked > 1000 / this.fps) this.counts.waited += 1;
      const due = last + 1000 / this.fps;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait, signal);
      signal.throwIfAborted();
      // On time, keep the cadence; a frame or more late (a step was waited for), start it anew.
      const now = performance.now();
      last = now - due > 1000 / this.fps ? now : due;
      this.show(target, steps[next]!);
      index = next;
    }
  }

  private show(target: PlaybackTarget, step: number): void {
    target.show(step);
    this.counts.shown += 1;
    this.shownAt = [...this.shownAt, performance.now()].slice(-RATE_WINDOW);
    this.achieved.textContent = this.shownAt.length < 2 ? "" : `${this.achievedFps.toFixed(1)} fps`;
    this.element.dataset["fps"] = this.achievedFps.toFixed(2);
    this.listeners.forEach((listener) => listener(step));
  }

  private finish(run: AbortController | null): void {
    if (!run || this.run !== run) return;
    run.abort();
    this.run = null;
    this.setPlaying(false);
  }

  private setPlaying(playing: boolean): void {
    this.element.dataset["playing"] = playing ? "1" : "0";
    this.button.textContent = playing ? "⏸" : "▶";
    this.button.title = playing ? "Pause (Space)" : "Play the steps (Space)";
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
