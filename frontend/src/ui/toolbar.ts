// The toolbar controls both pages share (layer, tonemap, metric and its ε, reference, exposure
// with auto exposure and the lock, offset, gamma, markers, outlines, fit, 1:1, help) and the help
// overlay, kept in step with the viewer.

import { effectiveEpsilon, epsilonText, METRICS, metricFormula, metricInfo, RELATIVE_MSE_METRIC, TONEMAPS, type Tonemap } from "../render/pipeline.js";
import type { Viewer } from "../viewer/viewer.js";
import { h } from "./dom.js";
import type { FalseColourLegend } from "./legend.js";

export interface ViewControls {
  layer: HTMLSelectElement;
  tonemap: HTMLSelectElement;
  metric: HTMLSelectElement;
  /** The ε of the relative formulas (empty: each formula's default). */
  epsilon: HTMLInputElement;
  reference: HTMLSelectElement;
  exposure: HTMLInputElement;
  exposureValue: HTMLOutputElement;
  /** Auto exposure (N) and the range lock (L). */
  auto: HTMLButtonElement;
  lock: HTMLInputElement;
  offset: HTMLInputElement;
  offsetValue: HTMLOutputElement;
  gamma: HTMLInputElement;
  gammaValue: HTMLOutputElement;
  nonFinite: HTMLInputElement;
  windows: HTMLInputElement;
  primaries: HTMLInputElement;
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
    epsilon: h("input", { class: "exr-epsilon", type: "text", inputmode: "decimal", size: 5, "aria-label": "Epsilon" }),
    reference: h("select", { class: "exr-reference", title: referenceTitle, "aria-label": "Reference" }),
    exposure: h("input", { class: "exr-exposure", type: "range", min: -10, max: 10, step: 0.5, value: 0, "aria-label": "Exposure" }),
    exposureValue: h("output", { class: "exr-value" }),
    auto: h("button", { class: "exr-button exr-auto", type: "button", text: "Auto", title: AUTO_TITLE }),
    lock: h("input", { class: "exr-lock", type: "checkbox" }),
    offset: h("input", { class: "exr-offset", type: "range", min: -1, max: 1, step: 0.1, value: 0, "aria-label": "Offset" }),
    offsetValue: h("output", { class: "exr-value" }),
    gamma: h("input", { class: "exr-gamma", type: "range", min: 0.1, max: 5, step: 0.1, value: 2.2, "aria-label": "Gamma" }),
    gammaValue: h("output", { class: "exr-value" }),
    nonFinite: h("input", { class: "exr-nonfinite", type: "checkbox", checked: true }),
    windows: h("input", { class: "exr-windows", type: "checkbox" }),
    primaries: h("input", { class: "exr-primaries", type: "checkbox", checked: true }),
    fit: h("button", { class: "exr-button exr-fit", type: "button", title: "Fit (F)", text: "Fit" }),
    actual: h("button", { class: "exr-button exr-actual", type: "button", title: "Actual pixels (Ctrl+0)", text: "1:1" }),
    help: h("button", { class: "exr-button exr-help-button", type: "button", title: "Shortcuts (?)", text: "?" }),
  };
  for (const t of TONEMAPS) c.tonemap.append(h("option", { value: t.id, text: t.label }));
  for (const m of METRICS) c.metric.append(h("option", { value: m.id, text: m.label, title: m.formula }));
  return c;
}

const AUTO_TITLE = "Auto exposure (N): the 0.5–99.5 % range of luminance fills the display, for each new image until you set exposure by hand or lock it";

/** The exposure's companions: auto exposure and the lock, labelled. */
export function exposureTools(c: ViewControls): HTMLElement[] {
  const lock = "Lock exposure, offset and the false-colour range while steps, runs and cards change (L)";
  return [c.auto, h("label", { class: "exr-check exr-lock-label", title: lock }, c.lock, "Lock")];
}

/** The ε field, labelled. */
export function epsilonControl(c: ViewControls): HTMLElement {
  return h("label", { class: "exr-control exr-epsilon-control" }, h("span", { class: "exr-label", text: "ε" }), c.epsilon);
}

/** The check boxes of the toolbar (markers, primaries), labelled; the window outlines' goes to the menu. */
export function viewChecks(c: ViewControls): HTMLElement[] {
  const primaries = "Convert RGB from the file's primaries (chromaticities) to sRGB/Rec.709 (C); off: the stored values";
  return [
    h("label", { class: "exr-check", title: "NaN / Inf markers (M)" }, c.nonFinite, "NaN"),
    h("label", { class: "exr-check", title: primaries }, c.primaries, "→sRGB"),
  ];
}

/** The window outlines' check box, labelled. */
export function windowsCheck(c: ViewControls): HTMLElement {
  return h("label", { class: "exr-check", title: "Data / display window outlines (B)" }, c.windows, "Window outlines (B)");
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
  c.primaries.addEventListener("change", () => viewer.setState({ convertPrimaries: c.primaries.checked }));
  c.lock.addEventListener("change", () => viewer.setState({ rangeLocked: c.lock.checked }));
  c.auto.addEventListener("click", () => viewer.autoExpose());
  c.epsilon.addEventListener("change", () => {
    const text = c.epsilon.value.trim();
    const value = Number(text);
    if (text === "") viewer.setState({ epsilon: null });
    else if (Number.isFinite(value) && value >= 0) viewer.setState({ epsilon: value });
    else syncEpsilon(c, viewer);
  });
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
  c.primaries.checked = s.convertPrimaries;
  c.lock.checked = s.rangeLocked;
  c.auto.classList.toggle("exr-on", s.autoExposure);
  c.auto.setAttribute("aria-pressed", String(s.autoExposure));
  c.metric.title = `Error metric against the reference: ${metricFormula(s.metric, s.epsilon)}`;
  if (document.activeElement !== c.epsilon) syncEpsilon(c, viewer);
  const colour = viewer.element.dataset["colour"];
  c.primaries.title = colour ? `This layer: ${colour}` : "This layer has no RGB primaries to convert";
  const layer = viewer.activeLayer();
  if (layer) c.layer.value = layer;
  legend.element.hidden = s.tonemap !== "falsecolour";
  legend.update(s.exposure, s.offset);
}

/** The ε field: the user's ε, or empty with the default of the metric shown (relMSE's without one) as placeholder. */
function syncEpsilon(c: ViewControls, viewer: Viewer): void {
  const { metric, epsilon } = viewer.state;
  const own = metricInfo(metric).hasEpsilon;
  const fallback = effectiveEpsilon(own ? metric : RELATIVE_MSE_METRIC, null);
  c.epsilon.value = epsilon === null ? "" : epsilonText(epsilon);
  c.epsilon.placeholder = epsilonText(fallback);
  c.epsilon.title =
    `ε of the relative formulas (${own ? metricFormula(metric, epsilon) : "relMSE: (A − B)² / (B² + ε)"}); ` +
    `empty: each formula's own (${epsilonText(fallback)} here). X / Shift+X: ×10 / ÷10`;
}

/**
 * Fills the layer select with the image's layers (rebuilt only when they changed); the layers of
 * a multi-view file are grouped by view, the default view first.
 */
export function syncLayerSelect(select: HTMLSelectElement, viewer: Viewer): void {
  const views = viewer.layerViews();
  fillLayerSelect(select, viewer.layers(), viewer.activeLayer(), views.some((v) => v !== null) ? views.map((v) => v ?? "") : null);
}

/**
 * Fills the layer select with `names` (rebuilt only when they changed), `active` selected; with
 * `views` (one per name), grouped by view.
 */
export function fillLayerSelect(
  select: HTMLSelectElement,
  names: readonly string[],
  active: string | null,
  views: readonly string[] | null = null,
): void {
  const same =
    names.length === select.options.length &&
    names.every((n, i) => select.options[i]!.value === n && (select.options[i]!.parentElement as HTMLElement).dataset["view"] === views?.[i]);
  if (!same) select.replaceChildren(...layerOptions(names, views));
  select.value = active ?? "";
  select.disabled = names.length < 2;
}

/** Options, in an <optgroup> per view when there are views ("" = layers of no view). */
function layerOptions(names: readonly string[], views: readonly string[] | null): HTMLElement[] {
  const option = (name: string) => h("option", { value: name, text: name });
  if (!views) return names.map(option);
  const groups: HTMLElement[] = [];
  names.forEach((name, i) => {
    const view = views[i]!;
    let group = groups[groups.length - 1];
    if (!group || group.dataset["view"] !== view) {
      const label = view === "" ? "no view" : groups.length === 0 ? `view ${view} (default)` : `view ${view}`;
      groups.push((group = h("optgroup", { label, "data-view": view })));
    }
    group.append(option(name));
  });
  return groups;
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
