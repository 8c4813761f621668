"""Comparison routes of the EXR plugin: error over steps, and NVIDIA's FLIP as an error map.

Registered by `plugin.ExrPlugin.get_plugin_apps`; documented in http_api.md ("Comparison routes").
The errors are computed from the original EXR bytes (decoded with OpenEXR's Python package) by
`tensorboard_exr.metrics`, the same reference implementation the browser tests use, and cached
per pair of image contents (SHA-256), so a pair is decoded and measured once per server.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from tensorboard import errors, plugin_util
from tensorboard.backend import http_util
from werkzeug import wrappers

from tensorboard_exr import metadata, metrics

if TYPE_CHECKING:
    from tensorboard_exr.plugin import ExrPlugin

logger = logging.getLogger(__name__)

_ERRORS_CACHE_SIZE: Final = 10_000
# FLIP maps are float32 images (8 MB at 1920x1080): keep only a few.
_FLIP_CACHE_SIZE: Final = 16
FLIP_MODES: Final = ("ldr", "hdr")


class ComparisonRoutes:
    """`/error_steps` (mean errors at every common step) and `/flip` (FLIP map of one step)."""

    def __init__(self, plugin: ExrPlugin) -> None:
        """Reads steps and EXR bytes through `plugin`, so both loaders and file storage work."""
        self._plugin = plugin
        self._cache: collections.OrderedDict[tuple[str, str], dict[str, Any]] = collections.OrderedDict()
        self._flip_cache: collections.OrderedDict[tuple[str, str, str], metrics.FlipResult] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()

    def apps(self) -> dict[str, Callable]:
        """The routes to merge into the plugin's `get_plugin_apps`."""
        from tensorboard_exr.plugin import _json_errors

        return {
            "/error_steps": _json_errors(ComparisonRoutes._serve_error_steps).__get__(self),
            "/flip": _json_errors(ComparisonRoutes._serve_flip).__get__(self),
        }

    def _serve_error_steps(self, request: wrappers.Request) -> wrappers.Response:
        from tensorboard_exr.plugin import _BadRequest, _NotFound, _run_and_tag

        run, tag = _run_and_tag(request)
        ref_run = request.args.get("ref_run", run)
        ref_tag = request.args.get("ref_tag")
        if ref_tag is None:
            raise _BadRequest("parameter 'ref_tag' is required")
        steps_a = {d.step: d for d in self._plugin._read_steps(request, run, tag)}
        steps_b = {d.step: d for d in self._plugin._read_steps(request, ref_run, ref_tag)}
        entries = []
        for step in sorted(steps_a.keys() & steps_b.keys()):
            entry: dict[str, Any] = {"step": step}
            try:
                pair = (run, tag, steps_a[step]), (ref_run, ref_tag, steps_b[step])
                entry.update(self._errors(request, *pair))
                entry.update(self._cached_flip_means(request, *pair))
            except (ValueError, _NotFound, errors.PublicError) as e:
                entry["error"] = str(e)
            entries.append(entry)
        return http_util.Respond(request, entries, "application/json")

    def _errors(self, request: wrappers.Request, a: tuple, b: tuple) -> dict[str, Any]:
        info_a, where_a = self._info(request, *a)
        info_b, where_b = self._info(request, *b)
        key = (info_a.sha256.hex(), info_b.sha256.hex())
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        pixels_a = metrics.decode_colour(self._bytes(request, a, info_a, where_a), where_a)
        pixels_b = metrics.decode_colour(self._bytes(request, b, info_b, where_b), where_b)
        if pixels_a.shape != pixels_b.shape:
            raise ValueError(
                f"{where_a} is {_shape(pixels_a)} but the reference {where_b} is {_shape(pixels_b)}"
            )
        result = metrics.mean_errors(pixels_a, pixels_b)
        with self._lock:
            self._cache[key] = result
            if len(self._cache) > _ERRORS_CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def _cached_flip_means(self, request: wrappers.Request, a: tuple, b: tuple) -> dict[str, float]:
        """Mean FLIP of the pair for the modes already computed (never computes one)."""
        key = (self._info(request, *a)[0].sha256.hex(), self._info(request, *b)[0].sha256.hex())
        with self._lock:
            found = {mode: self._flip_cache.get((*key, mode)) for mode in FLIP_MODES}
        return {f"flip_{mode}": result.mean for mode, result in found.items() if result is not None}

    def _serve_flip(self, request: wrappers.Request) -> wrappers.Response:
        from tensorboard_exr.plugin import _BadRequest, _int_param, _NotFound, _run_and_tag

        run, tag = _run_and_tag(request)
        step = _int_param(request, "step")
        ref_run = request.args.get("ref_run", run)
        ref_tag = request.args.get("ref_tag")
        if ref_tag is None:
            raise _BadRequest("parameter 'ref_tag' is required")
        mode = request.args.get("mode", "ldr").lower()
        if mode not in FLIP_MODES:
            raise _BadRequest(f"parameter 'mode' must be 'ldr' or 'hdr', got {mode!r}")
        response_format = request.args.get("format", "exr")
        if response_format not in ("exr", "json"):
            raise _BadRequest(f"parameter 'format' must be 'exr' or 'json', got {response_format!r}")
        sides = []
        for side_run, side_tag in ((run, tag), (ref_run, ref_tag)):
            datum = self._plugin._find_step(request, side_run, side_tag, step)
            if datum is None:
                raise _NotFound(f"run {side_run!r}, tag {side_tag!r} has no step {step}")
            sides.append((side_run, side_tag, datum))
        try:
            (info_a, where_a), (info_b, where_b) = (
                self._info(request, *sides[0]),
                self._info(request, *sides[1]),
            )
        except ValueError as e:
            raise _NotFound(str(e)) from None
        key = (info_a.sha256.hex(), info_b.sha256.hex(), mode)
        etag = '"flip-' + "-".join(key) + '"'
        if response_format == "exr" and request.if_none_match.contains(etag.strip('"')):
            return http_util.Respond(request, b"", "image/x-exr", code=304, headers=[("ETag", etag)])
        with self._lock:
            result = self._flip_cache.get(key)
            if result is not None:
                self._flip_cache.move_to_end(key)
        if result is None:
            try:
                pixels_a = metrics.decode_colour(self._bytes(request, sides[0], info_a, where_a), where_a)
                pixels_b = metrics.decode_colour(self._bytes(request, sides[1], info_b, where_b), where_b)
                result = metrics.flip(pixels_a, pixels_b, mode, where=where_a)
            except ValueError as e:
                raise _BadRequest(str(e)) from None
            with self._lock:
                self._flip_cache[key] = result
                if len(self._flip_cache) > _FLIP_CACHE_SIZE:
                    self._flip_cache.popitem(last=False)
        if response_format == "json":
            body = {"mean": result.mean, "mode": mode, "parameters": result.parameters}
            return http_util.Respond(request, body, "application/json")
        headers = [("ETag", etag), ("X-Flip-Mean", repr(result.mean))]
        response = http_util.Respond(request, result.exr_bytes(), "image/x-exr", headers=headers)
        response.headers["Cache-Control"] = "private, no-cache"
        return response

    def _info(self, request: wrappers.Request, run: str, tag: str, datum: Any) -> tuple[Any, str]:
        where = f"run {run!r}, tag {tag!r}, step {datum.step}"
        info = self._plugin._step_info(request, run, tag, datum)
        if isinstance(info, str):
            raise ValueError(f"{where}: {info}")
        return info, where

    def _bytes(self, request: wrappers.Request, a: tuple, info: Any, where: str) -> bytes:
        run, _tag, datum = a
        if info.storage == metadata.STORAGE_FILE:
            return self._plugin._read_stored_file(run, info, where)
        if len(datum.values) < 2:
            raise ValueError(f"{where}: the event holds no EXR bytes")
        return self._plugin._data_provider.read_blob(
            plugin_util.context(request.environ), blob_key=datum.values[1].blob_key
        )


def _shape(pixels: Any) -> str:
    return f"{pixels.shape[1]}x{pixels.shape[0]} with {pixels.shape[2]} colour channel(s)"
