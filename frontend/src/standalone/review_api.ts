// Typed client of the review server (tensorboard_exr/standalone/app.py, docs/standalone.md).
// URLs are relative to the page so the server also works behind a path-prefixing proxy.

import { type JobProgress, untilJobDone } from "../api.js";

export interface ServedFile {
  /** Path relative to the served folder (or as written in the config when refused). */
  path: string;
  /** Page-relative URL carrying the file's version; absent when the file cannot be served. */
  url?: string;
  size?: number;
  /** Why the file cannot be served (missing, outside the folder, a URL ...). */
  error?: string;
}

interface NodeBase {
  /** Titles from the root down joined by "/", unique in the tree; the root's is "". */
  id: string;
  title: string;
}

export interface GroupNode extends NodeBase {
  type: "group";
  /** Title of the member that is the default reference (image B) of the error metrics. */
  reference: string | null;
  children: TreeNode[];
}

export interface ImageNode extends NodeBase {
  type: "image";
  tonemapGroup: string;
  file: ServedFile;
}

export interface LossMapNode extends NodeBase {
  type: "lossMap";
  tonemapGroup: string;
  /** The viewer's metric id (e.g. "l1"); may name one the viewer lacks (JERI's "ssim"). */
  metric: string;
  imageA: ServedFile;
  imageB: ServedFile;
}

export type LeafNode = ImageNode | LossMapNode;
export type TreeNode = GroupNode | LeafNode;

export interface ReviewTree {
  source: "folder" | "config" | "image";
  title: string;
  root: GroupNode;
  warnings: string[];
}

/** An HTTP failure with the server's own message (its JSON `error`) when there is one. */
export class ReviewApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function fetchTree(signal?: AbortSignal): Promise<ReviewTree> {
  const response = await fetch("api/tree", { signal: signal ?? null, cache: "no-store" });
  if (!response.ok) throw await apiError(response, "api/tree");
  return (await response.json()) as ReviewTree;
}

/** The original bytes of a served file. */
export async function fetchFile(file: ServedFile, signal?: AbortSignal): Promise<ArrayBuffer> {
  if (!file.url) throw new ReviewApiError(file.error ?? `${file.path} cannot be served`, 0);
  const response = await fetch(file.url, { signal: signal ?? null });
  if (!response.ok) throw await apiError(response, file.path);
  return response.arrayBuffer();
}

/**
 * The server's FLIP map of `test` against `reference` (`api/flip`): a single-channel float EXR
 * and its mean. The server computes it in a background job; `onProgress` gets the job's status
 * while it does, and aborting stops asking (the server then cancels the job).
 */
export async function fetchFlip(
  test: ServedFile,
  reference: ServedFile,
  mode: "ldr" | "hdr",
  signal?: AbortSignal,
  onProgress?: JobProgress,
): Promise<{ bytes: ArrayBuffer; mean: number }> {
  const url = `api/flip?${new URLSearchParams({ a: test.path, b: reference.path, mode })}`;
  const response = await untilJobDone(() => fetch(url, { signal: signal ?? null }), signal, onProgress);
  if (!response.ok) throw await apiError(response, `FLIP of ${test.path} against ${reference.path}`);
  return { bytes: await response.arrayBuffer(), mean: Number(response.headers.get("X-Flip-Mean")) };
}

async function apiError(response: Response, what: string): Promise<ReviewApiError> {
  let detail = response.statusText;
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === "string") detail = body.error;
  } catch {
    // Not JSON (a proxy's error page): the status text says enough.
  }
  return new ReviewApiError(`${what}: HTTP ${response.status}: ${detail}`, response.status);
}

/** Every leaf of a tree in display order, with the group it belongs to. */
export function leavesOf(root: GroupNode): Array<{ leaf: LeafNode; parent: GroupNode }> {
  const out: Array<{ leaf: LeafNode; parent: GroupNode }> = [];
  const visit = (group: GroupNode): void => {
    for (const child of group.children) {
      if (child.type === "group") visit(child);
      else out.push({ leaf: child, parent: group });
    }
  };
  visit(root);
  return out;
}
