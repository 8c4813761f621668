// Colour bar for the false-colour tonemap, drawn from the same table the shader samples, labelled
// with the values (before exposure and offset) that map to each position.

import { COLORMAP_SIZE, viridisTable } from "../render/colormap.js";
import { falseColourValueAt } from "../render/pipeline.js";
import { h } from "./dom.js";

const TICKS = [0, 0.25, 0.5, 0.75, 1];

export class FalseColourLegend {
  readonly element: HTMLElement;
  private readonly labels: HTMLElement[];

  constructor() {
    const bar = h("canvas", { class: "exr-legend-bar", width: COLORMAP_SIZE, height: 1 });
    const context = bar.getContext("2d");
    if (context) {
      const pixels = context.createImageData(COLORMAP_SIZE, 1);
      pixels.data.set(viridisTable());
      context.putImageData(pixels, 0, 0);
    }
    this.labels = TICKS.map((t) => h("span", { class: "exr-legend-label", style: `left:${t * 100}%` }));
    this.element = h(
      "div",
      { class: "exr-legend", title: "False colour: log2(value + 1/32) over 10 stops" },
      bar,
      h("div", { class: "exr-legend-labels" }, ...this.labels),
    );
  }

  /** Labels show the stored value that lands on each tick after `x * 2^exposure + offset`. */
  update(exposure: number, offset: number): void {
    TICKS.forEach((t, i) => {
      const value = (falseColourValueAt(t) - offset) / 2 ** exposure;
      this.labels[i]!.textContent = formatTick(value);
    });
  }
}

function formatTick(value: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  return abs >= 1000 || abs < 0.01 ? value.toExponential(1) : String(Number(value.toPrecision(3)));
}
