// Colour the decoder computes from stored channels: the RGB of luminance/chroma groups (Y, RY, BY
// with RY/BY sampled 2x2, as OpenEXR's RgbaOutputFile writes them with WRITE_YC), reconstructed as
// RgbaInputFile reads them (rgba_yca.c in the wasm module). It runs where the whole planes of a part are: in the
// worker of the last band (worker_service.ts), or in decodeInProcess. The planes travel as extra
// DecodedBands (`derived` set) and become ExrPart.derived (assemble_image.ts).

import { chromaticitiesOf, luminanceWeights, REC709 } from "./chromaticities";
import type { ExrCoreModule } from "./core_binding";
import { floatToHalfBits } from "./half_bits";
import { type BufferAllocator, type DecodedBand, newBuffer, planeView } from "./planes";
import { reconstructRgb } from "./rgba_yca";
import type { ExrChannelInfo, ExrHeader, ExrPartInfo } from "./types";

/** A group of one part that RgbaInputFile reads as luminance/chroma (channel indices). */
interface YcGroup {
  prefix: string;
  y: number;
  ry: number | null;
  by: number | null;
}

const PLANE_ALIGN = 16;

/**
 * The part's luminance/chroma groups: per channel-name prefix, a full-resolution half or float `Y`
 * with `RY` and/or `BY` sampled 2x2 (RgbaInputFile's only layout; a missing one reads as 0), and no
 * `R`, `G` or `B` of the same prefix. Luminance-only groups (no chroma) stay grey, as before.
 */
export function ycGroups(info: Pick<ExrPartInfo, "channels" | "storage">): YcGroup[] {
  if (info.storage !== "scanline") return []; // tiled and deep parts cannot subsample
  const byName = new Map(info.channels.map((c, i) => [c.name, i]));
  const groups: YcGroup[] = [];
  for (const [name, y] of byName) {
    if (!(name === "Y" || name.endsWith(".Y"))) continue;
    const prefix = name.slice(0, -1);
    const ry = byName.get(`${prefix}RY`) ?? null;
    const by = byName.get(`${prefix}BY`) ?? null;
    const usable = (i: number | null, sampling: number) => i === null || fits(info.channels[i]!, sampling);
    if ((ry === null && by === null) || !fits(info.channels[y]!, 1) || !usable(ry, 2) || !usable(by, 2)) continue;
    if (["R", "G", "B"].some((c) => byName.has(prefix + c))) continue;
    groups.push({ prefix, y, ry, by });
  }
  return groups;
}

function fits(channel: ExrChannelInfo, sampling: number): boolean {
  return channel.pixelType !== "uint" && channel.xSampling === sampling && channel.ySampling === sampling;
}

/**
 * Bands holding the RGB of every luminance/chroma group of the decoded parts, computed from
 * `bands` (which must hold each such part's whole planes). Parts without such a group add nothing.
 */
export function deriveColourBands(
  core: ExrCoreModule,
  header: ExrHeader,
  parts: readonly number[],
  bands: readonly DecodedBand[],
  allocate: BufferAllocator = newBuffer,
): DecodedBand[] {
  const out: DecodedBand[] = [];
  for (const p of parts) {
    const info = header.parts[p]!;
    const groups = ycGroups(info);
    if (groups.length === 0) continue;
    const weights = luminanceWeights(chromaticitiesOf(info.attributes) ?? REC709);
    const whole = bands.find((b) => b.part === p && !b.derived && b.rowBegin === 0 && b.rowEnd === info.height);
    // OpenEXR refuses chromaticities it cannot build a matrix from; the raw channels stay.
    if (!weights || !whole) continue;
    const pixels = info.width * info.height;
    const planeBytes = Math.ceil((pixels * 2) / PLANE_ALIGN) * PLANE_ALIGN;
    for (const group of groups) {
      const plane = (i: number) => planeView(info.channels[i]!.pixelType, whole.buffer, whole.offsets[i]!, pixels);
      const chroma = (i: number | null) => (i === null ? new Uint16Array(pixels / 4) : samplesOf(plane(i), info.width, info.height));
      const buffer = allocate(planeBytes * 3);
      const offsets = [0, planeBytes, 2 * planeBytes];
      const [r, g, b] = offsets.map((offset) => new Uint16Array(buffer, offset, pixels)) as [Uint16Array, Uint16Array, Uint16Array];
      const planes = {
        width: info.width,
        height: info.height,
        luminance: halfBitsOf(plane(group.y)),
        ry: chroma(group.ry),
        by: chroma(group.by),
        weights,
      };
      reconstructRgb(core, planes, { r, g, b });
      const sources = [group.y, group.ry, group.by].flatMap((i) => (i === null ? [] : [info.channels[i]!.name]));
      out.push({ part: p, rowBegin: 0, rowEnd: info.height, buffer, offsets, derived: { prefix: group.prefix, sources } });
    }
  }
  return out;
}

/** The plane as half bits (a float plane rounded as OpenEXR converts it into a half frame buffer). */
function halfBitsOf(data: Uint16Array | Float32Array | Uint32Array): Uint16Array {
  return data instanceof Uint16Array ? data : Uint16Array.from(data, floatToHalfBits);
}

/** The samples of a 2x2-sampled channel, from its plane expanded to the data window. */
function samplesOf(data: Uint16Array | Float32Array | Uint32Array, width: number, height: number): Uint16Array {
  const bits = halfBitsOf(data);
  const w2 = width / 2;
  const out = new Uint16Array(w2 * (height / 2));
  for (let k = 0; k < height / 2; k++) {
    for (let m = 0; m < w2; m++) out[k * w2 + m] = bits[2 * k * width + 2 * m]!;
  }
  return out;
}
