// The deep samples under the pointer, in the readout: how many, then the first few front to back
// (depth, colour, alpha as stored), as the viewer composited them into the flat picture.

import type { DeepPixelReading } from "../viewer/deep_samples.js";
import { h } from "./dom.js";

/** The readout's entries for a deep pixel (none for a flat image). */
export function deepReadout(deep: DeepPixelReading | null): HTMLElement[] {
  if (!deep) return [];
  const count = h(
    "span",
    { class: "exr-deep-count", "data-samples": String(deep.count), title: "Samples in this deep pixel" },
    `${deep.count} sample${deep.count === 1 ? "" : "s"}`,
  );
  const samples = deep.samples.map((sample, k) =>
    h(
      "span",
      {
        class: "exr-deep-sample",
        "data-index": String(sample.index),
        "data-channels": sample.values.map((v) => v.channel).join(" "),
        "data-values": sample.values.map((v) => v.text).join(" "),
        title: `Sample ${sample.index} of the pixel in the file; #${k + 1} from the front`,
      },
      h("span", { class: "exr-reading-name", text: `#${k + 1}` }),
      sample.values.map((v) => `${v.channel} ${v.text}`).join(" "),
    ),
  );
  const more = deep.count - deep.samples.length;
  const rest = more > 0 ? [h("span", { class: "exr-deep-more", text: `+${more} more` })] : [];
  return [count, ...samples, ...rest];
}
