// The overview's readout: the image pixel under the cursor, and its values in every card that
// holds an image of the same size (input, output, reference … side by side, one row per card),
// with the error under the chosen metric for error cards.

import { metricInfo, type Metric } from "../../render/pipeline.js";
import type { ChannelReading } from "../../viewer/index.js";
import { h } from "../dom.js";
import { formatError, readingSpans } from "../readout.js";

export interface CursorRow {
  run: string;
  tag: string;
  /** What the caption calls the card (its role, or its tag). */
  label: string;
  step: number | null;
  /** The card's values at the pixel (null: outside its data window). */
  readings: ChannelReading[] | null;
  /** The error map's values at the pixel, for an error card. */
  error: { metric: Metric; values: number[]; approximate: boolean } | null;
  /** The card the pointer is over. */
  hovered: boolean;
}

export class CursorReadout {
  readonly element: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly body: HTMLElement;

  constructor() {
    this.heading = h("div", { class: "exr-cursor-heading", text: "Hover a card: its pixel's values in every card of the same size" });
    this.body = h("tbody");
    this.element = h("div", { class: "exr-cursor-readout", "aria-live": "off" }, this.heading, h("table", {}, this.body));
  }

  /** Shows the rows for image pixel `point` (null: the pointer left the cards). */
  show(point: { x: number; y: number } | null, rows: readonly CursorRow[]): void {
    const d = this.element.dataset;
    if (!point) {
      delete d["x"];
      delete d["y"];
      this.body.replaceChildren();
      return;
    }
    d["x"] = String(point.x);
    d["y"] = String(point.y);
    this.heading.textContent = `Pixel ${point.x}, ${point.y}`;
    this.body.replaceChildren(...rows.map((row) => this.row(row)));
  }

  private row(row: CursorRow): HTMLElement {
    const error = row.error
      ? h(
          "span",
          {
            class: "exr-error-value",
            "data-metric": row.error.metric,
            "data-values": row.error.values.map(String).join(" "),
            title: row.error.approximate ? "From the reduced copy the card shows" : metricInfo(row.error.metric).formula,
          },
          h("span", { class: "exr-reading-name", text: metricInfo(row.error.metric).label }),
          (row.error.approximate ? "≈" : "") + row.error.values.map(formatError).join(" "),
        )
      : null;
    return h(
      "tr",
      { class: row.hovered ? "exr-cursor-row hovered" : "exr-cursor-row", "data-run": row.run, "data-tag": row.tag, "data-step": row.step ?? "" },
      h("th", { scope: "row", text: `${row.run} · ${row.label}`, title: `${row.run} / ${row.tag}` }),
      h("td", { class: "exr-cursor-step", text: row.step === null ? "" : `step ${row.step}` }),
      h("td", {}, ...readingSpans(row.readings)),
      h("td", {}, error),
    );
  }
}
