// Text chunks in a PNG (PNG spec §11.3.4): what a saved view was (run, tag, step, exposure,
// metric …), readable by any PNG tool (Pillow's `Image.text`, exiftool). Latin-1 text goes into
// tEXt chunks, anything else into uncompressed iTXt (UTF-8), placed right after IHDR.

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

let crcTable: Uint32Array | null = null;

/** CRC-32 of PNG chunks (ISO 3309, as zlib computes it). */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const isLatin1 = (text: string): boolean => [...text].every((c) => c.charCodeAt(0) <= 0xff && c.length === 1);
const latin1 = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/** The chunk of one keyword (1–79 Latin-1 characters, no NUL) and its text. */
export function textChunk(keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword)) throw new Error(`PNG text keyword ${JSON.stringify(keyword)} is not 1–79 Latin-1 characters`);
  if (isLatin1(text) && !text.includes("\0")) return chunk("tEXt", Uint8Array.from([...latin1(keyword), 0, ...latin1(text)]));
  // keyword, NUL, no compression (0, 0), empty language tag and translated keyword, UTF-8 text
  return chunk("iTXt", Uint8Array.from([...latin1(keyword), 0, 0, 0, 0, 0, ...new TextEncoder().encode(text)]));
}

/** `png` with a text chunk per entry inserted after its IHDR chunk. */
export function withTextChunks(png: Uint8Array, entries: ReadonlyArray<[string, string]>): Uint8Array {
  if (!SIGNATURE.every((b, i) => png[i] === b)) throw new Error("not a PNG");
  const ihdrEnd = 8 + 12 + new DataView(png.buffer, png.byteOffset).getUint32(8);
  const chunks = entries.map(([keyword, text]) => textChunk(keyword, text));
  const out = new Uint8Array(png.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(png.subarray(0, ihdrEnd), 0);
  let at = ihdrEnd;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  out.set(png.subarray(ihdrEnd), at);
  return out;
}
