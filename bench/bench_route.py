"""Throughput of the `exr` route for a ~30 MB EXR on loopback, with both TensorBoard loaders.

    .venv/bin/python bench/bench_route.py [--repeats 5]

Logs one uncompressed 2560x1536 RGBA half EXR (31.5 MB) inline and once more with file storage,
starts a real `tensorboard` per loader and times GET /data/plugin/exr/exr for both (goal >=
500 MB/s) and a conditional GET answered with 304.
The baseline is Python's own `http.server` serving the same bytes from memory on loopback,
measured with the same client in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from tb_server import TensorBoardServer  # noqa: E402

from tensorboard_exr import summary as exr_summary  # noqa: E402


def timed_gets(get, path: str, repeats: int, expected_sha256: str, headers=None) -> tuple[float, int, int]:
    """Median seconds per GET, body size and status; checks the body's sha256 on 200."""
    times, size, status = [], 0, 0
    for _ in range(repeats):
        start = time.perf_counter()
        response = get(path, headers)
        times.append(time.perf_counter() - start)
        size, status = len(response.body), response.status
        if status == 200 and hashlib.sha256(response.body).hexdigest() != expected_sha256:
            raise SystemExit(f"GET {path}: served bytes differ from the logged ones")
    return statistics.median(times), size, status


def baseline_server(blob: bytes) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "image/x-exr")
            self.send_header("Content-Length", str(len(blob)))
            self.end_headers()
            self.wfile.write(blob)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    pixels = np.random.default_rng(0).standard_normal((1536, 2560, 4)).astype(np.float16)
    with tempfile.TemporaryDirectory() as logdir:
        with exr_summary.Writer(os.path.join(logdir, "run"), background=False, storage="inline") as writer:
            exr_summary.image("big", pixels, 0, compression="none", writer=writer)
        with exr_summary.Writer(os.path.join(logdir, "stored"), background=False, storage="file") as writer:
            exr_summary.image("big", pixels, 0, compression="none", writer=writer)
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

        (path,) = [os.path.join(logdir, "run", n) for n in os.listdir(os.path.join(logdir, "run"))]  # inline
        blob = (
            next(e for e in EventFileLoader(path).Load() if e.summary.value)
            .summary.value[0]
            .tensor.string_val[1]
        )
        digest = hashlib.sha256(blob).hexdigest()
        megabytes = len(blob) / 1e6
        print(f"EXR: {megabytes:.1f} MB, {args.repeats} GETs each, medians\n")

        baseline = baseline_server(blob)
        probe = TensorBoardServer(logdir, load_fast=False)  # only its HTTP client is used here
        probe.port = baseline.server_address[1]
        base_seconds, _, _ = timed_gets(probe.get, "/blob", args.repeats, digest)
        baseline.shutdown()
        base_rate = megabytes / base_seconds
        print(f"{'baseline: http.server from memory':<42} {base_seconds * 1e3:7.1f} ms {base_rate:8.0f} MB/s")

        for load_fast in (False, True):
            loader = "rust data server" if load_fast else "python loader"
            with TensorBoardServer(logdir, load_fast=load_fast, start_timeout=120) as tb:
                for run, storage in (("run", "inline"), ("stored", "file")):
                    query = urllib.parse.urlencode({"run": run, "tag": "big", "step": 0})
                    tb.wait_for_json(
                        f"/data/plugin/exr/steps?{query}", lambda steps: len(steps) == 1, timeout=300
                    )
                    url = f"/data/plugin/exr/exr?{query}"
                    seconds, size, status = timed_gets(tb.get, url, args.repeats, digest)
                    assert (status, size) == (200, len(blob)), (status, size)
                    rate = megabytes / seconds
                    label = f"exr route, {loader}, {storage}"
                    print(
                        f"{label:<42} {seconds * 1e3:7.1f} ms {rate:8.0f} MB/s "
                        f"({rate / base_rate:.2f}x baseline; goal >= 500 MB/s)"
                    )
                    etag = f'"{digest}"'
                    seconds, _, status = timed_gets(
                        tb.get, url, args.repeats, digest, {"If-None-Match": etag}
                    )
                    assert status == 304, status
                    print(f"{'  conditional GET -> 304':<42} {seconds * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
