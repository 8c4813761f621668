"""OpenEXR's C++ RGBA interface as a test reference: tests/reference/rgba_reference.cpp, compiled once
per source version against Debian's libopenexr-dev (scripts/setup.sh installs it), and the test scene
the luminance/chroma and chromaticities tests share.

`read_rgba` is what `RgbaInputFile` reads (for luminance/chroma files: OpenEXR's reconstruction to
RGB), `write_yc` writes a luminance/chroma file as `RgbaOutputFile` does (`WRITE_YC`/`WRITE_YCA`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SOURCE = Path(__file__).parent / "reference" / "rgba_reference.cpp"


class ReferenceUnavailable(RuntimeError):
    """The C++ reference cannot be built here (no g++ or no libopenexr-dev)."""


def reference_binary() -> Path:
    """The compiled reference program (built on first use, cached by the source's hash)."""
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    binary = Path(tempfile.gettempdir()) / f"tensorboard-exr-rgba-reference-{digest}" / "rgba_reference"
    if binary.exists():
        return binary
    compiler = shutil.which("g++")
    if compiler is None:
        raise ReferenceUnavailable("g++ is not installed (scripts/setup.sh installs it)")
    try:
        flags = subprocess.run(
            ["pkg-config", "--cflags", "--libs", "OpenEXR"], capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError) as e:
        raise ReferenceUnavailable(
            f"libopenexr-dev is not installed (scripts/setup.sh installs it): {e}"
        ) from e
    binary.parent.mkdir(parents=True, exist_ok=True)
    partial = binary.with_suffix(f".{os.getpid()}")
    subprocess.run([compiler, "-O2", "-w", "-std=c++17", str(SOURCE), "-o", str(partial), *flags], check=True)
    partial.replace(binary)  # atomic: parallel test processes never run a half-written binary
    return binary


@dataclasses.dataclass(frozen=True)
class RgbaRead:
    """What RgbaInputFile gave: half RGBA over the data window and the luminance weights it used."""

    rgba: np.ndarray  # (H, W, 4) float16
    x_min: int
    y_min: int
    luminance_weights: tuple[float, float, float]


def read_rgba(path: str | os.PathLike[str], layer: str = "") -> RgbaRead:
    """Reads a file with OpenEXR's `RgbaInputFile` (the channels of `layer`, e.g. "left")."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rgba.bin"
        args = [str(reference_binary()), "read", os.fspath(path), str(out), *([layer] if layer else [])]
        printed = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()
        x_min, y_min, width, height = (int(v) for v in printed[:4])
        rgba = np.frombuffer(out.read_bytes(), "<f2").reshape(height, width, 4).copy()
    yw = tuple(float(v) for v in printed[4:7])
    return RgbaRead(rgba, x_min, y_min, (yw[0], yw[1], yw[2]))


def write_yc(
    path: str | os.PathLike[str],
    rgba: np.ndarray,
    *,
    x_min: int = 0,
    y_min: int = 0,
    alpha: bool = False,
    compression: str = "piz",
    chromaticities: Sequence[float] | None = None,
) -> None:
    """Writes (H, W, 4) RGBA (converted to half) as a luminance/chroma file with `RgbaOutputFile`."""
    height, width = rgba.shape[:2]
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "rgba.bin"
        raw.write_bytes(np.ascontiguousarray(rgba, "<f2").tobytes())
        args = [
            str(reference_binary()),
            "write-yc",
            str(raw),
            str(x_min),
            str(y_min),
            str(width),
            str(height),
        ]
        args += ["1" if alpha else "0", compression, os.fspath(path)]
        args += [repr(float(c)) for c in chromaticities or ()]
        subprocess.run(args, check=True)


def hdr_scene(height: int, width: int, seed: int = 7) -> np.ndarray:
    """A small HDR test picture (H, W, 3 float32): smooth gradients, saturated primaries with hard
    edges (where chroma filtering over- and undershoots and fixSaturation works), a bright lamp
    above 1 and a little noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = x / max(width - 1, 1), y / max(height - 1, 1)
    rgb = np.stack([0.05 + 0.6 * u, 0.1 + 0.5 * v * (1 - u), 0.3 * (1 - v) + 0.05], axis=-1)
    blocks = [
        ((0.55, 0.95, 0.05, 0.3), (0.9, 0.02, 0.02)),
        ((0.6, 0.9, 0.35, 0.6), (0.02, 0.8, 0.05)),
        ((0.1, 0.4, 0.65, 0.95), (0.03, 0.05, 0.9)),
        ((0.15, 0.35, 0.1, 0.3), (0.0, 0.0, 0.0)),
    ]
    for (v0, v1, u0, u1), colour in blocks:
        inside = (v >= v0) & (v < v1) & (u >= u0) & (u < u1)
        rgb[inside] = colour
    lamp = np.exp(-(((u - 0.8) / 0.05) ** 2 + ((v - 0.2) / 0.05) ** 2)).astype(np.float32)
    rgb += 6.0 * lamp[..., None] * np.array([1.0, 0.85, 0.6], np.float32)
    rgb += rng.normal(0, 0.01, rgb.shape).astype(np.float32)
    return np.maximum(rgb, 0.0).astype(np.float32)
