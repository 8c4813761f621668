"""Helpers for bench_decode.mjs: writes the benchmark images and times the OpenEXR wheel.

  bench_images.py write DIR WIDTHxHEIGHT PIXELS COMPRESSION...   writes the images (if missing)
  bench_images.py time THREADS REPEATS FILE...                   prints "<file> <median ms> <min ms>"

PIXELS is half-rgba (RGBA half, DIR/<W>x<H>_<COMP>.exr) or float-rgb (RGB float,
DIR/<W>x<H>_float-rgb_<COMP>.exr). The images are render-like (smooth shading, texture, 5 % noise),
so that compressed sizes resemble real frames rather than flat colour or white noise.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import OpenEXR

PIXEL_TYPES = ("half-rgba", "float-rgb")


def image_path(directory: Path, size: str, pixels: str, compression: str) -> Path:
    """Where `write` puts an image (half RGBA keeps the names of the first benchmark)."""
    infix = "" if pixels == "half-rgba" else f"{pixels}_"
    return directory / f"{size}_{infix}{compression}.exr"


def render_like(width: int, height: int) -> np.ndarray:
    """RGBA float32 pixels."""
    rng = np.random.default_rng(4096)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = x / width, y / height
    shade = 0.2 + 2.5 * np.exp(-((u - 0.6) ** 2 + (v - 0.4) ** 2) * 6.0)
    texture = 0.5 + 0.5 * np.sin(x / 9.0) * np.cos(y / 13.0)
    rgba = np.empty((height, width, 4), np.float32)
    for c, tint in enumerate((1.0, 0.8, 0.6)):
        rgba[..., c] = shade * tint * (0.6 + 0.4 * texture)
    rgba[..., :3] *= 1 + 0.05 * rng.standard_normal((height, width, 3)).astype(np.float32)
    rgba[..., 3] = np.clip(texture * 1.2, 0, 1)
    return rgba


def write(directory: Path, size: str, pixel_type: str, compressions: list[str]) -> None:
    if pixel_type not in PIXEL_TYPES:
        raise SystemExit(f"pixels: one of {', '.join(PIXEL_TYPES)}")
    width, height = (int(v) for v in size.split("x"))
    channels: dict[str, np.ndarray] | None = None
    for name in compressions:
        path = image_path(directory, size, pixel_type, name)
        if path.exists():
            continue
        if channels is None:
            rgba = render_like(width, height)
            if pixel_type == "half-rgba":
                channels = {"RGBA": rgba.astype(np.float16)}
            else:
                channels = {"RGB": np.ascontiguousarray(rgba[..., :3])}
        compression = getattr(OpenEXR, "NO_COMPRESSION" if name == "NONE" else f"{name}_COMPRESSION")
        header = {"compression": compression, "type": OpenEXR.scanlineimage}
        tmp = path.with_suffix(".tmp")
        OpenEXR.File(header, channels).write(str(tmp))
        tmp.rename(path)


def time_decode(threads: int, repeats: int, files: list[str]) -> None:
    # One thread = the wheel's default (no thread pool); N threads = a pool of N.
    pool = 0 if threads <= 1 else threads
    OpenEXR.set_global_thread_count(pool)
    for name in files:
        data = Path(name).read_bytes()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            f = OpenEXR.File(io.BytesIO(data), separate_channels=True, num_threads=pool)
            for channel in f.parts[0].channels.values():
                assert channel.pixels is not None
            times.append((time.perf_counter() - start) * 1000)
        print(f"{name} {statistics.median(times):.2f} {min(times):.2f}", flush=True)


def main() -> None:
    if sys.argv[1] == "write":
        write(Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:])
    elif sys.argv[1] == "time":
        time_decode(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
