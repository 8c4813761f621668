"""A real `tensorboard` process on 127.0.0.1 for tests: start, wait until serving, query, stop.

    with TensorBoardServer(logdir, load_fast=True) as tb:
        tags = tb.wait_for_json("/data/plugin/exr/tags", lambda tags: "run1" in tags)
        response = tb.get("/data/plugin/exr/exr?run=run1&tag=a&step=0")
        assert response.status == 200 and response.body[:4] == b"v/1\\x01"

It runs the venv's own `tensorboard` command (so the installed `tensorboard_plugins` entry point
is what loads the plugin), asks for port 0 and reads the port TensorBoard reports, so parallel
servers never race for a port. `load_fast=True` uses the Rust data server, `False` the Python
loader. Browser tests use `server.url` as the page to open.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Self


@dataclasses.dataclass(frozen=True)
class Response:
    """An HTTP response: status, headers (lower-case names) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class ServerProcess:
    """A server subprocess on 127.0.0.1 that prints the URL it listens on (port 0 → a free port).

    Subclasses give the command, the pattern of the line that names the URL and port, and a name
    for error messages; this class starts the process, waits for that line, queries and stops it.
    """

    name = "server"
    serving: re.Pattern[str]
    http_timeout = 60.0
    stop_timeout = 15.0

    def __init__(self, *, env: Mapping[str, str] | None = None, start_timeout: float = 60.0) -> None:
        self._env = dict(env or {})
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._output: list[str] = []
        self._ready = threading.Event()
        self.url = ""
        self.port = 0

    def command(self) -> list[str]:
        """The command line that starts the server."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Starts the server and returns once it serves HTTP; raises `RuntimeError` if it doesn't."""
        command = self.command()
        environment = {**os.environ, "PYTHONUNBUFFERED": "1", **self._env}
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment
        )
        threading.Thread(target=self._read_output, daemon=True).start()
        deadline = time.monotonic() + self._start_timeout
        while not self._ready.wait(0.05):
            if self._process.poll() is not None or time.monotonic() > deadline:
                time.sleep(0.2)  # let the reader thread collect the last lines
                output = self.output()
                self.stop()
                raise RuntimeError(f"{self.name} did not start ({' '.join(command)}):\n{output}")

    def stop(self) -> None:
        """Stops the process (and whatever it started); safe to call twice."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=self.stop_timeout)

    def output(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return "".join(self._output)

    def request(
        self, method: str, path: str, headers: Mapping[str, str] | None = None, timeout: float | None = None
    ) -> Response:
        """Sends `path` byte for byte (http.client does not resolve `..`) on a fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout or self.http_timeout)
        try:
            connection.request(method, path, headers=dict(headers or {}))
            raw = connection.getresponse()
            body = raw.read()
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, body)
        finally:
            connection.close()

    def get(
        self, path: str, headers: Mapping[str, str] | None = None, timeout: float | None = None
    ) -> Response:
        """GET `path` (e.g. "/data/plugin/exr/tags")."""
        return self.request("GET", path, headers, timeout)

    def get_job_result(self, path: str, timeout: float = 300.0) -> Response:
        """GET `path` of a background-job route (http_api.md, "Background jobs"): while it answers
        202 with the job's progress, asks again after its `Retry-After`; returns the final answer."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(path)
            if response.status != 202:
                return response
            if time.monotonic() > deadline:
                raise AssertionError(f"GET {path}: still 202 after {timeout} s: {response.body[:300]!r}")
            time.sleep(float(response.headers.get("retry-after", "1")))

    def get_json(self, path: str) -> Any:
        """GET `path`, require 200, return the parsed JSON."""
        response = self.get(path)
        if response.status != 200:
            raise AssertionError(f"GET {path}: HTTP {response.status}: {response.body[:500]!r}")
        return response.json()

    def _read_output(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for raw_line in self._process.stdout:
            line = raw_line.decode("utf-8", "replace")
            self._output.append(line)
            match = self.serving.search(line)
            if match and not self._ready.is_set():
                self.url, self.port = match.group(1), int(match.group(2))
                self._ready.set()


class TensorBoardServer(ServerProcess):
    """A `tensorboard --logdir LOGDIR --host 127.0.0.1 --port 0` subprocess.

    Args:
      logdir: Directory given to `--logdir`.
      load_fast: True for the Rust data server, False for the Python loader.
      extra_args: More command-line flags, e.g. `("--samples_per_plugin", "exr=0")`.
      env: Extra environment variables for the process.
      start_timeout: Seconds to wait for TensorBoard to report its URL.
    """

    name = "TensorBoard"
    serving = re.compile(r"TensorBoard \S+ at (http://127\.0\.0\.1:(\d+)/)")

    def __init__(
        self,
        logdir: str | os.PathLike[str],
        *,
        load_fast: bool,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        super().__init__(env=env, start_timeout=start_timeout)
        self.logdir = os.fspath(logdir)
        self.load_fast = load_fast
        self._extra_args = list(extra_args)

    def command(self) -> list[str]:
        """The venv's `tensorboard` with port 0, the chosen loader and a 1 s reload interval."""
        command = [
            _tensorboard_command(),
            "--logdir",
            self.logdir,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--load_fast",
            "true" if self.load_fast else "false",
            "--reload_interval",
            "1",
            *self._extra_args,
        ]
        if command[0] == sys.executable:
            command[1:1] = ["-m", "tensorboard.main"]
        return command

    def wait_for_json(self, path: str, ready: Callable[[Any], bool], timeout: float = 60.0) -> Any:
        """Polls `path` until `ready(json)` is true (the loaders ingest in the background)."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(path)
            value = response.json() if response.status == 200 else None
            if value is not None and ready(value):
                return value
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"GET {path} not ready after {timeout} s: "
                    f"HTTP {response.status} {response.body[:300]!r}\n"
                    f"TensorBoard output:\n{self.output()[-3000:]}"
                )
            time.sleep(0.2)


def _tensorboard_command() -> str:
    """The `tensorboard` script beside this interpreter (the venv's), else `python -m`."""
    candidate = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    if os.access(candidate, os.X_OK):
        return candidate
    return shutil.which("tensorboard") or sys.executable
