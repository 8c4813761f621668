// The lists of tonemaps and error metrics, declared once: the shader's #define names and codes
// (shader_defines.ts), the UI's selectors and the documented API are all built from these. A code
// is a row's position, so adding a row renumbers nothing anyone wrote: the shader uses names only
// (docs/extending.md).

export const TONEMAPS = [
  { id: "srgb", label: "sRGB" },
  { id: "gamma", label: "Gamma" },
  { id: "falsecolour", label: "False colour" },
  { id: "posneg", label: "+/−" },
] as const;
export type Tonemap = (typeof TONEMAPS)[number]["id"];

/**
 * Where a metric's value comes from: "per-pixel" from the two pixels alone (view.frag.glsl's
 * `applyMetric`); "map" from a neighbourhood pass into a texture (ssim.frag.glsl); "external" from
 * an error map computed elsewhere (the server's FLIP, `Viewer.setMetricImage`); "none" is no metric.
 */
export type MetricKind = "none" | "per-pixel" | "map" | "external";

/**
 * Error metrics between the current image A and the reference B, evaluated before exposure and
 * tonemap so error maps stay in HDR. `epsilon` is the ε of the formula (the shader's
 * `uMetricEpsilon`), the value of the viewer the metric comes from. docs/metrics.md documents every
 * formula; tensorboard_exr/metrics.py is the Python reference and names the same ids and epsilons.
 */
const METRIC_ROWS = [
  { id: "none", kind: "none", label: "None", formula: "A" },
  { id: "signed", kind: "per-pixel", label: "Signed error", formula: "A − B" },
  { id: "l1", kind: "per-pixel", label: "L1", formula: "|A − B|" },
  { id: "l2", kind: "per-pixel", label: "L2", formula: "(A − B)²" },
  { id: "rae", kind: "per-pixel", epsilon: 0.01, label: "RAE (tev)", formula: "|A − B| / (B + ε)" },
  { id: "mape", kind: "per-pixel", epsilon: 0.01, label: "MAPE (JERI)", formula: "|A − B| / (|B| + ε)" },
  { id: "rse", kind: "per-pixel", epsilon: 0.01, label: "RSE (tev)", formula: "(A − B)² / (B² + ε)" },
  { id: "mrse", kind: "per-pixel", epsilon: 1e-4, label: "MRSE (JERI)", formula: "(A − B)² / (B² + ε)" },
  { id: "smape", kind: "per-pixel", epsilon: 0.02, label: "SMAPE (JERI)", formula: "2|A − B| / (|A| + |B| + ε)" },
  { id: "ssim", kind: "map", label: "1 − SSIM", formula: "1 − SSIM(Y′A, Y′B), 7×7 window on sRGB luma" },
  // Computed by the server with NVIDIA's reference code and handed over as an image.
  { id: "flip-ldr", kind: "external", label: "FLIP LDR", formula: "LDR-FLIP of the sRGB views (flip-evaluator)" },
  { id: "flip-hdr", kind: "external", label: "FLIP HDR", formula: "HDR-FLIP of the linear values (flip-evaluator)" },
] as const satisfies readonly MetricRow[];
export type Metric = (typeof METRIC_ROWS)[number]["id"];

interface MetricRow {
  id: string;
  kind: MetricKind;
  label: string;
  /** The formula, with `ε` standing for `epsilon`. */
  formula: string;
  epsilon?: number;
}

export interface MetricInfo {
  id: Metric;
  kind: MetricKind;
  label: string;
  /** The formula as text, its default ε written out (tooltips). */
  formula: string;
  /** The formula with `ε` standing for its epsilon (written out by `metricFormula`). */
  template: string;
  /** The formula's default ε (0 for formulas without one: `hasEpsilon` is false). */
  epsilon: number;
  hasEpsilon: boolean;
}

export const METRICS: readonly MetricInfo[] = METRIC_ROWS.map((row) => {
  const hasEpsilon = "epsilon" in row;
  const epsilon = hasEpsilon ? row.epsilon : 0;
  const formula = hasEpsilon ? row.formula.replace("ε", epsilonText(epsilon)) : row.formula;
  return { id: row.id, kind: row.kind, label: row.label, formula, template: row.formula, epsilon, hasEpsilon };
});

/** ε as the formulas and the toolbar write it: 0.01, 1e-4. */
export function epsilonText(epsilon: number): string {
  return epsilon !== 0 && Math.abs(epsilon) < 1e-3 ? epsilon.toExponential() : String(epsilon);
}

export function metricInfo(id: Metric): MetricInfo {
  return METRICS.find((m) => m.id === id) ?? METRICS[0]!;
}

/**
 * The ε a metric is computed with: the user's setting (`ViewState.epsilon`, shared by every
 * relative formula) or, when it is null, the formula's own default; 0 for formulas without one.
 */
export function effectiveEpsilon(id: Metric, setting: number | null): number {
  const info = metricInfo(id);
  return info.hasEpsilon ? (setting ?? info.epsilon) : 0;
}

/** The formula of a metric with the ε it is computed with written out ("(A − B)² / (B² + 0.001)"). */
export function metricFormula(id: Metric, setting: number | null): string {
  const info = metricInfo(id);
  return info.hasEpsilon ? info.template.replace("ε", epsilonText(effectiveEpsilon(id, setting))) : info.template;
}

/**
 * relMSE (the error strip's, the statistics'), the mean of RSE: (A − B)² / (B² + ε). Its ε is
 * RSE's, or the user's setting (tensorboard_exr/metrics.py, `RELATIVE_EPSILON`).
 */
export const RELATIVE_MSE_METRIC: Metric = "rse";

/** SSIM's window radius (docs/metrics.md); ssim.frag.glsl and tensorboard_exr/metrics.py use the same. */
export const SSIM_WINDOW_RADIUS = 3;

/** Marker colours (RGB 0–255) for non-finite values: the shader's are generated from these. */
export const NON_FINITE_MARKERS = {
  nan: [255, 0, 255],
  posInf: [0, 255, 0],
  negInf: [0, 0, 255],
} as const;

/** False colour's log scale (tev's): t = clamp(log2(v + 1/32) / 10 + 0.5). Inverse for the legend. */
export function falseColourValueAt(t: number): number {
  return 2 ** ((t - 0.5) * 10) - 1 / 32;
}
