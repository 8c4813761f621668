// The decoder's public surface: the worker pool pages use, and what node tools and tests use to
// decode in their own thread or drive a worker's service directly.
export { ExrDecoderPool } from "./worker_pool";
export type { DecodeStats, DecoderWorkerLike, ExrDecoderPoolOptions } from "./worker_pool";
export { DEFAULT_MAX_DECODED_BYTES, HARD_MAX_DECODED_BYTES, decodeInProcess, readHeaderInProcess } from "./bands";
export { assembleImage } from "./assemble_image";
export { reconstructRgb } from "./rgba_yca";
export { luminanceWeights } from "./chromaticities";
export type { ExrCoreFactory, ExrCoreFactoryOptions, ExrCoreModule } from "./core_binding";
export type { DecodedBand } from "./planes";
export { DecoderService } from "./worker_service";
export { SpareBuffers } from "./spare_buffers";
export { compileDecoderWasm, instantiateCompiled } from "./wasm_module";
export type { WorkerRequest, WorkerResponse } from "./worker_service";
export type * from "./types";
