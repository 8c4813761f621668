// Decodes files with two wasm builds and checks that they agree bit for bit, on the files as
// they are and on mutants (seeded bit flips in the chunk payloads, the tests' flipPayload, so
// that the codecs decode damaged data rather than the header refusing it): the same planes, or
// the same error. For a change to the decoder's C sources that must not change any result, e.g.
//   node tools/compare_builds.mjs --dir /tmp/old --dir /tmp/new --mutants 200 FILE...
// (build each tree's wasm with `bash src/decoder/build_wasm.sh DIR`).
import { readFileSync } from "node:fs";
import { flipPayload, prng } from "../test/fixtures/mutate.mjs";
import { loadCore, loadDecoderApi } from "./decoder_node.mjs";

const argv = process.argv.slice(2);
const dirs = [];
const files = [];
let mutants = 0;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--dir") dirs.push(argv[++i]);
  else if (argv[i] === "--mutants") mutants = Number(argv[++i]);
  else files.push(argv[i]);
}
if (dirs.length !== 2 || files.length === 0) {
  console.error("usage: compare_builds.mjs --dir OLD --dir NEW [--mutants N] FILE...");
  process.exit(2);
}

const { decodeInProcess } = await loadDecoderApi();

/** A fresh instance per call after a failure, as the worker does after a trap. */
class Decoder {
  constructor(dir) {
    this.dir = dir;
  }
  async outcome(bytes) {
    this.core ??= await loadCore(this.dir);
    try {
      const image = decodeInProcess(this.core, bytes);
      return { planes: image.parts.flatMap((p) => p.channels.map((c) => Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength))) };
    } catch (error) {
      if (!/^(invalid|cannot decode|not an OpenEXR|image too large|part \d)/.test(String(error.message))) this.core = undefined;
      return { error: String(error.message) };
    }
  }
}

function same(a, b) {
  if (a.error !== undefined || b.error !== undefined) return a.error === b.error;
  return a.planes.length === b.planes.length && a.planes.every((p, i) => p.equals(b.planes[i]));
}

const [oldDecoder, newDecoder] = dirs.map((d) => new Decoder(d));
let failures = 0;
for (const file of files) {
  const bytes = new Uint8Array(readFileSync(file));
  const rng = prng(0x5eed);
  let errors = 0;
  for (let m = 0; m <= mutants; m++) {
    const input = m === 0 ? bytes : flipPayload(bytes, rng);
    const [a, b] = [await oldDecoder.outcome(input), await newDecoder.outcome(input)];
    if (a.error !== undefined) errors++;
    if (!same(a, b)) {
      failures++;
      console.log(`DIFFERENT ${file} ${m === 0 ? "as is" : `mutant ${m}`}: ${a.error ?? "planes"} / ${b.error ?? "planes"}`);
    }
  }
  console.log(`${file}: ${mutants + 1} inputs compared, ${errors} refused by both`);
}
process.exit(failures ? 1 : 0);
