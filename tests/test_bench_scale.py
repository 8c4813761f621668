"""bench_scale.py's `--vary header` logdirs hold valid EXRs: the patched digits leave the header intact.

An offset one byte too far once overwrote the "c" of the `channels` attribute, so every image of
the 800-step 4K logdir failed to decode and the bench waited for a first pixel that never came.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import OpenEXR

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from bench_scale import _field, _header_variants  # noqa: E402


def test_header_variants_decode_to_the_same_pixels() -> None:
    field = _field(16, 24, 14)
    exr, offset = _header_variants(field, 1, 24)
    base = OpenEXR.File(io.BytesIO(exr), separate_channels=True).parts[0]
    for step in (0, 799, 123456):
        variant = exr[:offset] + f"{step:06d}".encode() + exr[offset + 6 :]
        part = OpenEXR.File(io.BytesIO(variant), separate_channels=True).parts[0]
        assert part.header["benchVariant"] == f"{step:06d}"
        assert set(part.channels) == set(base.channels) == {"R", "G", "B", "A"}
        for name in part.channels:
            assert np.array_equal(part.channels[name].pixels, base.channels[name].pixels)
