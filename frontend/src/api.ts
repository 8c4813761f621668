// Typed client of the plugin's HTTP routes (tensorboard_exr/http_api.md). URLs are relative so
// they resolve under the iframe's <base href="plugin/exr/">, whatever TensorBoard's path prefix.

/** Metadata of one tag in one run, as the `tags` route lists it. */
export interface TagInfo {
  group?: string | null;
  role?: string | null;
  description?: string | null;
  [key: string]: unknown;
}

export type TagsByRun = Record<string, Record<string, TagInfo>>;

export interface StepInfo {
  step: number;
  wall_time: number;
  /** Size of the EXR in bytes, when the server knows it. */
  size?: number;
  /** Content-addressed URL of the bytes (cacheable forever), relative to the plugin. */
  url?: string;
  /** Why this step cannot be shown, when the server already knows. */
  error?: string;
  [key: string]: unknown;
}

/** Mean errors of an image against its reference at one step (`error_steps` route). */
export interface StepErrors {
  step: number;
  mse?: number;
  relmse?: number;
  /** Mean FLIP, present once the server has computed that step's FLIP map (`flip` route). */
  flip_ldr?: number;
  flip_hdr?: number;
  /** Pixel-channel terms left out of the means because they were not finite. */
  nonfinite?: number;
  /** Why this step could not be compared (e.g. sizes differ). */
  error?: string;
}

/**
 * A server-side metric still computing: the body of a `202 Accepted` (http_api.md, "Background
 * jobs"). The client asks again with the same URL after `retry_after` seconds.
 */
export interface JobStatus {
  job: number;
  metric: string;
  state: "queued" | "running";
  /** What the job does now, e.g. "computing FLIP" or "measuring step 40 (3 of 12)". */
  phase: string;
  /** Estimated fraction done, 0–1. */
  progress: number;
  /** Seconds since the job was created. */
  elapsed: number;
  /** Jobs ahead of this one while it waits for a free slot (0: next); null once it runs. */
  queue_position: number | null;
  retry_after: number;
  /** `error_steps` only: steps measured so far, of `total`, and their entries. */
  done?: number;
  total?: number;
  entries?: StepErrors[];
}

export type JobProgress = (status: JobStatus) => void;

export interface Progress {
  received: number;
  /** Total bytes, or null when the server sent no Content-Length. */
  total: number | null;
}

/** An HTTP or network failure, with the server's own message when it sent one. */
export class ApiError extends Error {
  constructor(message: string, readonly status: number | null) {
    super(message);
    this.name = "ApiError";
  }
}

export class PluginApi {
  constructor(private readonly base = "./") {}

  tags(signal?: AbortSignal): Promise<TagsByRun> {
    return this.json<TagsByRun>("tags", signal);
  }

  steps(run: string, tag: string, signal?: AbortSignal): Promise<StepInfo[]> {
    return this.json<StepInfo[]>(`steps?${new URLSearchParams({ run, tag })}`, signal);
  }

  /**
   * Mean errors of (run, tag) against (refRun, refTag) at every step both have; relMSE with
   * `epsilon` (null: the server's default, RSE's 0.01). The server measures new pairs in a
   * background job: `onProgress` gets its status (with the entries measured so far) each time it
   * is asked, about once a second, until the whole list arrives.
   */
  async errorSteps(
    run: string,
    tag: string,
    refRun: string,
    refTag: string,
    signal?: AbortSignal,
    onProgress?: JobProgress,
    epsilon: number | null = null,
  ): Promise<StepErrors[]> {
    const query = new URLSearchParams({ run, tag, ref_run: refRun, ref_tag: refTag });
    if (epsilon !== null) query.set("epsilon", String(epsilon));
    const response = await this.jobResult(`error_steps?${query}`, signal, onProgress);
    return (await response.json()) as StepErrors[];
  }

  /**
   * NVIDIA FLIP map of (run, tag) against (refRun, refTag) at `step`, computed by the server with
   * flip-evaluator: a single-channel float EXR, and the mean FLIP the server reported. An
   * uncached map takes seconds to minutes: `onProgress` gets the job's status meanwhile. Aborting
   * stops the polling, and the server cancels a job nobody asks for.
   */
  async flip(
    pair: { run: string; tag: string; refRun: string; refTag: string; step: number },
    mode: "ldr" | "hdr",
    signal?: AbortSignal,
    onProgress?: JobProgress,
  ): Promise<{ bytes: ArrayBuffer; mean: number }> {
    const query = new URLSearchParams({
      run: pair.run,
      tag: pair.tag,
      step: String(pair.step),
      ref_run: pair.refRun,
      ref_tag: pair.refTag,
      mode,
    });
    const response = await this.jobResult(`flip?${query}`, signal, onProgress);
    return { bytes: await response.arrayBuffer(), mean: Number(response.headers.get("X-Flip-Mean")) };
  }

  exrUrl(run: string, tag: string, step: number): string {
    return `${this.base}exr?${new URLSearchParams({ run, tag, step: String(step) })}`;
  }

  /** Downloads the original EXR bytes of one step, reporting progress as chunks arrive. */
  async exr(
    run: string,
    tag: string,
    step: number,
    options: { signal?: AbortSignal; onProgress?: (p: Progress) => void; url?: string } = {},
  ): Promise<ArrayBuffer> {
    const path = options.url ?? this.exrUrl(run, tag, step).slice(this.base.length);
    const response = await this.fetch(path, options.signal);
    const length = response.headers.get("Content-Length");
    const total = length === null ? null : Number(length);
    if (!response.body || !options.onProgress) return response.arrayBuffer();
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    options.onProgress({ received, total });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      options.onProgress({ received, total });
    }
    const bytes = new Uint8Array(received);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return bytes.buffer;
  }

  private jobResult(path: string, signal?: AbortSignal, onProgress?: JobProgress): Promise<Response> {
    return untilJobDone(() => this.fetch(path, signal), signal, onProgress);
  }

  private async json<T>(path: string, signal?: AbortSignal): Promise<T> {
    const response = await this.fetch(path, signal);
    return (await response.json()) as T;
  }

  private async fetch(path: string, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.base + path, signal ? { signal } : {});
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new ApiError(`network error fetching ${path}: ${String(error)}`, null);
    }
    if (!response.ok) throw new ApiError(await errorText(response), response.status);
    return response;
  }
}

/**
 * Asks a background-job route (`request` fetches it once) until it answers something other than
 * 202, waiting each 202's Retry-After in between; `onProgress` gets each 202's job status.
 */
export async function untilJobDone(
  request: () => Promise<Response>,
  signal?: AbortSignal,
  onProgress?: JobProgress,
): Promise<Response> {
  for (;;) {
    const response = await request();
    if (response.status !== 202) return response;
    const status = (await response.json()) as JobStatus;
    onProgress?.(status);
    const seconds = Number(response.headers.get("Retry-After") ?? status.retry_after);
    await delay(1000 * (Number.isFinite(seconds) && seconds > 0 ? seconds : 1), signal);
  }
}

/** Resolves after `ms`, or rejects with the AbortError of `signal`. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DOMException("aborted", "AbortError"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = (): void => {
      clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}

async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = body.error ?? body.message;
    if (typeof message === "string") return message;
    if (message && typeof message === "object" && "message" in message) return String(message.message);
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.trim() || `HTTP ${response.status} ${response.statusText}`;
}
