// The #define blocks the view shader is compiled with, generated from pipeline.ts's tables (as tev
// injects its enums): view.frag.glsl writes `METRIC == METRIC_RSE` or `TONEMAP == TONEMAP_GAMMA`,
// never a number, so a new table row renumbers nothing by hand.

import { type Metric, type MetricKind, METRICS, metricInfo, NON_FINITE_MARKERS, type Tonemap, TONEMAPS } from "./pipeline.js";

/** The #define name of a table id: `METRIC_` or `TONEMAP_` + the id upper-cased, `-` → `_`. */
export function defineName(prefix: "METRIC" | "TONEMAP", id: string): string {
  return `${prefix}_${id.toUpperCase().replace(/-/g, "_")}`;
}

/** Names and codes of every metric, tonemap and marker colour; the same for every variant. */
export const CODE_DEFINES = [
  ...METRICS.map((m, code) => `#define ${defineName("METRIC", m.id)} ${code}`),
  ...TONEMAPS.map((t, code) => `#define ${defineName("TONEMAP", t.id)} ${code}`),
  `#define NAN_MARKER ${glslColour(NON_FINITE_MARKERS.nan)}`,
  `#define POS_INF_MARKER ${glslColour(NON_FINITE_MARKERS.posInf)}`,
  `#define NEG_INF_MARKER ${glslColour(NON_FINITE_MARKERS.negInf)}`,
]
  .map((line) => `${line}\n`)
  .join("");

/** The compile-time switches of one variant of view.frag.glsl (see its header). */
export interface ShaderVariant {
  tonemap: Tonemap;
  /** "none" unless a reference (or a metric map) is bound. */
  metric: Metric;
  colourChannels: number;
  hasAlpha: boolean;
  /** Bilinear sampling (zoomed out). */
  linearMin: boolean;
  showNonFinite: boolean;
  grid: boolean;
  /** Write the value before exposure and tonemap (float read-backs). */
  rawOutput: boolean;
  /** Multiply A's (B's) colour by uColourMatrixA (B) (DrawParams.colourMatrixA). */
  colourMatrixA: boolean;
  colourMatrixB: boolean;
}

/** The variant's #define block; also the key its compiled program is cached under. */
export function variantDefines(v: ShaderVariant): string {
  const kind: MetricKind = metricInfo(v.metric).kind;
  const switches: Array<[string, string | number]> = [
    ["TONEMAP", defineName("TONEMAP", v.tonemap)],
    ["METRIC", defineName("METRIC", v.metric)],
    ["METRIC_IS_PER_PIXEL", kind === "per-pixel" ? 1 : 0],
    ["METRIC_IS_MAP", kind === "map" ? 1 : 0],
    ["COLOUR_CHANNELS", v.colourChannels],
    ["HAS_ALPHA", v.hasAlpha ? 1 : 0],
    ["LINEAR_MIN", v.linearMin ? 1 : 0],
    ["SHOW_NON_FINITE", v.showNonFinite ? 1 : 0],
    ["GRID", v.grid ? 1 : 0],
    ["RAW_OUTPUT", v.rawOutput ? 1 : 0],
    ["COLOUR_MATRIX_A", v.colourMatrixA ? 1 : 0],
    ["COLOUR_MATRIX_B", v.colourMatrixB ? 1 : 0],
  ];
  return switches.map(([name, value]) => `#define ${name} ${value}\n`).join("");
}

function glslColour(rgb: readonly number[]): string {
  return `vec3(${rgb.map((c) => (c / 255).toFixed(6)).join(", ")})`;
}
