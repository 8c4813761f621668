// The images of one notebook viewer, on its left: one button per image, numbered for the number
// keys, with its role and a mark on the one used as the reference.

import type { ImageRequest } from "../loading/index.js";
import { h } from "../ui/dom.js";

/** One image of a viewer, as the widget state gives it (tensorboard_exr/notebook.py). */
export interface Member {
  name: string;
  role: string;
  /** sha256 of the EXR bytes: the image's identity in the page's decoded-image cache. */
  sha256: string;
  /** Size, channels and compression, for the tooltip. */
  description: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/** A member as a loader request: keyed by its sha256 (the page's cache is shared), named in errors. */
export function memberImage(member: Member): ImageRequest {
  return {
    key: member.sha256,
    name: member.name,
    // A copy: the widget state keeps its bytes for the next render, the decoder takes the copy.
    download: async () => ({ bytes: member.bytes.slice().buffer }),
  };
}

export class MemberList {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;

  constructor(private readonly onSelect: (index: number) => void) {
    this.list = h("nav", { class: "exr-runs", "aria-label": "Images" });
    this.element = h("aside", { class: "exr-sidebar" }, this.list);
  }

  /** Lists `members`, `shown` (an index) selected and the member named `reference` marked. */
  update(members: readonly Member[], shown: number, reference: string | null): void {
    const buttons = members.map((member, index) => {
      const key = index < 10 ? String((index + 1) % 10) : null;
      const button = h(
        "button",
        { class: "exr-tag", type: "button", title: member.description, "data-member": member.name },
        h("span", { class: "exr-tag-name", text: member.name }),
        key === null ? null : h("span", { class: "exr-role", title: "Number key", text: key }),
        member.name === reference ? h("span", { class: "exr-role", text: "reference" }) : null,
      );
      button.classList.toggle("selected", index === shown);
      button.setAttribute("aria-current", index === shown ? "true" : "false");
      button.addEventListener("click", () => this.onSelect(index));
      return button;
    });
    this.list.replaceChildren(...buttons);
  }
}
