// The dashboard's images as ImageLoader requests: a logged step of a run/tag (from the `exr`
// route, or its content-addressed URL when the steps route gave one), and the server's FLIP map
// of a step against a reference (`flip` route, its mean kept with the image).

import type { JobProgress, PluginApi } from "../api.js";
import type { Download, ImageRequest } from "../loading/index.js";

export interface StepKey {
  run: string;
  tag: string;
  step: number;
  /** The step's content-addressed URL from the steps route, when known. */
  url?: string;
  /** A reason the server gave for this step being unavailable. */
  error?: string;
}

export interface StepImage extends ImageRequest {
  readonly run: string;
  readonly tag: string;
  readonly step: number;
}

export function stepKeyId(key: { run: string; tag: string; step: number }): string {
  return JSON.stringify([key.run, key.tag, key.step]);
}

export function stepImage(api: PluginApi, key: StepKey): StepImage {
  const { run, tag, step, url, error } = key;
  return {
    key: stepKeyId(key),
    run,
    tag,
    step,
    download: async (signal, onProgress): Promise<Download> => {
      if (error) throw new Error(error);
      return { bytes: await api.exr(run, tag, step, { signal, onProgress, ...(url ? { url } : {}) }) };
    },
  };
}

export interface FlipPair {
  run: string;
  tag: string;
  refRun: string;
  refTag: string;
  step: number;
}

export type FlipMode = "ldr" | "hdr";

export interface FlipImage extends ImageRequest {
  readonly pair: FlipPair;
  readonly mode: FlipMode;
}

/**
 * The FLIP map of `pair`; the loaded image's `info.mean` is the mean FLIP the server reported.
 * `onJob` gets the server's job status while it computes the map.
 */
export function flipImage(api: PluginApi, pair: FlipPair, mode: FlipMode, onJob?: JobProgress): FlipImage {
  return {
    pair,
    mode,
    key: JSON.stringify(["flip", mode, pair.run, pair.tag, pair.refRun, pair.refTag, pair.step]),
    download: async (signal): Promise<Download> => {
      const { bytes, mean } = await api.flip(pair, mode, signal, onJob);
      return { bytes, info: { mean: String(mean) } };
    },
  };
}
