// A small ZIP-compressed EXR made on the spot, for a worker to decode while the page waits for its
// first image. V8 first runs wasm as baseline code and compiles a function with its optimising
// compiler only once the function has run for a while; decoding this file (the default codec of
// the writer) gets inflate and the unpacking loops optimised before the real file arrives, and
// every worker uses that code (they share the page's compiled module). Nothing is shipped for
// it: the pixels are made here and compressed with the browser's own deflate (CompressionStream).

const WIDTH = 512;
const HEIGHT = 128;
const LINES_PER_CHUNK = 16; // ZIP
const CHANNELS = ["B", "G", "R"]; // half; a channel list is sorted by name

/** The file's bytes, or null where CompressionStream is missing. */
export async function warmUpImage(): Promise<Uint8Array | null> {
  if (typeof CompressionStream === "undefined") return null;
  const chunkBytes = WIDTH * LINES_PER_CHUNK * CHANNELS.length * 2;
  const chunks: Uint8Array[] = [];
  for (let y = 0; y < HEIGHT; y += LINES_PER_CHUNK) chunks.push(await zlib(chunkContent(y, chunkBytes)));
  const header = headerBytes();
  const tableBytes = 8 * chunks.length;
  const total = header.length + tableBytes + chunks.reduce((sum, c) => sum + 8 + c.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(header, 0);
  let at = header.length + tableBytes;
  chunks.forEach((data, i) => {
    view.setBigUint64(header.length + 8 * i, BigInt(at), true);
    view.setInt32(at, i * LINES_PER_CHUNK, true);
    view.setInt32(at + 4, data.length, true);
    out.set(data, at + 8);
    at += 8 + data.length;
  });
  return out;
}

/** What ZIP stores before deflate (OpenEXR's byte split and delta): here smooth bytes with some
 * noise, so that deflate uses dynamic Huffman codes and matches, as in real frames. */
function chunkContent(y: number, length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  let seed = 0x9e3779b9 ^ y;
  for (let i = 0; i < length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    bytes[i] = (i < length / 2 ? (i >> 9) & 0x3f : 0) + (seed >>> 29);
  }
  return bytes;
}

async function zlib(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function headerBytes(): Uint8Array {
  const parts: number[] = [0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0];
  const text = (s: string) => parts.push(...Array.from(s, (c) => c.charCodeAt(0)), 0);
  const i32 = (v: number) => parts.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  const f32 = (v: number) => parts.push(...new Uint8Array(new Float32Array([v]).buffer));
  const attribute = (name: string, type: string, size: number, write: () => void) => {
    text(name);
    text(type);
    i32(size);
    write();
  };
  attribute("channels", "chlist", CHANNELS.length * 18 + 1, () => {
    for (const name of CHANNELS) {
      text(name);
      i32(1); // HALF
      parts.push(0, 0, 0, 0); // pLinear, reserved
      i32(1);
      i32(1);
    }
    parts.push(0);
  });
  attribute("compression", "compression", 1, () => parts.push(3)); // ZIP
  const box = () => [0, 0, WIDTH - 1, HEIGHT - 1].forEach(i32);
  attribute("dataWindow", "box2i", 16, box);
  attribute("displayWindow", "box2i", 16, box);
  attribute("lineOrder", "lineOrder", 1, () => parts.push(0));
  attribute("pixelAspectRatio", "float", 4, () => f32(1));
  attribute("screenWindowCenter", "v2f", 8, () => (f32(0), f32(0)));
  attribute("screenWindowWidth", "float", 4, () => f32(1));
  parts.push(0);
  return new Uint8Array(parts);
}
