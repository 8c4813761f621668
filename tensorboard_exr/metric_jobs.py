"""Server-side metrics as background jobs: bounded, shared, cancellable, with progress.

Both servers hand their slow work to one `MetricJobs`: the TensorBoard plugin's comparison routes
(`compare_routes.py`: FLIP maps, errors over steps) and the review server's FLIP route
(`standalone/metric_routes.py`). The HTTP contract (tensorboard_exr/http_api.md, "Background
jobs") follows from what this module guarantees:

* A request never waits for a job longer than `ANSWER_WITHIN`: if the job is not done by then the
  route answers `202 Accepted` with the job's `status()` and `Retry-After: RETRY_AFTER`, and the
  client asks again with the same URL.
* Jobs are keyed by what they compute (`JobKey`: the metric, the contents compared and the
  parameters), so a second client asking for the same thing joins the running job.
* At most `slots` jobs compute at once, each in its own worker process (`metric_worker.py`: FLIP
  holds the GIL, so a thread would stall the whole server); others wait their turn. A job whose
  work `yield`s between units (the errors over steps, one step pair per unit) gives up its slot
  after each unit, so a long job cannot hold a quick one back for long.
* A job that nobody has asked for in `abandon_after` seconds is cancelled: dropped if queued,
  its worker process killed if running.
"""

from __future__ import annotations

import atexit
import collections
import dataclasses
import inspect
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Final

from tensorboard_exr.metric_worker import WorkerCancelled, WorkerProcess

logger = logging.getLogger(__name__)

ANSWER_WITHIN: Final = 0.25
"""Seconds a route waits for a job before answering 202 (the bar is a second per request)."""
RETRY_AFTER: Final = 1
"""Seconds the 202 tells the client to wait before asking again (`Retry-After`)."""
ABANDON_AFTER: Final = 10.0
"""Seconds without a request for a job's result after which it is cancelled."""
KEEP_FINISHED: Final = 60.0
"""Seconds a finished job's result or error stays for the clients still polling it."""
SLOTS_VARIABLE: Final = "TENSORBOARD_EXR_METRIC_WORKERS"
"""Environment variable: how many jobs may compute at once (default: half the usable cores, at least 1)."""
ABANDON_VARIABLE: Final = "TENSORBOARD_EXR_ABANDON_SECONDS"
"""Environment variable overriding `ABANDON_AFTER` (tests shorten it)."""


@dataclasses.dataclass(frozen=True)
class JobKey:
    """What a job computes; two requests with equal keys share one job (and one cached result).

    `inputs` name the compared contents (SHA-256 in TensorBoard, file versions in the review
    server), `parameters` every request parameter that changes the result, as sorted
    (name, value) pairs: `(("mode", "hdr"),)` for FLIP, `(("epsilon", 0.01),)` for relMSE.
    """

    metric: str
    inputs: tuple[str, ...]
    parameters: tuple[tuple[str, Any], ...] = ()

    def tag(self) -> str:
        """A stable text form, for ETags and logs: `flip:mode=hdr:<sha a>:<sha b>`."""
        parameters = ":".join(f"{name}={value!r}".replace('"', "'") for name, value in self.parameters)
        return ":".join(filter(None, [self.metric, parameters, *self.inputs]))


class JobCancelled(Exception):
    """Raised inside a job's work when nobody wants its result any more."""


@dataclasses.dataclass
class _Phase:
    name: str
    start: float  # progress at the phase's start, 0..1
    end: float  # progress at its end
    expected_seconds: float | None  # how long it should take, for a time-based estimate
    since: float


PhaseSpans = Callable[[str, float], tuple[float, float, "float | None"]]
"""A worker task's phase (name, amount) → the job's progress span (start, end, expected seconds)."""


class JobContext:
    """What a job's work gets: progress reports, the slot's worker process, cancellation."""

    def __init__(self, job: Job) -> None:
        self._job = job
        self.worker: WorkerProcess | None = None  # the running slot's, set before each unit

    @property
    def cancelled(self) -> bool:
        return self._job.abandoned()

    def phase(
        self, name: str, start: float, end: float | None = None, expected_seconds: float | None = None
    ) -> None:
        """Reports that the job now does `name`, from progress `start` to `end` (0..1).

        With `expected_seconds` the progress moves towards `end` with the time spent (never past
        95% of the way: it is an estimate).
        """
        self._job.set_phase(
            _Phase(name, start, start if end is None else end, expected_seconds, time.monotonic())
        )

    def call(self, task: str, *args: Any, phases: PhaseSpans | None = None) -> Any:
        """Runs `task` in the slot's worker process (metric_worker.TASKS).

        `phases(name, amount)` turns each phase the task reports into (start, end, expected
        seconds) for `phase`; without it the progress stays where it is. Raises `JobCancelled` as
        soon as the job is abandoned (the process is killed).
        """
        assert self.worker is not None, "call() runs inside a job's unit of work"

        def on_phase(name: str, amount: float) -> None:
            here = self._job.progress()
            start, end, expected = phases(name, amount) if phases else (here, here, None)
            self.phase(name, start, end, expected)

        try:
            return self.worker.call(task, *args, on_phase=on_phase, cancelled=lambda: self.cancelled)
        except WorkerCancelled:
            raise JobCancelled(self._job.key.tag()) from None


Work = Callable[[JobContext], Any]
"""A job's work: returns its result, or a generator that `yield`s between units and returns it."""


class Job:
    """One computation and the clients waiting for it."""

    def __init__(self, number: int, key: JobKey, work: Work, abandon_after: float) -> None:
        self.number = number
        self.key = key
        self.work = work
        self.state = "queued"  # queued → running → done | failed | cancelled
        self.created = self.last_wanted = time.monotonic()
        self.finished_at: float | None = None
        self.context = JobContext(self)
        self.steps: Iterator[None] | None = None
        self._abandon_after = abandon_after
        self._phase = _Phase("queued", 0.0, 0.0, None, self.created)
        self._result: Any = None
        self._error: BaseException | None = None
        self._finished = threading.Event()

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wanted(self) -> None:
        """A client asked for the result: the job is not abandoned."""
        self.last_wanted = time.monotonic()

    def abandoned(self) -> bool:
        return time.monotonic() - self.last_wanted > self._abandon_after

    def wait(self, seconds: float) -> bool:
        return self._finished.wait(seconds)

    def outcome(self) -> Any:
        """The result of a finished job; raises the job's error if it failed."""
        if self._error is not None:
            raise self._error
        return self._result

    def set_phase(self, phase: _Phase) -> None:
        self._phase = phase

    def progress(self) -> float:
        """The estimated fraction done (0..1)."""
        if self.state == "done":
            return 1.0
        p = self._phase
        if p.expected_seconds:
            fraction = min(0.95, (time.monotonic() - p.since) / p.expected_seconds)
            return p.start + fraction * (p.end - p.start)
        return p.start

    def finish(self, state: str, result: Any = None, error: BaseException | None = None) -> None:
        self.state, self._result, self._error = state, result, error
        self.finished_at = time.monotonic()
        self.steps = None
        self._finished.set()

    def status(self, queue_position: int | None) -> dict[str, Any]:
        """The job as the 202 body shows it (http_api.md, "Background jobs")."""
        return {
            "job": self.number,
            "metric": self.key.metric,
            "state": self.state,
            "phase": self._phase.name,
            "progress": round(self.progress(), 4),
            "elapsed": round(time.monotonic() - self.created, 3),
            "queue_position": queue_position,
            "retry_after": RETRY_AFTER,
        }


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _from_environment(name: str, default: float) -> float:
    """A positive number from the environment variable `name`, else `default` (a bad value is
    logged, never fatal: it would keep the whole plugin from loading)."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value > 0:
        return value
    logger.warning("%s=%r is not a positive number: using %s", name, text, default)
    return default


def default_slots() -> int:
    """`TENSORBOARD_EXR_METRIC_WORKERS`, else half the usable cores (at least 1)."""
    return max(1, int(_from_environment(SLOTS_VARIABLE, max(1, usable_cores() // 2))))


class MetricJobs:
    """Runs jobs on `slots` threads, each with its own worker process; see the module docstring."""

    def __init__(self, slots: int | None = None, abandon_after: float | None = None) -> None:
        self.slots = slots or default_slots()
        self.abandon_after = abandon_after or _from_environment(ABANDON_VARIABLE, ABANDON_AFTER)
        self._jobs: dict[JobKey, Job] = {}
        self._runnable: collections.deque[Job] = collections.deque()
        self._lock = threading.Condition()
        self._numbers = itertools.count(1)
        self._workers: list[WorkerProcess] = []
        self._started = False
        self._closed = False

    def run(self, key: JobKey, work: Work, wait: float = ANSWER_WITHIN) -> Job:
        """The job computing `key` (started with `work` unless one runs or just finished), after
        waiting up to `wait` seconds for it to finish."""
        with self._lock:
            self._forget_finished()
            job = self._jobs.get(key)
            if job is None or job.state == "cancelled":
                job = Job(next(self._numbers), key, work, self.abandon_after)
                self._jobs[key] = job
                self._runnable.append(job)
                self._start_slots()
                self._lock.notify()
            job.wanted()
        job.wait(wait)
        return job

    def status(self, job: Job) -> dict[str, Any]:
        """`job.status()` with its place in the queue (0: next to start) while it waits to start."""
        with self._lock:
            waiting = [j for j in self._runnable if j.steps is None and j.state == "queued"]
            position = waiting.index(job) if job in waiting else None
            return job.status(position)

    def close(self) -> None:
        """Stops the slots after their current unit and kills the worker processes."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        for worker in self._workers:
            worker.close()

    def _forget_finished(self) -> None:
        now = time.monotonic()
        for key, job in list(self._jobs.items()):
            if job.finished_at is not None and now - job.finished_at > KEEP_FINISHED:
                del self._jobs[key]

    def _start_slots(self) -> None:
        if self._started:
            return
        self._started = True
        atexit.register(self.close)
        for index in range(self.slots):
            worker = WorkerProcess()
            self._workers.append(worker)
            threading.Thread(
                target=self._slot, args=(worker,), daemon=True, name=f"exr-metric-slot-{index}"
            ).start()

    def _next_job(self) -> Job | None:
        """The next job to give a unit of work to (round robin); None when closing."""
        with self._lock:
            while True:
                if self._closed:
                    return None
                while self._runnable:
                    job = self._runnable.popleft()
                    if job.abandoned():
                        self._cancel(job)
                        continue
                    return job
                self._lock.wait()

    def _slot(self, worker: WorkerProcess) -> None:
        while (job := self._next_job()) is not None:
            self._run_unit(job, worker)

    def _run_unit(self, job: Job, worker: WorkerProcess) -> None:
        """Runs one unit of `job`'s work on `worker` and puts the job back if more remains."""
        job.context.worker = worker
        if job.state == "queued":
            job.state = "running"
            job.set_phase(_Phase("starting", 0.0, 0.0, None, time.monotonic()))
        try:
            if job.steps is None:
                outcome = job.work(job.context)
                if not inspect.isgenerator(outcome):
                    return self._finish(job, "done", result=outcome)
                job.steps = outcome
            next(job.steps)
        except StopIteration as stop:
            return self._finish(job, "done", result=stop.value)
        except JobCancelled:
            with self._lock:
                return self._cancel(job)
        except Exception as error:  # the clients get it from outcome(); routes answer it as JSON
            return self._finish(job, "failed", error=error)
        with self._lock:
            self._runnable.append(job)
            self._lock.notify()

    def _finish(self, job: Job, state: str, result: Any = None, error: BaseException | None = None) -> None:
        with self._lock:
            job.finish(state, result, error)

    def _cancel(self, job: Job) -> None:
        """Drops an abandoned job (the lock is held)."""
        idle = time.monotonic() - job.last_wanted
        logger.info(
            "metric job %d (%s) cancelled: no client asked for it in %.0f s", job.number, job.key.tag(), idle
        )
        if job.steps is not None:
            job.steps.close()
        job.finish("cancelled", error=JobCancelled(job.key.tag()))
        if self._jobs.get(job.key) is job:
            del self._jobs[job.key]
