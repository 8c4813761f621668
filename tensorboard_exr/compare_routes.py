"""Comparison routes of the EXR plugin: error over steps, and NVIDIA's FLIP as an error map.

Registered by `plugin.ExrPlugin.get_plugin_apps`; documented in http_api.md ("Comparison routes").
The errors are computed from the original EXR bytes (decoded with OpenEXR's Python package) by
`tensorboard_exr.metrics`, the same reference implementation the browser tests use, and cached
per pair of image contents (SHA-256), so a pair is decoded and measured once per server.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import Any, Final

from tensorboard import errors
from tensorboard.backend import http_util
from werkzeug import wrappers

from tensorboard_exr import metrics, request_params, route_errors
from tensorboard_exr.exr_http import EXR_MIME_TYPE, REVALIDATE_CACHE_CONTROL
from tensorboard_exr.exr_store import ExrStep, ExrStore, ReadScope

_ERRORS_CACHE_SIZE: Final = 10_000
# FLIP maps are float32 images (8 MB at 1920x1080): keep only a few.
_FLIP_CACHE_SIZE: Final = 16
FLIP_MODES: Final = ("ldr", "hdr")
_FLIP_FORMATS: Final = ("exr", "json")


class ComparisonRoutes:
    """`/error_steps` (mean errors at every common step) and `/flip` (FLIP map of one step)."""

    def __init__(self, store: ExrStore) -> None:
        """Reads steps and EXR bytes through `store`, so both loaders and file storage work."""
        self._store = store
        self._cache: collections.OrderedDict[tuple[str, str, float], dict[str, Any]] = (
            collections.OrderedDict()
        )
        self._flip_cache: collections.OrderedDict[tuple[str, str, str], metrics.FlipResult] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()

    def routes(self) -> dict[str, Callable[[wrappers.Request], wrappers.Response]]:
        """The route handlers to merge into the plugin's `get_plugin_apps`."""
        return {"/error_steps": self._serve_error_steps, "/flip": self._serve_flip}

    def _serve_error_steps(self, request: wrappers.Request) -> wrappers.Response:
        run, tag = request_params.run_and_tag(request)
        ref_run = request.args.get("ref_run", run)
        ref_tag = request_params.required(request, "ref_tag")
        epsilon = request_params.non_negative_number(request, "epsilon", metrics.RELATIVE_EPSILON)
        scope = request_params.read_scope(request)
        entries = self._error_steps_impl(scope, (run, tag), (ref_run, ref_tag), epsilon)
        return http_util.Respond(request, entries, "application/json")

    def _error_steps_impl(
        self, scope: ReadScope, image: tuple[str, str], reference: tuple[str, str], epsilon: float
    ) -> list[dict[str, Any]]:
        """The `error_steps` entries of the (run, tag) `image` against `reference` at every common
        step, relMSE with `epsilon`."""
        steps_a = {s.step: s for s in self._store.steps(scope, *image)}
        steps_b = {s.step: s for s in self._store.steps(scope, *reference)}
        entries = []
        for step in sorted(steps_a.keys() & steps_b.keys()):
            entry: dict[str, Any] = {"step": step}
            try:
                entry.update(self._errors(scope, steps_a[step], steps_b[step], epsilon))
                entry.update(self._cached_flip_means(steps_a[step], steps_b[step]))
            except ValueError as e:
                entry["error"] = str(e)
            except errors.PublicError as e:
                entry["error"] = route_errors.public_message(e)
            entries.append(entry)
        return entries

    def _errors(self, scope: ReadScope, a: ExrStep, b: ExrStep, epsilon: float) -> dict[str, Any]:
        key = (a.sha256_hex, b.sha256_hex, epsilon)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        pixels_a, pixels_b = self._decode(scope, a), self._decode(scope, b)
        if pixels_a.shape != pixels_b.shape:
            raise ValueError(
                f"{a.where} is {_shape(pixels_a)} but the reference {b.where} is {_shape(pixels_b)}"
            )
        result = metrics.mean_errors(pixels_a, pixels_b, epsilon=epsilon)
        with self._lock:
            self._cache[key] = result
            if len(self._cache) > _ERRORS_CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def _cached_flip_means(self, a: ExrStep, b: ExrStep) -> dict[str, float]:
        """Mean FLIP of the pair for the modes already computed (never computes one)."""
        with self._lock:
            found = {mode: self._flip_cache.get((a.sha256_hex, b.sha256_hex, mode)) for mode in FLIP_MODES}
        return {f"flip_{mode}": result.mean for mode, result in found.items() if result is not None}

    def _serve_flip(self, request: wrappers.Request) -> wrappers.Response:
        run, tag = request_params.run_and_tag(request)
        step = request_params.integer(request, "step")
        ref_run = request.args.get("ref_run", run)
        ref_tag = request_params.required(request, "ref_tag")
        mode = request_params.one_of(request, "mode", FLIP_MODES, lower=True)
        response_format = request_params.one_of(request, "format", _FLIP_FORMATS)
        scope = request_params.read_scope(request)
        a = self._store.step(scope, run, tag, step)
        b = self._store.step(scope, ref_run, ref_tag, step)
        key = (a.sha256_hex, b.sha256_hex, mode)
        etag = '"flip-' + "-".join(key) + '"'
        if response_format == "exr" and request.if_none_match.contains(etag.strip('"')):
            return http_util.Respond(request, b"", EXR_MIME_TYPE, code=304, headers=[("ETag", etag)])
        result = self._flip(scope, a, b, mode)
        if response_format == "json":
            body = {"mean": result.mean, "mode": mode, "parameters": result.parameters}
            return http_util.Respond(request, body, "application/json")
        headers = [("ETag", etag), ("X-Flip-Mean", repr(result.mean))]
        response = http_util.Respond(request, result.exr_bytes(), EXR_MIME_TYPE, headers=headers)
        response.headers["Cache-Control"] = REVALIDATE_CACHE_CONTROL
        return response

    def _flip(self, scope: ReadScope, a: ExrStep, b: ExrStep, mode: str) -> metrics.FlipResult:
        """The FLIP map of `a` against the reference `b`, computed once per pair of contents and mode."""
        key = (a.sha256_hex, b.sha256_hex, mode)
        with self._lock:
            result = self._flip_cache.get(key)
            if result is not None:
                self._flip_cache.move_to_end(key)
                return result
        try:
            result = metrics.flip(self._decode(scope, a), self._decode(scope, b), mode, where=a.where)
        except ValueError as e:  # undecodable bytes, images of different sizes, no flip-evaluator
            raise errors.InvalidArgumentError(str(e)) from None
        with self._lock:
            self._flip_cache[key] = result
            if len(self._flip_cache) > _FLIP_CACHE_SIZE:
                self._flip_cache.popitem(last=False)
        return result

    def _decode(self, scope: ReadScope, step: ExrStep) -> Any:
        """The step's colour channels (`metrics.decode_colour`); ValueError if they cannot be decoded."""
        return metrics.decode_colour(self._store.exr_bytes(scope, step), step.where)


def _shape(pixels: Any) -> str:
    return f"{pixels.shape[1]}x{pixels.shape[0]} with {pixels.shape[2]} colour channel(s)"
