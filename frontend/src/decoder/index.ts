// The decoder's public surface: what the viewer imports.
export { decodeExr, readExrHeader, sharedDecoderPool, ExrDecoderPool } from "./decode";
export type { DecodeStats, DecoderWorkerLike, ExrDecoderPoolOptions } from "./decode";
export {
  DEFAULT_MAX_DECODED_BYTES,
  HARD_MAX_DECODED_BYTES,
  ExrCoreFile,
  assembleImage,
  bandRows,
  decodeBands,
  decodeInProcess,
  readHeaderInProcess,
} from "./exr_core";
export type { DecodedBand, ExrCoreFactory, ExrCoreFactoryOptions, ExrCoreModule } from "./exr_core";
export { DecoderService } from "./worker_service";
export { SpareBuffers, SPARE_MAX_BYTES } from "./spare_buffers";
export type { WorkerRequest, WorkerResponse } from "./worker_service";
export type * from "./types";
