// The overview inside the dashboard: it lies over the inspector's stage while shown, takes the step
// scrubber (the union of the cards' steps; its step is the shared one), and shares the
// inspector's view settings: the toolbar and the keys edit one set of settings, which the linked
// cards follow. An unlinked card opened in the inspector is edited there instead, and returning
// (Esc) brings back the grid where it was scrolled. Auto exposure (N) fits the range of the cards
// on screen, and again once the cards of a new step are drawn, unless the range is locked (L);
// a locked range also holds for the unlinked card opened in the inspector.

import type { PluginApi, StepInfo, TagsByRun } from "../../api.js";
import type { ImageLoader } from "../../loading/index.js";
import type { ViewState } from "../../viewer/index.js";
import type { Selection } from "../browser.js";
import type { PlaybackTarget } from "../player.js";
import type { StepScrubber } from "../scrubber.js";
import { fillLayerSelect } from "../toolbar.js";
import type { ViewerPage } from "../viewer_page.js";
import { type Card, settingsOf } from "./card.js";
import { cardId } from "./card_layout.js";
import { Overview } from "./overview.js";

export interface OverviewModeOptions {
  api: PluginApi;
  loader: ImageLoader;
  page: ViewerPage;
  scrubber: StepScrubber;
  referenceOf(card: Selection): Selection | null;
  /** Show `card` in the inspector at `step` (Enter or a click on it). */
  open(card: Card, step: number | null): void;
}

export class OverviewMode {
  readonly overview: Overview;
  private unionSteps: StepInfo[] = [];
  private scrollTop = 0;
  /** The unlinked card the inspector shows, whose own settings the toolbar edits. */
  private editing: Card | null = null;
  private shown = false;
  /** The step auto exposure last fitted the grid at. */
  private fittedStep: number | null = null;

  constructor(private readonly options: OverviewModeOptions) {
    const { page } = options;
    this.overview = new Overview({
      api: options.api,
      loader: options.loader,
      referenceOf: options.referenceOf,
      open: options.open,
      onState: (state) => {
        if (!this.shown) return;
        page.setState(state);
        if (state === "ready") this.followRange();
      },
      onSteps: (steps) => {
        this.unionSteps = steps;
        if (this.shown) this.syncScrubber();
      },
      onLayers: () => this.syncLayers(),
    });
    page.stage.append(this.overview.element);
    page.viewer.on("state", (state) => this.followViewer(state));
  }

  get isShown(): boolean {
    return this.shown;
  }

  /** Shows the grid where it was left. */
  show(): void {
    this.inspect(null);
    this.shown = true;
    this.options.page.element.dataset["view"] = "grid";
    this.overview.activate();
    this.options.page.viewer.rangeSource = () => this.overview.shownValues();
    this.options.page.showMetric(true);
    this.syncScrubber();
    this.syncLayers();
    this.options.page.setTitle("Overview");
    this.options.page.setState(this.overview.state);
    // Last: the toolbar's new contents may change the grid's height, and with it how far it scrolls.
    this.overview.scrollTop = this.scrollTop;
  }

  /** Hides the grid (its loads stop, its textures go), remembering its scroll position. */
  hide(): void {
    if (!this.shown) return;
    this.scrollTop = this.overview.scrollTop;
    this.shown = false;
    this.options.page.element.dataset["view"] = "inspector";
    this.options.page.showMetric(false);
    this.options.page.viewer.rangeSource = null;
    this.overview.deactivate();
  }

  update(tags: TagsByRun, runs: readonly string[], filter: RegExp | null): void {
    this.overview.update(tags, runs, filter);
  }

  /** The scrubber moved: the shared step. */
  goToStep(step: number): void {
    this.overview.setStep(step);
  }

  /**
   * The inspector now shows `selection`: if it is an unlinked card, the toolbar edits that card's
   * settings (the viewer takes them); otherwise the shared ones (back from a card, they return).
   */
  inspect(selection: Selection | null): void {
    const card = selection ? this.overview.card(cardId(selection.run, selection.tag)) : null;
    const target = card && !card.linked ? card : null;
    if (target === this.editing) return;
    this.editing = null;
    const viewer = this.options.page.viewer;
    const { exposure, offset, ...settings } = target ? target.ownSettings! : this.overview.sharedSettings;
    viewer.setState(viewer.state.rangeLocked ? settings : { ...settings, exposure, offset });
    this.editing = target;
  }

  /** Playback of the shared step over the cards on screen. */
  get playback(): PlaybackTarget {
    const overview = this.overview;
    return {
      steps: () => this.unionSteps.map((s) => s.step),
      current: () => overview.effectiveStep,
      prepare: (step, priority, signal) => overview.prepare(step, priority, signal),
      show: (step) => {
        this.options.scrubber.setCurrent(step);
        overview.setStep(step);
        overview.flush();
      },
      prefetchDepth: () => overview.prefetchDepth(),
    };
  }

  /** Auto exposure over the grid: fitted again once the cards of a new step are drawn, unless locked. */
  private followRange(): void {
    const viewer = this.options.page.viewer;
    const step = this.overview.effectiveStep;
    if (!viewer.state.autoExposure || viewer.state.rangeLocked || step === this.fittedStep) return;
    this.fittedStep = step;
    viewer.autoExpose();
  }

  private followViewer(state: ViewState): void {
    if (this.editing) this.overview.setCardSettings(this.editing, settingsOf(state));
    else this.overview.setSettings(settingsOf(state));
    if (this.shown) this.syncLayers(); // after the page showed the inspector's layer in the select
  }

  /** The layer select lists the layers of the cards on screen while the grid is shown. */
  private syncLayers(): void {
    if (!this.shown) return;
    const names = this.overview.layers;
    const chosen = this.overview.sharedSettings.layer;
    fillLayerSelect(this.options.page.controls.layer, names, chosen !== null && names.includes(chosen) ? chosen : (names[0] ?? null));
  }

  private syncScrubber(): void {
    const scrubber = this.options.scrubber;
    scrubber.setSteps(this.unionSteps);
    const values = scrubber.stepValues;
    scrubber.setCurrent(this.overview.effectiveStep ?? values[values.length - 1] ?? null);
  }
}
