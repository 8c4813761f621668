// How links spell the view's pins and statistics rectangle, on both pages (url_state.ts for
// TensorBoard's `p.exr.*` entries, standalone/view_hash.ts for the review page's fragment):
// pins as `x,y;x,y`, a rectangle as `x,y,width,height`, in EXR pixel coordinates. A malformed
// value reads as absent (a hand-edited link still opens).

import type { Point } from "../render/view_transform.js";
import type { PixelRect } from "../viewer/statistics.js";

/** At most this many pins are read from a link. */
const MAX_LINKED_PINS = 32;

function integers(text: string, count: number): number[] | null {
  const parts = text.split(",");
  if (parts.length !== count) return null;
  const values = parts.map((p) => (/^-?\d+$/.test(p.trim()) ? Number(p) : NaN));
  return values.every(Number.isSafeInteger) ? values : null;
}

export function parsePins(text: string): Point[] | undefined {
  const pins = text.split(";").slice(0, MAX_LINKED_PINS).map((pair) => integers(pair, 2));
  if (pins.length === 0 || pins.some((p) => p === null)) return undefined;
  return pins.map((p) => ({ x: p![0]!, y: p![1]! }));
}

export function formatPins(pins: readonly Point[]): string {
  return pins.map((p) => `${p.x},${p.y}`).join(";");
}

export function parseRegion(text: string): PixelRect | undefined {
  const v = integers(text, 4);
  return v && v[2]! > 0 && v[3]! > 0 ? { x: v[0]!, y: v[1]!, width: v[2]!, height: v[3]! } : undefined;
}

export function formatRegion(r: PixelRect): string {
  return `${r.x},${r.y},${r.width},${r.height}`;
}
