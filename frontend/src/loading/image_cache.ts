// Decoded images kept in memory, least recently used first out, within a byte budget. One cache
// serves every consumer of a page's ImageLoader, so an image decoded for one (a pane, a prefetch)
// is shown at once by another.

import type { ExrImage } from "../decoder/types.js";

/** Default budget for decoded planes: 512 MiB ≈ 30 steps of a 1920x1080 half RGBA image. */
export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

/** What a download said about its file besides the bytes (e.g. a header of the server's answer). */
export type ImageInfo = Readonly<Record<string, string>>;

export interface CachedImage {
  image: ExrImage;
  info: ImageInfo;
}

export function decodedBytes(image: ExrImage): number {
  let total = 0;
  for (const part of image.parts) {
    for (const channel of part.channels) total += channel.data.byteLength;
    for (const derived of part.derived ?? []) for (const channel of derived.colour) total += channel.data.byteLength;
    // A deep part also keeps its samples (its counts are the count channel's data).
    if (part.deep) total += part.deep.offsets.byteLength;
    for (const channel of part.deep?.channels ?? []) total += channel.data.byteLength;
  }
  return total;
}

export class DecodedImageCache {
  private readonly entries = new Map<string, CachedImage & { bytes: number }>();
  private used = 0;

  constructor(private budget: number = DEFAULT_CACHE_BYTES) {}

  get bytes(): number {
    return this.used;
  }

  get budgetBytes(): number {
    return this.budget;
  }

  set budgetBytes(value: number) {
    this.budget = Math.max(0, value);
    this.evict();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry under `key`, which becomes the most recently used. */
  get(key: string): CachedImage | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key); // re-insert: Map order is the recency order
    this.entries.set(key, entry);
    return entry;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Adds an image; one larger than the whole budget is not kept (the caller still shows it). */
  set(key: string, image: ExrImage, info: ImageInfo = {}): void {
    this.delete(key);
    const bytes = decodedBytes(image);
    if (bytes > this.budget) return;
    this.entries.set(key, { image, info, bytes });
    this.used += bytes;
    this.evict();
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }

  private evict(): void {
    for (const [key] of this.entries) {
      if (this.used <= this.budget) return;
      this.delete(key);
    }
  }
}
