// One cursor across the overview's cards: the image pixel under the pointer in the hovered card,
// a crosshair at that pixel in every card whose image has the same data and display windows, and
// the readout listing that pixel's exact values in each of them (and the error map's value, read
// back from the GPU, for error cards).

import type { ExrImage } from "../../decoder/types.js";
import type { Point } from "../../render/view_transform.js";
import { readingsAt } from "../../viewer/pixel_readout.js";
import { type Card, layeredImage } from "./card.js";
import type { DrawnCard } from "./card_renderer.js";
import { type CursorRow, CursorReadout } from "./cursor_readout.js";

/** Reads back what a drawn card shows before exposure over image pixels `rect`. */
export type ValueReader = (drawn: DrawnCard, rect: { x: number; y: number; width: number; height: number }) => Float32Array;

export class CardCursor {
  readonly readout = new CursorReadout();
  private point: { card: Card; x: number; y: number } | null = null;

  constructor(private readonly values: ValueReader) {}

  /** The pointer rests on device pixel `point` of `card` (null: it left the cards). */
  set(card: Card | null, point: Point | null): void {
    const drawn = card?.drawn;
    this.point = card && point && drawn ? { card, ...drawn.view.imagePixelAt(point.x, point.y) } : null;
  }

  /** A card that leaves the grid takes the cursor with it. */
  forget(card: Card): void {
    if (this.point?.card === card) this.point = null;
  }

  /** Draws the crosshairs and fills the readout for `cards` (in reading order). */
  show(cards: readonly Card[]): void {
    const cursor = this.point;
    const hovered = cursor?.card.image ?? null;
    const rows: CursorRow[] = [];
    const ratio = window.devicePixelRatio || 1;
    for (const card of cards) {
      if (!cursor || !hovered || !card.drawn || !card.image || !sameWindows(card.image, hovered)) {
        card.showCursor(null);
        continue;
      }
      const centre = card.drawn.view.imageToCanvas(cursor.x + 0.5, cursor.y + 0.5);
      card.showCursor({ x: centre.x / ratio, y: centre.y / ratio }, `${cursor.x},${cursor.y}`);
      rows.push(this.row(card, cursor, card === cursor.card));
    }
    this.readout.show(cursor, rows);
  }

  private row(card: Card, point: { x: number; y: number }, hovered: boolean): CursorRow {
    const drawn = card.drawn!;
    const readings = readingsAt(layeredImage(card.image!), card.element.dataset["layer"] ?? "", point, true);
    let error: CursorRow["error"] = null;
    if (readings && drawn.params.metric !== "none") {
      const values = this.values(drawn, { x: point.x, y: point.y, width: 1, height: 1 });
      const channels = Math.min(3, drawn.params.a.colour.length);
      error = { metric: drawn.params.metric, values: Array.from(values.slice(0, channels)), approximate: drawn.factor > 1 };
    }
    const { run, tag, role, group } = card.spec;
    return { run, tag, label: group && role ? role : tag, step: card.imageStep, readings, error, hovered };
  }
}

/** Whether two images have the same data and display windows (their pixels line up). */
function sameWindows(a: ExrImage, b: ExrImage): boolean {
  const pa = a.parts[0];
  const pb = b.parts[0];
  if (!pa || !pb) return false;
  const windows = (p: typeof pa) => [p.dataWindow, p.displayWindow].map((w) => `${w.xMin},${w.yMin},${w.xMax},${w.yMax}`).join(";");
  return windows(pa) === windows(pb);
}
