"""Comparison routes of the EXR plugin: error over steps, and NVIDIA's FLIP as an error map.

Registered by `plugin.ExrPlugin.get_plugin_apps`; documented in http_api.md ("Comparison routes",
"Background jobs"). The errors are computed from the original EXR bytes by
`tensorboard_exr.metrics`, the same reference implementation the browser tests use, in background
jobs (`metric_jobs.MetricJobs`: worker processes, at most a second per request, 202 with progress
until done), and cached per pair of image contents (SHA-256) and parameters, so a pair is decoded
and measured once per server.
"""

from __future__ import annotations

import collections
import concurrent.futures
import hashlib
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any, Final

from tensorboard import errors
from tensorboard.backend import http_util
from werkzeug import wrappers

from tensorboard_exr import metrics, request_params, route_errors
from tensorboard_exr.exr_http import EXR_MIME_TYPE, REVALIDATE_CACHE_CONTROL, not_modified
from tensorboard_exr.exr_store import ExrStep, ExrStore, ReadScope
from tensorboard_exr.flip_maps import FLIP_MODES, FlipMap, FlipMaps, flip_key
from tensorboard_exr.metric_jobs import RETRY_AFTER, Job, JobContext, JobKey, MetricJobs

_ERRORS_CACHE_SIZE: Final = 10_000
_READ_AHEAD_PAIRS: Final = 16
_READ_AHEAD_BYTES: Final = 64 * 1024 * 1024
_FLIP_FORMATS: Final = ("exr", "json")

_Pair = tuple[ExrStep, ExrStep]
_PairRead = concurrent.futures.Future[tuple[bytes, bytes]]


def _read_ahead(
    readers: concurrent.futures.Executor, pairs: list[_Pair], read: Callable[[_Pair], tuple[bytes, bytes]]
) -> Iterator[_PairRead]:
    """`read(pair)` of each pair in order, started up to `_READ_AHEAD_PAIRS` pairs (and
    `_READ_AHEAD_BYTES`) ahead: an inline EXR read from the Rust data server waits ~44 ms
    whatever its size, which, one at a time, was most of the time of the errors over small images."""
    pending: collections.deque[tuple[int, _PairRead]] = collections.deque()
    ahead_bytes = 0
    following = iter(pairs)
    for _ in pairs:
        while len(pending) < _READ_AHEAD_PAIRS and (not pending or ahead_bytes < _READ_AHEAD_BYTES):
            pair = next(following, None)
            if pair is None:
                break
            size = sum(step.info.size if step.info else 0 for step in pair)
            pending.append((size, readers.submit(read, pair)))
            ahead_bytes += size
        size, future = pending.popleft()
        ahead_bytes -= size
        yield future


def _pair_key(a: ExrStep, b: ExrStep, epsilon: float) -> tuple[str, str, float]:
    """The errors cache's key (raises `NotFoundError` if a step's info cannot be read)."""
    return a.sha256_hex, b.sha256_hex, epsilon


def _error_steps_key(pairs: list[_Pair], epsilon: float) -> JobKey:
    """The job measuring `pairs`: the same listing and parameters from two clients is one job."""
    listing = ",".join(f"{a.sha256_hex}:{b.sha256_hex}" for a, b in pairs if a.info and b.info)
    digest = hashlib.sha256(listing.encode()).hexdigest()
    return JobKey("error_steps", (digest,), (("epsilon", epsilon),))


class ComparisonRoutes:
    """`/error_steps` (mean errors at every common step) and `/flip` (FLIP map of one step)."""

    def __init__(self, store: ExrStore, jobs: MetricJobs | None = None) -> None:
        """Reads steps and EXR bytes through `store`, so both loaders and file storage work."""
        self._store = store
        self._jobs = jobs or MetricJobs()
        self._flips = FlipMaps(self._jobs)
        self._readers = concurrent.futures.ThreadPoolExecutor(4, "exr-error-steps-read")
        # (sha256 a, sha256 b, epsilon) → the step's entry without "step": its errors, or "error".
        self._errors: collections.OrderedDict[tuple[str, str, float], dict[str, Any]] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()

    def routes(self) -> dict[str, Callable[[wrappers.Request], wrappers.Response]]:
        """The route handlers to merge into the plugin's `get_plugin_apps`."""
        return {"/error_steps": self._serve_error_steps, "/flip": self._serve_flip}

    # error_steps

    def _serve_error_steps(self, request: wrappers.Request) -> wrappers.Response:
        run, tag = request_params.run_and_tag(request)
        ref_run = request.args.get("ref_run", run)
        ref_tag = request_params.required(request, "ref_tag")
        epsilon = request_params.non_negative_number(request, "epsilon", metrics.RELATIVE_EPSILON)
        scope = request_params.read_scope(request)
        pairs = self._common_steps(scope, (run, tag), (ref_run, ref_tag))
        measured: dict[int, dict[str, Any]] = {}
        if self._unmeasured(pairs, epsilon):
            work = self._error_steps_work(scope, pairs, epsilon)
            job = self._jobs.run(_error_steps_key(pairs, epsilon), work)
            if not job.finished:
                entries = self._entries(pairs, epsilon, {})
                done = [e for e in entries if "pending" not in e]
                body = {**self._jobs.status(job), "done": len(done), "total": len(entries), "entries": done}
                return _accepted(request, body)
            measured = job.outcome()
        return http_util.Respond(request, self._entries(pairs, epsilon, measured), "application/json")

    def _common_steps(
        self, scope: ReadScope, image: tuple[str, str], reference: tuple[str, str]
    ) -> list[_Pair]:
        steps_a = {s.step: s for s in self._store.steps(scope, *image)}
        steps_b = {s.step: s for s in self._store.steps(scope, *reference)}
        return [(steps_a[step], steps_b[step]) for step in sorted(steps_a.keys() & steps_b.keys())]

    def _entries(
        self, pairs: list[_Pair], epsilon: float, measured_by_job: dict[int, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The `error_steps` entries, from the cache or else from the job's own results; a pair
        measured by neither yet has `"pending": True`."""
        entries = []
        for a, b in pairs:
            entry: dict[str, Any] = {"step": a.step}
            try:
                key = _pair_key(a, b, epsilon)
            except errors.PublicError as e:  # a step whose info cannot be read
                entry["error"] = route_errors.public_message(e)
                entries.append(entry)
                continue
            with self._lock:
                measured = self._errors.get(key) or measured_by_job.get(a.step)
            if measured is None:
                entry["pending"] = True
            else:
                entry.update(measured)
                if "error" not in measured:
                    for mode in FLIP_MODES:
                        mean = self._flips.mean(flip_key(a.sha256_hex, b.sha256_hex, mode))
                        if mean is not None:
                            entry[f"flip_{mode}"] = mean
            entries.append(entry)
        return entries

    def _unmeasured(self, pairs: list[_Pair], epsilon: float) -> list[_Pair]:
        """The pairs with readable infos whose errors are not known yet."""
        found = []
        for a, b in pairs:
            if a.info is not None and b.info is not None:
                with self._lock:
                    if _pair_key(a, b, epsilon) not in self._errors:
                        found.append((a, b))
        return found

    def _error_steps_work(
        self, scope: ReadScope, pairs: list[_Pair], epsilon: float
    ) -> Callable[[JobContext], Iterator[None]]:
        """Measures every pair not known yet, one pair per unit of work (other jobs run between).

        Returns {step: its entry} for every pair it measured, and for those whose EXR could not
        be read (e.g. a stored file missing: `{"error": …}`, not cached, the next job tries again).
        """

        def read(pair: _Pair) -> tuple[bytes, bytes]:
            return self._store.exr_bytes(scope, pair[0]), self._store.exr_bytes(scope, pair[1])

        def work(context: JobContext) -> Generator[None, None, dict[int, dict[str, Any]]]:
            results: dict[int, dict[str, Any]] = {}
            todo = self._unmeasured(pairs, epsilon)
            reads = _read_ahead(self._readers, todo, read)
            for index, ((a, b), exrs) in enumerate(zip(todo, reads, strict=True)):
                start, end = index / len(todo), (index + 1) / len(todo)
                context.phase(f"measuring step {a.step} ({index + 1} of {len(todo)})", start, end)
                try:
                    exr_a, exr_b = exrs.result()
                    measured = context.call("mean_errors", exr_a, exr_b, a.where, b.where, epsilon)
                except ValueError as e:  # sizes differ, undecodable bytes: a property of the contents
                    measured = {"error": str(e)}
                except errors.PublicError as e:
                    results[a.step] = {"error": route_errors.public_message(e)}
                    yield
                    continue
                results[a.step] = measured
                with self._lock:
                    self._errors[_pair_key(a, b, epsilon)] = measured
                    if len(self._errors) > _ERRORS_CACHE_SIZE:
                        self._errors.popitem(last=False)
                yield
            return results

        return work

    # flip

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
        etag = f'"flip-{a.sha256_hex}-{b.sha256_hex}-{mode}"'
        if response_format == "exr" and request.if_none_match.contains(etag.strip('"')):
            return not_modified(EXR_MIME_TYPE, [("ETag", etag)])
        try:
            found = self._flips.get(
                flip_key(a.sha256_hex, b.sha256_hex, mode),
                lambda: self._store.exr_bytes(scope, a),
                lambda: self._store.exr_bytes(scope, b),
                a.where,
            )
        except ValueError as e:  # undecodable bytes, images of different sizes, no flip-evaluator
            raise errors.InvalidArgumentError(str(e)) from None
        if isinstance(found, Job):
            return _accepted(request, self._jobs.status(found))
        return _flip_response(request, found, mode, response_format, etag)


def _flip_response(
    request: wrappers.Request, flip: FlipMap, mode: str, response_format: str, etag: str
) -> wrappers.Response:
    if response_format == "json":
        body = {"mean": flip.mean, "mode": mode, "parameters": flip.parameters}
        return http_util.Respond(request, body, "application/json")
    headers = [("ETag", etag), ("X-Flip-Mean", repr(flip.mean))]
    response = http_util.Respond(request, flip.exr, EXR_MIME_TYPE, headers=headers)
    response.headers["Cache-Control"] = REVALIDATE_CACHE_CONTROL
    return response


def _accepted(request: wrappers.Request, status: dict[str, Any]) -> wrappers.Response:
    """202 Accepted with the job's status: the client asks again with the same URL after Retry-After."""
    response = http_util.Respond(
        request, status, "application/json", code=202, headers=[("Retry-After", str(RETRY_AFTER))]
    )
    response.headers["Cache-Control"] = "no-store"
    return response
