// The review tree on the left: nested groups, leaves as buttons. Leaves of one group are numbered
// (the number keys toggle between them) and the group's reference is marked.

import { h } from "../ui/dom.js";
import type { GroupNode, LeafNode, ReviewTree, TreeNode } from "./review_api.js";

export class TreeBrowser {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly notes: HTMLElement;
  private readonly buttons = new Map<string, HTMLButtonElement>();

  constructor(private readonly onSelect: (leaf: LeafNode) => void) {
    this.list = h("nav", { class: "exr-runs exr-review-tree", "aria-label": "Images" });
    this.notes = h("div", { class: "exr-review-notes" });
    this.element = h("aside", { class: "exr-sidebar" }, this.list, this.notes);
  }

  update(tree: ReviewTree): void {
    this.buttons.clear();
    const title = h("div", { class: "exr-run-name", title: tree.title, text: tree.title });
    const body = this.group(tree.root, true);
    this.list.replaceChildren(title, body);
    if (tree.root.children.length === 0) this.list.append(h("div", { class: "exr-empty", text: "Nothing to show." }));
    this.notes.replaceChildren(...tree.warnings.map((w) => h("div", { class: "exr-review-warning", text: w })));
  }

  select(leafId: string | null): void {
    for (const [id, button] of this.buttons) {
      const on = id === leafId;
      button.classList.toggle("selected", on);
      button.setAttribute("aria-current", on ? "true" : "false");
      if (on) button.scrollIntoView({ block: "nearest" });
    }
  }

  private group(group: GroupNode, isRoot: boolean): HTMLElement {
    const leaves = group.children.filter((c): c is LeafNode => c.type !== "group");
    const items = group.children.map((child: TreeNode) =>
      child.type === "group" ? this.group(child, false) : this.leaf(child, leaves.indexOf(child), group),
    );
    if (isRoot) return h("div", { class: "exr-review-root" }, ...items);
    return h(
      "div",
      { class: "exr-group", "data-group": group.id },
      h("div", { class: "exr-group-name", title: group.id, text: group.title }),
      ...items,
    );
  }

  private leaf(leaf: LeafNode, index: number, parent: GroupNode): HTMLElement {
    const badges: HTMLElement[] = [];
    if (index < 10) badges.push(h("span", { class: "exr-role", title: "Number key", text: String((index + 1) % 10) }));
    if (leaf.type === "lossMap") badges.push(h("span", { class: "exr-role", text: leaf.metric.toUpperCase() }));
    if (parent.reference === leaf.title) badges.push(h("span", { class: "exr-role", text: "reference" }));
    const broken = leaf.type === "image" ? leaf.file.error : (leaf.imageA.error ?? leaf.imageB.error);
    const button = h(
      "button",
      {
        class: "exr-tag",
        type: "button",
        "data-leaf": leaf.id,
        title: broken ?? leaf.id,
        "aria-current": "false",
      },
      h("span", { class: "exr-tag-name", text: leaf.title }),
      ...badges,
    );
    if (broken) button.classList.add("exr-review-broken");
    button.addEventListener("click", () => this.onSelect(leaf));
    this.buttons.set(leaf.id, button);
    return button;
  }
}
