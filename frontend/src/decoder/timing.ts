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
  /** It decoded the warm-up file (worker_service.ts, exercise) from ... to. */
  exerciseAt?: number;
  exercisedAt?: number;
}

/** A worker says its script runs or its wasm instance is ready (not an answer to a request). */
export interface WorkerEvent {
  kind: "started" | "core-ready" | "exercise" | "exercised";
  at: number;
}

const EVENT_KINDS = new Set(["started", "core-ready", "exercise", "exercised"]);

export function isWorkerEvent(message: unknown): message is WorkerEvent {
  return EVENT_KINDS.has((message as { kind?: unknown } | null)?.kind as string);
}

/** Notes a worker's event in its start-up record. */
export function recordEvent(startup: WorkerStartup, event: WorkerEvent): void {
  if (event.kind === "started") startup.scriptAt = event.at;
  else if (event.kind === "core-ready") startup.coreReadyAt ??= event.at;
  else if (event.kind === "exercise") startup.exerciseAt = event.at;
  else startup.exercisedAt = event.at;
}
