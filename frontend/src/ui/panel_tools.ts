// What the dashboard tells the shared page about its image for the reviewer's tools: what an
// exported view is (run, tag, step, reference; the file names; the step's original EXR; the
// TensorBoard link) and where the pins' values over the steps come from (the tag's steps, loaded
// through the page's loader). Built from a few accessors of the panel, so panel.ts stays its size.

import type { PluginApi } from "../api.js";
import type { ImageLoader, ImageRequest } from "../loading/index.js";
import type { Selection } from "./browser.js";
import type { ProbeSteps } from "./probes/probe_panel.js";
import type { ExportSource } from "./view_export.js";

export interface PanelView {
  api: PluginApi;
  loader(): ImageLoader;
  /** The image the inspector shows (null in the overview, or before an image). */
  shown(): (Selection & { step: number }) | null;
  /** The reference it is compared with, if any. */
  reference(): Selection | null;
  steps(): readonly number[];
  request(selection: Selection, step: number): ImageRequest;
  /** The content-addressed URL of a step's bytes, when the steps route gave one. */
  url(selection: Selection, step: number): string | undefined;
  link(): string;
  jump(step: number): void;
}

/** `<run>_<tag>_<step>`, unsafe characters replaced later (view_export.ts, safeFileName). */
function stem(shown: Selection & { step: number }): string {
  return `${shown.run}_${shown.tag}_${shown.step}`;
}

export function panelExportSource(view: PanelView): Omit<ExportSource, "viewer" | "say"> {
  return {
    identity: () => {
      const shown = view.shown();
      const reference = view.reference();
      if (!shown) return [];
      const entries: Array<[string, string]> = [
        ["run", shown.run],
        ["tag", shown.tag],
        ["step", String(shown.step)],
      ];
      if (reference) entries.push(["reference", `${reference.run} / ${reference.tag}`]);
      return entries;
    },
    fileStem: () => {
      const shown = view.shown();
      return shown ? stem(shown) : "overview";
    },
    original: () => {
      const shown = view.shown();
      if (!shown) return null;
      const url = view.url(shown, shown.step);
      return {
        name: `${stem(shown)}.exr`,
        fetch: () => view.api.exr(shown.run, shown.tag, shown.step, url ? { url } : {}),
      };
    },
    link: () => view.link(),
  };
}

export function panelProbeSteps(view: PanelView): ProbeSteps {
  return {
    get loader() {
      return view.loader();
    },
    stepped: () => {
      const shown = view.shown();
      if (!shown) return null;
      return { id: JSON.stringify([shown.run, shown.tag]), steps: view.steps(), request: (step) => view.request(shown, step) };
    },
    current: () => view.shown()?.step ?? null,
    jump: (step) => view.jump(step),
  };
}
