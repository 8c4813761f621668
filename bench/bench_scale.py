"""TensorBoard's memory and speed with many 4K EXR steps: inline vs file storage, both loaders.

    .venv/bin/python bench/bench_scale.py                      # 50 steps x 4 tags, 3840x2160
    .venv/bin/python bench/bench_scale.py --steps 50 200 --storages file

For each storage kind and step count it writes a logdir of `tags` tags (half RGBA, PIZ, distinct
pixels per step and tag: a window sliding over a precomputed noisy field, so content addressing
cannot dedupe them), starts a real `tensorboard` with the Python loader (`--load_fast=false`)
and with the Rust data server (`--load_fast=true`), and prints:
  - RSS of tensorboard (+ its data server child) once every step is listed, and the peak (VmHWM);
  - the time from start until `steps` lists every step of every tag;
  - time to first byte and to the full body of random steps' EXRs on localhost (sha256 checked);
  - with --chromium: the first visit (opening the page to the latest step on screen) and step
    changes, each to its first pixel in the panel (headless Chromium, the Rust loader).
Ratios are against inline storage with the same loader. Every logdir is deleted afterwards.

Inline logdirs are served with the plugin's default (every step) only while their EXR bytes stay
below `--inline-ram-cap` (both loaders hold each kept inline EXR in RAM); larger ones are served
with TensorBoard's stock `--samples_per_plugin exr=10` and marked so.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from tb_server import TensorBoardServer  # noqa: E402

from tensorboard_exr import encode, image_job  # noqa: E402
from tensorboard_exr import summary as exr_summary  # noqa: E402


def _field(height: int, width: int, shifts: int) -> np.ndarray:
    """A smooth HDR image plus noise, `shifts` columns wider than the image."""
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 1.2, width + shifts, dtype=np.float32)[None, :]
    noise = np.random.default_rng(0).standard_normal((height, width + shifts), dtype=np.float32) * 0.01
    field = np.empty((height, width + shifts, 4), np.float16)
    field[..., 0] = np.sin(x * 7) * np.cos(y * 5) + 1.5 + noise
    field[..., 1] = x * y * 4 + 0.2 + noise[:, ::-1]
    field[..., 2] = np.cos(x * 3 + y * 9) + 1.2 + noise * 2
    field[..., 3] = 1
    return field


_VARIANT_PLACEHOLDER = b"000000"
_VARIANT_ATTRIBUTE = b"benchVariant\x00string\x00" + len(_VARIANT_PLACEHOLDER).to_bytes(4, "little")


def _header_variants(field: np.ndarray, tag_index: int, width: int) -> tuple[bytes, int]:
    """One PIZ encode per tag with a 6-digit string attribute; (EXR, offset of the digits).

    Patching those digits gives every step distinct bytes (so a distinct sha256 and file) at the
    cost of a copy instead of an encode; the header keeps its length, so the offsets stay valid.
    """
    import io

    import OpenEXR

    pixels = np.ascontiguousarray(field[:, tag_index * 7 : tag_index * 7 + width])
    header = {
        "compression": OpenEXR.PIZ_COMPRESSION,
        "type": OpenEXR.scanlineimage,
        "benchVariant": _VARIANT_PLACEHOLDER.decode(),
    }
    out = io.BytesIO()
    OpenEXR.File(header, {"RGBA": pixels}).write(out)
    exr = out.getvalue()
    # The value follows its name (13 bytes with the NUL), type (7) and size (4): 24 bytes. (An
    # offset of 25 once overwrote the "c" of the next attribute, "channels": every step of a
    # --vary header logdir was an EXR no decoder opens, and the panel's first pixel never came.)
    offset = exr.index(_VARIANT_ATTRIBUTE) + len(_VARIANT_ATTRIBUTE)
    patched = exr[:offset] + b"999999" + exr[offset + len(_VARIANT_PLACEHOLDER) :]
    encode.inspect_exr("a patched header variant", patched)  # raises if the patch broke the header
    return exr, offset


def write_logdirs(
    root: str, storages: list[str], steps: int, tags: int, height: int, width: int, vary: str = "pixels"
) -> dict:
    """Writes one run per storage kind under `root/<storage>/run`; returns sizes and timings.

    `vary="pixels"` encodes every image (distinct pixels per step and tag); `vary="header"`
    encodes one image per tag and makes each step distinct through a header attribute.
    """
    field = _field(height, width, steps * tags if vary == "pixels" else 7 * tags)
    bases = {}
    if vary == "header":
        for tag_index in range(tags):
            exr, offset = _header_variants(field, tag_index, width)
            bases[tag_index] = (exr, offset, encode.inspect_exr(f"image{tag_index}", exr))
    writers = {
        storage: exr_summary.Writer(os.path.join(root, storage, "run"), background=False, storage=storage)
        for storage in storages
    }
    started = time.monotonic()
    encode_seconds = 0.0
    exr_bytes = 0
    for step in range(steps):
        for tag_index in range(tags):
            if vary == "header":
                base, offset, info = bases[tag_index]
                exr = base[:offset] + f"{step:06d}".encode() + base[offset + 6 :]
            else:
                shift = step * tags + tag_index
                pixels = np.ascontiguousarray(field[:, shift : shift + width])
                plan = encode.plan_image(
                    f"image{tag_index}",
                    pixels,
                    channels=None,
                    pixel_type="half",
                    compression="piz",
                    dwa_level=None,
                    layout="HWC",
                )
                t = time.monotonic()
                exr = encode.encode_plan(plan)
                encode_seconds += time.monotonic() - t
                info = plan.image_info()
            exr_bytes += len(exr)
            for writer in writers.values():
                # The bench's images are made here, so the writer's check (a full decode) is skipped.
                job = image_job.ImageJob(
                    f"image{tag_index}", step, time.time(), image_job.ImageOptions(), exr=exr, info=info
                )
                writer._submit([job])
    for writer in writers.values():
        writer.close()
    if "file" in storages:
        stored = os.listdir(os.path.join(root, "file", "run", "plugins", "exr"))
        if len(stored) != steps * tags:  # content addressing must not have merged any two
            raise RuntimeError(f"{len(stored)} stored files for {steps * tags} images")
    return {
        "exr_bytes": exr_bytes,
        "seconds": time.monotonic() - started,
        "encode_seconds": encode_seconds,
        "disk": {s: _du(os.path.join(root, s)) for s in storages},
    }


def _du(path: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def _rss(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in bytes of `pid` plus its children (the Rust data server)."""
    rss = peak = 0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        rss += int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
        peak += int(fields.get("VmHWM", "0 kB").split()[0]) * 1024
    return rss, peak


def _fetch(port: int, path: str) -> tuple[float, float, bytes]:
    """(seconds to the response headers, seconds to the whole body, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.monotonic()
    connection.request("GET", path)
    response = connection.getresponse()
    first = response.read(1)
    first_byte = time.monotonic() - started
    body = first + response.read()
    total = time.monotonic() - started
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status}: {body[:300]!r}")
    return first_byte, total, body


def first_pixel(server: TensorBoardServer, steps: int) -> tuple[float, list[float]]:
    """(first visit, step changes): milliseconds to pixels on screen in the EXR panel (headless
    Chromium, a fresh browser: nothing cached).

    The first visit runs from opening the plugin's page to the latest step of image0 on screen:
    the page, the tags, the steps, one EXR, its decode and draw. The step changes go to far-apart
    random steps of image0, so that none was prefetched as a neighbour: each is download + wasm
    decode + texture upload + draw (SwiftShader, no GPU).
    """
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_panel import STEP_TO_PIXEL_JS, wait_idle
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    picks = random.Random(11).sample(range(0, steps - 1, 4), k=3)
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        started = time.monotonic()
        # The inspector from the start (several tags in a run would open the overview grid).
        page.goto(server.url + "data/plugin_entry.html?name=exr#exr&p.exr.view=inspector")
        page.locator('.exr-tag[data-run="run"][data-tag="image0"]').click()
        page.wait_for_selector(
            ", ".join(f'.exr-panel[data-tag="image0"][data-state="{state}"]' for state in ("ready", "error")),
            timeout=300_000,
        )
        first_visit = (time.monotonic() - started) * 1000
        panel = page.locator(".exr-panel")
        if panel.get_attribute("data-state") == "error":
            raise RuntimeError(f"the EXR panel failed: {panel.get_attribute('data-error')}")
        wait_idle(page)
        for step in picks:
            result = page.evaluate(STEP_TO_PIXEL_JS, step)
            if not result["cached"]:
                times.append(result["ms"])
            wait_idle(page)
        browser.close()
    return first_visit, times


def measure(
    logdir: str, *, load_fast: bool, steps: int, tags: int, samples: int | None, chromium: bool = False
) -> dict:
    """Starts TensorBoard on `logdir` and measures listing time, RSS and EXR fetches."""
    extra = ["--reload_interval", "5"]
    if samples is not None:
        extra += ["--samples_per_plugin", f"exr={samples}"]
    expected = steps if samples in (None, 0) else min(steps, samples)
    started = time.monotonic()
    server = TensorBoardServer(logdir, load_fast=load_fast, extra_args=extra, start_timeout=120)
    server.start()
    try:
        pid = server._process.pid  # noqa: SLF001 - the bench needs the process to read its RSS
        listed: dict[str, list] = {}
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            for tag_index in range(tags):
                tag = f"image{tag_index}"
                if len(listed.get(tag, [])) >= expected:
                    continue
                response = server.get(
                    "/data/plugin/exr/steps?" + urllib.parse.urlencode({"run": "run", "tag": tag})
                )
                if response.status == 200:
                    listed[tag] = json.loads(response.body)
            if len(listed) == tags and all(len(v) >= expected for v in listed.values()):
                break
            time.sleep(0.25)
        listing_seconds = time.monotonic() - started
        complete = len(listed) == tags and all(len(v) >= expected for v in listed.values())
        time.sleep(2)  # let ingestion settle before reading RSS
        rss, peak = _rss(pid)
        picks = random.Random(7).sample([(tag, e) for tag, v in listed.items() for e in v], k=min(5, steps))
        first_bytes, totals = [], []
        for tag, entry in picks:
            first_byte, total, body = _fetch(server.port, "/data/plugin/exr/" + entry["url"])
            if hashlib.sha256(body).hexdigest() != entry["sha256"]:
                raise RuntimeError(
                    f"tag {tag} step {entry['step']}: served bytes differ from the logged ones"
                )
            first_bytes.append(first_byte)
            totals.append(total)
        rss_after, peak_after = _rss(pid)
        first_visit_ms, pixel_ms = first_pixel(server, steps) if chromium else (None, [])
        return {
            "complete": complete,
            "listed": sum(len(v) for v in listed.values()),
            "listing_seconds": listing_seconds,
            "rss": rss,
            "peak": max(peak, peak_after),
            "rss_after_fetch": rss_after,
            "first_byte": statistics.median(first_bytes),
            "full_fetch": statistics.median(totals),
            "size": statistics.median(e["size"] for _, e in picks),
            "first_pixel_ms": pixel_ms,
            "first_visit_ms": first_visit_ms,
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[50])
    parser.add_argument("--tags", type=int, default=4)
    parser.add_argument("--width", type=int, default=3840)
    parser.add_argument("--height", type=int, default=2160)
    parser.add_argument("--storages", nargs="+", default=["inline", "file"], choices=["inline", "file"])
    parser.add_argument(
        "--inline-ram-cap",
        type=float,
        default=5e9,
        help="largest inline logdir (bytes of EXR) served keeping every step",
    )
    parser.add_argument(
        "--vary",
        choices=["pixels", "header"],
        default="pixels",
        help="pixels: encode every image; header: one encode per tag, steps differ in a header attribute",
    )
    parser.add_argument(
        "--chromium",
        action="store_true",
        help="also time the first visit and step changes -> first pixel in the panel (Chromium, Rust loader)",
    )
    parser.add_argument("--workdir", default=None, help="where to write the logdirs (default: $TMPDIR)")
    args = parser.parse_args()
    mb = 1e6
    floor = {}
    floor_root = tempfile.mkdtemp(prefix="bench_scale_floor_", dir=args.workdir)
    try:  # the baseline: TensorBoard serving one tiny EXR step
        write_logdirs(floor_root, ["inline"], 1, 1, 16, 16)
        for load_fast in (False, True):
            r = measure(
                os.path.join(floor_root, "inline"), load_fast=load_fast, steps=1, tags=1, samples=None
            )
            floor["rust" if load_fast else "python"] = r["rss"]
    finally:
        shutil.rmtree(floor_root, ignore_errors=True)
    print(
        f"bench_scale: {args.tags} tags of {args.width}x{args.height} half RGBA (PIZ), "
        f"steps {args.steps}, storages {args.storages}; {os.cpu_count()} cores; steps differ in their "
        + (
            "pixels"
            if args.vary == "pixels"
            else "header only (one PIZ encode per tag, bytes patched per step)"
        )
    )
    print("baseline RSS (one 16x16 step): " + ", ".join(f"{k} {v / mb:.0f} MB" for k, v in floor.items()))
    if "inline" not in args.storages:
        print("inline storage not measured in this run (--storages); see a run with both for the ratio")
    for steps in args.steps:
        root = tempfile.mkdtemp(prefix=f"bench_scale_{steps}_", dir=args.workdir)
        try:
            written = write_logdirs(
                root, args.storages, steps, args.tags, args.height, args.width, vary=args.vary
            )
            n = steps * args.tags
            print(
                f"\n== {steps} steps x {args.tags} tags = {n} EXRs, "
                f"{written['exr_bytes'] / mb:.0f} MB of EXR "
                f"({written['exr_bytes'] / n / mb:.1f} MB each); written in {written['seconds']:.0f} s "
                f"(encoding {written['encode_seconds']:.0f} s); on disk: "
                + ", ".join(f"{s} {b / mb:.0f} MB" for s, b in written["disk"].items())
            )
            results = {}
            for storage in args.storages:
                samples = None
                if storage == "inline" and written["exr_bytes"] > args.inline_ram_cap:
                    samples = 10
                for load_fast in (False, True):
                    loader = "rust" if load_fast else "python"
                    r = measure(
                        os.path.join(root, storage),
                        load_fast=load_fast,
                        steps=steps,
                        tags=args.tags,
                        samples=samples,
                        chromium=args.chromium and load_fast,
                    )
                    results[(storage, loader)] = r
                    kept = "all steps" if samples is None else f"exr={samples} (TB stock default)"
                    base = results.get(("inline", loader))
                    ratio = f"  rss x{r['rss'] / floor[loader]:.2f} of baseline" + (
                        f"  rss x{r['rss'] / base['rss']:.3f} of inline"
                        if base and storage != "inline"
                        else ""
                    )
                    print(
                        f"{storage:6s} {loader:6s} [{kept}]: listed {r['listed']}/{n} "
                        f"in {r['listing_seconds']:.1f} s{'' if r['complete'] else ' (INCOMPLETE)'}; "
                        f"RSS {r['rss'] / mb:.0f} MB (peak {r['peak'] / mb:.0f} MB, after fetches "
                        f"{r['rss_after_fetch'] / mb:.0f} MB); EXR {r['size'] / mb:.1f} MB: first byte "
                        f"{r['first_byte'] * 1000:.0f} ms, full {r['full_fetch'] * 1000:.0f} ms{ratio}"
                    )
            for (storage, loader), r in results.items():
                if r["first_visit_ms"] is not None:
                    print(
                        f"{storage:6s} {loader:6s}: first visit (open the page) -> first pixel in Chromium: "
                        f"{r['first_visit_ms']:.0f} ms"
                    )
                if r["first_pixel_ms"]:
                    runs = ", ".join(f"{ms:.0f}" for ms in r["first_pixel_ms"])
                    print(
                        f"{storage:6s} {loader:6s}: step change -> first pixel in Chromium (uncached): "
                        f"median {statistics.median(r['first_pixel_ms']):.0f} ms (runs: {runs})"
                    )
            for loader in ("python", "rust"):
                inline, stored = results.get(("inline", loader)), results.get(("file", loader))
                if inline and stored:
                    print(
                        f"ratio file/inline, {loader}: RSS {stored['rss'] / inline['rss']:.3f}, "
                        f"listing time {stored['listing_seconds'] / inline['listing_seconds']:.3f}, "
                        f"full fetch {stored['full_fetch'] / inline['full_fetch']:.3f}"
                    )
        finally:
            shutil.rmtree(root, ignore_errors=True)
            print(f"(deleted {root})")


if __name__ == "__main__":
    main()
