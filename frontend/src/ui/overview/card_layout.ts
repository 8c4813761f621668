// Where the overview's cards go: one card per run × tag matching the tag filter; a row per group
// and run (the runs of a group next to each other, so the same role lines up across runs), a column
// per role in the order the groups list their members (the number keys' order: input, output,
// reference …, the fullest groups first); tags without a group fill a row per run, after the
// groups. Pure: no DOM.

import type { TagsByRun } from "../../api.js";

export interface CardSpec {
  /** Identity of the card (run and tag). */
  readonly id: string;
  readonly run: string;
  readonly tag: string;
  readonly group: string | null;
  readonly role: string | null;
  /** The role column (0-based) of a group's member; null for a tag without a group. */
  readonly column: number | null;
}

export interface CardRow {
  /** A group's name, or null for the run's tags without a group. */
  readonly group: string | null;
  readonly run: string;
  readonly cards: readonly CardSpec[];
}

export interface CardLayout {
  readonly rows: readonly CardRow[];
  /** The role of each column. */
  readonly columns: readonly string[];
  /** Every card, in reading order (rows, then columns). */
  readonly cards: readonly CardSpec[];
}

export function cardId(run: string, tag: string): string {
  return JSON.stringify([run, tag]);
}

const byName = (a: string, b: string): number => a.localeCompare(b, undefined, { numeric: true });

/** The cards of the tags of `runs` (in that order) whose name matches `filter`. */
export function layoutCards(tags: TagsByRun, runs: readonly string[], filter: RegExp | null): CardLayout {
  const groups = new Map<string, Map<string, string[]>>(); // group → run → member tags
  const loose = new Map<string, string[]>(); // run → tags without a group
  for (const run of runs) {
    for (const tag of Object.keys(tags[run] ?? {}).sort(byName)) {
      if (filter && !filter.test(tag)) continue;
      const group = tags[run]![tag]!.group;
      if (!group) {
        if (!loose.has(run)) loose.set(run, []);
        loose.get(run)!.push(tag);
        continue;
      }
      if (!groups.has(group)) groups.set(group, new Map());
      const byRun = groups.get(group)!;
      if (!byRun.has(run)) byRun.set(run, []);
      byRun.get(run)!.push(tag);
    }
  }
  const roleOf = (run: string, tag: string): string => tags[run]![tag]!.role || tag.slice(tag.lastIndexOf("/") + 1);
  // Columns follow the fullest member lists first: a group with input, output and reference sets
  // their order; roles only other groups have come after.
  const orderedGroups = [...groups].sort(([a], [b]) => byName(a, b));
  const memberLists = orderedGroups.flatMap(([, byRun]) => [...byRun].map(([run, members]) => members.map((tag) => roleOf(run, tag))));
  const columns: string[] = [];
  for (const roles of memberLists.sort((a, b) => b.length - a.length)) {
    for (const role of roles) if (!columns.includes(role)) columns.push(role);
  }
  const rows: CardRow[] = [];
  for (const [group, byRun] of orderedGroups) {
    for (const [run, members] of byRun) {
      const cards = members.map((tag) => {
        const role = roleOf(run, tag);
        return { id: cardId(run, tag), run, tag, group, role, column: columns.indexOf(role) };
      });
      rows.push({ group, run, cards: cards.sort((a, b) => a.column - b.column) });
    }
  }
  for (const [run, members] of loose) {
    const cards = members.map((tag) => ({ id: cardId(run, tag), run, tag, group: null, role: tags[run]![tag]!.role ?? null, column: null }));
    rows.push({ group: null, run, cards });
  }
  return { rows, columns, cards: rows.flatMap((r) => r.cards) };
}
