"""Cost of logging a 3840x2160 RGBA half image, against a bare OpenEXR encode measured here.

    .venv/bin/python bench/bench_writer.py [--repeats 3] [--threads 1]

Prints, per compression (zip, piz, dwaa):
  - bare OpenEXR encode of the array to a BytesIO (the baseline),
  - `exr_summary.image` with a synchronous Writer (encode + sha256 + CRC + write), and the ratio
    (goal <= 1.1x),
  - the training loop's cost per call with the background Writer (goal <= 5 ms: validate, copy,
    queue), and the time until those images are on disk,
and, for reference, PyTorch `SummaryWriter.add_image` of the same image as an 8-bit PNG.
Numbers are medians; the machine is shared, so expect noise.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import OpenEXR

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tensorboard_exr import summary as exr_summary  # noqa: E402

WIDTH, HEIGHT = 3840, 2160
COMPRESSIONS = ("zip", "piz", "dwaa")


def render_like_image() -> np.ndarray:
    """Smooth HDR gradients, a few bright highlights and per-pixel noise, like a path-traced frame."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = 0.5 + 0.4 * np.sin(x / 300.0)[..., None] * np.cos(y / 200.0)[..., None] * np.array([1.0, 0.8, 0.6])
    highlights = 40.0 * np.exp(-(((x - 2800) / 90) ** 2 + ((y - 600) / 90) ** 2))[..., None]
    noise = rng.normal(0.0, 0.05, (HEIGHT, WIDTH, 3)).astype(np.float32)
    rgb = np.clip(base + highlights + noise, 0.0, None)
    alpha = np.ones((HEIGHT, WIDTH, 1), np.float32)
    return np.concatenate([rgb, alpha], axis=2).astype(np.float16)


def median_seconds(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_encode(rgba: np.ndarray, compression: str) -> bytes:
    header = {
        "compression": getattr(OpenEXR, f"{compression.upper()}_COMPRESSION"),
        "type": OpenEXR.scanlineimage,
    }
    stream = io.BytesIO()
    OpenEXR.File(header, {"RGBA": rgba}).write(stream)
    return stream.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, default=0, help="OpenEXR global thread count (0: library default)"
    )
    args = parser.parse_args()
    if args.threads:
        OpenEXR.set_global_thread_count(args.threads)
    rgba = render_like_image()
    raw_mb = rgba.nbytes / 1e6
    print(f"image {WIDTH}x{HEIGHT} RGBA half ({raw_mb:.1f} MB raw), OpenEXR {OpenEXR.OPENEXR_VERSION}")
    print(f"global thread count {OpenEXR.global_thread_count()}, {args.repeats} repeats, medians\n")

    with tempfile.TemporaryDirectory() as logdir:
        columns = f"{'compression':<11} {'size MB':>8} {'bare encode':>12} {'image() sync':>13} {'ratio':>6}"
        print(f"{columns}   goal <= 1.10")
        for compression in COMPRESSIONS:
            size = len(bare_encode(rgba, compression))
            # Alternate the two so that load from other processes hits both alike.
            bare_times, our_times = [], []
            with exr_summary.Writer(os.path.join(logdir, f"sync_{compression}"), background=False) as writer:
                for step in range(args.repeats):
                    start = time.perf_counter()
                    bare_encode(rgba, compression)
                    bare_times.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    exr_summary.image("bench", rgba, step, compression=compression, writer=writer)
                    our_times.append(time.perf_counter() - start)
            bare, ours = statistics.median(bare_times), statistics.median(our_times)
            times = f"{bare * 1e3:>10.0f}ms {ours * 1e3:>11.0f}ms"
            print(f"{compression:<11} {size / 1e6:>8.1f} {times} {ours / bare:>6.2f}")

        calls_made = args.repeats + 2
        print(f"\nbackground Writer: the training loop's cost per call (goal <= 5 ms), {calls_made} calls")
        print("  spaced: the writer has finished the previous image (logging every N steps)")
        print("  back-to-back: calls in a row, the queue filling up")
        for compression in COMPRESSIONS:
            with exr_summary.Writer(os.path.join(logdir, f"spaced_{compression}")) as writer:
                spaced = []
                for step in range(calls_made):
                    start = time.perf_counter()
                    exr_summary.image("bench", rgba, step, compression=compression, writer=writer)
                    spaced.append(time.perf_counter() - start)
                    writer.flush()  # stands for the training steps between two logging calls
            writer = exr_summary.Writer(
                os.path.join(logdir, f"bg_{compression}"), max_queue=16, max_queue_bytes=2 << 30
            )
            calls = []
            start_all = time.perf_counter()
            for step in range(calls_made):
                start = time.perf_counter()
                exr_summary.image("bench", rgba, step, compression=compression, writer=writer)
                calls.append(time.perf_counter() - start)
            queued = time.perf_counter() - start_all
            writer.close()
            total = time.perf_counter() - start_all
            print(
                f"{compression:<5} spaced: median {statistics.median(spaced) * 1e3:5.1f} ms; "
                f"back-to-back: median {statistics.median(calls) * 1e3:5.1f} ms, "
                f"max {max(calls) * 1e3:.0f} ms, "
                f"all queued after {queued:.2f} s, on disk after {total:.2f} s"
            )

        try:
            import torch
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            print("\nPyTorch not installed: no add_image reference")
            return
        chw = torch.from_numpy(np.clip(rgba[..., :3].astype(np.float32), 0, 1)).permute(2, 0, 1).contiguous()
        torch_writer = SummaryWriter(os.path.join(logdir, "torch"))
        steps = iter(range(10**6))

        def add_png() -> None:
            torch_writer.add_image("png", chw, next(steps))
            torch_writer.flush()

        png = median_seconds(add_png, args.repeats)
        torch_writer.close()
        print(
            f"\nreference: torch SummaryWriter.add_image (8-bit PNG, RGB) + flush: {png * 1e3:.0f} ms/image"
        )


if __name__ == "__main__":
    main()
