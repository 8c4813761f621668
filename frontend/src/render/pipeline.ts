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
 * docs/metrics.md documents every formula; tensorboard_exr/metrics.py is the Python reference.
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
  { id: "ssim", code: 9, label: "1 − SSIM", formula: "1 − SSIM(Y′A, Y′B), 7×7 window on sRGB luma" },
  // Computed by the server with NVIDIA's reference code and handed over as an image (setMetricImage).
  { id: "flip-ldr", code: 10, label: "FLIP LDR", formula: "LDR-FLIP of the sRGB views (flip-evaluator)" },
  { id: "flip-hdr", code: 10, label: "FLIP HDR", formula: "HDR-FLIP of the linear values (flip-evaluator)" },
] as const;
export type Metric = (typeof METRICS)[number]["id"];

/** The metric computed by a separate GPU pass (ssim.frag.glsl) into a map the view shader reads. */
export const MAP_METRIC_CODE = 9;

/** Metrics whose map comes from outside the shader (Viewer.setMetricImage). */
export const EXTERNAL_METRIC_CODE = 10;

/** SSIM's constants (docs/metrics.md); ssim.frag.glsl and tensorboard_exr/metrics.py use the same. */
export const SSIM_WINDOW_RADIUS = 3;

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
