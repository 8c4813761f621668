// What the single-file decode benchmarks (bench_yc.mjs, bench_deep.mjs) share: their
// `--size WxH --repeats N` arguments, the repository's Python, and the best of their repeats.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The project's venv Python (scripts/setup.sh), else the system's. */
export const python = existsSync(join(repo, ".venv/bin/python")) ? join(repo, ".venv/bin/python") : "python3";

/** `--size WxH` (default 1920x1080) and `--repeats N` (default 5) from the command line. */
export function sizeAndRepeats(argv = process.argv.slice(2)) {
  const args = { size: "1920x1080", repeats: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === "--size") args.size = argv[i + 1];
    else if (argv[i] === "--repeats") args.repeats = Number(argv[i + 1]);
  }
  return args;
}

export const best = (xs) => Math.min(...xs);
