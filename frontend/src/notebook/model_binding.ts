// Keeps a NotebookPage showing what the `ExrViewer` widget's state says: its title and height and
// its members, each a child widget (tensorboard_exr/notebook.py: `_ExrImage`) holding one EXR.
// `viewer.update(...)` in Python changes a child's bytes or the list of children; both re-read
// the members (coalesced: one update of three members is one refresh).

import type { Member } from "./member_list.js";
import type { NotebookPage } from "./notebook_page.js";
import { bytesOf, resolveReference, type WidgetModel } from "./widget_model.js";

function memberOf(child: WidgetModel): Member {
  const name = String(child.get("name"));
  return {
    name,
    role: String(child.get("role") ?? ""),
    sha256: String(child.get("sha256")),
    description: String(child.get("description") ?? ""),
    bytes: bytesOf(child.get("exr"), name),
  };
}

/** The members of `model` now (its child widgets resolved). */
export async function membersOf(model: WidgetModel): Promise<{ members: Member[]; children: WidgetModel[] }> {
  const references = (model.get("_members") as unknown[] | null) ?? [];
  const children = await Promise.all(references.map((reference) => resolveReference(model, reference)));
  return { members: children.map(memberOf), children };
}

/** Binds `page` to `model` until the returned function is called. */
export function bindModel(model: WidgetModel, page: NotebookPage): () => void {
  let children: WidgetModel[] = [];
  let generation = 0;
  let scheduled = false;

  const refresh = async (): Promise<void> => {
    scheduled = false;
    const mine = ++generation;
    let now: Awaited<ReturnType<typeof membersOf>>;
    try {
      now = await membersOf(model);
    } catch (error) {
      page.element.dataset["error"] = `the images of this viewer are missing: ${(error as Error).message}`;
      return;
    }
    if (mine !== generation) return;
    for (const child of children) child.off("change", schedule);
    children = now.children;
    for (const child of children) child.on("change", schedule);
    page.setMembers(now.members, String(model.get("title") ?? ""), Number(model.get("height")));
  };

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => void refresh());
  }

  model.on("change", schedule);
  schedule();
  return () => {
    generation++;
    model.off("change", schedule);
    for (const child of children) child.off("change", schedule);
  };
}
