// The decoded form of an EXR file, as the worker hands it to the viewer. This is the contract
// between the decoder (src/decoder/) and everything that draws or inspects pixels.

export type PixelType = "half" | "float" | "uint";

/** Part storage as in the header. Deep parts are decoded and flattened (see ExrPart.deep). */
export type StorageKind = "scanline" | "tiled" | "deep_scanline" | "deep_tiled";

/** Inclusive pixel box, as in the EXR header (xMax/yMax are the last pixel, not one past it). */
export interface Box2i {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface ExrChannel {
  /** Full channel name as in the file, e.g. "R", "albedo.G", "depth.Z". */
  name: string;
  pixelType: PixelType;
  xSampling: number;
  ySampling: number;
  /**
   * One plane covering the part's data window at full resolution (subsampled channels are
   * expanded nearest-neighbour), rows top-down as in the file. Half stays as raw 16-bit
   * IEEE half bits (upload as R16F/HALF_FLOAT), float is float32, uint is uint32.
   */
  data: Uint16Array | Float32Array | Uint32Array;
}

/**
 * A header attribute's value (docs/viewer-api.md, "Header attributes"): numbers stay numbers
 * (±Infinity and NaN included); vectors, matrices (row-major) and float vectors are number[];
 * string vectors (`multiView`) string[]; boxes, chromaticities, rational, timecode, keycode and
 * tiledesc records of numbers; compression, lineOrder and envmap their names. A value the viewer
 * does not interpret is described by its size: preview `{width, height}`, bytes and opaque or
 * unknown types (e.g. `idManifest`) `{byteLength}`.
 */
export type AttributeValue = string | number | boolean | number[] | string[] | Record<string, number>;

export interface ExrPart {
  /** Part name (multipart files) or null for single-part files without a name. */
  name: string | null;
  storage: StorageKind;
  compression: string;
  dataWindow: Box2i;
  displayWindow: Box2i;
  /** Data window size in pixels. */
  width: number;
  height: number;
  channels: ExrChannel[];
  /** Every header attribute's value by name, but the channel list (see `channels`). */
  attributes: Record<string, AttributeValue>;
  /**
   * The type name of every header attribute, as in the file ("float", "v2f", "chlist",
   * "idmanifest", ...). The decoder always fills it; images built by hand may leave it out.
   */
  attributeTypes?: Record<string, string>;
  /**
   * Colour computed from stored channels, not stored in the file: RGB reconstructed from each
   * luminance/chroma group (Y, RY, BY) as OpenEXR's RgbaInputFile reads it (derived_colour.ts).
   */
  derived?: DerivedColour[];
  /**
   * Deep parts only: every stored sample. `channels` then holds the flattened picture (each
   * pixel's samples composited front to back, see docs/decoder.md, as float, uint channels as
   * the nearest sample's value) and one more channel, `deep.countChannel`, with the samples per
   * pixel.
   */
  deep?: ExrDeepSamples;
}

/** R, G, B computed by the decoder from a group of stored channels. */
export interface DerivedColour {
  /** The group's channel-name prefix ("" or e.g. "left."). */
  prefix: string;
  /** `${prefix}R`, `G`, `B` as half planes over the data window (like stored channels). */
  colour: ExrChannel[];
  /** The stored channels they were computed from, e.g. ["Y", "RY", "BY"]. */
  sources: string[];
}

/** The samples of a deep part, as stored. */
export interface ExrDeepSamples {
  /** Samples of each pixel of the data window, rows top-down (the count channel's data). */
  counts: Uint32Array;
  /**
   * Where each pixel's samples start: pixel i (= y * width + x in the data window) has samples
   * offsets[i] .. offsets[i + 1] - 1 of every channel; offsets[width * height] = sampleCount.
   */
  offsets: Uint32Array;
  sampleCount: number;
  /**
   * The file's channels, each with all its samples (`data.length` = sampleCount; half as raw
   * bits, float, uint), every pixel's samples in the file's order (not sorted by depth).
   */
  channels: ExrChannel[];
  /** Name of the channel of `ExrPart.channels` that shows the samples per pixel ("deep.count"). */
  countChannel: string;
}

export interface ExrImage {
  parts: ExrPart[];
  /** Size of the original file in bytes. */
  byteLength: number;
}

export interface DecodeOptions {
  /** Aborting rejects the promise with an AbortError and drops the request if it has not started. */
  signal?: AbortSignal;
  /**
   * Largest number of decoded bytes (all planes of the file) accepted; larger images are
   * rejected with a readable error instead of exhausting memory. Default 1 GiB, at most 2 GiB
   * (the limit of one 32-bit WebAssembly instance, see docs/decoder.md).
   */
  maxDecodedBytes?: number;
  /** Decode only these parts (indices); default: every part. */
  parts?: number[];
  /**
   * Give the input buffer to the decoder instead of copying it (the caller's ArrayBuffer is
   * detached). Saves one copy of the file for callers that do not keep the bytes.
   */
  transfer?: boolean;
}

/** A channel as described by the header, before decoding. */
export type ExrChannelInfo = Omit<ExrChannel, "data">;

/** A part as described by the header, before decoding. */
export interface ExrPartInfo extends Omit<ExrPart, "channels" | "storage" | "deep"> {
  storage: StorageKind;
  channels: ExrChannelInfo[];
  /** Scanlines per chunk (scanline parts) or tile height (tiled parts). */
  linesPerChunk: number;
  chunkCount: number;
}

/** Everything the header says, without decoding pixels (cheap: reads the header only). */
export interface ExrHeader {
  parts: ExrPartInfo[];
  byteLength: number;
}
