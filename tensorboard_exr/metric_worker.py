"""A child process that computes server-side metrics, and the server's handle on it.

Why a process and not a thread: flip-evaluator holds the GIL for its whole evaluation (measured:
a 960x540 HDR-FLIP stopped every other thread of the Python process for 8 s), so in a thread it
would stall every request TensorBoard answers meanwhile; a process is also the only thing that can
be stopped halfway when nobody wants the result any more. The child runs at a lower priority
(`nice`), so the server's request threads get the CPU first, with one OpenMP thread by default
(flip-evaluator is built with OpenMP, but a second thread did not make a 1080p FLIP faster
here, 6.4-7.2 s HDR either way; one job per core scales better). Measured with 16 clients
loading the server (bench_load.py): at niceness 10 the server answered 307 requests/s and a 1080p
HDR-FLIP took 34 s; at 0, 207 requests/s and 31 s.

Protocol, both ends in this module: the server writes one request, a pickled `(task, args)` in a
length-prefixed frame, on the child's stdin; the child answers on stdout with frames
`("phase", (name, amount))` as it goes (`amount`: e.g. the pixels FLIP is about to compare),
then `("ok", result)`, `("error", message)` for input it cannot use (a ValueError: undecodable
bytes, sizes that differ) or `("crash", traceback)`. Requests and
answers hold EXR bytes, never decoded pixels.

    python -m tensorboard_exr.metric_worker      # what WorkerProcess starts
"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import IO, Any, Final

_LENGTH: Final = struct.Struct("<Q")
_NICENESS: Final = 10
_POLL_SECONDS: Final = 0.1
_PR_SET_PDEATHSIG: Final = 1
_PARENT_VARIABLE: Final = "TENSORBOARD_EXR_METRIC_SERVER_PID"


class WorkerCancelled(Exception):
    """The call was given up (`cancelled()` became true): the child was killed."""


class WorkerCrashed(Exception):
    """The child died or failed outside the metric's own checks (the message says how)."""


def _write_frame(stream: IO[bytes], value: Any) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> Any:
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError("the stream ended")
    (length,) = _LENGTH.unpack(header)
    payload = stream.read(length)
    if len(payload) < length:
        raise EOFError("the stream ended inside a frame")
    return pickle.loads(payload)  # noqa: S301 - frames come from our own child or parent


class WorkerProcess:
    """One child process (started on first use, restarted after a kill) running one call at a time.

    Not thread-safe: each scheduler slot owns one.
    """

    def __init__(self, threads: int = 1) -> None:
        """`threads`: the child's OpenMP threads (`OMP_NUM_THREADS`)."""
        self._threads = max(1, threads)
        self._process: subprocess.Popen[bytes] | None = None
        self._frames: queue.Queue[Any] = queue.Queue()

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (tests and logs name it)."""
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def call(
        self,
        task: str,
        *args: Any,
        on_phase: Callable[[str, float], None] = lambda name, amount: None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Any:
        """Runs `task(*args)` in the child and returns its result.

        Raises ValueError with the task's message for input it cannot use, `WorkerCancelled` if
        `cancelled()` turns true first (the child is killed at once), `WorkerCrashed` otherwise.
        """
        process = self._started()
        try:
            assert process.stdin is not None
            _write_frame(process.stdin, (task, args))
        except OSError as e:
            self.close()
            raise WorkerCrashed(f"the metric worker process stopped taking work: {e}") from None
        while True:
            if cancelled():
                self.close()
                raise WorkerCancelled(task)
            try:
                kind, value = self._frames.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
            if kind == "phase":
                on_phase(*value)
            elif kind == "ok":
                return value
            elif kind == "error":
                raise ValueError(value)
            else:
                self.close()
                raise WorkerCrashed(f"the metric worker process failed: {value}")

    def close(self) -> None:
        """Kills the child (if any); the next call starts a new one."""
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self.close()
        package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        environment = {
            **os.environ,
            "OMP_NUM_THREADS": str(self._threads),
            _PARENT_VARIABLE: str(os.getpid()),
            # The child imports this very package, wherever the server found it.
            "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])),
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tensorboard_exr.metric_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
        )
        self._frames = queue.Queue()
        threading.Thread(
            target=_forward_frames, args=(self._process, self._frames), daemon=True, name="exr-metric-frames"
        ).start()
        return self._process


def _forward_frames(process: subprocess.Popen[bytes], frames: queue.Queue[Any]) -> None:
    """Moves the child's answers to `frames` (a thread, so that waiting for them can be given up)."""
    assert process.stdout is not None
    try:
        while True:
            frames.put(_read_frame(process.stdout))
    except (EOFError, OSError, ValueError, pickle.UnpicklingError):
        status = process.wait()
        frames.put(("crash", f"it exited with status {status}"))


# The child's side.


def _flip(
    test_exr: bytes, reference_exr: bytes, mode: str, where: str, phase: Callable[[str, float], None]
) -> Any:
    """FLIP of two EXRs: (the map as a float EXR, its mean, FLIP's parameters, FLIP's seconds per pixel)."""
    from tensorboard_exr import metrics

    phase("decoding", len(test_exr) + len(reference_exr))
    test = metrics.decode_colour(test_exr, where)
    reference = metrics.decode_colour(reference_exr, f"the reference of {where}")
    phase("computing FLIP", test.shape[0] * test.shape[1])
    started = time.monotonic()
    result = metrics.flip(test, reference, mode, where=where)
    seconds = time.monotonic() - started
    phase("encoding the map", result.map.size)
    return result.exr_bytes(), result.mean, result.parameters, seconds / max(1, result.map.size)


def _mean_errors(
    a_exr: bytes,
    b_exr: bytes,
    where_a: str,
    where_b: str,
    epsilon: float,
    phase: Callable[[str, float], None],
) -> dict[str, Any]:
    """`metrics.mean_errors` of two EXRs; a ValueError naming both if their sizes differ."""
    from tensorboard_exr import metrics

    phase("decoding", len(a_exr) + len(b_exr))
    a, b = metrics.decode_colour(a_exr, where_a), metrics.decode_colour(b_exr, where_b)
    if a.shape != b.shape:
        raise ValueError(f"{where_a} is {_shape(a)} but the reference {where_b} is {_shape(b)}")
    phase("measuring", a.size)
    return metrics.mean_errors(a, b, epsilon=epsilon)


def _shape(pixels: Any) -> str:
    return f"{pixels.shape[1]}x{pixels.shape[0]} with {pixels.shape[2]} colour channel(s)"


TASKS: Final[dict[str, Callable[..., Any]]] = {"flip": _flip, "mean_errors": _mean_errors}


def _die_with_the_server() -> None:
    """On Linux the kernel kills this process when the server dies, even halfway through a FLIP
    of minutes; elsewhere the closed stdin ends it after the current task."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if str(os.getppid()) != os.environ.get(_PARENT_VARIABLE):  # it died before prctl
        os._exit(0)


def main() -> None:
    """The child's loop: one request at a time from stdin, answers on stdout, until stdin closes."""
    _die_with_the_server()
    if hasattr(os, "nice"):
        os.nice(_NICENESS)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the frames
    while True:
        try:
            task, args = _read_frame(requests)
        except EOFError:
            return
        try:
            result = TASKS[task](
                *args, phase=lambda name, amount: _write_frame(answers, ("phase", (name, amount)))
            )
        except ValueError as e:
            _write_frame(answers, ("error", str(e)))
        except Exception:
            _write_frame(answers, ("crash", traceback.format_exc(limit=5)))
        else:
            _write_frame(answers, ("ok", result))


if __name__ == "__main__":
    main()
