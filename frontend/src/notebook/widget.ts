// The ES module of the `ExrViewer` notebook widget (anywidget's `_esm`, sent with every viewer, so
// kept tiny). The viewer itself, the decoder worker and the WebAssembly come once per kernel in
// the state of one runtime widget (tensorboard_exr/notebook_runtime.py) that every viewer refers
// to; the viewer module is imported once per page and runtime, so all viewers of a notebook share
// one module, one decoder pool and one image cache.

import { importSource, resolveReference, runtimeScript, type WidgetModel } from "./widget_model.js";

/** What `notebook_viewer.js` exports. */
export interface ViewerModule {
  prepare(model: WidgetModel, runtime: WidgetModel): void;
  render(model: WidgetModel, el: HTMLElement, runtime: WidgetModel): () => void;
}

/** globalThis key of the viewer modules imported by this page, by runtime id. */
const MODULES_KEY = "__tensorboardExrViewerModules";

function viewerModule(runtime: WidgetModel): Promise<ViewerModule> {
  const scope = globalThis as unknown as Record<string, Map<string, Promise<ViewerModule>> | undefined>;
  const modules = (scope[MODULES_KEY] ??= new Map());
  const id = String(runtime.get("runtime_id"));
  let module = modules.get(id);
  if (!module) {
    module = importSource<ViewerModule>(runtimeScript(runtime, "viewer"));
    modules.set(id, module);
    module.catch(() => modules.delete(id));
  }
  return module;
}

export default {
  async initialize({ model }: { model: WidgetModel }): Promise<void> {
    try {
      const runtime = await resolveReference(model, model.get("_runtime"));
      (await viewerModule(runtime)).prepare(model, runtime);
    } catch {
      // render() says what failed.
    }
  },

  async render({ model, el }: { model: WidgetModel; el: HTMLElement }): Promise<(() => void) | undefined> {
    try {
      const runtime = await resolveReference(model, model.get("_runtime"));
      return (await viewerModule(runtime)).render(model, el, runtime);
    } catch (error) {
      el.textContent = `tensorboard-exr: the viewer could not start: ${(error as Error).message}`;
      el.dataset["exrError"] = el.textContent;
      return undefined;
    }
  },
};
