"""JAX: `jax.Array`s (float32 or bfloat16, on the CPU or an accelerator) through the `Writer`.

    python docs/examples/jax_arrays.py logs/jax     # then: tensorboard --logdir logs

The background `Writer` copies the pixels to the host at the call and encodes them on its own
thread, so the training loop does not wait for the compression. (Flax code that writes with CLU's
`metric_writers` passes that writer as `writer=` instead: docs/examples/clu_metric_writer.py.)
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp

from tensorboard_exr import summary as exr_summary


@jax.jit
def render(step: jax.Array) -> jax.Array:
    """A 64 x 64 HDR image that changes with the step (a moving light of radiance 20)."""
    y, x = jnp.mgrid[0:64, 0:64] / 63.0
    light = 20.0 * jnp.exp(-((x - 0.1 * step) ** 2 + (y - 0.5) ** 2) / 0.01)
    return jnp.stack([0.2 + light, 0.3 * y + light, 0.5 * x + light], axis=-1)


def main(logdir: str) -> None:
    with exr_summary.Writer(logdir) as writer, writer.as_default():
        for step in range(4):
            image = render(jnp.asarray(step, jnp.float32))
            exr_summary.image("render/float32", image, step)
            exr_summary.image("render/bfloat16", image.astype(jnp.bfloat16), step)
            exr_summary.comparison(
                "val/view0", jnp.asarray(step), input=image * 0.5, output=image * 0.9, reference=image
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "logs/jax")
