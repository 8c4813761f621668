// Public surface of the embeddable viewer (docs/viewer-api.md).
export { DEFAULT_TEXTURE_BUDGET_BYTES, Viewer } from "./viewer.js";
export type { ChannelReading, ExrDecoder, HoverInfo, RenderInfo, ViewerEvents, ViewerOptions } from "./viewer.js";
export { DEFAULT_VIEW } from "./state.js";
export type { ViewState } from "./state.js";
export { groupLayers, halfToFloat, formatValue } from "./layers.js";
export type { Layer } from "./layers.js";
export { METRICS, TONEMAPS, NON_FINITE_MARKERS } from "../render/pipeline.js";
export type { Metric, MetricInfo, MetricKind, Tonemap } from "../render/pipeline.js";
export { computeStatistics, HISTOGRAM_BINS } from "./statistics.js";
export type { ChannelStatistics, ImageStatistics, PixelRect } from "./statistics.js";
