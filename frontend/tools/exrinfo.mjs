#!/usr/bin/env node
// exrinfo: what is in an EXR file, decoded by the same WebAssembly module the browser uses.
//
// Usage: node tools/exrinfo.mjs [--header-only] [--static DIR] FILE...
//
// Prints JSON: per part the storage, compression, windows, attributes and channels; per channel
// (unless --header-only) min/max/mean over finite values, NaN and Inf counts, and the sha256 of
// the channel as little-endian float32 (half widened exactly, uint rounded to float32), which the
// tests compare with the OpenEXR Python package. Needs the built decoder (node build.mjs).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { defaultStaticDir, loadCore, loadDecoderApi } from "./decoder_node.mjs";

const HALF_TO_FLOAT = (() => {
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) table[h] = (sign ? -1 : 1) * mant * 2 ** -24;
    else if (exp === 31) bits[h] = sign | 0x7f800000 | (mant << 13);
    else bits[h] = sign | ((exp + 112) << 23) | (mant << 13);
  }
  return table;
})();

/** The channel as float32 values (exact for half and float). */
export function asFloat32(channel) {
  if (channel.pixelType === "float") return channel.data;
  if (channel.pixelType === "half") {
    const out = new Float32Array(channel.data.length);
    for (let i = 0; i < out.length; i++) out[i] = HALF_TO_FLOAT[channel.data[i]];
    return out;
  }
  return Float32Array.from(channel.data);
}

/** min/max/mean over finite values, NaN/Inf counts, sha256 of the float32 plane. */
export function channelStatistics(channel) {
  const values = asFloat32(channel);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let finite = 0;
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity || v === -Infinity) inf++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      finite++;
    }
  }
  const sha256 = createHash("sha256")
    .update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
    .digest("hex");
  return {
    min: finite ? min : null,
    max: finite ? max : null,
    mean: finite ? sum / finite : null,
    nan,
    inf,
    sha256,
  };
}

export async function exrinfo(path, { headerOnly = false, staticDir = defaultStaticDir } = {}) {
  const api = await loadDecoderApi();
  const core = await loadCore(staticDir);
  const bytes = new Uint8Array(readFileSync(path));
  if (headerOnly) {
    const header = api.readHeaderInProcess(core, bytes);
    return { file: path, ...header };
  }
  const image = api.decodeInProcess(core, bytes);
  return {
    file: path,
    byteLength: image.byteLength,
    parts: image.parts.map(({ deep, ...part }) => ({
      ...part,
      channels: part.channels.map(({ data, ...info }) => ({ ...info, ...channelStatistics({ ...info, data }) })),
      // Deep parts: the channels above are the flattened picture; the samples are summed up.
      ...(deep && { deep: { sampleCount: deep.sampleCount, countChannel: deep.countChannel } }),
    })),
  };
}

/** JSON has no Infinity or NaN: attribute values print them as strings (statistics keep null). */
function keepNonFiniteAttributes(key, value) {
  if (key !== "attributes") return value;
  return JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)));
}

async function main(argv) {
  const files = [];
  let headerOnly = false;
  let staticDir = defaultStaticDir;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--header-only") headerOnly = true;
    else if (argv[i] === "--static") staticDir = argv[++i];
    else if (argv[i] === "-h" || argv[i] === "--help") {
      console.log("usage: node tools/exrinfo.mjs [--header-only] [--static DIR] FILE...");
      return 0;
    } else files.push(argv[i]);
  }
  if (files.length === 0) {
    console.error("usage: node tools/exrinfo.mjs [--header-only] [--static DIR] FILE...");
    return 2;
  }
  let status = 0;
  const results = [];
  for (const file of files) {
    try {
      results.push(await exrinfo(file, { headerOnly, staticDir }));
    } catch (e) {
      results.push({ file, error: e instanceof Error ? e.message : String(e) });
      status = 1;
    }
  }
  console.log(JSON.stringify(files.length === 1 ? results[0] : results, keepNonFiniteAttributes, 2));
  return status;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
