// The bytes of a file that each band's worker needs: the header and chunk table, then the chunks
// of its rows. Without SharedArrayBuffer every worker gets its own copy of the file, and moving a
// whole 4K float file (94 MB) took ~12 ms on the page's thread for the copy, then 13-18 ms in
// each worker to put it into the wasm heap, before any decoding. With two bands each worker
// needs about half of it. Only single-part scanline files whose chunk table is intact are split
// this way; any other file goes whole to every worker, as before.
//
// A worker puts the pieces at their offsets in a heap buffer as long as the file, and OpenEXRCore
// reads nothing else there: the header, the whole chunk table (every entry inside the file, so it
// rebuilds no table by scanning chunks), and the leader and packed data of the chunks of its rows.

import { bandRows } from "./bands";
import type { ExrHeader } from "./types";
import { type ScanlineLayout, scanlineLayout } from "./header_bytes";

/** `length` bytes of the file at offset `at`, found at offset `from` of the buffer sent. */
export interface ByteRange {
  at: number;
  length: number;
  from: number;
}

/** The file as one band's worker gets it: the ranges it needs, and what they were chosen from. */
export interface FilePieces {
  byteLength: number;
  ranges: ByteRange[];
  layout: ScanlineLayout;
}

/**
 * For each of `bandCount` bands, the ranges of the file it needs (`from` = `at`: offsets in the
 * whole file); null when the file must go whole to every worker.
 */
export function bandByteRanges(bytes: Uint8Array, bandCount: number): { layout: ScanlineLayout; bands: ByteRange[][] } | null {
  const layout = scanlineLayout(bytes);
  if (!layout) return null;
  const tableEnd = layout.tableAt + 8 * layout.chunkCount;
  if (tableEnd > bytes.length) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < layout.chunkCount; i++) {
    const at = view.getBigUint64(layout.tableAt + 8 * i, true);
    // What OpenEXRCore would take for an incomplete table (it then scans the file for chunks).
    if (at < BigInt(tableEnd) || at + 8n > BigInt(bytes.length)) return null;
    const offset = Number(at);
    const size = view.getInt32(offset + 4, true); // the leader: y, then the packed size
    if (size < 0 || offset + 8 + size > bytes.length) return null;
    starts.push(offset);
    ends.push(offset + 8 + size);
  }
  const part = { height: layout.height, linesPerChunk: layout.linesPerChunk, channels: [{ ySampling: layout.ySampling }] };
  const bands = Array.from({ length: bandCount }, (_, band) => {
    const [begin, end] = bandRows(part, band, bandCount);
    let low = Infinity;
    let high = 0;
    for (let c = Math.floor(begin / layout.linesPerChunk); c < Math.ceil(end / layout.linesPerChunk); c++) {
      low = Math.min(low, starts[c]);
      high = Math.max(high, ends[c]);
    }
    if (high <= low) return [{ at: 0, length: tableEnd, from: 0 }];
    if (low <= tableEnd) return [{ at: 0, length: Math.max(high, tableEnd), from: 0 }];
    return [
      { at: 0, length: tableEnd, from: 0 },
      { at: low, length: high - low, from: low },
    ];
  });
  return { layout, bands };
}

/** Bytes the ranges hold. */
export function rangesLength(ranges: readonly ByteRange[]): number {
  return ranges.reduce((n, r) => n + r.length, 0);
}

/**
 * Refuses pieces whose layout is not the one OpenEXRCore read from the header (it should never
 * happen: the header bytes are the same), since the band would then read bytes it did not get.
 */
export function checkPieces(header: ExrHeader, pieces: FilePieces): void {
  const part = header.parts.length === 1 ? header.parts[0] : null;
  const layout = pieces.layout;
  const same =
    part !== null &&
    part.storage === "scanline" &&
    part.linesPerChunk === layout.linesPerChunk &&
    part.height === layout.height &&
    Math.max(1, ...part.channels.map((c) => c.ySampling)) === layout.ySampling;
  if (!same) throw new Error("internal error: the file's bands were cut from a header read differently");
}
