// Side-by-side panes after the dashboard's main viewer: each shows another image of the comparison
// (a group member, the tag in another run) at the shown step, loaded through its own ImageSlot.
// Zoom, pan, tone and layer are shared: a change in any pane is applied to all the others.

import { type ImageLoader, ImageSlot } from "../loading/index.js";
import type { ViewState } from "../viewer/index.js";
import { Viewer } from "../viewer/viewer.js";
import { h } from "./dom.js";
import type { StepImage } from "./step_images.js";

/** The most panes the stage lays out, the main one included. */
export const MAX_PANES = 4;

export interface PaneSource {
  image: StepImage;
  label: string;
}

interface Pane {
  element: HTMLElement;
  viewer: Viewer;
  label: HTMLElement;
  slot: ImageSlot<StepImage>;
}

export class SidePanes {
  private panes: Pane[] = [];
  private syncing = false;

  constructor(
    private readonly stage: HTMLElement,
    private readonly main: Viewer,
    private readonly loader: ImageLoader,
  ) {
    main.on("state", (state) => this.shareView(state, main));
  }

  /** The viewers of the extra panes (tests read their pixels). */
  get viewers(): Viewer[] {
    return this.panes.map((p) => p.viewer);
  }

  /** Lays out `count` panes in all (1 to MAX_PANES, the main one included); returns that count. */
  setCount(count: number): number {
    const wanted = Math.min(MAX_PANES, Math.max(1, Math.round(count))) - 1;
    while (this.panes.length > wanted) {
      const pane = this.panes.pop()!;
      pane.slot.request(null);
      pane.viewer.destroy();
      pane.element.remove();
    }
    while (this.panes.length < wanted) this.panes.push(this.createPane());
    this.stage.dataset["panes"] = String(wanted + 1);
    this.shareView(this.main.state, this.main);
    return wanted + 1;
  }

  /** What the extra panes show, in order (a pane without a source says so). */
  show(sources: ReadonlyArray<PaneSource>): void {
    this.panes.forEach((pane, i) => {
      const source = sources[i];
      if (!source) {
        pane.slot.request(null);
        pane.viewer.setImage(null);
        pane.viewer.showMessage("No other image in this group", "info");
        pane.label.textContent = "";
        delete pane.element.dataset["tag"];
        return;
      }
      pane.label.textContent = source.label;
      if (pane.slot.wanted?.key !== source.image.key) pane.slot.request(source.image);
    });
  }

  private createPane(): Pane {
    const label = h("div", { class: "exr-pane-label" });
    const element = h("div", { class: "exr-pane" }, label);
    this.stage.append(element);
    const viewer = new Viewer(element);
    viewer.on("state", (state) => this.shareView(state, viewer));
    const d = element.dataset;
    const slot = new ImageSlot<StepImage>(this.loader, {
      show: (image, loaded) => {
        viewer.setImage(loaded.image);
        this.shareView(this.main.state, this.main);
        d["run"] = image.run;
        d["tag"] = image.tag;
        d["step"] = String(image.step);
        d["state"] = "ready";
      },
      progress: () => {
        d["state"] = "loading";
      },
      failed: (image, reason) => {
        d["state"] = "error";
        viewer.setImage(null);
        viewer.showMessage(`${image.run} / ${image.tag} / step ${image.step}: ${reason}`);
      },
    });
    return { element, viewer, label, slot };
  }

  private shareView(state: ViewState, from: Viewer): void {
    if (this.syncing || this.panes.length === 0) return;
    this.syncing = true;
    const shared: Partial<ViewState> = {
      zoom: state.zoom,
      panX: state.panX,
      panY: state.panY,
      exposure: state.exposure,
      offset: state.offset,
      gamma: state.gamma,
      tonemap: state.tonemap,
      layer: state.layer,
      showNonFinite: state.showNonFinite,
      grid: state.grid,
    };
    try {
      for (const viewer of [this.main, ...this.viewers]) if (viewer !== from) viewer.setState(shared);
    } finally {
      this.syncing = false;
    }
  }
}
