// Constants build.mjs writes into the bundles (esbuild `define`).

/** SHA-256 of exr_core.wasm, 16 hex digits; "" when the bundles were built without the wasm. */
declare const __EXR_WASM_VERSION__: string;
