// Entry point of the review server's page (tensorboard-exr serve, docs/standalone.md): the same
// viewer core and decoder as the TensorBoard tab, around a tree of images served by the server.

import { createPageDecoder } from "./page_decoder.js";
import { fetchTree } from "./standalone/review_api.js";
import { ReviewPage } from "./standalone/review_page.js";

export { ReviewPage } from "./standalone/review_page.js";

declare global {
  interface Window {
    /** Test and debugging hook: the review page. */
    __exrReview?: ReviewPage;
  }
}

document.body.style.margin = "0";
// Asked for first: building the page's WebGL viewer holds this thread for a while (first GPU use).
const decoder = createPageDecoder().decoder;
const tree = fetchTree();
tree.catch(() => {}); // start() reports a failure
const page = new ReviewPage(document.getElementById("app") ?? document.body, decoder);
window.__exrReview = page;
void page.start(tree);
