// Viridis (perceptually uniform, colour-blind safe), as nine evenly spaced sRGB anchors of
// matplotlib's published map, linearly interpolated into a 256-entry table. The shader samples the
// table as a texture and the legend draws the same table, so both always agree.

const VIRIDIS_ANCHORS: ReadonlyArray<readonly [number, number, number]> = [
  [0x44, 0x01, 0x54],
  [0x47, 0x2c, 0x7a],
  [0x3b, 0x51, 0x8b],
  [0x2c, 0x71, 0x8e],
  [0x21, 0x90, 0x8d],
  [0x27, 0xad, 0x81],
  [0x5c, 0xc8, 0x63],
  [0xaa, 0xdc, 0x32],
  [0xfd, 0xe7, 0x25],
];

export const COLORMAP_SIZE = 256;

/** RGBA8 table of COLORMAP_SIZE entries. */
export function viridisTable(): Uint8Array {
  const table = new Uint8Array(COLORMAP_SIZE * 4);
  const last = VIRIDIS_ANCHORS.length - 1;
  for (let i = 0; i < COLORMAP_SIZE; i++) {
    const x = (i / (COLORMAP_SIZE - 1)) * last;
    const k = Math.min(Math.floor(x), last - 1);
    const f = x - k;
    const lo = VIRIDIS_ANCHORS[k]!;
    const hi = VIRIDIS_ANCHORS[k + 1]!;
    for (let c = 0; c < 3; c++) table[i * 4 + c] = Math.round(lo[c]! + (hi[c]! - lo[c]!) * f);
    table[i * 4 + 3] = 255;
  }
  return table;
}
