"""The review server (`tensorboard-exr serve`): tree listing cost and file throughput.

    .venv/bin/python bench/bench_review_server.py [--scenes 200] [--repeats 5]

1. GET /api/tree for a results folder of 3 methods x SCENES scenes x 20 passes (empty .exr
   files: the listing never reads them), against the baseline of a bare `os.walk` of the same
   folder in the same run; the ratio is what grouping, stat-ing and JSON cost on top of walking.
2. GET /files/<path> of one uncompressed 2560x1536 RGBA half EXR (31.5 MB) and a conditional
   GET answered with 304, against Python's `http.server` serving the same bytes from memory.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import OpenEXR

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))
from review_server import ReviewServer  # noqa: E402


def median_seconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def make_results(folder: Path, scenes: int) -> int:
    count = 0
    for method in ("noisy", "denoised", "reference"):
        for scene in range(scenes):
            (folder / method / f"scene{scene}").mkdir(parents=True, exist_ok=True)
            for index in range(20):
                (folder / method / f"scene{scene}" / f"pass{index}.exr").write_bytes(b"")
                count += 1
    return count


def bench_tree(base: Path, scenes: int, repeats: int) -> None:
    folder = base / "results"
    files = make_results(folder, scenes)
    walk = median_seconds(lambda: sum(len(f) for _, _, f in os.walk(folder)), repeats)
    with ReviewServer(folder, ["--quiet"]) as server:
        size = len(get(server.port, "/api/tree")[1])
        tree = median_seconds(lambda: get(server.port, "/api/tree"), repeats)
    print(f"tree: {files} files, {size / 1e6:.1f} MB of JSON")
    print(f"  GET /api/tree        {tree * 1000:8.1f} ms  ({tree / files * 1e6:.1f} us per file)")
    print(f"  os.walk (baseline)   {walk * 1000:8.1f} ms")
    print(f"  ratio tree / walk    {tree / walk:8.1f} x")


class _MemoryHandler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Type", "image/x-exr")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def bench_file(base: Path, repeats: int) -> None:
    folder = base / "big"
    rng = np.random.default_rng(0)
    pixels = rng.random((1536, 2560, 4), dtype=np.float32).astype(np.float16).astype(np.float32)
    path = folder / "render.exr"
    folder.mkdir()
    header = {"compression": OpenEXR.NO_COMPRESSION, "type": OpenEXR.scanlineimage}
    with OpenEXR.File(header, {"RGBA": pixels.astype(np.float16)}) as exr:
        exr.write(str(path))
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    _MemoryHandler.body = data
    baseline_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _MemoryHandler)
    threading.Thread(target=baseline_server.serve_forever, daemon=True).start()
    try:
        baseline = median_seconds(lambda: get(baseline_server.server_address[1], "/"), repeats)
    finally:
        baseline_server.shutdown()
        baseline_server.server_close()
    with ReviewServer(folder, ["--quiet"]) as server:
        status, body = get(server.port, "/files/render.exr")
        assert status == 200 and hashlib.sha256(body).hexdigest() == digest, "served bytes differ"
        served = median_seconds(lambda: get(server.port, "/files/render.exr"), repeats)
        etag = '"' + server.get("/files/render.exr").headers["etag"].strip('"') + '"'
        assert get(server.port, "/files/render.exr", {"If-None-Match": etag})[0] == 304
        not_modified = median_seconds(
            lambda: get(server.port, "/files/render.exr", {"If-None-Match": etag}), repeats
        )
    mb = len(data) / 1e6
    print(f"file: {mb:.1f} MB uncompressed half RGBA 2560x1536")
    print(f"  GET /files/…         {served * 1000:8.1f} ms  {mb / served:7.0f} MB/s")
    print(f"  http.server (memory) {baseline * 1000:8.1f} ms  {mb / baseline:7.0f} MB/s")
    print(f"  ratio served / base  {served / baseline:8.2f} x")
    print(f"  304 revalidation     {not_modified * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenes", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_tree(Path(tmp), args.scenes, args.repeats)
        bench_file(Path(tmp), args.repeats)


if __name__ == "__main__":
    main()
