// The run → (group →) tag list on the left, with a regex filter like TensorBoard's tag filter.

import type { TagInfo, TagsByRun } from "../api.js";
import { h } from "./dom.js";

export interface Selection {
  run: string;
  tag: string;
}

export class RunTagBrowser {
  readonly element: HTMLElement;
  private readonly filterInput: HTMLInputElement;
  private readonly filterError: HTMLElement;
  private readonly list: HTMLElement;
  private tags: TagsByRun = {};
  private runs: string[] = [];
  private selection: Selection | null = null;

  /** `onFilter`: the filter text changed (the overview shows the tags it matches). */
  constructor(
    private readonly onSelect: (selection: Selection) => void,
    private readonly onFilter: () => void = () => undefined,
  ) {
    this.filterInput = h("input", {
      class: "exr-filter",
      type: "search",
      placeholder: "Filter tags (regex)",
      "aria-label": "Filter tags by regular expression",
      spellcheck: "false",
    });
    this.filterError = h("div", { class: "exr-filter-error", role: "status" });
    this.list = h("nav", { class: "exr-runs", "aria-label": "Runs and tags" });
    this.element = h("aside", { class: "exr-sidebar" }, this.filterInput, this.filterError, this.list);
    this.filterInput.addEventListener("input", () => {
      this.render();
      this.onFilter();
    });
  }

  /** The filter as typed. */
  get filterText(): string {
    return this.filterInput.value;
  }

  /** Sets the filter (e.g. from a link). */
  setFilter(text: string): void {
    this.filterInput.value = text;
    this.render();
    this.onFilter();
  }

  /** The filter as a regular expression (null: none, or not a valid one). */
  get pattern(): RegExp | null {
    return this.filter();
  }

  /** `runs` is the display order (TensorBoard's run list); runs without EXR tags are skipped. */
  update(tags: TagsByRun, runs: string[]): void {
    this.tags = tags;
    this.runs = runs.filter((run) => tags[run] && Object.keys(tags[run]!).length > 0);
    this.render();
  }

  select(selection: Selection | null): void {
    this.selection = selection;
    for (const button of this.list.querySelectorAll<HTMLButtonElement>(".exr-tag")) {
      const on = !!selection && button.dataset["run"] === selection.run && button.dataset["tag"] === selection.tag;
      button.classList.toggle("selected", on);
      button.setAttribute("aria-current", on ? "true" : "false");
    }
  }

  /** Selections in display order, after filtering. */
  visible(): Selection[] {
    return [...this.list.querySelectorAll<HTMLButtonElement>(".exr-tag")].map((b) => ({
      run: b.dataset["run"]!,
      tag: b.dataset["tag"]!,
    }));
  }

  private filter(): RegExp | null {
    const text = this.filterInput.value;
    this.filterError.textContent = "";
    if (!text) return null;
    try {
      return new RegExp(text, "i");
    } catch (error) {
      this.filterError.textContent = `Invalid regex: ${(error as Error).message}`;
      return null;
    }
  }

  private render(): void {
    const pattern = this.filter();
    this.list.replaceChildren();
    let shown = 0;
    for (const run of this.runs) {
      const entries = Object.entries(this.tags[run] ?? {})
        .filter(([tag]) => !pattern || pattern.test(tag))
        .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
      if (entries.length === 0) continue;
      const groups = new Map<string, Array<[string, TagInfo]>>();
      for (const entry of entries) {
        const group = entry[1].group ?? "";
        if (!groups.has(group)) groups.set(group, []);
        groups.get(group)!.push(entry);
      }
      const section = h("section", { class: "exr-run", "data-run": run }, h("h3", { class: "exr-run-name", text: run, title: run }));
      for (const [group, members] of [...groups].sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)))) {
        const container = group
          ? h("div", { class: "exr-group", "data-group": group }, h("div", { class: "exr-group-name", text: group, title: group }))
          : section;
        for (const [tag, info] of members) {
          const button = h(
            "button",
            { class: "exr-tag", type: "button", "data-run": run, "data-tag": tag, title: info.description ?? tag },
            h("span", { class: "exr-tag-name", text: tag }),
            info.role ? h("span", { class: "exr-role", text: info.role }) : null,
          );
          button.addEventListener("click", () => this.onSelect({ run, tag }));
          container.append(button);
          shown++;
        }
        if (container !== section) section.append(container);
      }
      this.list.append(section);
    }
    if (shown === 0) {
      this.list.append(
        h("p", {
          class: "exr-empty",
          text: this.runs.length === 0 ? "No EXR data in this logdir yet." : "No tags match the filter.",
        }),
      );
    }
    this.select(this.selection);
  }
}
