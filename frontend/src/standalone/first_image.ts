// The review page's first image, asked for the moment the tree is known: before the page builds
// its WebGL viewer (which holds the page's thread for hundreds of ms on a software GPU) and while
// the decoder's workers start, so that download, wasm compile and viewer build overlap. The
// request goes through the page's own loader with the keys the page uses (leaf_images.ts): the
// page's first select joins this load (or finds it cached), and the file is fetched once.

import type { ImageLoader } from "../loading/index.js";
import { METRICS } from "../render/pipeline.js";
import { leavesOf, type ReviewTree } from "./review_api.js";
import { filesOfLeaf, isReferenceChoice, servedImage } from "./leaf_images.js";
import { parseViewHash } from "./view_hash.js";

/**
 * Starts loading the images the page will show first for `hash` (the leaf it names, else the
 * first leaf, as ReviewPage.start chooses). Aborting the returned controller drops this claim on
 * the loads: call it once the page has asked for what it shows (a load is cancelled only when
 * its last consumer leaves, so the page's own request keeps it going).
 */
export function preloadFirstImage(loader: ImageLoader, tree: ReviewTree, hash: string): AbortController {
  const preloading = new AbortController();
  const linked = parseViewHash(hash);
  const placed = leavesOf(tree.root);
  const first = placed.find((p) => p.leaf.id === linked.image) ?? placed[0];
  if (!first) return preloading;
  const { leaf, parent } = first;
  // An error map the viewer cannot draw is shown as an error, without loading its images.
  if (leaf.type === "lossMap" && !METRICS.some((m) => m.id === leaf.metric)) return preloading;
  const chosen = linked.reference !== undefined && isReferenceChoice(parent, linked.reference) ? linked.reference : undefined;
  const referenceTitle = chosen === undefined ? parent.reference : chosen === "" ? null : chosen;
  for (const file of filesOfLeaf(leaf, parent, referenceTitle)) {
    // A file that cannot be served fails in the page's own request, with its message.
    if (!file?.url) continue;
    loader.load(servedImage(file), { signal: preloading.signal }).catch(() => undefined);
  }
  return preloading;
}
