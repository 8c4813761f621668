// The toolbar controls both pages share (layer, tonemap, metric, reference, exposure, offset,
// gamma, markers, outlines, fit, 1:1, help) and the help overlay, kept in step with the viewer.

import { METRICS, TONEMAPS, type Tonemap } from "../render/pipeline.js";
import type { Viewer } from "../viewer/viewer.js";
import { h } from "./dom.js";
import type { FalseColourLegend } from "./legend.js";

export interface ViewControls {
  layer: HTMLSelectElement;
  tonemap: HTMLSelectElement;
  metric: HTMLSelectElement;
  reference: HTMLSelectElement;
  exposure: HTMLInputElement;
  exposureValue: HTMLOutputElement;
  offset: HTMLInputElement;
  offsetValue: HTMLOutputElement;
  gamma: HTMLInputElement;
  gammaValue: HTMLOutputElement;
  nonFinite: HTMLInputElement;
  windows: HTMLInputElement;
  fit: HTMLButtonElement;
  actual: HTMLButtonElement;
  help: HTMLButtonElement;
}

/** The shared controls; `referenceTitle` is the reference select's tooltip (each page says what B is). */
export function createViewControls(referenceTitle: string): ViewControls {
  const c: ViewControls = {
    layer: h("select", { class: "exr-layer", title: "Layer ([ / ])", "aria-label": "Layer" }),
    tonemap: h("select", { class: "exr-tonemap", title: "Tonemap (T)", "aria-label": "Tonemap" }),
    metric: h("select", { class: "exr-metric", title: "Error metric against the reference", "aria-label": "Metric" }),
    reference: h("select", { class: "exr-reference", title: referenceTitle, "aria-label": "Reference" }),
    exposure: h("input", { class: "exr-exposure", type: "range", min: -10, max: 10, step: 0.5, value: 0, "aria-label": "Exposure" }),
    exposureValue: h("output", { class: "exr-value" }),
    offset: h("input", { class: "exr-offset", type: "range", min: -1, max: 1, step: 0.1, value: 0, "aria-label": "Offset" }),
    offsetValue: h("output", { class: "exr-value" }),
    gamma: h("input", { class: "exr-gamma", type: "range", min: 0.1, max: 5, step: 0.1, value: 2.2, "aria-label": "Gamma" }),
    gammaValue: h("output", { class: "exr-value" }),
    nonFinite: h("input", { class: "exr-nonfinite", type: "checkbox", checked: true }),
    windows: h("input", { class: "exr-windows", type: "checkbox" }),
    fit: h("button", { class: "exr-button exr-fit", type: "button", title: "Fit (F)", text: "Fit" }),
    actual: h("button", { class: "exr-button exr-actual", type: "button", title: "Actual pixels (Ctrl+0)", text: "1:1" }),
    help: h("button", { class: "exr-button exr-help-button", type: "button", title: "Shortcuts (?)", text: "?" }),
  };
  for (const t of TONEMAPS) c.tonemap.append(h("option", { value: t.id, text: t.label }));
  for (const m of METRICS) c.metric.append(h("option", { value: m.id, text: m.label, title: m.formula }));
  return c;
}

/** The two check boxes of the toolbar (markers, outlines), labelled. */
export function viewChecks(c: ViewControls): HTMLElement[] {
  return [
    h("label", { class: "exr-check", title: "NaN / Inf markers (N)" }, c.nonFinite, "NaN/Inf"),
    h("label", { class: "exr-check", title: "Data / display window outlines (B)" }, c.windows, "Windows"),
  ];
}

/**
 * Wires the controls that only set viewer state; metric, reference and help are left to the page
 * (they mean different things on each).
 */
export function bindViewControls(c: ViewControls, viewer: Viewer): void {
  c.layer.addEventListener("change", () => viewer.setState({ layer: c.layer.value }));
  c.tonemap.addEventListener("change", () => viewer.setState({ tonemap: c.tonemap.value as Tonemap }));
  c.exposure.addEventListener("input", () => viewer.setState({ exposure: Number(c.exposure.value) }));
  c.offset.addEventListener("input", () => viewer.setState({ offset: Number(c.offset.value) }));
  c.gamma.addEventListener("input", () => viewer.setState({ gamma: Number(c.gamma.value) }));
  c.nonFinite.addEventListener("change", () => viewer.setState({ showNonFinite: c.nonFinite.checked }));
  c.windows.addEventListener("change", () => viewer.setState({ showWindows: c.windows.checked }));
  c.fit.addEventListener("click", () => viewer.fit());
  c.actual.addEventListener("click", () => viewer.actualSize());
}

/** Shows the viewer's state in the controls and the false-colour legend (not the metric's visibility). */
export function syncViewControls(c: ViewControls, viewer: Viewer, legend: FalseColourLegend): void {
  const s = viewer.state;
  c.tonemap.value = s.tonemap;
  c.metric.value = s.metric;
  c.exposure.value = String(s.exposure);
  c.exposureValue.textContent = signed(s.exposure, 1);
  c.offset.value = String(s.offset);
  c.offsetValue.textContent = signed(s.offset, 2);
  c.gamma.value = String(s.gamma);
  c.gammaValue.textContent = s.gamma.toFixed(2);
  c.gamma.disabled = s.tonemap !== "gamma";
  c.nonFinite.checked = s.showNonFinite;
  c.windows.checked = s.showWindows;
  const layer = viewer.activeLayer();
  if (layer) c.layer.value = layer;
  legend.element.hidden = s.tonemap !== "falsecolour";
  legend.update(s.exposure, s.offset);
}

/** Fills the layer select with the image's layers (rebuilt only when they changed). */
export function syncLayerSelect(select: HTMLSelectElement, viewer: Viewer): void {
  fillLayerSelect(select, viewer.layers(), viewer.activeLayer());
}

/** Fills the layer select with `names` (rebuilt only when they changed), `active` selected. */
export function fillLayerSelect(select: HTMLSelectElement, names: readonly string[], active: string | null): void {
  const same = names.length === select.options.length && names.every((n, i) => select.options[i]!.value === n);
  if (!same) select.replaceChildren(...names.map((name) => h("option", { value: name, text: name })));
  select.value = active ?? "";
  select.disabled = names.length < 2;
}

/** The keyboard-shortcut overlay (hidden; Close or a click outside the card hides it again). */
export function buildHelp(shortcuts: ReadonlyArray<{ keys: string; action: string }>): HTMLElement {
  const rows = shortcuts.map((s) => h("tr", {}, h("th", { scope: "row" }, h("kbd", { text: s.keys })), h("td", { text: s.action })));
  const close = h("button", { class: "exr-button", type: "button", text: "Close" });
  const help = h(
    "div",
    { class: "exr-help", role: "dialog", "aria-label": "Keyboard shortcuts", hidden: true },
    h("div", { class: "exr-help-card" }, h("h2", { text: "Keyboard shortcuts" }), h("table", {}, h("tbody", {}, ...rows)), close),
  );
  close.addEventListener("click", () => (help.hidden = true));
  help.addEventListener("click", (event) => {
    if (event.target === help) help.hidden = true;
  });
  return help;
}

export function labelled(text: string, ...controls: HTMLElement[]): HTMLElement {
  return h("label", { class: "exr-control" }, h("span", { class: "exr-label", text }), ...controls);
}

function signed(x: number, digits: number): string {
  return (x > 0 ? "+" : x < 0 ? "−" : "") + Math.abs(x).toFixed(digits);
}
