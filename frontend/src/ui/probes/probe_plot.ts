// One pin's value over the steps: a line per channel and a point per step (each carrying
// data-step, data-channel and data-value); a click on a point jumps to its step, and the step
// shown is marked by a vertical line.

import type { Series } from "./probe_sweep.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 280;
const HEIGHT = 64;
const PAD = 5;
/** Room above the points for the value range written at the top right. */
const TOP = 13;
/** R, G, B, then A (or a single channel). */
const CHANNEL_COLOURS = ["#ef5350", "#66bb6a", "#42a5f5", "#e0e0e0"];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** The plot of pin `pin` (its index in the series). */
export function probePlot(series: Series, pin: number, current: number | null, onJump: (step: number) => void): SVGSVGElement {
  const plot = svg("svg", { class: "exr-probe-plot", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, "data-pin": pin });
  const points = series.points.filter((p) => !p.error);
  const values = points.flatMap((p) => p.values[pin] ?? []).filter(Number.isFinite);
  if (points.length === 0 || values.length === 0) return plot;
  const steps = series.points.map((p) => p.step);
  const [first, last] = [Math.min(...steps), Math.max(...steps)];
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const x = (step: number) => (last === first ? WIDTH / 2 : PAD + ((step - first) / (last - first)) * (WIDTH - 2 * PAD));
  const y = (v: number) => (hi === lo ? (HEIGHT + TOP) / 2 : HEIGHT - PAD - ((v - lo) / (hi - lo)) * (HEIGHT - PAD - TOP));
  if (current !== null && current >= first && current <= last) {
    plot.append(svg("line", { class: "exr-probe-current", x1: x(current), x2: x(current), y1: 0, y2: HEIGHT }));
  }
  series.channels.forEach((channel, c) => {
    const colour = CHANNEL_COLOURS[series.channels.length === 1 ? 3 : Math.min(c, 3)]!;
    const finite = points.filter((p) => Number.isFinite(p.values[pin]?.[c]));
    const line = svg("polyline", { class: "exr-probe-line", stroke: colour, points: finite.map((p) => `${x(p.step)},${y(p.values[pin]![c]!)}`).join(" ") });
    plot.append(line);
    for (const p of finite) {
      const value = p.values[pin]![c]!;
      const dot = svg("circle", {
        class: "exr-probe-point",
        cx: x(p.step),
        cy: y(value),
        r: 3,
        fill: colour,
        "data-pin": pin,
        "data-step": p.step,
        "data-channel": channel,
        "data-value": value,
      });
      const title = svg("title", {});
      title.textContent = `step ${p.step}: ${channel} ${value}`;
      dot.append(title);
      dot.addEventListener("click", () => onJump(p.step));
      plot.append(dot);
    }
  });
  const range = svg("text", { class: "exr-probe-range", x: WIDTH - 2, y: 10, "text-anchor": "end" });
  range.textContent = `${Number(hi.toPrecision(4))} … ${Number(lo.toPrecision(4))}`;
  plot.append(range);
  return plot;
}
