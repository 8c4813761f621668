// Pointer, wheel and keyboard input of a viewer: zoom about the cursor, pan, drag the wipe line,
// Ctrl+drag a statistics rectangle, and the shortcuts of docs/viewer-api.md. It changes the view
// only through the controls the viewer hands it.

import { TONEMAPS } from "../render/pipeline.js";
import type { Point, ViewTransform } from "../render/view_transform.js";
import { EXPOSURE_STEP, GAMMA_STEP, OFFSET_STEP, round6, type ViewState } from "./state.js";

/** What input may do to a viewer. */
export interface ViewControls {
  state(): ViewState;
  setState(patch: Partial<ViewState>): void;
  zoomAbout(factor: number, canvasX: number, canvasY: number): void;
  fit(): void;
  actualSize(): void;
  resetTone(): void;
  /** Auto exposure (N). */
  autoExpose(): void;
  /** Pins or unpins the image pixel under a canvas pixel (P). */
  togglePinAt(x: number, y: number): void;
  /** The ε the relative formulas use now. */
  epsilon(): number;
  layers(): string[];
  activeLayer(): string | null;
  hasReference(): boolean;
  /** The canvas↔image transform of the view shown. */
  transform(): ViewTransform;
  /** Canvas x of the wipe line, or null. */
  wipeSplit(): number | null;
  /** The pointer rests on canvas pixel `point` (null: it left). */
  hover(point: Point | null): void;
}

/** How close (device px) to the wipe line a press grabs it. */
const WIPE_GRAB_PX = 6;

export class ViewerInput {
  /** Canvas pixel under the pointer (device px), while it is over the viewer. */
  pointer: Point | null = null;
  private drag: { x: number; y: number; panX: number; panY: number } | null = null;
  private wipeDrag = false;
  private regionDrag: Point | null = null;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly element: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    keyboardTarget: HTMLElement | Document,
    private readonly view: ViewControls,
  ) {
    this.listen(element, "wheel", (event) => {
      event.preventDefault();
      const scale = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
      const p = this.devicePoint(event);
      this.view.zoomAbout(2 ** (-event.deltaY * scale * 0.002), p.x, p.y);
    }, { passive: false });
    this.listen(element, "pointerdown", (event) => this.press(event));
    this.listen(element, "pointermove", (event) => this.move(event));
    const endDrag = () => {
      this.drag = null;
      this.wipeDrag = false;
      this.regionDrag = null;
    };
    this.listen(element, "pointerup", endDrag);
    this.listen(element, "pointercancel", endDrag);
    this.listen(element, "pointerleave", () => {
      this.pointer = null;
      this.view.hover(null);
    });
    this.listen(keyboardTarget, "keydown", (event) => {
      if (isTextInput(event.target)) return;
      if (this.handleKey(event)) event.preventDefault();
    });
    this.listen(keyboardTarget, "keyup", (event) => {
      if (event.key === "Shift" && this.view.state().display === "reference") this.view.setState({ display: "current" });
    });
  }

  dispose(): void {
    this.cleanups.forEach((c) => c());
  }

  /** Applies the viewer's own shortcuts; returns true when the key was one of them. */
  handleKey(event: KeyboardEvent): boolean {
    const s = this.view.state();
    const sign = event.shiftKey ? -1 : 1;
    if ((event.ctrlKey || event.metaKey) && event.key === "0") {
      this.view.actualSize();
      return true;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const key = event.key.toLowerCase();
    const toggle = TOGGLES[key];
    if (toggle) {
      this.view.setState(toggle(s));
      return true;
    }
    switch (key) {
      case "e":
        this.view.setState({ exposure: round6(s.exposure + sign * EXPOSURE_STEP) });
        return true;
      case "o":
        this.view.setState({ offset: round6(s.offset + sign * OFFSET_STEP) });
        return true;
      case "g":
        // Gamma only means something to the gamma tonemap; adjusting it from sRGB switches there.
        this.view.setState({
          gamma: round6(Math.max(0.1, s.gamma + sign * GAMMA_STEP)),
          tonemap: s.tonemap === "srgb" ? "gamma" : s.tonemap,
        });
        return true;
      case "r":
        this.view.resetTone();
        return true;
      case "n":
        this.view.autoExpose();
        return true;
      case "p": {
        if (event.shiftKey) {
          this.view.setState({ pins: [] });
          return true;
        }
        // The pixel under the pointer, or at the centre of the view for a keyboard without one.
        const at = this.pointer ?? { x: Math.floor(this.canvas.width / 2), y: Math.floor(this.canvas.height / 2) };
        this.view.togglePinAt(at.x, at.y);
        return true;
      }
      case "x":
        // A decade at a time: the conventions differ by decades (1e-2, 1e-3, 1e-4).
        this.view.setState({ epsilon: Number((this.view.epsilon() * (event.shiftKey ? 0.1 : 10)).toPrecision(6)) });
        return true;
      case "f":
        this.view.fit();
        return true;
      case "t": {
        const i = TONEMAPS.findIndex((t) => t.id === s.tonemap);
        this.view.setState({ tonemap: TONEMAPS[(i + sign + TONEMAPS.length) % TONEMAPS.length]!.id });
        return true;
      }
      case "[":
      case "]":
      case "{":
      case "}":
        this.stepLayer(key === "[" || key === "{" ? -1 : 1);
        return true;
      case "+":
      case "=":
      case "-":
        this.view.zoomAbout(key === "-" ? 0.5 : 2, this.canvas.width / 2, this.canvas.height / 2);
        return true;
      case "shift":
        if (this.view.hasReference() && s.display === "current") this.view.setState({ display: "reference" });
        return false;
      default:
        return false;
    }
  }

  private stepLayer(step: number): void {
    const names = this.view.layers();
    if (names.length === 0) return;
    const i = Math.max(0, names.indexOf(this.view.activeLayer() ?? ""));
    this.view.setState({ layer: names[(i + step + names.length) % names.length]! });
  }

  private press(event: PointerEvent): void {
    if (event.button !== 0) return;
    this.element.focus({ preventScroll: true });
    this.element.setPointerCapture(event.pointerId);
    const p = this.devicePoint(event);
    const split = this.view.wipeSplit();
    // Grabbing the wipe line moves it; Ctrl+drag draws a statistics rectangle; else pan.
    if (event.ctrlKey || event.metaKey) this.regionDrag = p;
    else if (split !== null && Math.abs(p.x - split) <= WIPE_GRAB_PX) this.wipeDrag = true;
    else {
      const s = this.view.state();
      this.drag = { ...p, panX: s.panX, panY: s.panY };
    }
  }

  private move(event: PointerEvent): void {
    const p = this.devicePoint(event);
    this.pointer = p;
    if (this.regionDrag) {
      const transform = this.view.transform();
      const a = transform.imagePixelAt(this.regionDrag.x, this.regionDrag.y);
      const b = transform.imagePixelAt(p.x, p.y);
      const region = {
        x: Math.min(a.x, b.x),
        y: Math.min(a.y, b.y),
        width: Math.abs(a.x - b.x) + 1,
        height: Math.abs(a.y - b.y) + 1,
      };
      this.view.setState({ region });
    } else if (this.wipeDrag) {
      this.view.setState({ wipe: Math.min(1, Math.max(0, p.x / Math.max(1, this.canvas.width))) });
    } else if (this.drag) {
      // The image moves with the pointer: the pan at the press, less the pointer's travel in image pixels.
      const travel = this.view.transform().canvasToImageDistance(p.x - this.drag.x, p.y - this.drag.y);
      this.view.setState({ panX: this.drag.panX - travel.x, panY: this.drag.panY - travel.y });
    } else {
      this.view.hover(p);
    }
  }

  private devicePoint(event: MouseEvent): Point {
    const rect = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    return { x: Math.floor((event.clientX - rect.left) * ratio), y: Math.floor((event.clientY - rect.top) * ratio) };
  }

  private listen<K extends keyof HTMLElementEventMap>(
    target: HTMLElement | Document,
    type: K,
    handler: (event: HTMLElementEventMap[K]) => void,
    options?: AddEventListenerOptions,
  ): void {
    target.addEventListener(type, handler as EventListener, options);
    this.cleanups.push(() => target.removeEventListener(type, handler as EventListener, options));
  }
}

/** The on/off shortcuts: key → the state patch it applies. */
const TOGGLES: Record<string, (s: ViewState) => Partial<ViewState>> = {
  m: (s) => ({ showNonFinite: !s.showNonFinite }),
  l: (s) => ({ rangeLocked: !s.rangeLocked }),
  b: (s) => ({ showWindows: !s.showWindows }),
  w: (s) => ({ wipe: s.wipe === null ? 0.5 : null }),
  c: (s) => ({ convertPrimaries: !s.convertPrimaries }),
};

/** Whether keys typed at `target` are text for it (not shortcuts): sliders and check boxes are not. */
export function isTextInput(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return target.type !== "range" && target.type !== "checkbox";
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target.isContentEditable;
}
