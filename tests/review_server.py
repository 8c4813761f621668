"""A real `tensorboard-exr serve` process on 127.0.0.1 for tests, and EXR files to serve.

    with ReviewServer(folder) as server:
        tree = server.get_json("/api/tree")
        response = server.get("/files/noisy/x.exr")

It runs `python -m tensorboard_exr serve PATH --port 0` with this interpreter and reads the port
from the line the server prints, so parallel servers never race for a port (the process handling
is tb_server.ServerProcess). `request()` sends the path exactly as given (no normalisation of
`..`), which the path-safety tests rely on.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import OpenEXR
from tb_server import ServerProcess


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


def loss_map(title: str, function: str, image_a: str, image_b: str) -> dict[str, object]:
    """A JERI config entry showing `function` of two images (tonemap group "other", as JERI's have)."""
    return {
        "title": title,
        "tonemapGroup": "other",
        "lossMap": {"function": function, "imageA": image_a, "imageB": image_b},
    }


class ReviewServer(ServerProcess):
    """A `python -m tensorboard_exr serve PATH --host 127.0.0.1 --port 0` subprocess."""

    serving = re.compile(r"Serving \w+ .* at (http://127\.0\.0\.1:(\d+)/)")
    http_timeout = 30.0
    stop_timeout = 10.0

    def __init__(self, path: Path, extra_args: Sequence[str] = (), start_timeout: float = 30.0) -> None:
        super().__init__(start_timeout=start_timeout)
        self.path = path
        self.extra_args = list(extra_args)

    def command(self) -> list[str]:
        """This interpreter running the review server on `path` with port 0."""
        command = [sys.executable, "-m", "tensorboard_exr", "serve", str(self.path)]
        return command + ["--host", "127.0.0.1", "--port", "0", *self.extra_args]
