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

/**
 * Calls `visit` for each attribute of each part's header (part index, type name, value offset and
 * size), as far as the bytes make sense; anything it does not understand ends the walk quietly and
 * is left to OpenEXRCore, which reports it.
 */
function walkHeaders(
  bytes: Uint8Array,
  visit: (part: number, type: string, start: number, size: number, name: string) => void,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) return;
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
      if (typeStop < 0 || typeStop + 5 > bytes.length) return;
      const size = view.getInt32(typeStop + 1, true);
      const start = typeStop + 5;
      if (size < 0 || start + size > bytes.length) return;
      const name = String.fromCharCode(...bytes.subarray(pos, nameStop));
      visit(part, String.fromCharCode(...bytes.subarray(nameStop + 1, typeStop)), start, size, name);
      attributes++;
      pos = start + size;
    }
    pos++;
    if (!multipart || attributes === 0 || pos >= bytes.length || bytes[pos] === 0) return;
  }
}
