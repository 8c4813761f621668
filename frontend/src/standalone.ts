// Entry point of the review server's page (tensorboard-exr serve, docs/standalone.md): the same
// viewer core and decoder as the TensorBoard tab, around a tree of images served by the server.

import { ImageLoader } from "./loading/index.js";
import { createPageDecoder } from "./page_decoder.js";
import { preloadFirstImage } from "./standalone/first_image.js";
import { fetchTree } from "./standalone/review_api.js";
import { ReviewPage } from "./standalone/review_page.js";

export { ReviewPage } from "./standalone/review_page.js";

declare global {
  interface Window {
    /** Test and debugging hook: the review page. */
    __exrReview?: ReviewPage;
  }
}

/**
 * How long the page waits for its tree before building the viewer anyway. Building the WebGL
 * viewer holds this thread for a while (first GPU use: 100s of ms on a software GPU), during which
 * a tree that arrives cannot start the first image's download; on localhost the tree takes tens of
 * ms. A slow tree (a huge folder, a remote link) gets the viewer built meanwhile, as before.
 */
const TREE_WAIT_MS = 250;

async function open(): Promise<void> {
  document.body.style.margin = "0";
  // The decoder first: its workers start and the wasm compiles while everything below runs.
  const decoder = createPageDecoder().decoder;
  const loader = new ImageLoader(decoder);
  const tree = fetchTree();
  // The image the link names (read when the tree is here, as the page itself reads it), fetched
  // and decoded through the page's loader before the viewer exists.
  const preloading = tree.then(
    (t) => preloadFirstImage(loader, t, location.hash),
    () => undefined, // start() reports a failed tree
  );
  await Promise.race([preloading, delay(TREE_WAIT_MS)]);
  const page = new ReviewPage(document.getElementById("app") ?? document.body, decoder, loader);
  window.__exrReview = page;
  await page.start(tree, await preloading);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

void open();
