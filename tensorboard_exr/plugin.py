"""The EXR dashboard's backend: its HTTP routes and static files (the contract: http_api.md).

Routes only parse the request (`request_params`), ask the store (`exr_store.ExrStore`, the one
reader of logged steps) and respond; `route_errors.json_errors` turns whatever they raise into the
JSON error body. `steps` reads only each step's small `ExrStepInfo`, `exr` serves the EXR's bytes
unchanged. The comparison routes (`/error_steps`, `/flip`) are in `compare_routes`.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import os
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any, Final

from tensorboard import errors
from tensorboard.backend import http_util, json_util
from tensorboard.plugins import base_plugin
from werkzeug import wrappers

from tensorboard_exr import compare_routes, exr_store, metadata, request_params, route_errors
from tensorboard_exr.exr_http import (
    EXR_MIME_TYPE,
    IMMUTABLE_CACHE_CONTROL,
    REVALIDATE_CACHE_CONTROL,
    not_modified,
    streamed_exr,
)
from tensorboard_exr.static_files import STATIC_DIR, asset_mime_type, content_version

_STEP_ENTRIES_KEPT: Final = 100_000

STATIC_DIR_VARIABLE: Final = "TENSORBOARD_EXR_STATIC_DIR"
"""Environment variable naming another frontend build folder to serve instead of `static_files.STATIC_DIR`."""


FRONTEND_NOT_BUILT_JS: Final = """\
// Served because tensorboard_exr/static/index.js does not exist.
export function render() {
  const message = document.createElement("p");
  message.style.font = "14px sans-serif";
  message.style.margin = "24px";
  message.textContent =
    "tensorboard-exr: frontend not built: run scripts/build_frontend.sh, then reload this page.";
  document.body.appendChild(message);
}
"""


class ExrPlugin(base_plugin.TBPlugin):
    """Serves EXR summaries (plugin name "exr") and the dashboard's static files."""

    plugin_name = metadata.PLUGIN_NAME

    def __init__(self, context: base_plugin.TBContext) -> None:
        """Reads EXR steps through the context's data provider and, for stored files, its logdir."""
        self._store = exr_store.ExrStore(context.data_provider, context.logdir or "", context.multiplexer)
        self._comparisons = compare_routes.ComparisonRoutes(self._store)
        self._step_entries: collections.OrderedDict[tuple, str] = collections.OrderedDict()
        self._entries_lock = threading.Lock()
        self._static_dir = os.environ.get(STATIC_DIR_VARIABLE) or str(STATIC_DIR)

    def get_plugin_apps(self) -> dict[str, Callable]:
        routes = {
            "/tags": self._serve_tags,
            "/steps": self._serve_steps,
            "/exr": self._serve_exr,
            **self._comparisons.routes(),
            "/index.js": self._serve_index_js,
            "/*": self._serve_static,
        }
        return {path: route_errors.json_errors(handler) for path, handler in routes.items()}

    def is_active(self) -> bool:
        # TensorBoard enables the tab when the data provider lists "exr" data; nothing else to add.
        return False

    def frontend_metadata(self) -> base_plugin.FrontendMetadata:
        return base_plugin.FrontendMetadata(es_module_path="/index.js", tab_name="EXR")

    # Data routes.

    def _serve_tags(self, request: wrappers.Request) -> wrappers.Response:
        result = {
            run: {tag: _tag_json(tag, exr_tag) for tag, exr_tag in tags.items()}
            for run, tags in self._store.tags(request_params.read_scope(request)).items()
        }
        return http_util.Respond(request, result, "application/json")

    def _serve_steps(self, request: wrappers.Request) -> wrappers.Response:
        run, tag = request_params.run_and_tag(request)
        scope = request_params.read_scope(request)
        entries = [self._step_entry(scope.experiment_id, step) for step in self._store.steps(scope, run, tag)]
        return http_util.Respond(request, "[" + ",".join(entries) + "]", "application/json")

    def _step_entry(self, experiment_id: str, step: exr_store.ExrStep) -> str:
        """A `steps` entry as JSON text, built once per step: building and cleansing thousands of
        entries at each listing cost more than the listing (0.2 s for 3000 steps)."""
        if step.info is None:  # "not available any more" may change at the next reload
            return json.dumps(json_util.Cleanse(_step_json(step)))
        key = (experiment_id, step.run, step.tag, step.step, step.datum.wall_time)
        with self._entries_lock:
            text = self._step_entries.get(key)
        if text is None:
            text = json.dumps(json_util.Cleanse(_step_json(step)))
            with self._entries_lock:
                self._step_entries[key] = text
                if len(self._step_entries) > _STEP_ENTRIES_KEPT:
                    self._step_entries.popitem(last=False)
        return text

    def _serve_exr(self, request: wrappers.Request) -> wrappers.Response:
        run, tag = request_params.run_and_tag(request)
        step = request_params.integer(request, "step")
        pinned = request.args.get("sha256")
        scope = request_params.read_scope(request)
        found = self._store.step(scope, run, tag, step)
        digest = found.sha256_hex
        if pinned is not None and pinned.lower() != digest:
            raise errors.NotFoundError(f"{found.where} now holds another image (sha256 {digest})")
        headers = [("ETag", f'"{digest}"')]
        if request.if_none_match.contains_weak(digest):
            response = not_modified(EXR_MIME_TYPE, headers)
        else:
            body = self._store.exr_body(scope, found)
            if body.file is not None:
                response = streamed_exr(request, body.file, body.size, headers)
            else:
                response = http_util.Respond(request, body.data, EXR_MIME_TYPE, headers=headers)
        response.headers["Cache-Control"] = (
            IMMUTABLE_CACHE_CONTROL if pinned is not None else REVALIDATE_CACHE_CONTROL
        )
        del response.headers["Expires"]
        return response

    # Static files (the frontend build in tensorboard_exr/static/).

    def _serve_index_js(self, request: wrappers.Request) -> wrappers.Response:
        path = os.path.join(self._static_dir, "index.js")
        if not os.path.isfile(path):
            return http_util.Respond(request, FRONTEND_NOT_BUILT_JS, "text/javascript")
        return self._respond_static(request, "index.js")

    def _serve_static(self, request: wrappers.Request) -> wrappers.Response:
        prefix = f"/{metadata.PLUGIN_NAME}/"
        name = request.path[request.path.rfind(prefix) + len(prefix) :] if prefix in request.path else ""
        # Only the files actually in static/, by exact basename: no paths, no traversal.
        try:
            available = set(os.listdir(self._static_dir))
        except OSError:
            available = set()
        if not name or "/" in name or "\\" in name or name not in available:
            raise errors.NotFoundError(f"no route or static file {name!r} in the EXR plugin")
        return self._respond_static(request, name)

    def _respond_static(self, request: wrappers.Request, name: str) -> wrappers.Response:
        path = os.path.join(self._static_dir, name)
        if not os.path.isfile(path):
            raise errors.NotFoundError(f"no static file {name!r}")
        with open(path, "rb") as f:
            content = f.read()
        # TensorBoard's responses say "no-cache": the browser revalidates every load. An ETag lets
        # it keep the file on a 304, and Chrome reuses the wasm it compiled (its code cache holds
        # optimised code only for responses it kept), so the first decodes of a later visit do not
        # run as baseline code (docs/decoder.md#speed).
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        if request.if_none_match.contains(etag.strip('"')):
            response = not_modified(asset_mime_type(name), [("ETag", etag)])
            response.headers["Cache-Control"] = "no-cache, must-revalidate"  # as Respond's 200 says
            return response
        response = http_util.Respond(request, content, asset_mime_type(name), headers=[("ETag", etag)])
        # A URL naming this content (exr_core.wasm?v=, build.mjs) is kept without revalidation:
        # a 304 would give the response a new time, and Chrome's wasm code cache then discards
        # the compiled code it holds for it.
        if request.args.get("v") == content_version(content):
            response.headers["Cache-Control"] = IMMUTABLE_CACHE_CONTROL
            del response.headers["Expires"]
        return response


def _tag_json(tag: str, exr_tag: exr_store.ExrTag) -> dict[str, Any]:
    series, plugin_data = exr_tag.series, exr_tag.plugin_data
    return {
        "group": plugin_data.group,
        "role": plugin_data.role,
        "description": series.description,
        "display_name": series.display_name or tag,
        "max_step": series.max_step,
        "max_wall_time": series.max_wall_time,
        "plugin_data_version": plugin_data.version,
        **_image_json(plugin_data.image),
    }


def _step_json(step: exr_store.ExrStep) -> dict[str, Any]:
    entry: dict[str, Any] = {"step": step.step, "wall_time": step.datum.wall_time}
    if step.info is None:
        entry["error"] = step.problem
        return entry
    digest = step.info.sha256.hex()
    query = f"{_run_tag_query(step.run, step.tag)}&step={step.step}&sha256={digest}"
    entry.update(
        size=step.info.size,
        sha256=digest,
        url=f"exr?{query}",
        etag=f'"{digest}"',
        storage=metadata.STORAGE_NAMES.get(step.info.storage, "unknown"),
        version=step.info.version,
        **_image_json(step.info.image),
    )
    return entry


@functools.lru_cache(maxsize=1024)
def _run_tag_query(run: str, tag: str) -> str:
    """`run=…&tag=…` URL-encoded, once per tag rather than per step (quoting is slow)."""
    return urllib.parse.urlencode({"run": run, "tag": tag})


def _image_json(image: Any) -> dict[str, Any]:
    return {
        "width": image.width,
        "height": image.height,
        "compression": image.compression,
        "parts": image.parts,
        "part_types": list(image.part_types),
        "channels": [
            {
                "name": channel.name,
                "pixel_type": metadata.PIXEL_TYPE_NAMES.get(channel.pixel_type, "unknown"),
                "part": channel.part,
            }
            for channel in image.channels
        ],
    }
