"""tensorboardX: its `SummaryWriter` is a `writer=` like PyTorch's.

    python docs/examples/tensorboardx_writer.py logs/tbx     # then: tensorboard --logdir logs

The images are encoded and written on the calling thread, into tensorboardX's event file; one
over `exr_summary.INLINE_LIMIT_BYTES` is stored as `<logdir>/plugins/exr/<sha256>.exr`.
"""

from __future__ import annotations

import sys

import numpy as np
from tensorboardX import SummaryWriter

from tensorboard_exr import summary as exr_summary


def main(logdir: str) -> None:
    writer = SummaryWriter(logdir)
    y, x = np.mgrid[0:64, 0:64].astype(np.float32) / 63
    for step in range(3):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
        radiance = np.stack([x * 4 * (step + 1), y, np.full_like(x, 0.25)], axis=-1)  # HDR: up to 12
        exr_summary.image("render/radiance", radiance, step, writer=writer)
        exr_summary.comparison(
            "val/view0",
            step,
            writer=writer,
            input=radiance + 0.1 * np.sin(40 * x)[..., None],
            output=radiance * 0.98,
            reference=radiance,
        )
    # 512 x 512 float RGBA (4 MiB): stored as a file beside the events
    exr_summary.image(
        "render/large",
        np.random.default_rng(0).random((512, 512, 4), np.float32),
        2,
        writer=writer,
        pixel_type="float",
        compression="none",
    )
    writer.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "logs/tbx")
