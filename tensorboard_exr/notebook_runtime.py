"""The frontend of the notebook viewer, from the package's own build (`static/`), for `notebook.py`.

A notebook page serves no file of ours (VS Code's webview serves nothing at all), so every asset
travels in widget state, through the widget protocol's binary buffers for the WebAssembly:

- `viewer_widget_esm()`: the `ExrViewer` widget's ES module (anywidget's `_esm`), a few hundred
  bytes, since anywidget sends it with every viewer;
- `runtime()`: one `_ExrRuntime` widget per kernel that every viewer refers to, holding the viewer
  module, the decoder worker, the emscripten glue and the `.wasm`. The browser imports the module
  and starts the workers from blob: URLs once per page (frontend/src/notebook/widget.ts), and all
  viewers of the page share them.
"""

from __future__ import annotations

import functools
import hashlib
import re

import ipywidgets
import traitlets

from tensorboard_exr.static_files import STATIC_DIR

_SOURCE_MAP_COMMENT = re.compile(r"\n//# sourceMappingURL=\S+\s*$")


class FrontendNotBuiltError(RuntimeError):
    """The package has no frontend build (a source checkout before `node frontend/build.mjs`)."""


def _asset(name: str) -> bytes:
    path = STATIC_DIR / name
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FrontendNotBuiltError(
            f"tensorboard_exr: {path} is missing: the frontend is not built. Install the wheel, or build "
            "it from a source checkout with `bash scripts/build_frontend.sh`"
        ) from None


def _script(name: str) -> str:
    # The module is imported from a blob: URL, against which its source map's name cannot resolve.
    return _SOURCE_MAP_COMMENT.sub("\n", _asset(name).decode("utf-8"))


@functools.cache
def viewer_widget_esm() -> str:
    """The `ExrViewer` widget's ES module (static/notebook_widget.js)."""
    return _script("notebook_widget.js")


class _ExrRuntime(ipywidgets.Widget):  # type: ignore[misc]
    """The viewer's frontend as widget state; a model without a view, like ipywidgets' own."""

    runtime_id = traitlets.Unicode().tag(sync=True)
    # The sources of the viewer module ("viewer"), the decoder worker ("worker") and the emscripten
    # glue the worker imports ("glue").
    scripts = traitlets.Dict(value_trait=traitlets.Unicode()).tag(sync=True)
    wasm = traitlets.Bytes().tag(sync=True)


_runtime: _ExrRuntime | None = None


def runtime() -> _ExrRuntime:
    """This kernel's runtime widget (made on first use, again if it was closed)."""
    global _runtime
    if _runtime is None or _runtime.comm is None:
        scripts = {
            "viewer": _script("notebook_viewer.js"),
            "worker": _script("notebook_decoder_worker.js"),
            "glue": _script("exr_core.js"),
        }
        wasm = _asset("exr_core.wasm")
        digest = hashlib.sha256(wasm)
        for source in scripts.values():
            digest.update(source.encode("utf-8"))
        # The id names this build: a page keeps one viewer module per id, so a kernel restarted on
        # a newer install gets the newer module.
        _runtime = _ExrRuntime(runtime_id=digest.hexdigest()[:16], scripts=scripts, wasm=wasm)
    return _runtime
