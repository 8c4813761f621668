// The toolbar's ⋯ menu: what a reviewer reaches for now and then (offset, gamma, the window
// outlines, taking the view away: copy, PNG, the original EXR, a link), each action with its key
// in its label, so the toolbar keeps to two rows. It closes on a click outside, Esc or an action.

import { h } from "./dom.js";

export class ToolbarMenu {
  readonly element: HTMLDetailsElement;

  constructor(items: ReadonlyArray<HTMLElement>) {
    const summary = h("summary", { class: "exr-button exr-menu-button", title: "More: offset, gamma, outlines, copy, save, download, link", text: "⋯" });
    this.element = h("details", { class: "exr-menu" }, summary, h("div", { class: "exr-menu-items", role: "menu" }, ...items));
    document.addEventListener("pointerdown", (event) => {
      if (this.element.open && !this.element.contains(event.target as Node)) this.element.open = false;
    });
    this.element.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.element.open) {
        this.element.open = false;
        event.stopPropagation();
      }
    });
  }

  /** A menu button: `text`, its key shown beside it; `run` on a click, and the menu closes. */
  action(className: string, text: string, key: string, run: () => void): HTMLButtonElement {
    const button = h("button", { class: `exr-menu-action ${className}`, type: "button", role: "menuitem" }, text, h("kbd", { text: key }));
    button.addEventListener("click", () => {
      this.element.open = false;
      run();
    });
    return button;
  }

  /** Adds items at the end. */
  append(...items: HTMLElement[]): void {
    this.element.querySelector(".exr-menu-items")!.append(...items);
  }
}
