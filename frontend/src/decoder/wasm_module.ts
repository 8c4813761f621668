// The decoder's WebAssembly compiled once, by the page, for all its workers: the page starts
// downloading exr_core.wasm as soon as its script runs and compiles it while the download streams
// (WebAssembly.compileStreaming), instead of each worker fetching and compiling its own copy after
// its script and the emscripten glue have loaded. Workers instantiate the compiled module they
// are sent (a WebAssembly.Module can be posted to a worker), so they also share the optimised
// code V8 makes of hot functions, and Chrome can keep that code in its cache for the next visit
// (it caches modules of 128 KB or more compiled with the streaming API from a cached response).

import type { ExrCoreFactory, ExrCoreModule } from "./core_binding";

/**
 * Compiles the decoder's wasm, or null when the page may not (a CSP without 'wasm-unsafe-eval'
 * or 'unsafe-eval') or cannot (no response, no streaming compile for a wrong MIME type): the
 * workers then load it themselves, which the worker's own CSP allows, and report any error.
 */
export async function compileDecoderWasm(url: URL | string): Promise<WebAssembly.Module | null> {
  try {
    const response = fetch(url, { credentials: "same-origin" });
    if (typeof WebAssembly.compileStreaming === "function") {
      try {
        return await WebAssembly.compileStreaming(response);
      } catch {
        // e.g. served without Content-Type application/wasm: compile from the bytes below
      }
    }
    const bytes = await (await fetch(url, { credentials: "same-origin" })).arrayBuffer();
    return await WebAssembly.compile(bytes);
  } catch {
    return null;
  }
}

/**
 * An instance of the emscripten module (`factory`, exr_core.js's default export) from a module
 * compiled elsewhere; rejects if it cannot be instantiated.
 */
export function instantiateCompiled(factory: ExrCoreFactory, module: WebAssembly.Module): Promise<ExrCoreModule> {
  return new Promise((resolve, reject) => {
    factory({
      instantiateWasm: (imports, receive) => {
        WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module), reject);
        return {};
      },
    }).then(resolve, reject);
  });
}
