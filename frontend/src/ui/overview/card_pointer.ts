// Pointer input on the overview's cards, by delegation from the grid (one set of listeners, however
// many cards): hovering moves the shared cursor, a click opens the card, dragging pans it,
// Ctrl/⌘+wheel (or a trackpad pinch) zooms it about the pointer. A plain wheel scrolls the grid.

import type { Point } from "../../render/view_transform.js";

export interface CardPointerTarget<C> {
  /** The card whose image area is at this element (null: none). */
  cardAt(target: EventTarget | null): C | null;
  /** The canvas of a card (for device coordinates). */
  canvasOf(card: C): HTMLCanvasElement;
  /** The pointer rests on device pixel `point` of a card's canvas (null: it left every card). */
  hover(card: C | null, point: Point | null): void;
  /** A drag started on a card: what `pan` later moves. */
  startPan(card: C): void;
  /** The drag moved by (dx, dy) device pixels since it started. */
  pan(card: C, dx: number, dy: number): void;
  zoom(card: C, factor: number, point: Point): void;
  open(card: C): void;
}

/** Pointer travel (CSS px) below which a press and release is a click, not a drag. */
const CLICK_SLOP_PX = 3;

export class CardPointer<C> {
  private press: { card: C; x: number; y: number; moved: boolean; pointerId: number } | null = null;

  constructor(
    private readonly grid: HTMLElement,
    private readonly target: CardPointerTarget<C>,
  ) {
    grid.addEventListener("pointerdown", (event) => this.down(event));
    grid.addEventListener("pointermove", (event) => this.move(event));
    grid.addEventListener("pointerup", (event) => this.up(event));
    grid.addEventListener("pointercancel", () => (this.press = null));
    grid.addEventListener("pointerleave", () => {
      if (!this.press) this.target.hover(null, null);
    });
    grid.addEventListener("wheel", (event) => this.wheel(event), { passive: false });
    // A press on a card focuses it (Enter opens the focused card) without the browser scrolling a
    // partly visible card into view: the grid stays where it is, and Esc comes back there.
    grid.addEventListener("mousedown", (event) => {
      const card = this.target.cardAt(event.target);
      if (!card) return;
      event.preventDefault();
      (this.target.canvasOf(card).closest("[tabindex]") as HTMLElement | null)?.focus({ preventScroll: true });
    });
  }

  private down(event: PointerEvent): void {
    const card = this.target.cardAt(event.target);
    if (!card || event.button !== 0) return;
    this.press = { card, x: event.clientX, y: event.clientY, moved: false, pointerId: event.pointerId };
    this.grid.setPointerCapture(event.pointerId);
    this.target.startPan(card);
  }

  private move(event: PointerEvent): void {
    const press = this.press;
    if (press) {
      const dx = event.clientX - press.x;
      const dy = event.clientY - press.y;
      if (!press.moved && Math.hypot(dx, dy) < CLICK_SLOP_PX) return;
      press.moved = true;
      const ratio = window.devicePixelRatio || 1;
      this.target.pan(press.card, dx * ratio, dy * ratio);
      return;
    }
    const card = this.target.cardAt(event.target);
    this.target.hover(card, card ? this.devicePoint(card, event) : null);
  }

  private up(event: PointerEvent): void {
    const press = this.press;
    this.press = null;
    if (!press || press.pointerId !== event.pointerId) return;
    if (this.grid.hasPointerCapture(event.pointerId)) this.grid.releasePointerCapture(event.pointerId);
    if (!press.moved) this.target.open(press.card);
  }

  private wheel(event: WheelEvent): void {
    if (!(event.ctrlKey || event.metaKey)) return; // the grid scrolls
    const card = this.target.cardAt(event.target);
    if (!card) return;
    event.preventDefault();
    const scale = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    this.target.zoom(card, 2 ** (-event.deltaY * scale * 0.002), this.devicePoint(card, event));
  }

  private devicePoint(card: C, event: MouseEvent): Point {
    const rect = this.target.canvasOf(card).getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    return { x: Math.floor((event.clientX - rect.left) * ratio), y: Math.floor((event.clientY - rect.top) * ratio) };
  }
}
