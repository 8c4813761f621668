// When the decoder's parts started and finished, for benchmarks and the status line
// (bench/bench_cold_start.py reads them through window.__exrDecoderPool).

/**
 * Milliseconds since the Unix epoch at sub-millisecond resolution: performance.timeOrigin +
 * performance.now(), so that times taken in the page and in its workers can be compared.
 */
export function epochNow(): number {
  if (typeof performance === "undefined") return Date.now();
  return performance.timeOrigin + performance.now();
}

/** A worker's start-up (epoch milliseconds; undefined until it happened). */
export interface WorkerStartup {
  /** The pool created the worker. */
  spawnedAt: number;
  /** The worker's script began to run. */
  scriptAt?: number;
  /** Its WebAssembly instance was ready. */
  coreReadyAt?: number;
}

/** A worker says its script runs or its wasm instance is ready (not an answer to a request). */
export interface WorkerEvent {
  kind: "started" | "core-ready";
  at: number;
}

export function isWorkerEvent(message: unknown): message is WorkerEvent {
  const kind = (message as { kind?: unknown } | null)?.kind;
  return kind === "started" || kind === "core-ready";
}
