// Multi-view files (stereo and more), by OpenEXR's rules (ImfMultiView.cpp): the `multiView`
// attribute lists the views, the first being the default one. In one part, a channel's view is
// the second-to-last section of its dot-separated name ("right.R", "diffuse.left.R") when that
// section is a view; a name without a dot ("R") belongs to the default view; any other channel
// ("depth.Z" when "depth" is no view) belongs to none. In a multi-part file, a part's `view`
// attribute names the view of all of its channels.

import type { ExrPart } from "../decoder/types.js";

/** The views a part's header lists (`multiView`), default first; empty for a single-view part. */
export function viewsOf(part: Pick<ExrPart, "attributes">): string[] {
  const views = part.attributes["multiView"];
  return Array.isArray(views) ? views.filter((v): v is string => typeof v === "string") : [];
}

/** The view a channel of `part` belongs to, or null (no view, or not a multi-view file). */
export function viewOfChannel(part: Pick<ExrPart, "attributes">, channelName: string): string | null {
  const partView = part.attributes["view"];
  if (typeof partView === "string" && partView !== "") return partView;
  const views = viewsOf(part);
  if (views.length === 0) return null;
  // OpenEXR strips spaces around each section before comparing.
  const sections = channelName.split(".").map((s) => s.trim());
  if (sections.length === 1) return views[0]!;
  const candidate = sections[sections.length - 2]!;
  return views.includes(candidate) ? candidate : null;
}

/**
 * Orders views for display: the default view first, the others as the file lists them, views
 * named only by parts in part order, and "no view" (null) last.
 */
export function viewRanks(parts: ReadonlyArray<Pick<ExrPart, "attributes">>): (view: string | null) => number {
  const order: string[] = [];
  for (const part of parts) for (const view of viewsOf(part)) if (!order.includes(view)) order.push(view);
  for (const part of parts) {
    const view = part.attributes["view"];
    if (typeof view === "string" && view !== "" && !order.includes(view)) order.push(view);
  }
  return (view) => (view === null ? order.length : Math.max(0, order.indexOf(view)));
}
