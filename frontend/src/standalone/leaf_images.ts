// What a leaf of the review tree shows, as image loader requests: its file and the group's
// reference (image B), or an error map's pair. The review page and the first image's preload
// (first_image.ts) both ask the loader through these, so their requests share one key and one load.

import type { ImageRequest } from "../loading/index.js";
import { fetchFile, type GroupNode, type ImageNode, type LeafNode, type ServedFile } from "./review_api.js";

/** A served file as a loader request: keyed by its versioned URL, named by its path in errors. */
export function servedImage(file: ServedFile): ImageRequest {
  return {
    key: file.url ?? file.path,
    name: file.path,
    download: async (signal) => ({ bytes: await fetchFile(file, signal) }),
  };
}

/** Images A and B of a leaf: its file and the reference titled `referenceTitle`, or an error map's pair. */
export function filesOfLeaf(leaf: LeafNode, parent: GroupNode, referenceTitle: string | null): [ServedFile, ServedFile | null] {
  if (leaf.type === "lossMap") return [leaf.imageA, leaf.imageB];
  const reference = parent.children.find((c): c is ImageNode => c.type === "image" && c.title === referenceTitle);
  return [leaf.file, reference?.file ?? null];
}

/** Whether `title` may be chosen as a group's reference: one of its images, or "" (none). */
export function isReferenceChoice(group: GroupNode, title: string): boolean {
  return title === "" || group.children.some((c) => c.type === "image" && c.title === title);
}
