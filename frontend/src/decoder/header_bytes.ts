// Facts read straight from an EXR file's header bytes, before OpenEXRCore parses them (or
// instead of asking it): the channel count of each part, whether anything is compressed, and
// whether a part is deep.

/** Mirrors EXRW_MAX_CHANNELS in exr_shim.c. */
export const MAX_CHANNELS_PER_PART = 1024;

/**
 * Refuses a file whose channel list is longer than `MAX_CHANNELS_PER_PART`, from its bytes.
 * OpenEXRCore inserts channels one by one into a sorted list, so parsing n channels costs n²:
 * 10 000 channels take seconds, 100 000 minutes, before the shim could refuse them. Anything this
 * scan does not understand is left to OpenEXRCore, which reports it.
 */
export function checkChannelCounts(bytes: Uint8Array): void {
  walkHeaders(bytes, (part, type, start, size) => {
    if (type !== "chlist") return;
    let count = 0;
    for (let at = start; at < start + size && bytes[at] !== 0; count++) {
      const end = bytes.indexOf(0, at);
      if (end < 0 || end >= start + size) break;
      at = end + 17; // name, then pixel type, pLinear, 3 reserved bytes, x/y sampling
    }
    if (count > MAX_CHANNELS_PER_PART) {
      throw new Error(
        `invalid OpenEXR file: part ${part} has ${count} channels (at most ${MAX_CHANNELS_PER_PART} are supported)`,
      );
    }
  });
}

/**
 * Whether every part of the file is stored uncompressed (read from its bytes, without the
 * decoder). Decoding those is a copy: splitting it over workers only adds copies (4K half RGBA:
 * 29 ms in one worker, 82 in two).
 */
export function isUncompressed(bytes: Uint8Array): boolean {
  let parts = 0;
  let uncompressed = 0;
  walkHeaders(bytes, (part, type, start, size) => {
    parts = Math.max(parts, part + 1);
    if (type === "compression" && size === 1 && bytes[start] === 0) uncompressed++;
  });
  return parts > 0 && uncompressed === parts;
}

/**
 * Whether a part of the file stores deep data (its `type` attribute says deepscanline or
 * deeptile). Deep parts are decoded whole by one worker, so such files are not split.
 */
export function hasDeepParts(bytes: Uint8Array): boolean {
  let deep = false;
  walkHeaders(bytes, (_part, type, start, size, name) => {
    if (name === "type" && type === "string" && size >= 4) {
      deep ||= String.fromCharCode(...bytes.subarray(start, start + Math.min(size, 12))).startsWith("deep");
    }
  });
  return deep;
}

/** What splits a single-part scanline file into row bands, read from its bytes (band_bytes.ts). */
export interface ScanlineLayout {
  /** Where the chunk table starts (right after the header) and how many entries it has. */
  tableAt: number;
  chunkCount: number;
  linesPerChunk: number;
  height: number;
  /** The largest y sampling of its channels. */
  ySampling: number;
}

/** Scan lines per chunk by compression code, as OpenEXRCore's exr_compression_lines_per_chunk. */
const LINES_PER_CHUNK = [1, 1, 1, 16, 32, 16, 32, 32, 32, 256, 256, 32, 256, 1];
/** Version flags of tiled, deep (non-image) and multipart files. */
const NOT_SINGLE_SCANLINE = 0x200 | 0x800 | 0x1000;

/**
 * The layout of a single-part scanline file, or null for any other file and for anything unusual
 * (a repeated or odd-sized attribute, `tiles`, a `type` other than scanlineimage): such files are
 * sent whole.
 */
export function scanlineLayout(bytes: Uint8Array): ScanlineLayout | null {
  if (bytes.length < 8 || (new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true) & NOT_SINGLE_SCANLINE)) {
    return null;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seen = new Map<string, number>();
  let linesPerChunk = 0;
  let height = 0;
  let ySampling = 0;
  let odd = false;
  const tableAt = walkHeaders(bytes, (_part, type, start, size, name) => {
    seen.set(name, (seen.get(name) ?? 0) + 1);
    if (name === "tiles") odd = true;
    else if (name === "type") odd ||= String.fromCharCode(...bytes.subarray(start, start + size)) !== "scanlineimage";
    else if (name === "compression") {
      if (type !== "compression" || size !== 1) odd = true;
      else linesPerChunk = LINES_PER_CHUNK[bytes[start]] ?? 0;
    } else if (name === "dataWindow") {
      if (type !== "box2i" || size !== 16) odd = true;
      else height = view.getInt32(start + 12, true) - view.getInt32(start + 4, true) + 1;
    } else if (name === "channels") {
      for (let at = start; at < start + size && bytes[at] !== 0; ) {
        const end = bytes.indexOf(0, at);
        if (end < 0 || end + 17 > start + size) return void (odd = true);
        ySampling = Math.max(ySampling, view.getInt32(end + 13, true));
        at = end + 17;
      }
    }
  });
  const once = ["compression", "dataWindow", "channels"].every((name) => seen.get(name) === 1);
  if (tableAt < 0 || odd || !once || linesPerChunk < 1 || ySampling < 1 || height < 1 || height > 1 << 20) return null;
  return { tableAt, chunkCount: Math.ceil(height / linesPerChunk), linesPerChunk, height, ySampling };
}

/**
 * Calls `visit` for each attribute of each part's header (part index, type name, value offset and
 * size), as far as the bytes make sense; anything it does not understand ends the walk quietly and
 * is left to OpenEXRCore, which reports it. Returns where the headers end (the first chunk table),
 * or -1 when the walk ended early.
 */
function walkHeaders(
  bytes: Uint8Array,
  visit: (part: number, type: string, start: number, size: number, name: string) => void,
): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) return -1;
  const multipart = (view.getUint32(4, true) & 0x1000) !== 0;
  const nameEnd = (at: number): number => {
    const end = bytes.indexOf(0, at);
    return end < 0 || end - at > 255 ? -1 : end;
  };
  let pos = 8;
  for (let part = 0; ; part++) {
    let attributes = 0;
    while (pos < bytes.length && bytes[pos] !== 0) {
      const nameStop = nameEnd(pos);
      const typeStop = nameStop < 0 ? -1 : nameEnd(nameStop + 1);
      if (typeStop < 0 || typeStop + 5 > bytes.length) return -1;
      const size = view.getInt32(typeStop + 1, true);
      const start = typeStop + 5;
      if (size < 0 || start + size > bytes.length) return -1;
      const name = String.fromCharCode(...bytes.subarray(pos, nameStop));
      visit(part, String.fromCharCode(...bytes.subarray(nameStop + 1, typeStop)), start, size, name);
      attributes++;
      pos = start + size;
    }
    pos++;
    if (pos > bytes.length) return -1;
    if (!multipart || attributes === 0) return pos;
    if (pos >= bytes.length) return -1;
    if (bytes[pos] === 0) return pos + 1;
  }
}
