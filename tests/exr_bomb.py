"""A decompression bomb: a small, valid EXR whose header declares a huge data window."""

from __future__ import annotations

import struct

import numpy as np

from tensorboard_exr import summary as exr_summary


def bomb_exr(width: int = 20_000, height: int = 20_000) -> bytes:
    """A ~10 KB EXR whose header declares width x height float RGB (20000² = 4.8 GB of pixels)."""
    exr = bytearray(
        exr_summary.pb("b", np.zeros((16, 16, 3), np.float32), pixel_type="float")
        .value[0]
        .tensor.string_val[1]
    )
    key = b"dataWindow\x00box2i\x00"
    struct.pack_into("<iiii", exr, exr.index(key) + len(key) + 4, 0, 0, width - 1, height - 1)
    return bytes(exr + bytes((height + 15) // 16 * 8 + 64))
