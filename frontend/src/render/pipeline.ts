// The lists of tonemaps and error metrics, declared once: the shader's integer constants
// (view.frag.glsl), the UI's selectors and the documented API are all built from these.

export const TONEMAPS = [
  { id: "srgb", code: 0, label: "sRGB" },
  { id: "gamma", code: 1, label: "Gamma" },
  { id: "falsecolour", code: 2, label: "False colour" },
  { id: "posneg", code: 3, label: "+/−" },
] as const;
export type Tonemap = (typeof TONEMAPS)[number]["id"];

/**
 * Per-pixel error metrics between the current image A and the reference B, evaluated before
 * exposure and tonemap so error maps stay in HDR. Epsilons follow the viewer each one comes from.
 */
export const METRICS = [
  { id: "none", code: 0, label: "None", formula: "A" },
  { id: "signed", code: 1, label: "Signed error", formula: "A − B" },
  { id: "l1", code: 2, label: "L1", formula: "|A − B|" },
  { id: "l2", code: 3, label: "L2", formula: "(A − B)²" },
  { id: "rae", code: 4, label: "RAE (tev)", formula: "|A − B| / (B + 0.01)" },
  { id: "mape", code: 5, label: "MAPE (JERI)", formula: "|A − B| / (|B| + 0.01)" },
  { id: "rse", code: 6, label: "RSE (tev)", formula: "(A − B)² / (B² + 0.01)" },
  { id: "mrse", code: 7, label: "MRSE (JERI)", formula: "(A − B)² / (B² + 1e-4)" },
  { id: "smape", code: 8, label: "SMAPE (JERI)", formula: "2|A − B| / (|A| + |B| + 0.02)" },
] as const;
export type Metric = (typeof METRICS)[number]["id"];

export function tonemapCode(id: Tonemap): number {
  return TONEMAPS.find((t) => t.id === id)?.code ?? 0;
}

export function metricCode(id: Metric): number {
  return METRICS.find((m) => m.id === id)?.code ?? 0;
}

/** Markers drawn for non-finite values (RGB 0–255); listed in the help overlay and the docs. */
export const NON_FINITE_MARKERS = {
  nan: [255, 0, 255],
  posInf: [0, 255, 0],
  negInf: [0, 0, 255],
} as const;

/** False colour's log scale (tev's): t = clamp(log2(v + 1/32) / 10 + 0.5). Inverse for the legend. */
export function falseColourValueAt(t: number): number {
  return 2 ** ((t - 0.5) * 10) - 1 / 32;
}
