// The ExrImage the caller gets, built from decoded bands.

import { describePart } from "./core_binding";
import { deepPartPlanes } from "./deep_decode";
import { type DecodedBand, allocatePlane, planeView } from "./planes";
import type { DerivedColour, ExrChannel, ExrChannelInfo, ExrHeader, ExrImage, ExrPart, ExrPartInfo } from "./types";

/**
 * Builds the ExrImage from decoded bands. A part decoded as one band keeps views into the band's
 * buffer (no copy); a part split over several bands is copied into one plane per channel.
 */
export function assembleImage(header: ExrHeader, parts: readonly number[], bands: readonly DecodedBand[]): ExrImage {
  const out: ExrPart[] = [];
  for (const p of parts) {
    const info = header.parts[p];
    if (!info) throw new Error(`part ${p} does not exist (the file has ${header.parts.length})`);
    const mine = bands.filter((b) => b.part === p && b.rowEnd > b.rowBegin && !b.derived);
    const deep = mine.find((b) => b.deep);
    if (deep?.deep) {
      out.push({ ...partFields(info), ...deepPartPlanes(info, deep, deep.deep) });
      continue;
    }
    const pixels = info.width * info.height;
    let channels: ExrChannel[];
    const whole = mine.find((b) => b.wholePart);
    if (mine.length === 1 && mine[0].rowBegin === 0 && mine[0].rowEnd === info.height) {
      const band = mine[0];
      channels = info.channels.map((c: ExrChannelInfo, i) => ({
        ...c,
        data: planeView(c.pixelType, band.buffer, band.offsets[i], pixels),
      }));
    } else {
      let covered = 0;
      for (const b of mine) covered += b.rowEnd - b.rowBegin;
      if (covered !== info.height) {
        throw new Error(`internal error: ${describePart(info, p)} decoded ${covered} of ${info.height} rows`);
      }
      // The other bands go into the band that already spans the whole part (a buffer the worker
      // prepared while idle), else into new planes.
      channels = info.channels.map((c: ExrChannelInfo, i) => {
        const plane = whole
          ? planeView(c.pixelType, whole.buffer, whole.offsets[i], pixels)
          : allocatePlane(c.pixelType, pixels);
        for (const b of mine) {
          if (b === whole) continue;
          const rows = b.rowEnd - b.rowBegin;
          plane.set(planeView(c.pixelType, b.buffer, b.offsets[i], rows * info.width), b.rowBegin * info.width);
        }
        return { ...c, data: plane };
      });
    }
    out.push({
      ...partFields(info),
      channels,
      ...derivedOf(bands.filter((b) => b.part === p && b.derived), info.width * info.height),
    });
  }
  return { parts: out, byteLength: header.byteLength };
}

/** What a decoded part says about itself, as its header does (everything but the pixels). */
function partFields(info: ExrPartInfo): Omit<ExrPart, "channels"> {
  return {
    name: info.name,
    storage: info.storage,
    compression: info.compression,
    dataWindow: info.dataWindow,
    displayWindow: info.displayWindow,
    width: info.width,
    height: info.height,
    attributes: info.attributes,
    attributeTypes: info.attributeTypes,
  };
}

/** ExrPart.derived from the part's derived bands (R, G, B half planes each); nothing without any. */
function derivedOf(bands: readonly DecodedBand[], pixels: number): { derived?: DerivedColour[] } {
  if (bands.length === 0) return {};
  const derived = bands.map(({ buffer, offsets, derived }) => ({
    prefix: derived!.prefix,
    sources: derived!.sources,
    colour: ["R", "G", "B"].map((c, i) => ({
      name: derived!.prefix + c,
      pixelType: "half" as const,
      xSampling: 1,
      ySampling: 1,
      data: planeView("half", buffer, offsets[i]!, pixels),
    })),
  }));
  return { derived };
}
