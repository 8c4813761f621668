"""Deep images for bench_deep.mjs, and the Python side of its baseline.

write DIR WIDTHxHEIGHT   writes deep_sorted.exr and deep_unsorted.exr into DIR (deep scanline,
                         ZIPS, half R, G, B, A and float Z, 2 to 6 samples a pixel, 4 on
                         average; render-like: smooth colour, premultiplied, coverage below 1
                         but for the back sample of one pixel in three; the same samples, front
                         to back as renderers write them, then shuffled) and prints their paths
time REPEATS FILE...     best-of-REPEATS ms of OpenEXR's Python binding (the C++ library)
                         reading each file, and of `tensorboard_exr.deep.flatten` (numpy)
                         compositing what it read: "FILE READ_MS FLATTEN_MS" per line
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import OpenEXR

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tensorboard_exr import deep  # noqa: E402


def scene(width: int, height: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    counts = rng.integers(2, 7, size=(height, width))
    total = int(counts.sum())
    pixel = np.repeat(np.arange(width * height), counts.ravel())
    rank = np.arange(total) - np.repeat(np.cumsum(counts.ravel()) - counts.ravel(), counts.ravel())
    x, y = (pixel % width) / width, (pixel // width) / height
    z = (1.0 + rank + 0.5 * x + 0.25 * y + rng.random(total) * 0.4).astype(np.float32)  # increasing
    alpha = 0.3 + 0.6 * rng.random(total)
    last = rank == np.repeat(counts.ravel() - 1, counts.ravel())
    alpha[last & (pixel % 3 == 0)] = 1.0
    base = np.stack([x, y, 0.5 + 0.5 * np.sin(12 * x + 7 * y + rank)]) * 2.0
    channels = {"A": alpha.astype(np.float16), "Z": z}
    for name, plane in zip("RGB", base, strict=True):
        channels[name] = (plane * alpha + rng.normal(0, 0.01, total)).astype(np.float16)
    return counts, channels


def per_pixel(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    cells = np.empty(counts.size, dtype=object)
    for i, part in enumerate(np.split(values, np.cumsum(counts.ravel())[:-1])):
        cells[i] = part
    return cells.reshape(counts.shape)


def write(directory: Path, width: int, height: int) -> None:
    counts, channels = scene(width, height)
    pixel = np.repeat(np.arange(counts.size), counts.ravel())
    shuffled = np.lexsort((np.random.default_rng(1).random(len(pixel)), pixel))
    header = {"type": OpenEXR.deepscanline, "compression": OpenEXR.ZIPS_COMPRESSION}
    for name, order in (("deep_sorted.exr", None), ("deep_unsorted.exr", shuffled)):
        values = {c: (v if order is None else v[order]) for c, v in channels.items()}
        path = directory / name
        OpenEXR.File(header, {c: per_pixel(v, counts) for c, v in values.items()}).write(str(path))
        print(path)


def read(path: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    channels = OpenEXR.File(path, separate_channels=True, num_threads=0).parts[0].channels
    cells = {name: channel.pixels.ravel() for name, channel in channels.items()}
    first = next(iter(cells.values()))
    shape = next(iter(channels.values())).pixels.shape
    counts = np.fromiter((0 if c is None else len(c) for c in first), np.int64, len(first)).reshape(shape)
    samples = {
        name: np.concatenate([c for c in column if c is not None]).astype(np.float32)
        for name, column in cells.items()
    }
    return counts, samples


def time_files(repeats: int, files: list[str]) -> None:
    OpenEXR.set_global_thread_count(0)  # one thread, as the other rows
    for path in files:
        reads, flattens = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            counts, samples = read(path)
            middle = time.perf_counter()
            deep.flatten(counts, samples)
            reads.append(middle - start)
            flattens.append(time.perf_counter() - middle)
        print(path, f"{min(reads) * 1e3:.1f}", f"{min(flattens) * 1e3:.1f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        w, h = (int(v) for v in sys.argv[3].split("x"))
        write(Path(sys.argv[2]), w, h)
    else:
        time_files(int(sys.argv[2]), sys.argv[3:])
