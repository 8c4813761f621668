"""Many reviewers on one TensorBoard: throughput, latency, errors and memory under concurrent clients.

    .venv/bin/python bench/bench_load.py                       # 16 and 64 clients, both loaders
    .venv/bin/python bench/bench_load.py --clients 16 --seconds 20 --loaders rust

Writes one run of `--tags` tags x `--steps` steps of 3840x2160 half RGBA (PIZ, about 22 MB each,
stored as files as the writer's default does for big images; one encode per tag, steps made
distinct through a header attribute, as `bench_scale.py --vary header`), starts a real
`tensorboard` with the Python loader (`--load_fast=false`) and with the Rust data server
(`--load_fast=true`), waits until every step is listed, then runs `--clients` concurrent
clients for `--seconds`. Each client is a thread with a keep-alive connection, as a browser tab
has (TensorBoard's werkzeug server closes it after every answer anyway, so each request is a new
connection and a new server thread), and loops: list the tags (every 10th round), list a random
tag's steps, then fetch a random step's EXR three ways:

  * `exr-200`: the step's content-addressed `url` from `steps` (what the panel fetches first);
    the body's length is checked against `size`, and every 20th body's SHA-256 against `sha256`;
  * `exr-304`: the same step without `sha256`, with `If-None-Match` of an ETag it already holds
    (the revalidation a browser sends for a `no-cache` response): must answer 304 with no body;
  * `exr-reval-200`: a step it has not seen yet, without `sha256` (a first revalidating fetch).

Printed per loader and client count: requests per second (of every kind together), p50/p99
latency per kind, errors (any status other than the expected one, a wrong length or hash, a
timeout or a broken connection; goal: none), and TensorBoard's RSS (its process plus children,
the Rust data server and any metric workers) sampled every 0.5 s: at the start, at the end, and
the peak (goal: flat). The clients run on the same 2 cores as TensorBoard: figures are for
comparing runs of this script on one machine, under the load average it prints.

With `--flip N`, N 1920x1080 comparison pairs are logged too. First one reviewer asks for a
HDR-FLIP map alone while another lists the tags every 0.2 s (`flip`: each FLIP request's time,
`flip-map`: until the map came, `tags-probe`: what anyone else waits meanwhile); then a FLIP
reviewer joins each run of clients.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import hashlib
import http.client
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
from bench_scale import _rss, write_logdirs  # noqa: E402

from tests.tb_server import TensorBoardServer  # noqa: E402

PLUGIN = "/data/plugin/exr/"
REQUEST_TIMEOUT = 120.0


class Client(threading.Thread):
    """One reviewer: a keep-alive connection and its own ETag cache, looping until `stop`."""

    def __init__(self, index: int, port: int, tags: list[str], stop: threading.Event, record) -> None:
        super().__init__(daemon=True)
        self.random = random.Random(index)
        self.port = port
        self.tags = tags
        self.stop = stop
        self.record = record
        self.connection: http.client.HTTPConnection | None = None
        self.etags: dict[tuple[str, int], str] = {}

    def request(
        self, kind: str, path: str, headers: dict[str, str], expect: int | tuple[int, ...]
    ) -> tuple[int, bytes, dict[str, str]] | None:
        started = time.monotonic()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            body = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
        except Exception as e:  # a timeout, a reset or a closed connection: an error, then reconnect
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            self.record(kind, time.monotonic() - started, f"{type(e).__name__}: {e}")
            return None
        expected = (expect,) if isinstance(expect, int) else expect
        error = (
            None
            if response.status in expected
            else f"HTTP {response.status} (expected {expect}): {body[:120]!r}"
        )
        self.record(kind, time.monotonic() - started, error)
        headers = {k.lower(): v for k, v in response.getheaders()}
        return (response.status, body, headers) if error is None else None

    def run(self) -> None:
        rounds = 0
        while not self.stop.is_set():
            if rounds % 10 == 0:
                self.request("tags", PLUGIN + "tags", {}, 200)
            rounds += 1
            tag = self.random.choice(self.tags)
            listed = self.request(
                "steps", PLUGIN + "steps?" + urllib.parse.urlencode({"run": "run", "tag": tag}), {}, 200
            )
            if listed is None:
                continue
            steps = json.loads(listed[1])
            entry = self.random.choice(steps)
            fetched = self.request("exr-200", PLUGIN + entry["url"], {}, 200)
            if fetched is not None:
                body = fetched[1]
                if len(body) != entry["size"]:
                    self.record("exr-200", 0.0, f"{len(body)} bytes, expected {entry['size']}", count=False)
                elif rounds % 20 == 0 and hashlib.sha256(body).hexdigest() != entry["sha256"]:
                    self.record("exr-200", 0.0, "served bytes differ from the logged ones", count=False)
                self.etags[(tag, entry["step"])] = entry["etag"]
            plain = (
                PLUGIN + "exr?" + urllib.parse.urlencode({"run": "run", "tag": tag, "step": entry["step"]})
            )
            self.request(
                "exr-304", plain, {"If-None-Match": self.etags.get((tag, entry["step"]), entry["etag"])}, 304
            )
            unseen = [e for e in steps if (tag, e["step"]) not in self.etags]
            if unseen and rounds % 3 == 0:
                other = self.random.choice(unseen)
                query = urllib.parse.urlencode({"run": "run", "tag": tag, "step": other["step"]})
                if self.request("exr-reval-200", PLUGIN + "exr?" + query, {}, 200) is not None:
                    self.etags[(tag, other["step"])] = other["etag"]
        if self.connection is not None:
            self.connection.close()


class FlipReviewer(Client):
    """A reviewer asking for the HDR-FLIP maps of 1080p pairs one after the other.

    `flip` times each request (how long it holds a request thread), `flip-map` the time until
    the map arrived (following 202 answers after their Retry-After, as the panel does).
    """

    def __init__(self, port: int, steps: list[int], stop: threading.Event, record) -> None:
        super().__init__(-1, port, [], stop, record)
        self.steps = steps

    def run(self) -> None:
        while self.steps and not self.stop.is_set():
            query = {"run": "run", "tag": "flip/output", "ref_tag": "flip/reference", "mode": "hdr"}
            path = PLUGIN + "flip?" + urllib.parse.urlencode({**query, "step": self.steps.pop(0)})
            started = time.monotonic()
            while not self.stop.is_set():
                answer = self.request("flip", path, {}, (200, 202))
                if answer is None:
                    break
                if answer[0] == 200:
                    self.record("flip-map", time.monotonic() - started, None)
                    break
                time.sleep(float(answer[2].get("retry-after", "1")))
        if self.connection is not None:
            self.connection.close()


class Prober(Client):
    """Asks for the tags every 0.2 s: how long any request waits while a FLIP is computed."""

    def run(self) -> None:
        while not self.stop.is_set():
            self.request("tags-probe", PLUGIN + "tags", {}, 200)
            time.sleep(0.2)
        if self.connection is not None:
            self.connection.close()


class Results:
    """Latencies and errors per request kind, shared by the clients."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: dict[str, list[str]] = collections.defaultdict(list)

    def record(self, kind: str, seconds: float, error: str | None, count: bool = True) -> None:
        with self.lock:
            if count:
                self.latencies[kind].append(seconds)
            if error is not None:
                self.errors[kind].append(error)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_flip_alone(server: TensorBoardServer, step: int, timeout: float = 900.0) -> dict:
    """One reviewer asking for one uncached 1080p HDR-FLIP map while another lists the tags every
    0.2 s, until the map arrives: the FLIP's cost to everyone else, without other load."""
    pid = server._process.pid  # noqa: SLF001 - the bench reads the process's RSS
    results = Results()
    stop = threading.Event()
    reviewer = FlipReviewer(server.port, [step], stop, results.record)
    prober = Prober(-2, server.port, [], stop, results.record)
    rss_samples = [_rss(pid)[0]]
    started = time.monotonic()
    reviewer.start()
    prober.start()
    while reviewer.is_alive() and time.monotonic() - started < timeout:
        reviewer.join(0.5)
        rss_samples.append(_rss(pid)[0])
    stop.set()
    for thread in (reviewer, prober):
        thread.join(timeout=REQUEST_TIMEOUT)
    return {
        "results": results,
        "elapsed": time.monotonic() - started,
        "rss": [*rss_samples, _rss(pid)[0]],
        "stuck": sum(t.is_alive() for t in (reviewer, prober)),
    }


def run_load(
    server: TensorBoardServer, tags: list[str], clients: int, seconds: float, flip_steps: list[int]
) -> dict:
    """Runs `clients` clients (and a FLIP reviewer taking `flip_steps`) for `seconds` against
    `server`; latencies, errors and RSS samples."""
    pid = server._process.pid  # noqa: SLF001 - the bench reads the process's RSS
    results = Results()
    stop = threading.Event()
    rss_samples = [_rss(pid)[0]]
    threads: list[Client] = [Client(i, server.port, tags, stop, results.record) for i in range(clients)]
    if flip_steps:
        threads.append(FlipReviewer(server.port, flip_steps, stop, results.record))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while time.monotonic() - started < seconds:
        time.sleep(0.5)
        rss_samples.append(_rss(pid)[0])
    stop.set()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT)
    elapsed = time.monotonic() - started
    rss_samples.append(_rss(pid)[0])
    return {
        "results": results,
        "elapsed": elapsed,
        "rss": rss_samples,
        "stuck": sum(t.is_alive() for t in threads),
    }


def report(loader: str, clients: int | str, run: dict) -> None:
    results: Results = run["results"]
    total = sum(len(v) for v in results.latencies.values())
    errors = sum(len(v) for v in results.errors.values())
    rss = run["rss"]
    mb = 1e6
    stuck = f", {run['stuck']} clients stuck" if run["stuck"] else ""
    print(
        f"{loader:6s} {clients:>3} clients: {total / run['elapsed']:7.1f} req/s, {total} requests, "
        f"{errors} errors{stuck}; "
        f"RSS start {rss[0] / mb:.0f} MB, end {rss[-1] / mb:.0f} MB, peak {max(rss) / mb:.0f} MB"
    )
    kinds = ("tags", "steps", "exr-200", "exr-304", "exr-reval-200", "flip", "flip-map", "tags-probe")
    for kind in kinds:
        values = results.latencies.get(kind, [])
        if not values:
            continue
        print(
            f"    {kind:14s} n={len(values):5d}  p50 {percentile(values, 0.5) * 1000:8.1f} ms"
            f"  p99 {percentile(values, 0.99) * 1000:8.1f} ms  max {max(values) * 1000:8.1f} ms"
            f"  errors {len(results.errors.get(kind, []))}"
        )
    for kind, messages in results.errors.items():
        for message, count in collections.Counter(messages).most_common(3):
            print(f"    ! {kind}: {count} x {message}")


def write_flip_pairs(run_dir: str, steps: int) -> None:
    """`steps` steps of a 1920x1080 comparison group "flip" (output and reference) in `run_dir`."""
    import numpy as np

    from tensorboard_exr import summary as exr_summary

    rng = np.random.default_rng(3)
    reference = rng.uniform(0, 4, (1080, 1920, 3)).astype(np.float32)
    with exr_summary.Writer(run_dir, background=False) as writer:
        for step in range(steps):
            noisy = reference + rng.normal(0, 0.2, reference.shape).astype(np.float32)
            exr_summary.comparison("flip", step, writer=writer, output=noisy, reference=reference)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--tags", type=int, default=4)
    parser.add_argument("--width", type=int, default=3840)
    parser.add_argument("--height", type=int, default=2160)
    parser.add_argument("--loaders", nargs="+", default=["python", "rust"], choices=["python", "rust"])
    parser.add_argument(
        "--flip",
        type=int,
        default=0,
        metavar="N",
        help="also log N 1920x1080 pairs and run one reviewer asking for their HDR-FLIP maps",
    )
    parser.add_argument("--workdir", default=None, help="where to write the logdir (default: $TMPDIR)")
    args = parser.parse_args()
    print(
        f"bench_load {datetime.datetime.now().isoformat(timespec='seconds')}:"
        f" {args.tags} tags x {args.steps} steps"
        f" of {args.width}x{args.height} half RGBA (PIZ, file storage); {os.cpu_count()} cores;"
        f" load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    root = tempfile.mkdtemp(prefix="bench_load_", dir=args.workdir)
    try:
        written = write_logdirs(root, ["file"], args.steps, args.tags, args.height, args.width, vary="header")
        print(f"logdir: {written['exr_bytes'] / 1e6:.0f} MB of EXR, written in {written['seconds']:.0f} s")
        if args.flip:
            write_flip_pairs(os.path.join(root, "file", "run"), args.flip)
        tags = [f"image{i}" for i in range(args.tags)]
        for loader in args.loaders:
            server = TensorBoardServer(
                os.path.join(root, "file"),
                load_fast=loader == "rust",
                extra_args=["--reload_interval", "5"],
                start_timeout=120,
            )
            server.start()
            try:
                for tag in tags:
                    server.wait_for_json(
                        PLUGIN + "steps?" + urllib.parse.urlencode({"run": "run", "tag": tag}),
                        lambda steps: len(steps) >= args.steps,
                        timeout=1800,
                    )
                time.sleep(2)  # let ingestion settle
                flip_steps = list(range(args.flip))  # each step's FLIP is computed once per server
                if flip_steps:
                    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                    report(loader, "no", run_flip_alone(server, flip_steps.pop(0)))
                    print(f"    (a FLIP alone; load average before: {load})")
                for clients in args.clients:
                    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                    run = run_load(server, tags, clients, args.seconds, flip_steps)
                    report(loader, clients, run)
                    print(f"    (load average before the run: {load})")
            finally:
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"(deleted {root})")


if __name__ == "__main__":
    main()
