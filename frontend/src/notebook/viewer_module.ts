// The notebook viewer module (bundled to static/notebook_viewer.js, imported once per page by
// widget.ts from the runtime widget's state): renders one `ExrViewer` view into its output cell.

import { memberImage } from "./member_list.js";
import { bindModel, membersOf } from "./model_binding.js";
import { NotebookPage } from "./notebook_page.js";
import { notebookRuntime } from "./runtime.js";
import type { WidgetModel } from "./widget_model.js";

export { NotebookPage } from "./notebook_page.js";

/** The NotebookPage of a view, on its root element (`.exr-panel`): tests and benchmarks read it. */
export interface NotebookRoot extends HTMLElement {
  exrNotebook?: NotebookPage;
}

/** Renders a view of `model` into `el`; returns the clean-up anywidget calls when the view goes. */
export function render(model: WidgetModel, el: HTMLElement, runtime: WidgetModel): () => void {
  // A shadow root: the notebook's styles stay out of the viewer and the viewer's out of the notebook.
  const shadow = el.shadowRoot ?? el.attachShadow({ mode: "open" });
  const container = document.createElement("div");
  shadow.replaceChildren(container);
  const page = new NotebookPage(container, notebookRuntime(runtime));
  (page.element as NotebookRoot).exrNotebook = page;
  const unbind = bindModel(model, page);
  return () => {
    unbind();
    page.destroy();
  };
}

/**
 * Called when the widget's model arrives, before any view: the kernel sends a viewer's state
 * first and its output (with the preview PNG it computes meanwhile) after, so the WebAssembly, the
 * workers and the decode of the image shown first start now and the view finds them under way.
 */
export function prepare(model: WidgetModel, runtime: WidgetModel): void {
  const { loader } = notebookRuntime(runtime);
  void membersOf(model)
    .then(({ members }) => members[0] && loader.load(memberImage(members[0])))
    .catch(() => undefined); // the view reports what failed
}
