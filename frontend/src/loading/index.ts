// How the pages load images (docs/viewer-api.md, "Loading images"): one ImageLoader per page
// (keyed requests, shared downloads and decodes, a decoded-image cache within a byte budget,
// foreground and prefetch priorities) and an ImageSlot per place that shows one image at a time.
export { abortError, DEFAULT_CONCURRENCY, ImageLoader, isAbortError } from "./image_loader.js";
export type {
  Download,
  ImageRequest,
  LoadedImage,
  LoaderCounts,
  LoadOptions,
  LoadPhase,
  Priority,
} from "./image_loader.js";
export { ImageSlot } from "./image_slot.js";
export type { SlotCallbacks, SlotCounts, SlotOptions } from "./image_slot.js";
export { DecodedImageCache, decodedBytes, DEFAULT_CACHE_BYTES } from "./image_cache.js";
export type { CachedImage, ImageInfo } from "./image_cache.js";
