// The overview's own controls above the cards: card size and whether pan and zoom are linked.

import { h } from "../dom.js";
import { labelled } from "../toolbar.js";

/** Card widths offered (CSS px); cards are 4:3. */
export const CARD_WIDTHS = [96, 128, 192, 256, 384] as const;
export const DEFAULT_CARD_WIDTH = 192;

export class OverviewBar {
  readonly element: HTMLElement;
  readonly sizeSelect: HTMLSelectElement;
  readonly linkViewToggle: HTMLInputElement;
  private readonly count: HTMLElement;

  constructor(onChange: () => void) {
    this.sizeSelect = h("select", { class: "exr-card-size", "aria-label": "Card size", title: "Card width" });
    for (const width of CARD_WIDTHS) this.sizeSelect.append(h("option", { value: width, text: `${width} px` }));
    this.sizeSelect.value = String(DEFAULT_CARD_WIDTH);
    this.linkViewToggle = h("input", { type: "checkbox", class: "exr-link-view", checked: true });
    this.count = h("span", { class: "exr-overview-count" });
    this.element = h(
      "div",
      { class: "exr-overview-bar" },
      h("span", { class: "exr-overview-hint", text: "Click or Enter: inspect · drag: pan · Ctrl+wheel: zoom" }),
      h("span", { class: "exr-spacer" }),
      this.count,
      labelled("Cards", this.sizeSelect),
      h("label", { class: "exr-check", title: "Every card shows the same image region (pan and zoom)" }, this.linkViewToggle, "Link pan/zoom"),
    );
    this.sizeSelect.addEventListener("change", onChange);
    this.linkViewToggle.addEventListener("change", onChange);
  }

  /** The card's image area in CSS pixels. */
  get cardSize(): { width: number; height: number } {
    const width = Number(this.sizeSelect.value) || DEFAULT_CARD_WIDTH;
    return { width, height: Math.round((width * 3) / 4) };
  }

  get linkView(): boolean {
    return this.linkViewToggle.checked;
  }

  /** Sets the controls (from a link); a width not offered picks the nearest one. */
  set(options: { cardWidth?: number; linkView?: boolean }): void {
    if (options.cardWidth !== undefined) {
      const nearest = CARD_WIDTHS.reduce((a, b) => (Math.abs(b - options.cardWidth!) < Math.abs(a - options.cardWidth!) ? b : a));
      this.sizeSelect.value = String(nearest);
    }
    if (options.linkView !== undefined) this.linkViewToggle.checked = options.linkView;
  }

  showCount(cards: number, visible: number): void {
    this.count.textContent = `${cards} card${cards === 1 ? "" : "s"}, ${visible} on screen`;
  }
}
