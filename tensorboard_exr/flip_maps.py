"""FLIP maps for both servers: background jobs (`metric_jobs`), cached by contents and mode.

The TensorBoard plugin's `flip` route (`compare_routes.py`) and the review server's
(`standalone/metric_routes.py`) differ only in how they name and read the two images; the job,
its progress, its cache and the mean kept for the error over steps are here.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
from collections.abc import Callable
from typing import Any, Final

from tensorboard_exr.metric_jobs import Job, JobContext, JobKey, MetricJobs

FLIP_MODES: Final = ("ldr", "hdr")
_MAP_BUDGET_BYTES: Final = 256 * 1024 * 1024
"""Cached maps are float32 EXRs (8 MB at 1920x1080, 33 MB at 3840x2160): at most this many bytes."""
_MEANS_KEPT: Final = 100_000
# Seconds per compared pixel before one was measured in this server (the 2-core VM, in the worker
# process: 1920x1080 took 2.4-4.3 s LDR, 6.4-7.2 s HDR); then the last measurement.
_DEFAULT_SECONDS_PER_PIXEL: Final = {"ldr": 1.7e-6, "hdr": 3.3e-6}


@dataclasses.dataclass(frozen=True)
class FlipMap:
    """A FLIP map as served: a single-channel (`Y`) float32 EXR, its mean and FLIP's parameters."""

    exr: bytes
    mean: float
    parameters: dict[str, Any]


def flip_key(test_id: str, reference_id: str, mode: str) -> JobKey:
    """The job and cache key of the FLIP of `test_id` against `reference_id` (content ids)."""
    return JobKey("flip", (test_id, reference_id), (("mode", mode),))


class FlipMaps:
    """Computes FLIP maps as jobs on `jobs` and keeps the recent ones (and every mean)."""

    def __init__(self, jobs: MetricJobs, budget_bytes: int = _MAP_BUDGET_BYTES) -> None:
        self._jobs = jobs
        self._budget = budget_bytes
        self._maps: collections.OrderedDict[JobKey, FlipMap] = collections.OrderedDict()
        self._map_bytes = 0
        self._means: collections.OrderedDict[JobKey, float] = collections.OrderedDict()
        self._seconds_per_pixel = dict(_DEFAULT_SECONDS_PER_PIXEL)
        self._lock = threading.Lock()

    def get(
        self,
        key: JobKey,
        read_test: Callable[[], bytes],
        read_reference: Callable[[], bytes],
        where: str,
    ) -> FlipMap | Job:
        """The map if it is cached or computed within `metric_jobs.ANSWER_WITHIN`, else its job.

        `read_test`/`read_reference` return the EXRs' bytes (they run on the job's thread);
        `where` names the test image in error messages. A finished job's `outcome()` is the map
        or raises ValueError (undecodable, sizes differ, no flip-evaluator) or the reader's error.
        """
        with self._lock:
            found = self._maps.get(key)
            if found is not None:
                self._maps.move_to_end(key)
                return found
        work = lambda context: self._compute(context, key, read_test, read_reference, where)  # noqa: E731
        job = self._jobs.run(key, work)
        return job.outcome() if job.finished else job

    def mean(self, key: JobKey) -> float | None:
        """The mean FLIP of `key` if it was computed by this server (never computes it)."""
        with self._lock:
            return self._means.get(key)

    def _compute(
        self,
        context: JobContext,
        key: JobKey,
        read_test: Callable[[], bytes],
        read_reference: Callable[[], bytes],
        where: str,
    ) -> FlipMap:
        mode = dict(key.parameters)["mode"]
        context.phase("reading the images", 0.0)
        test, reference = read_test(), read_reference()

        def spans(phase: str, amount: float) -> tuple[float, float, float | None]:
            if phase == "computing FLIP":
                return 0.1, 0.95, amount * self._seconds_per_pixel[mode]
            return (0.02, 0.1, None) if phase == "decoding" else (0.95, 1.0, None)

        exr, mean, parameters, seconds_per_pixel = context.call(
            "flip", test, reference, mode, where, phases=spans
        )
        result = FlipMap(exr, mean, parameters)
        with self._lock:
            self._seconds_per_pixel[mode] = seconds_per_pixel
            self._remember(key, result)
        return result

    def _remember(self, key: JobKey, result: FlipMap) -> None:
        """Caches `result` (the lock is held), dropping the least recently used maps over budget."""
        self._means[key] = result.mean
        if len(self._means) > _MEANS_KEPT:
            self._means.popitem(last=False)
        self._maps[key] = result
        self._map_bytes += len(result.exr)
        while self._map_bytes > self._budget and len(self._maps) > 1:
            _, dropped = self._maps.popitem(last=False)
            self._map_bytes -= len(dropped.exr)
