// The statistics box's comparison rows: MSE, relMSE and PSNR of the image against the reference
// over the rectangle and over the whole image, saying exactly what was computed (relMSE's ε,
// PSNR's peak and the view it was measured on). Each row carries its numbers in data-* attributes.

import { epsilonText } from "../render/pipeline.js";
import type { ComparisonStatistics, PairErrors } from "../viewer/pair_errors.js";
import { h } from "./dom.js";

/** A table of the comparison (empty without one). */
export function pairErrorsTable(comparison: ComparisonStatistics | null): HTMLElement[] {
  if (!comparison) return [];
  const { whole, region } = comparison;
  const rows = [...(region ? [row("Rectangle", "region", region)] : []), row("Image", "image", whole)];
  const table = h(
    "table",
    { class: "exr-pair-errors" },
    h("thead", {}, h("tr", {}, ...["vs B", "MSE", "relMSE", "PSNR"].map((t) => h("th", { text: t })))),
    h("tbody", {}, ...rows),
  );
  const exposure = `${whole.exposure >= 0 ? "+" : "−"}${Math.abs(whole.exposure).toFixed(2)}`;
  const note = h("div", {
    class: "exr-pair-errors-note",
    text:
      `linear Rec.709, finite terms (${whole.nonFinite} left out) · relMSE = mean (A − B)² / (B² + ε), ε = ${epsilonText(whole.epsilon)} · ` +
      `PSNR dB, peak 1, on sRGB(clamp(2^${exposure} · v + ${whole.offset.toFixed(2)}, 0, 1)) as shown (OIDN's convention)`,
  });
  return [table, note];
}

function row(label: string, scope: string, e: PairErrors): HTMLElement {
  const r = e.region;
  return h(
    "tr",
    {
      "data-scope": scope,
      "data-region": `${r.x},${r.y},${r.width},${r.height}`,
      "data-mse": String(e.mse),
      "data-relmse": String(e.relmse),
      "data-psnr": String(e.psnr),
      "data-epsilon": String(e.epsilon),
      "data-nonfinite": String(e.nonFinite),
    },
    h("th", { text: label, title: `${r.width}×${r.height} at ${r.x},${r.y}` }),
    h("td", { text: fixed(e.mse) }),
    h("td", { text: fixed(e.relmse) }),
    h("td", { text: Number.isFinite(e.psnr) ? e.psnr.toFixed(2) : e.psnr > 0 ? "∞" : "–" }),
  );
}

function fixed(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : "–";
}
