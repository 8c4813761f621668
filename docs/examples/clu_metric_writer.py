"""JAX / Flax with CLU's `metric_writers` (the writer of Flax's examples): `writer=` takes a
`MetricWriter`, whose `write_summaries` passes the EXR to TensorFlow's summary writer.

    python docs/examples/clu_metric_writer.py logs/clu     # then: tensorboard --logdir logs

CLU's summary writer needs TensorFlow (`pip install clu tensorflow-cpu`). It does not expose its
directory: `logdir=` lets big EXRs be stored as files there. On a multi-host run, log from the
process that writes summaries (`jax.process_index() == 0`): the others' `just_logging` writers
only log each image's shape, and with `logdir=` they would store the files all the same.
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
from clu import metric_writers

from tensorboard_exr import summary as exr_summary


@jax.jit
def render(step: jax.Array) -> jax.Array:
    """A 64 x 64 HDR image with a light of radiance 20 moving with the step."""
    y, x = jnp.mgrid[0:64, 0:64] / 63.0
    light = 20.0 * jnp.exp(-((x - 0.1 * step) ** 2 + (y - 0.5) ** 2) / 0.01)
    return jnp.stack([0.2 + light, 0.3 * y + light, 0.5 * x + light], axis=-1)


def main(logdir: str) -> None:
    writer = metric_writers.create_default_writer(logdir)  # asynchronous: logging + TF summaries
    for step in range(3):
        image = render(jnp.asarray(step, jnp.float32))
        writer.write_scalars(step, {"mean_radiance": float(image.mean())})
        exr_summary.image("render/radiance", image, step, writer=writer)
        exr_summary.comparison("val/view0", step, writer=writer, output=image * 0.9, reference=image)
    # 512 x 512 float RGBA (4 MiB): stored as <logdir>/plugins/exr/<sha256>.exr
    large = jax.random.uniform(jax.random.key(0), (512, 512, 4))
    exr_summary.image("render/large", large, 2, writer=writer, pixel_type="float", logdir=logdir)
    writer.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "logs/clu")
