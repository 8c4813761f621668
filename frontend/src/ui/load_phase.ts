// A load's phase as the status line says it: "loading…", "downloading 1.2 / 3.4 MiB",
// "decoding 3.4 MiB…".

import type { LoadPhase } from "../loading/index.js";

export function describePhase(phase: LoadPhase): string {
  if (phase.kind === "queued") return "loading…";
  if (phase.kind === "decode") return `decoding ${formatBytes(phase.bytes)}…`;
  const { received, total } = phase.progress;
  return `downloading ${formatBytes(received)}` + (total !== null ? ` / ${formatBytes(total)}` : "");
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
