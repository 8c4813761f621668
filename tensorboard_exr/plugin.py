"""The EXR dashboard's backend: HTTP routes over TensorBoard's data provider (see http_api.md).

Data is read only through `context.data_provider`, so the Python loader, the Rust data server
(`--load_fast`) and remote logdirs all work. Each step of an EXR tag is a blob sequence of two
values: a small `ExrStepInfo` (size, sha256, image description) and the EXR file's bytes; `steps`
reads only the first, `exr` serves the second unchanged.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import logging
import os
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any, Final

from tensorboard import errors, plugin_util
from tensorboard.backend import http_util
from tensorboard.data import provider
from tensorboard.plugins import base_plugin
from werkzeug import wrappers

from tensorboard_exr import compare_routes, metadata
from tensorboard_exr.static_files import STATIC_DIR, asset_mime_type

logger = logging.getLogger(__name__)

STATIC_DIR_VARIABLE: Final = "TENSORBOARD_EXR_STATIC_DIR"
"""Environment variable naming another frontend build folder to serve instead of `static_files.STATIC_DIR`."""

EXR_MIME_TYPE: Final = "image/x-exr"
IMMUTABLE_CACHE_CONTROL: Final = "private, max-age=31536000, immutable"
REVALIDATE_CACHE_CONTROL: Final = "private, no-cache"

# read_blob_sequences returns at most this many steps per tag; the loaders' own reservoirs
# (`--samples_per_plugin`) decide how many exist. 0 would mean "none" at read time.
_READ_ALL: Final = 10**9
_STEP_INFO_CACHE_SIZE: Final = 100_000
# How long a run/tag's step listing answers `exr` requests (a reload every 5 s is TensorBoard's default).
_STEPS_CACHE_SECONDS: Final = 2.0

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


class _BadRequest(Exception):
    """A malformed request: answered with 400 and the message."""


class _NotFound(Exception):
    """An unknown run, tag, step or file: answered with 404 and the message."""


def _json_errors(handler: Callable[[Any, wrappers.Request], wrappers.Response]):
    """Turns every failure of a route into a JSON error response, never a traceback."""

    @functools.wraps(handler)
    def app(self: Any, environ: dict, start_response: Callable) -> Any:
        request = wrappers.Request(environ)
        try:
            response = handler(self, request)
        except _BadRequest as e:
            response = _error(request, 400, str(e))
        except _NotFound as e:
            response = _error(request, 404, str(e))
        except errors.PublicError as e:
            response = _error(request, e.http_code, str(e))
        except Exception:
            logger.exception("EXR plugin: %s failed", request.full_path)
            response = _error(request, 500, "internal error in the EXR plugin (see the TensorBoard log)")
        return response(environ, start_response)

    return app


def _error(request: wrappers.Request, code: int, message: str) -> wrappers.Response:
    return http_util.Respond(request, {"error": message}, "application/json", code=code)


class ExrPlugin(base_plugin.TBPlugin):
    """Serves EXR summaries (plugin name "exr") and the dashboard's static files."""

    plugin_name = metadata.PLUGIN_NAME

    def __init__(self, context: base_plugin.TBContext) -> None:
        """Keeps the data provider; the plugin reads nothing else from the context."""
        self._data_provider = context.data_provider
        self._static_dir = os.environ.get(STATIC_DIR_VARIABLE) or str(STATIC_DIR)
        self._logdir = context.logdir or ""
        self._step_info_cache: collections.OrderedDict[tuple, Any] = collections.OrderedDict()
        self._steps_cache: dict[tuple, tuple[float, dict[int, provider.BlobSequenceDatum]]] = {}
        self._cache_lock = threading.Lock()

    def get_plugin_apps(self) -> dict[str, Callable]:
        return {
            "/tags": self._serve_tags,
            "/steps": self._serve_steps,
            "/exr": self._serve_exr,
            **compare_routes.ComparisonRoutes(self).apps(),
            "/index.js": self._serve_index_js,
            "/*": self._serve_static,
        }

    def is_active(self) -> bool:
        # TensorBoard enables the tab when the data provider lists "exr" data; nothing else to add.
        return False

    def frontend_metadata(self) -> base_plugin.FrontendMetadata:
        return base_plugin.FrontendMetadata(es_module_path="/index.js", tab_name="EXR")

    # Data routes.

    @_json_errors
    def _serve_tags(self, request: wrappers.Request) -> wrappers.Response:
        listing = self._data_provider.list_blob_sequences(
            plugin_util.context(request.environ),
            experiment_id=plugin_util.experiment_id(request.environ),
            plugin_name=metadata.PLUGIN_NAME,
        )
        result: dict[str, dict[str, Any]] = {}
        for run, tags in listing.items():
            for tag, series in tags.items():
                try:
                    plugin_data = metadata.parse_plugin_data(series.plugin_content)
                except ValueError as e:
                    logger.warning("EXR plugin: run %r, tag %r skipped: %s", run, tag, e)
                    continue
                result.setdefault(run, {})[tag] = {
                    "group": plugin_data.group,
                    "role": plugin_data.role,
                    "description": series.description,
                    "display_name": series.display_name or tag,
                    "max_step": series.max_step,
                    "max_wall_time": series.max_wall_time,
                    "plugin_data_version": plugin_data.version,
                    **_image_json(plugin_data.image),
                }
        return http_util.Respond(request, result, "application/json")

    @_json_errors
    def _serve_steps(self, request: wrappers.Request) -> wrappers.Response:
        run, tag = _run_and_tag(request)
        entries = []
        for datum in self._read_steps(request, run, tag):
            info = self._step_info(request, run, tag, datum)
            entry: dict[str, Any] = {"step": datum.step, "wall_time": datum.wall_time}
            if isinstance(info, str):
                entry["error"] = info
            else:
                digest = info.sha256.hex()
                query = urllib.parse.urlencode({"run": run, "tag": tag, "step": datum.step, "sha256": digest})
                entry.update(
                    size=info.size,
                    sha256=digest,
                    url=f"exr?{query}",
                    etag=f'"{digest}"',
                    storage=metadata.STORAGE_NAMES.get(info.storage, "unknown"),
                    version=info.version,
                    **_image_json(info.image),
                )
            entries.append(entry)
        return http_util.Respond(request, entries, "application/json")

    @_json_errors
    def _serve_exr(self, request: wrappers.Request) -> wrappers.Response:
        run, tag = _run_and_tag(request)
        step = _int_param(request, "step")
        pinned = request.args.get("sha256")
        datum = self._find_step(request, run, tag, step)
        if datum is None:
            raise _NotFound(
                f"run {run!r}, tag {tag!r} has no step {step} (it may not be kept: see --samples_per_plugin)"
            )
        info = self._step_info(request, run, tag, datum)
        if isinstance(info, str):
            raise _NotFound(f"run {run!r}, tag {tag!r}, step {step}: {info}")
        digest = info.sha256.hex()
        if pinned is not None and pinned.lower() != digest:
            raise _NotFound(
                f"run {run!r}, tag {tag!r}, step {step} now holds another image (sha256 {digest})"
            )
        where = f"run {run!r}, tag {tag!r}, step {step}"
        if info.storage == metadata.STORAGE_INLINE and len(datum.values) < 2:
            raise _NotFound(f"{where}: the event holds no EXR bytes")
        if info.storage not in (metadata.STORAGE_INLINE, metadata.STORAGE_FILE):
            raise _NotFound(f"{where}: storage kind {info.storage} is not supported by this version")
        etag = f'"{digest}"'
        headers = [("ETag", etag)]
        cache_control = IMMUTABLE_CACHE_CONTROL if pinned is not None else REVALIDATE_CACHE_CONTROL
        if request.if_none_match.contains_weak(digest):
            response = http_util.Respond(request, b"", EXR_MIME_TYPE, code=304, headers=headers)
        else:
            if info.storage == metadata.STORAGE_FILE:
                blob = self._read_stored_file(run, info, where)
            else:
                blob = self._data_provider.read_blob(
                    plugin_util.context(request.environ), blob_key=datum.values[1].blob_key
                )
            response = http_util.Respond(request, blob, EXR_MIME_TYPE, headers=headers)
        response.headers["Cache-Control"] = cache_control
        del response.headers["Expires"]
        return response

    def _find_step(
        self, request: wrappers.Request, run: str, tag: str, step: int
    ) -> provider.BlobSequenceDatum | None:
        """The step's datum, from a listing at most `_STEPS_CACHE_SECONDS` old if it has the step.

        Under the Rust data server each read costs ~40 ms, so a scrubbing panel fetching many
        steps in a row would pay it twice per image without this.
        """
        key = (plugin_util.experiment_id(request.environ), run, tag)
        with self._cache_lock:
            cached = self._steps_cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < _STEPS_CACHE_SECONDS:
            datum = cached[1].get(step)
            if datum is not None:
                return datum
        return next((d for d in self._read_steps(request, run, tag) if d.step == step), None)

    def _read_stored_file(self, run: str, info: Any, where: str) -> bytes:
        """The EXR of a step with file storage, from `<logdir>/<run>/plugins/exr/<sha256>.exr`.

        The data provider only carries the event; the file is read with TensorBoard's gfile, which
        knows the same local and remote file systems as the loaders.
        """
        expected = metadata.stored_file_path(info.sha256)
        if info.path != expected:  # never follow a path from the event file anywhere else
            raise _NotFound(f"{where}: invalid stored file path {info.path!r} (expected {expected!r})")
        if not self._logdir:
            raise _NotFound(f"{where}: file storage needs --logdir (not --logdir_spec)")
        from tensorboard.compat import tf

        run_parts = [] if run == "." else run.split("/")
        if any(part in ("", ".", "..") for part in run_parts):
            raise _NotFound(f"{where}: run name {run!r} is not a directory below the logdir")
        path = "/".join([self._logdir.rstrip("/"), *run_parts, expected])
        try:
            with tf.io.gfile.GFile(path, "rb") as f:
                data = f.read()
        except Exception as e:  # gfile raises NotFoundError / OSError depending on the backend
            raise _NotFound(f"{where}: the stored EXR file {expected} cannot be read: {e}") from None
        if len(data) != info.size:
            raise _NotFound(
                f"{where}: the stored EXR file {expected} is {len(data)} bytes, expected {info.size}"
            )
        # The events' records are CRC-checked by the loaders; a file gets the same guarantee from
        # its name: bytes that do not hash to it (a partial copy, a damaged disk) are never served.
        if hashlib.sha256(data).digest() != info.sha256:
            raise _NotFound(f"{where}: the stored EXR file {expected} does not match its SHA-256")
        return data

    def _read_steps(self, request: wrappers.Request, run: str, tag: str) -> list[provider.BlobSequenceDatum]:
        data = self._read_steps_uncached(request, run, tag)
        with self._cache_lock:
            self._steps_cache[(plugin_util.experiment_id(request.environ), run, tag)] = (
                time.monotonic(),
                {datum.step: datum for datum in data},
            )
        return data

    def _read_steps_uncached(
        self, request: wrappers.Request, run: str, tag: str
    ) -> list[provider.BlobSequenceDatum]:
        sequences = self._data_provider.read_blob_sequences(
            plugin_util.context(request.environ),
            experiment_id=plugin_util.experiment_id(request.environ),
            plugin_name=metadata.PLUGIN_NAME,
            downsample=_READ_ALL,
            run_tag_filter=provider.RunTagFilter(runs=[run], tags=[tag]),
        )
        if tag in sequences.get(run, {}):
            return list(sequences[run][tag])
        # Filtered reads drop a run without the tag: ask once more to say which one is unknown.
        runs = self._data_provider.list_blob_sequences(
            plugin_util.context(request.environ),
            experiment_id=plugin_util.experiment_id(request.environ),
            plugin_name=metadata.PLUGIN_NAME,
            run_tag_filter=provider.RunTagFilter(runs=[run]),
        )
        if run not in runs:
            raise _NotFound(f"no EXR data for run {run!r}")
        raise _NotFound(f"no EXR tag {tag!r} in run {run!r}")

    def _step_info(
        self, request: wrappers.Request, run: str, tag: str, datum: provider.BlobSequenceDatum
    ) -> Any:
        """The step's `ExrStepInfo`, or a string saying why there is none.

        Cached per (run, tag, step, wall_time): a rewritten step (a restarted run) has another
        wall time, so it is never answered from the cache.
        """
        key = (plugin_util.experiment_id(request.environ), run, tag, datum.step, datum.wall_time)
        with self._cache_lock:
            if key in self._step_info_cache:
                self._step_info_cache.move_to_end(key)
                return self._step_info_cache[key]
        if not datum.values:
            return "the step holds no values"
        try:
            blob = self._data_provider.read_blob(
                plugin_util.context(request.environ), blob_key=datum.values[0].blob_key
            )
            info: Any = metadata.parse_step_info(blob)
        except errors.NotFoundError as e:
            return f"not available any more ({e})"  # evicted by a reload: don't cache
        except ValueError as e:
            info = str(e)
        except Exception as e:  # a tensor of another dtype or rank: the loaders' read_blob fails
            info = f"the step's tensor is not an EXR blob sequence ({type(e).__name__}: {e})"
        with self._cache_lock:
            self._step_info_cache[key] = info
            if len(self._step_info_cache) > _STEP_INFO_CACHE_SIZE:
                self._step_info_cache.popitem(last=False)
        return info

    # Static files (the frontend build in tensorboard_exr/static/).

    @_json_errors
    def _serve_index_js(self, request: wrappers.Request) -> wrappers.Response:
        path = os.path.join(self._static_dir, "index.js")
        if not os.path.isfile(path):
            return http_util.Respond(request, FRONTEND_NOT_BUILT_JS, "text/javascript")
        return self._respond_static(request, "index.js")

    @_json_errors
    def _serve_static(self, request: wrappers.Request) -> wrappers.Response:
        prefix = f"/{metadata.PLUGIN_NAME}/"
        name = request.path[request.path.rfind(prefix) + len(prefix) :] if prefix in request.path else ""
        # Only the files actually in static/, by exact basename: no paths, no traversal.
        try:
            available = set(os.listdir(self._static_dir))
        except OSError:
            available = set()
        if not name or "/" in name or "\\" in name or name not in available:
            raise _NotFound(f"no route or static file {name!r} in the EXR plugin")
        return self._respond_static(request, name)

    def _respond_static(self, request: wrappers.Request, name: str) -> wrappers.Response:
        path = os.path.join(self._static_dir, name)
        if not os.path.isfile(path):
            raise _NotFound(f"no static file {name!r}")
        with open(path, "rb") as f:
            content = f.read()
        # TensorBoard's responses say "no-cache": the browser revalidates every load. An ETag lets
        # it keep the file on a 304, and Chrome reuses the wasm it compiled (its code cache holds
        # optimised code only for responses it kept), so the first decodes of a later visit do not
        # run as baseline code (docs/decoder.md#speed).
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        if request.if_none_match.contains(etag.strip('"')):
            return http_util.Respond(request, b"", asset_mime_type(name), code=304, headers=[("ETag", etag)])
        return http_util.Respond(request, content, asset_mime_type(name), headers=[("ETag", etag)])


def _image_json(image: Any) -> dict[str, Any]:
    return {
        "width": image.width,
        "height": image.height,
        "compression": image.compression,
        "parts": image.parts,
        "channels": [
            {
                "name": channel.name,
                "pixel_type": metadata.PIXEL_TYPE_NAMES.get(channel.pixel_type, "unknown"),
                "part": channel.part,
            }
            for channel in image.channels
        ],
    }


def _run_and_tag(request: wrappers.Request) -> tuple[str, str]:
    run = request.args.get("run")
    tag = request.args.get("tag")
    if run is None or tag is None:
        raise _BadRequest("parameters 'run' and 'tag' are required")
    return run, tag


def _int_param(request: wrappers.Request, name: str) -> int:
    value = request.args.get(name)
    if value is None:
        raise _BadRequest(f"parameter {name!r} is required")
    try:
        return int(value)
    except ValueError:
        raise _BadRequest(f"parameter {name!r} must be an integer, got {value!r}") from None
