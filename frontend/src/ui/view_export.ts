// Taking a view away: the displayed view copied to the clipboard or saved as PNG (tonemapped as
// shown, at the canvas's resolution or 1:1, with what it shows written into PNG text chunks), the
// original EXR of the image downloaded byte for byte, and a link that reopens the view copied.
// The pages say what the view is (identity, original file, link); this module does the rest.
// The clipboard needs a focused page and permission: where it is refused (an embedding that
// does not allow clipboard-write, an old browser) the page says so and offers the other way.

import { epsilonText, metricFormula, metricInfo } from "../render/pipeline.js";
import type { Viewer } from "../viewer/viewer.js";
import { withTextChunks } from "./png_text.js";

export type ExportResolution = "canvas" | "actual";

/** What a page tells the exporter about the view it shows. */
export interface ExportSource {
  viewer: Viewer;
  /** Entries naming the image (run, tag, step; or the reviewed file), first in the PNG's text. */
  identity(): Array<[string, string]>;
  /** File names without extension for this view (the PNG's), e.g. `run_tag_40`. */
  fileStem(): string;
  /** The original EXR of the image shown: where to fetch its bytes and the file name to save; null: none. */
  original(): { fetch: () => Promise<ArrayBuffer>; name: string } | null;
  /** A link that reopens this view; null where there is none (a notebook's output). */
  link(): string | null;
  /** Tells the user what happened (a status line). */
  say(text: string): void;
}

/** A file name made safe on every system: path separators, reserved and control characters become "_". */
export function safeFileName(name: string): string {
  const safe = name.replace(/[\\/:*?"<>|\x00-\x1f\x7f]/g, "_").replace(/^[\s.]+|[\s.]+$/g, "_");
  return safe.length > 0 ? safe : "_";
}

export class ViewExport {
  /** What the last action did (tests and tools): the kind, and the text the user was told. */
  last: { action: string; ok: boolean; message: string } | null = null;

  constructor(private readonly source: ExportSource) {}

  /** The PNG text entries of the view: the page's identity, then how it is shown. */
  describe(resolution: ExportResolution): Array<[string, string]> {
    const viewer = this.source.viewer;
    const s = viewer.state;
    const metric = metricInfo(s.metric);
    const entries: Array<[string, string]> = [
      ...this.source.identity(),
      ["layer", viewer.activeLayer() ?? ""],
      ["exposure", String(s.exposure)],
      ["offset", String(s.offset)],
      ["tonemap", s.tonemap === "gamma" ? `gamma ${s.gamma}` : s.tonemap],
      ["metric", metric.id === "none" ? "none" : `${metric.label}: ${metricFormula(metric.id, s.epsilon)}`],
    ];
    if (metric.hasEpsilon) entries.push(["epsilon", epsilonText(viewer.epsilon())]);
    entries.push(["resolution", resolution === "actual" ? "1:1 (one pixel per image pixel)" : "canvas (as shown)"]);
    entries.push(["Software", "tensorboard-exr"]);
    return entries;
  }

  /** The view as a PNG (with its text chunks); null without an image. */
  async png(resolution: ExportResolution): Promise<Blob | null> {
    const pixels = this.source.viewer.renderView(resolution);
    if (!pixels) return null;
    const canvas = document.createElement("canvas");
    canvas.width = pixels.width;
    canvas.height = pixels.height;
    canvas.getContext("2d")!.putImageData(pixels, 0, 0);
    const encoded = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
    if (!encoded) throw new Error("the browser could not encode the PNG");
    const bytes = withTextChunks(new Uint8Array(await encoded.arrayBuffer()), this.describe(resolution));
    return new Blob([bytes.buffer as ArrayBuffer], { type: "image/png" });
  }

  /** Copies the view to the clipboard as an image. */
  async copyView(resolution: ExportResolution): Promise<boolean> {
    return this.run("copy-view", async () => {
      const png = await this.png(resolution);
      if (!png) return "No image to copy";
      await clipboardWrite(() => navigator.clipboard.write([new ClipboardItem({ "image/png": png })]));
      return `Copied the view${resolution === "actual" ? " at 1:1" : ""} to the clipboard`;
    }, "S saves it as a PNG file instead");
  }

  /** Saves the view as a PNG file. */
  async savePng(resolution: ExportResolution): Promise<boolean> {
    return this.run("save-png", async () => {
      const png = await this.png(resolution);
      if (!png) return "No image to save";
      const name = `${safeFileName(this.source.fileStem())}${resolution === "actual" ? "_1to1" : ""}.png`;
      saveBlob(png, name);
      return `Saved ${name}`;
    });
  }

  /** Downloads the original EXR of the image shown, exactly as logged. */
  async downloadOriginal(): Promise<boolean> {
    return this.run("download-exr", async () => {
      const original = this.source.original();
      if (!original) return "This view has no original EXR file to download";
      const name = safeFileName(original.name);
      saveBlob(new Blob([await original.fetch()], { type: "image/x-exr" }), name);
      return `Saved ${name}`;
    });
  }

  /** Copies a link that reopens this view. */
  async copyLink(): Promise<boolean> {
    const link = this.source.link();
    if (link === null) {
      return this.run("copy-link", async () => "This view has no link: S saves it as a PNG, D as the EXR shown");
    }
    return this.run("copy-link", async () => {
      await clipboardWrite(() => navigator.clipboard.writeText(link));
      return "Copied a link to this view";
    }, `the link: ${link}`);
  }

  /** Runs an action, telling the user what happened, or why it failed and what else to do. */
  private async run(action: string, work: () => Promise<string>, otherwise = ""): Promise<boolean> {
    try {
      const message = await work();
      this.last = { action, ok: true, message };
      this.source.say(message);
      return true;
    } catch (error) {
      const message = `${describeAction(action)} failed: ${(error as Error).message}${otherwise ? `; ${otherwise}` : ""}`;
      this.last = { action, ok: false, message };
      this.source.say(message);
      return false;
    }
  }
}

function describeAction(action: string): string {
  return { "copy-view": "Copying the view", "save-png": "Saving the PNG", "download-exr": "Downloading the EXR", "copy-link": "Copying the link" }[action] ?? action;
}

/** A clipboard write, its refusal worded for the user. */
async function clipboardWrite(write: () => Promise<void>): Promise<void> {
  if (!navigator.clipboard) throw new Error("this page has no clipboard access (it needs a secure context)");
  try {
    await write();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`the clipboard refused (${reason}): the page embedding this one may not allow clipboard-write`);
  }
}

/** Saves `blob` as a file called `name` (the browser's download). */
function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = name;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // After the download has started: revoking at once can cancel it in some browsers.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
