// The pixel readout under the viewer, shared by the dashboard and the review page: position,
// the channel values of A, B's values and the metric's value when comparing, and the displayed sRGB.

import { METRICS } from "../render/pipeline.js";
import type { ChannelReading, HoverInfo } from "../viewer/viewer.js";
import { deepReadout } from "./deep_readout.js";
import { h } from "./dom.js";

/** Shows what the pointer is over in `readout` (empties it when the pointer has left the image). */
export function showReadout(readout: HTMLElement, info: HoverInfo | null): void {
  if (!info) {
    readout.replaceChildren();
    delete readout.dataset["x"];
    delete readout.dataset["y"];
    return;
  }
  readout.dataset["x"] = String(info.x);
  readout.dataset["y"] = String(info.y);
  const position = h("span", { class: "exr-readout-position", text: `${info.x}, ${info.y}` });
  const readings = readingSpans(info.inside ? info.readings : null);
  const [r, g, b] = info.displayed;
  const swatch = h("span", { class: "exr-swatch", style: `background:rgb(${r},${g},${b})` });
  const displayed = h(
    "span",
    { class: "exr-displayed", "data-srgb": `${r},${g},${b}`, title: "Displayed sRGB (8-bit)" },
    swatch,
    `sRGB ${r} ${g} ${b}`,
  );
  const comparison: HTMLElement[] = [];
  if (info.referenceReadings.length > 0) {
    const texts = info.referenceReadings.map((x) => x.text).join(" ");
    comparison.push(
      h("span", { class: "exr-reference-readings", "data-values": texts }, h("span", { class: "exr-reading-name", text: "B" }), texts),
    );
  }
  if (info.metricValue) {
    const label = METRICS.find((m) => m.id === info.metric)?.label ?? info.metric;
    comparison.push(
      h(
        "span",
        { class: "exr-error-value", "data-metric": info.metric, "data-values": info.metricValue.map(String).join(" ") },
        h("span", { class: "exr-reading-name", text: label }),
        info.metricValue.map(formatError).join(" "),
      ),
    );
  }
  const deep = info.inside ? deepReadout(info.deep) : [];
  readout.replaceChildren(position, ...readings, ...deep, ...comparison, displayed);
}

/** The values of one pixel, a span per channel (`data-channel`, exact `data-value`); null: outside the data window. */
export function readingSpans(readings: readonly ChannelReading[] | null): HTMLElement[] {
  if (!readings) return [h("span", { class: "exr-reading-outside", text: "outside the data window" })];
  return readings.map((r) =>
    h(
      "span",
      {
        class: r.reconstructed ? "exr-reading exr-reading-reconstructed" : "exr-reading",
        "data-channel": r.channel,
        "data-value": r.text,
        ...(r.reconstructed ? { "data-reconstructed": "1" } : {}),
        title: r.reconstructed
          ? `${r.channel} (${r.pixelType}), reconstructed from the stored luminance/chroma as OpenEXR's RgbaInputFile reads it`
          : `${r.channel} (${r.pixelType})`,
      },
      h("span", { class: "exr-reading-name", text: r.channel }),
      h("span", { class: "exr-reading-value", text: r.text }),
    ),
  );
}

/** An error value in the readout: 5 significant digits (the exact float is in data-values). */
export function formatError(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(5))) : String(v);
}
