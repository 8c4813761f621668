"""A real `tensorboard-exr serve` process on 127.0.0.1 for tests, and EXR files to serve.

    with ReviewServer(folder) as server:
        tree = server.get_json("/api/tree")
        response = server.get("/files/noisy/x.exr")

It runs `python -m tensorboard_exr serve PATH --port 0` with this interpreter and reads the port
from the line the server prints, so parallel servers never race for a port. `request()` sends
the path exactly as given (no normalisation of `..`), which the path-safety tests rely on.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import OpenEXR

_SERVING = re.compile(r"Serving \w+ .* at (http://127\.0\.0\.1:(\d+)/)")


def write_exr(path: Path, pixels: np.ndarray, channels: str = "RGB") -> bytes:
    """Writes an HxWxC float32 array as a ZIP-compressed scanline EXR; returns the file's bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    array = np.ascontiguousarray(pixels, dtype=np.float32)
    with OpenEXR.File(header, {channels: array}) as exr:
        exr.write(str(path))
    return path.read_bytes()


def constant_rgb(width: int, height: int, rgb: Sequence[float]) -> np.ndarray:
    """An HxWx3 float32 image of one colour."""
    return np.broadcast_to(np.asarray(rgb, dtype=np.float32), (height, width, 3)).copy()


@dataclasses.dataclass(frozen=True)
class Response:
    """An HTTP response: status, headers (lower-case names) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ReviewServer:
    """A `python -m tensorboard_exr serve PATH --host 127.0.0.1 --port 0` subprocess."""

    def __init__(self, path: Path, extra_args: Sequence[str] = (), start_timeout: float = 30.0) -> None:
        self.path = path
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.url = ""
        self.port = 0

    def __enter__(self) -> ReviewServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Starts the server; returns once it listens, raises RuntimeError if it exits first."""
        command = [sys.executable, "-m", "tensorboard_exr", "serve", str(self.path)]
        command += ["--host", "127.0.0.1", "--port", "0", *self.extra_args]
        environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment
        )
        threading.Thread(target=self._read_output, daemon=True).start()
        deadline = time.monotonic() + self.start_timeout
        while not self.ready.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                time.sleep(0.2)  # let the reader thread collect the last lines
                self.stop()
                raise RuntimeError(f"server did not start ({' '.join(command)}):\n{self.output()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def output(self) -> str:
        return "".join(self.lines)

    def request(
        self, method: str, path: str, headers: Mapping[str, str] | None = None, timeout: float = 30.0
    ) -> Response:
        """Sends `path` byte for byte (http.client does not resolve `..`)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, headers=dict(headers or {}))
            raw = connection.getresponse()
            body = raw.read()
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, body)
        finally:
            connection.close()

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        return self.request("GET", path, headers)

    def get_json(self, path: str) -> Any:
        response = self.get(path)
        if response.status != 200:
            raise AssertionError(f"GET {path}: HTTP {response.status}: {response.body[:500]!r}")
        return response.json()

    def _read_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw_line in self.process.stdout:
            line = raw_line.decode("utf-8", "replace")
            self.lines.append(line)
            match = _SERVING.search(line)
            if match and not self.ready.is_set():
                self.url, self.port = match.group(1), int(match.group(2))
                self.ready.set()
