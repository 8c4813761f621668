// The part of a Jupyter widget model (ipywidgets' WidgetModel, as anywidget hands it to its
// modules) the notebook viewer uses, and the two conversions its state needs: widget references
// ("IPY_MODEL_<id>", how ipywidgets serialises a widget inside another's state) and bytes traits
// (a DataView over the message's binary buffer).

export interface WidgetModel {
  get(name: string): unknown;
  on(event: string, callback: () => void): void;
  off(event: string, callback: () => void): void;
  readonly widget_manager: { get_model(id: string): Promise<WidgetModel> };
}

const REFERENCE_PREFIX = "IPY_MODEL_";

/** The model a reference names (`"IPY_MODEL_<id>"`) in `model`'s widget manager. */
export function resolveReference(model: WidgetModel, reference: unknown): Promise<WidgetModel> {
  if (typeof reference !== "string" || !reference.startsWith(REFERENCE_PREFIX)) {
    return Promise.reject(new Error(`not a widget reference: ${JSON.stringify(reference)}`));
  }
  return model.widget_manager.get_model(reference.slice(REFERENCE_PREFIX.length));
}

/** The bytes of a bytes trait (a view, not a copy). */
export function bytesOf(value: unknown, name: string): Uint8Array<ArrayBuffer> {
  if (value instanceof DataView || value instanceof Uint8Array) {
    // Widget messages' buffers are ArrayBuffers (never shared memory).
    return new Uint8Array(value.buffer as ArrayBuffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new Error(`${name}: expected bytes, got ${value === null ? "null" : typeof value}`);
}

/** One of the scripts of the runtime widget (tensorboard_exr/notebook_runtime.py): "viewer", "worker", "glue". */
export function runtimeScript(runtime: WidgetModel, name: "viewer" | "worker" | "glue"): string {
  const source = (runtime.get("scripts") as Record<string, unknown> | null)?.[name];
  if (typeof source !== "string") throw new Error(`the runtime widget has no ${name} script`);
  return source;
}

/** Imports an ES module from its source text (the runtime widget carries the notebook's modules). */
export async function importSource<T>(source: string): Promise<T> {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    return (await import(/* webpackIgnore: true */ url)) as T;
  } finally {
    URL.revokeObjectURL(url);
  }
}
