// The info view: the whole header of the image on screen, like tev's image info or OpenEXR's
// exrheader — every part with its name, type, compression, windows, pixel aspect ratio and views,
// its channels (type, x/y sampling) and every attribute with its type and value. A panel over the
// image, not a modal: the list and the steps stay usable, and it follows the image shown.
// File data only ever reaches the page as text (textContent), never as markup.

import type { ExrImage, ExrPart } from "../decoder/types.js";
import { pixelAspectOf } from "../viewer/state.js";
import { viewsOf } from "../viewer/multi_view.js";
import { attributeText, numberText } from "./attribute_text.js";
import { h } from "./dom.js";

export class HeaderInfo {
  /** The dialog (hidden until opened); `data-parts` counts the parts shown. */
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly heading: HTMLElement;
  private shown: ExrImage | null | undefined = undefined;
  private shownTitle = "";

  constructor() {
    this.heading = h("h2", { text: "Header" });
    this.body = h("div", { class: "exr-info-body" });
    const close = h("button", { class: "exr-button exr-info-close", type: "button", title: "Close (I, Esc)", text: "×" });
    this.element = h(
      "aside",
      { class: "exr-info", "aria-label": "Header of the file", hidden: true },
      h("div", { class: "exr-info-head" }, this.heading, close),
      this.body,
    );
    close.addEventListener("click", () => this.toggle(false));
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  toggle(show = !this.open): void {
    this.element.hidden = !show;
  }

  /** Shows `image`'s header (null: none); rebuilt only when the image changed. */
  update(image: ExrImage | null, title: string): void {
    if (image === this.shown && title === this.shownTitle) return;
    this.heading.textContent = image ? `Header · ${title} · ${sizeText(image.byteLength)}` : "Header";
    this.shownTitle = title;
    if (image === this.shown) return;
    this.shown = image;
    this.element.dataset["parts"] = String(image?.parts.length ?? 0);
    this.body.replaceChildren(
      ...(image ? image.parts.map((part, i) => partSection(part, i, image.parts.length)) : [h("p", { text: "No image is shown." })]),
    );
  }
}

function partSection(part: ExrPart, index: number, count: number): HTMLElement {
  const title = count > 1 || part.name !== null ? `Part ${index}${part.name !== null ? ` “${part.name}”` : ""}` : "Image";
  const views = viewsOf(part);
  const rows: Array<[string, string]> = [
    ["type", part.storage],
    ["compression", part.compression],
    ["data window", windowText(part.dataWindow)],
    ["display window", windowText(part.displayWindow)],
    ["pixel aspect ratio", numberText(pixelAspectOf(part))],
  ];
  if (views.length > 0) rows.push(["views", `${views.join(", ")} (default: ${views[0]})`]);
  return h(
    "section",
    { class: "exr-info-part", "data-part": index },
    h("h3", { text: title }),
    table("exr-info-summary", [], rows.map(([k, v]) => ({ cells: [k, v] }))),
    h("h4", { text: `Channels (${part.channels.length})` }),
    table(
      "exr-info-channels",
      ["name", "type", "x sampling", "y sampling"],
      part.channels.map((c) => ({ cells: [c.name, c.pixelType, String(c.xSampling), String(c.ySampling)], key: c.name })),
    ),
    h("h4", { text: "Attributes" }),
    table(
      "exr-info-attributes",
      ["name", "type", "value"],
      attributeNames(part).map((name) => ({
        cells: [name, part.attributeTypes?.[name] ?? "", attributeText(part.attributeTypes?.[name] ?? "", part.attributes[name])],
        key: name,
      })),
    ),
  );
}

/** Every attribute by name, sorted as exrheader lists them (OpenEXR's header is a sorted map). */
function attributeNames(part: ExrPart): string[] {
  const names = new Set([...Object.keys(part.attributeTypes ?? {}), ...Object.keys(part.attributes)]);
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} bytes`;
}

function windowText(b: ExrPart["dataWindow"]): string {
  return `(${b.xMin}, ${b.yMin}) – (${b.xMax}, ${b.yMax}), ${b.xMax - b.xMin + 1} × ${b.yMax - b.yMin + 1}`;
}

function table(className: string, headings: string[], rows: Array<{ cells: string[]; key?: string }>): HTMLElement {
  const head = headings.length ? h("thead", {}, h("tr", {}, ...headings.map((t) => h("th", { scope: "col", text: t })))) : null;
  const body = rows.map(({ cells, key }) =>
    h("tr", key === undefined ? {} : { "data-name": key }, h("th", { scope: "row", text: cells[0] }), ...cells.slice(1).map((c) => h("td", { text: c }))),
  );
  return h("table", { class: `exr-info-table ${className}` }, head, h("tbody", {}, ...body));
}
