// One card of the overview: its DOM (a 2-D canvas the shared renderer copies into, the caption
// with run, tag, step and mean error, the link toggle, the step pin, the cursor's crosshair) and
// what it shows (its image and, as an error card, its reference, each through an ImageSlot of the
// page's loader). The overview decides what each card wants; the card loads and reports it.

import type { StepInfo } from "../../api.js";
import type { ExrImage } from "../../decoder/types.js";
import { type ImageLoader, ImageSlot } from "../../loading/index.js";
import type { ViewGeometry } from "../../render/view_transform.js";
import { type ImageSlot as ImageLayers, slotOf } from "../../viewer/draw_plan.js";
import type { ViewState } from "../../viewer/index.js";
import { h } from "../dom.js";
import type { StepImage } from "../step_images.js";
import type { DrawnCard } from "./card_renderer.js";
import type { CardSpec } from "./card_layout.js";

/** The view settings a card shares with the others unless it is unlinked. */
export type CardSettings = Pick<
  ViewState,
  "exposure" | "offset" | "gamma" | "tonemap" | "metric" | "layer" | "showNonFinite" | "convertPrimaries" | "epsilon"
>;

const layered = new WeakMap<ExrImage, ImageLayers>();

/** An image with its layers (grouped once per image, however many cards show it). */
export function layeredImage(image: ExrImage): ImageLayers {
  let entry = layered.get(image);
  if (!entry) layered.set(image, (entry = slotOf(image)!));
  return entry;
}

export function settingsOf(state: CardSettings): CardSettings {
  const { exposure, offset, gamma, tonemap, metric, layer, showNonFinite, convertPrimaries, epsilon } = state;
  return { exposure, offset, gamma, tonemap, metric, layer, showNonFinite, convertPrimaries, epsilon };
}

export interface CardEvents {
  /** An image (or a failure) arrived: the card must be drawn again. */
  changed(card: Card): void;
  /** The step pin changed. */
  pinned(card: Card): void;
  /** The link toggle was switched (the overview links or unlinks the card). */
  linkToggled(card: Card, linked: boolean): void;
}

export type CardState = "idle" | "loading" | "ready" | "error";

export class Card {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly context: CanvasRenderingContext2D;
  /** The logged steps of this run and tag (ascending). */
  steps: StepInfo[] = [];
  /** Whether the steps have been listed (or failed to be). */
  stepsKnown = false;
  /** A step of its own instead of the shared one (null: follows the shared step). */
  pinnedStep: number | null = null;
  /** Its own settings while unlinked (null: the shared ones). */
  ownSettings: CardSettings | null = null;
  /** Its own pan and zoom while views are not linked (null: fitted). */
  ownGeometry: ViewGeometry | null = null;
  visible = false;
  dirty = true;
  image: ExrImage | null = null;
  imageStep: number | null = null;
  reference: ExrImage | null = null;
  /** What the canvas shows now (null: nothing drawn yet). */
  drawn: DrawnCard | null = null;
  /** The mean error of the pair drawn, and what it was computed for. */
  meanError: { key: string; value: number; approximate: boolean } | null = null;
  readonly imageSlot: ImageSlot<StepImage>;
  readonly referenceSlot: ImageSlot<StepImage>;
  private readonly caption: HTMLElement;
  private readonly stepText: HTMLElement;
  private readonly errorText: HTMLElement;
  private readonly message: HTMLElement;
  private readonly linkToggle: HTMLInputElement;
  private readonly pinSelect: HTMLSelectElement;
  private readonly cursorLines: [HTMLElement, HTMLElement];

  constructor(
    readonly spec: CardSpec,
    loader: ImageLoader,
    private readonly events: CardEvents,
  ) {
    this.canvas = h("canvas", { class: "exr-card-canvas" });
    this.context = this.canvas.getContext("2d", { alpha: false })!;
    this.message = h("div", { class: "exr-card-message", hidden: true });
    this.cursorLines = [h("div", { class: "exr-card-cursor-h", hidden: true }), h("div", { class: "exr-card-cursor-v", hidden: true })];
    const name = spec.role && spec.group ? spec.role : spec.tag;
    this.stepText = h("span", { class: "exr-card-step" });
    this.errorText = h("span", { class: "exr-card-error" });
    this.linkToggle = h("input", { type: "checkbox", class: "exr-card-link", checked: true, title: "Linked: follows the shared view settings" });
    this.pinSelect = h("select", { class: "exr-card-pin", title: "This card's step (default: the shared step)", "aria-label": "Card step" });
    this.caption = h(
      "div",
      { class: "exr-card-caption" },
      h("div", { class: "exr-card-title", text: `${spec.run} · ${name}`, title: `${spec.run} / ${spec.tag}` }),
      h("div", { class: "exr-card-line" }, this.stepText, this.errorText),
      h(
        "div",
        { class: "exr-card-line" },
        this.pinSelect,
        h("span", { class: "exr-spacer" }),
        h("label", { class: "exr-card-link-label", title: "Linked to the shared view settings" }, this.linkToggle, "link"),
      ),
    );
    const view = h("div", { class: "exr-card-view" }, this.canvas, this.message, ...this.cursorLines);
    this.element = h("div", { class: "exr-card", tabindex: 0, "data-run": spec.run, "data-tag": spec.tag, "data-state": "idle" }, view, this.caption);
    if (spec.role) this.element.dataset["role"] = spec.role;
    if (spec.column !== null) this.element.style.gridColumn = String(spec.column + 1);
    this.linkToggle.addEventListener("change", () => this.events.linkToggled(this, this.linkToggle.checked));
    this.pinSelect.addEventListener("change", () => {
      this.pinnedStep = this.pinSelect.value === "" ? null : Number(this.pinSelect.value);
      this.events.pinned(this);
    });
    this.imageSlot = new ImageSlot<StepImage>(loader, {
      show: (request, loaded) => {
        this.image = loaded.image;
        this.imageStep = request.step;
        this.setState("ready");
        this.changed();
      },
      progress: () => this.setState("loading"),
      failed: (request, reason) => this.fail(`${request.run} / ${request.tag} / step ${request.step}: ${reason}`),
    });
    this.referenceSlot = new ImageSlot<StepImage>(
      loader,
      {
        show: (_, loaded) => {
          this.reference = loaded.image;
          this.changed();
        },
        failed: (request, reason) => {
          this.reference = null;
          this.errorText.textContent = `no reference at step ${request.step}`;
          this.errorText.title = reason;
          this.changed();
        },
      },
      { showSuperseded: false },
    );
  }

  get state(): CardState {
    return (this.element.dataset["state"] as CardState | undefined) ?? "idle";
  }

  get linked(): boolean {
    return this.ownSettings === null;
  }

  /** Unlinked, the card keeps `settings` (those it had) as its own; linked again, it drops them. */
  setLinked(linked: boolean, settings: CardSettings): void {
    this.ownSettings = linked ? null : settingsOf(settings);
    this.linkToggle.checked = linked;
    this.element.dataset["linked"] = linked ? "1" : "0";
  }

  /** Fills the step pin with the card's steps. */
  setSteps(steps: StepInfo[]): void {
    this.steps = [...steps].sort((a, b) => a.step - b.step);
    this.stepsKnown = true;
    this.pinSelect.replaceChildren(
      h("option", { value: "", text: "shared" }),
      ...this.steps.map((s) => h("option", { value: s.step, text: `step ${s.step}` })),
    );
    if (this.pinnedStep !== null && !this.steps.some((s) => s.step === this.pinnedStep)) this.pinnedStep = null;
    this.pinSelect.value = this.pinnedStep === null ? "" : String(this.pinnedStep);
  }

  /** The step the card shows for the shared step: its pin, or its nearest logged step at or before it. */
  stepFor(shared: number | null): StepInfo | null {
    if (this.pinnedStep !== null) return this.steps.find((s) => s.step === this.pinnedStep) ?? null;
    if (shared === null) return this.steps[this.steps.length - 1] ?? null;
    let best: StepInfo | null = null;
    for (const s of this.steps) if (s.step <= shared) best = s;
    return best;
  }

  /** The caption's step (marked when it is not the shared one) and the data attributes tests read. */
  showStep(step: number | null, shared: number | null): void {
    const d = this.element.dataset;
    if (step === null) {
      delete d["step"];
      this.stepText.textContent = shared === null ? "" : `no step ≤ ${shared}`;
      return;
    }
    d["step"] = String(step);
    const pinned = this.pinnedStep !== null;
    const earlier = !pinned && shared !== null && step !== shared;
    d["stepMark"] = pinned ? "pinned" : earlier ? "earlier" : "";
    this.stepText.textContent = pinned ? `step ${step} (pinned)` : earlier ? `step ${step} (≤ ${shared})` : `step ${step}`;
    this.stepText.title = earlier ? `No step ${shared} here: its nearest earlier step is shown` : "";
  }

  /** The caption's mean error (null: none). */
  showMeanError(label: string | null): void {
    const m = this.meanError;
    if (label === null || !m) {
      delete this.element.dataset["meanError"];
      if (!this.errorText.textContent?.startsWith("no reference")) this.errorText.textContent = "";
      return;
    }
    this.element.dataset["meanError"] = String(m.value);
    this.errorText.textContent = `${label} ${m.approximate ? "≈" : ""}${formatMean(m.value)}`;
    this.errorText.title = `Mean ${label} of the card${m.approximate ? " (of the reduced copy it shows; exact in the inspector)" : ""}`;
  }

  clearReferenceNote(): void {
    if (this.errorText.textContent?.startsWith("no reference")) this.errorText.textContent = "";
  }

  /** Sizes the canvas's backing store to its box (device pixels); true when it changed. */
  fitCanvas(width: number, height: number): boolean {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(width * ratio));
    const hgt = Math.max(1, Math.round(height * ratio));
    if (this.canvas.width === w && this.canvas.height === hgt) return false;
    this.canvas.width = w;
    this.canvas.height = hgt;
    return true;
  }

  /** The crosshair at canvas point (x, y) in CSS pixels, or hidden (null). */
  showCursor(point: { x: number; y: number } | null, label = ""): void {
    const [horizontal, vertical] = this.cursorLines;
    horizontal.hidden = vertical.hidden = point === null;
    if (point === null) {
      delete this.element.dataset["cursor"];
      return;
    }
    horizontal.style.top = `${point.y}px`;
    vertical.style.left = `${point.x}px`;
    this.element.dataset["cursor"] = label;
  }

  /** Shows a message over the canvas (null hides it). */
  showMessage(text: string | null): void {
    this.message.hidden = text === null;
    this.message.textContent = text ?? "";
  }

  /** Stops every load of the card (it left the screen, or the grid was closed). */
  cancel(): void {
    this.imageSlot.request(null);
    this.referenceSlot.request(null);
    if (this.state === "loading") this.setState("idle");
  }

  /** The card cannot show anything (its steps could not be listed, say). */
  fail(message: string): void {
    this.image = null;
    this.stepsKnown = true;
    this.setState("error");
    this.element.dataset["error"] = message;
    this.changed();
  }

  setState(state: CardState): void {
    this.element.dataset["state"] = state;
  }

  private changed(): void {
    if (this.state !== "error") delete this.element.dataset["error"];
    this.dirty = true;
    this.events.changed(this);
  }
}

function formatMean(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
}
