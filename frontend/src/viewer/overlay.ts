// The 2-D overlay canvas above the WebGL one: the wipe line, the statistics rectangle, the data
// and display window outlines, the numbered pins, and the values written inside pixels at high zoom.

import type { ExrPart } from "../decoder/types.js";
import type { ViewTransform } from "../render/view_transform.js";
import { type WipeSide, wipeSideAt } from "./draw_plan.js";
import type { PixelTexts } from "./pixel_readout.js";
import { VALUES_MIN_ZOOM, type ViewState } from "./state.js";
import type { PixelRect } from "./statistics.js";

/** The values written inside one image pixel. */
export interface PixelLabel {
  x: number;
  y: number;
  texts: string[];
}

export interface OverlayContent {
  transform: ViewTransform;
  state: ViewState;
  /** Canvas x of the wipe line, or null. */
  split: number | null;
  /** The windows of the part shown. */
  part: Pick<ExrPart, "dataWindow" | "displayWindow">;
  /** Lines of text per pixel (the layer's channels). */
  lines: number;
  /** The in-pixel texts of what one side of the wipe shows over the visible pixels (asked once per side). */
  textsOf: (side: WipeSide, visible: PixelRect) => PixelTexts | null;
}

const DATA_WINDOW_COLOUR = "#4fc3f7";
const DISPLAY_WINDOW_COLOUR = "#ffb74d";
const REGION_COLOUR = "#ffeb3b";
const WIPE_LINE_COLOUR = "rgba(255, 255, 255, 0.9)";
const PIN_COLOUR = "#00e5ff";
/** Per-channel text colours for R/G/B/A-like layers, and white for single channels. */
const CHANNEL_TEXT_COLOURS = ["#ff8a80", "#b9f6ca", "#82b1ff", "#ffffff"];

/** Clears the overlay and draws `content` (null: nothing); returns the labels written in pixels. */
export function drawOverlay(overlay: HTMLCanvasElement, content: OverlayContent | null): PixelLabel[] {
  const context = overlay.getContext("2d");
  if (!context) return [];
  context.clearRect(0, 0, overlay.width, overlay.height);
  if (!content) return [];
  const { transform: t, state: s, split, part } = content;
  const height = overlay.height;
  if (split !== null) {
    context.fillStyle = WIPE_LINE_COLOUR;
    context.fillRect(split - 1, 0, 2, height);
    context.fillRect(split - 6, height / 2 - 12, 12, 24);
  }
  const outline = (x0: number, y0: number, x1: number, y1: number, colour: string, dash: number[]) => {
    const a = t.imageToCanvas(x0, y0);
    const b = t.imageToCanvas(x1, y1);
    context.strokeStyle = colour;
    context.lineWidth = 1;
    context.setLineDash(dash);
    context.strokeRect(Math.round(a.x) + 0.5, Math.round(a.y) + 0.5, Math.round(b.x - a.x) - 1, Math.round(b.y - a.y) - 1);
    context.setLineDash([]);
  };
  if (s.region) {
    const r = s.region;
    outline(r.x, r.y, r.x + r.width, r.y + r.height, REGION_COLOUR, [4, 3]);
  }
  if (s.showWindows) {
    const box = (w: ExrPart["dataWindow"], colour: string, dash: number[]) =>
      outline(w.xMin, w.yMin, w.xMax + 1, w.yMax + 1, colour, dash);
    box(part.displayWindow, DISPLAY_WINDOW_COLOUR, [6, 4]);
    box(part.dataWindow, DATA_WINDOW_COLOUR, []);
  }
  drawPins(context, content);
  return drawPixelValues(context, content);
}

/** Each pin: a ring around its pixel's centre (and the pixel's outline when it is large) and its number. */
function drawPins(context: CanvasRenderingContext2D, { transform: t, state }: OverlayContent): void {
  const ratio = window.devicePixelRatio || 1;
  context.font = `bold ${Math.round(11 * ratio)}px system-ui, sans-serif`;
  context.textAlign = "left";
  context.textBaseline = "bottom";
  context.setLineDash([]);
  state.pins.forEach((pin, i) => {
    const centre = t.imageToCanvas(pin.x + 0.5, pin.y + 0.5);
    const radius = Math.max(4 * ratio, Math.min(t.scaleX, t.scaleY) / 2);
    context.lineWidth = 3 * ratio;
    context.strokeStyle = "rgba(0, 0, 0, 0.8)";
    context.beginPath();
    context.arc(centre.x, centre.y, radius, 0, 2 * Math.PI);
    context.stroke();
    context.lineWidth = 1.5 * ratio;
    context.strokeStyle = PIN_COLOUR;
    context.stroke();
    const label = String(i + 1);
    const x = centre.x + radius * 0.8;
    const y = centre.y - radius * 0.8;
    context.lineWidth = 3 * ratio;
    context.strokeStyle = "rgba(0, 0, 0, 0.8)";
    context.strokeText(label, x, y);
    context.fillStyle = PIN_COLOUR;
    context.fillText(label, x, y);
  });
}

/** Writes each visible pixel's values inside it, from VALUES_MIN_ZOOM on. */
function drawPixelValues(context: CanvasRenderingContext2D, content: OverlayContent): PixelLabel[] {
  const { transform: t, part } = content;
  // A pixel is scaleX device px wide and scaleY high (non-square pixels differ).
  const lineHeight = Math.min(14, t.scaleY / (content.lines + 1));
  if (Math.min(t.scaleX, t.scaleY) < VALUES_MIN_ZOOM || lineHeight < 8) return [];
  const ratio = window.devicePixelRatio || 1;
  context.font = `${Math.round(lineHeight * 0.85)}px ui-monospace, monospace`;
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.lineWidth = Math.max(2, ratio * 2);
  context.strokeStyle = "rgba(0,0,0,0.85)";
  context.setLineDash([]);
  const topLeft = t.canvasToImage(0, 0);
  const bottomRight = t.canvasToImage(t.viewport.width, t.viewport.height);
  const x0 = Math.max(part.dataWindow.xMin, Math.floor(topLeft.x));
  const x1 = Math.min(part.dataWindow.xMax, Math.ceil(bottomRight.x));
  const y0 = Math.max(part.dataWindow.yMin, Math.floor(topLeft.y));
  const y1 = Math.min(part.dataWindow.yMax, Math.ceil(bottomRight.y));
  if (x1 < x0 || y1 < y0) return [];
  const visible = { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  // Each side of a wipe labels what it shows: values of A or B, or the error map's values.
  const sources = new Map<WipeSide, PixelTexts | null>();
  const sourceOf = (side: WipeSide) => {
    if (!sources.has(side)) sources.set(side, content.textsOf(side, visible));
    return sources.get(side)!;
  };
  const labels: PixelLabel[] = [];
  const width = t.scaleX - 4;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const centre = t.imageToCanvas(x + 0.5, y + 0.5);
      const texts = sourceOf(wipeSideAt(content.split, centre.x))?.(x, y);
      if (!texts) continue;
      labels.push({ x, y, texts });
      texts.forEach((text, i) => {
        const ty = centre.y + (i - (texts.length - 1) / 2) * lineHeight;
        context.fillStyle = CHANNEL_TEXT_COLOURS[texts.length > 1 ? i : 3]!;
        context.strokeText(text, centre.x, ty, width);
        context.fillText(text, centre.x, ty, width);
      });
    }
  }
  return labels;
}
