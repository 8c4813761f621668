// What the dashboard compares an image with: the members of its group (same run, same `group`)
// in sidebar order, the same tag in other runs, and the reference chosen for each comparison
// context (a group within a run shares one choice; a lone tag has its own). The default reference
// is the group's member with role "reference".

import type { TagInfo, TagsByRun } from "../api.js";
import type { Selection } from "./browser.js";

export class Comparisons {
  private tags: TagsByRun = {};
  private runs: string[] = [];
  /** The chosen reference per comparison context; null = none chosen on purpose. */
  private readonly chosen = new Map<string, Selection | null>();

  /** The tags the server lists, and the runs in display order. */
  update(tags: TagsByRun, runs: string[]): void {
    this.tags = tags;
    this.runs = runs;
  }

  info(selection: Selection): TagInfo | undefined {
    return this.tags[selection.run]?.[selection.tag];
  }

  /** Tags of the selection's group in its run, in the sidebar's order (number keys 1–9). */
  groupMembers(selection: Selection): string[] {
    const tags = this.tags[selection.run] ?? {};
    const group = tags[selection.tag]?.group;
    if (!group) return [selection.tag];
    return Object.keys(tags)
      .filter((tag) => tags[tag]!.group === group)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  }

  /** The images the reference can be: the members of the group, then the tag in other runs. */
  candidates(selection: Selection): Selection[] {
    const members = this.groupMembers(selection).map((tag) => ({ run: selection.run, tag }));
    const otherRuns = this.runs
      .filter((run) => run !== selection.run && this.tags[run]?.[selection.tag] !== undefined)
      .map((run) => ({ run, tag: selection.tag }));
    return [...members, ...otherRuns];
  }

  /** The reference chosen for the selection's context; by default the group's role "reference". */
  referenceOf(selection: Selection): Selection | null {
    const id = this.contextId(selection);
    if (this.chosen.has(id)) return this.chosen.get(id)!;
    const tags = this.tags[selection.run] ?? {};
    const byRole = this.groupMembers(selection).find((tag) => tags[tag]?.role === "reference");
    return byRole !== undefined && tags[selection.tag]?.group ? { run: selection.run, tag: byRole } : null;
  }

  /** Records the reference of the selection's whole context (null: none). */
  choose(selection: Selection, reference: Selection | null): void {
    this.chosen.set(this.contextId(selection), reference);
  }

  /** How a candidate is named next to `selection`: its role or tag, with its run when another. */
  label(candidate: Selection, selection: Selection): string {
    const info = this.info(candidate);
    const name = info?.role ? info.role : candidate.tag;
    return candidate.run === selection.run ? name : `${candidate.run} · ${name}`;
  }

  private contextId(selection: Selection): string {
    const group = this.tags[selection.run]?.[selection.tag]?.group;
    return group ? JSON.stringify(["group", selection.run, group]) : JSON.stringify(["tag", selection.run, selection.tag]);
  }
}
