// Calls rgba_yca.c (compiled into exr_core.wasm): RGB from luminance/chroma planes exactly as
// OpenEXR's RgbaInputFile reads them. In C because the reconstruction is float32 arithmetic the C++
// library's way: emulated in JS (Math.fround after every operation) it took 3-6x longer than the
// C++ library's whole read of the file (bench/bench_yc.mjs).

import type { ExrCoreModule } from "./core_binding";

/** The luminance/chroma planes of one image (its data window's size, both dimensions even). */
export interface YcaPlanes {
  width: number;
  height: number;
  /** Y as half bits, width x height. */
  luminance: Uint16Array;
  /** RY and BY samples as half bits, (width / 2) x (height / 2): one per 2x2 block. */
  ry: Uint16Array;
  by: Uint16Array;
  /** RgbaYca::computeYw of the file's chromaticities (chromaticities.ts luminanceWeights). */
  weights: readonly [number, number, number];
}

/** R, G, B as half bits over the data window. */
export interface RgbPlanes {
  r: Uint16Array;
  g: Uint16Array;
  b: Uint16Array;
}

/** Writes RgbaInputFile's RGB of a luminance/chroma image into `out` (width x height each). */
export function reconstructRgb(core: ExrCoreModule, planes: YcaPlanes, out: RgbPlanes): void {
  const { width, height } = planes;
  const pixels = width * height;
  const samples = pixels / 4;
  // One block: Y, RY, BY in, then R, G, B out (half bits, 2 bytes each; malloc aligns to 8).
  const size = 2 * (pixels + 2 * samples + 3 * pixels);
  const base = core._malloc(size);
  if (!base) throw new Error(`out of memory: cannot reconstruct the colour of a ${width}x${height} luminance/chroma image`);
  try {
    let heap = new Uint16Array(core.HEAPU8.buffer, base, size / 2);
    heap.set(planes.luminance, 0);
    heap.set(planes.ry, pixels);
    heap.set(planes.by, pixels + samples);
    const rgb = pixels + 2 * samples;
    const [ywx, ywy, ywz] = planes.weights;
    const status = core._exrw_yca_to_rgb(
      base, base + 2 * pixels, base + 2 * (pixels + samples), width, height, ywx, ywy, ywz,
      base + 2 * rgb, base + 2 * (rgb + pixels), base + 2 * (rgb + 2 * pixels),
    );
    if (status !== 0) throw new Error(`out of memory while reconstructing the colour of a ${width}x${height} image`);
    heap = new Uint16Array(core.HEAPU8.buffer, base, size / 2); // the call may have grown the memory
    out.r.set(heap.subarray(rgb, rgb + pixels));
    out.g.set(heap.subarray(rgb + pixels, rgb + 2 * pixels));
    out.b.set(heap.subarray(rgb + 2 * pixels, rgb + 3 * pixels));
  } finally {
    core._free(base);
  }
}
