"""TensorFlow 2: EXRs through TensorFlow's default summary writer, like its own `tf.summary.*`.

    python docs/examples/tensorflow_summary.py logs/tf     # then: tensorboard --logdir logs

Inside `with writer.as_default():` the step comes from `tf.summary.experimental.get_step()` and
`tf.summary.record_if` applies. `tf.Tensor`s are logged from eager code only: a `tf.function`
computes the image and returns it, the loop logs it (inside the function a call raises
RuntimeError). `logdir=` names the writer's directory, which TensorFlow does not expose, so big
EXRs are stored as files there instead of growing TensorBoard's memory.
"""

from __future__ import annotations

import sys

import tensorflow as tf

from tensorboard_exr import summary as exr_summary


@tf.function
def render(step: tf.Tensor, size: int) -> tf.Tensor:
    """A size x size HDR image with a light of radiance 20 moving with the step (graph mode)."""
    y, x = tf.meshgrid(tf.linspace(0.0, 1.0, size), tf.linspace(0.0, 1.0, size), indexing="ij")
    light = 20.0 * tf.exp(-((x - 0.1 * tf.cast(step, tf.float32)) ** 2 + (y - 0.5) ** 2) / 0.01)
    return tf.stack([0.2 + light, 0.3 * y + light, 0.5 * x + light], axis=-1)


def main(logdir: str) -> None:
    writer = tf.summary.create_file_writer(logdir)
    with writer.as_default():
        for step in range(4):
            tf.summary.experimental.set_step(step)
            image = render(tf.constant(step), 64)  # an eager tf.Tensor, computed by a tf.function
            tf.summary.scalar("mean_radiance", tf.reduce_mean(image))
            exr_summary.image("render/radiance", image)  # step 0..3 from TensorFlow
            exr_summary.comparison("val/view0", input=image * 0.5, output=image * 0.9, reference=image)
        # 512 x 512 float RGB (3 MiB): stored as <logdir>/plugins/exr/<sha256>.exr
        exr_summary.image("render/large", render(tf.constant(3), 512), pixel_type="float", logdir=logdir)
    writer.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "logs/tf")
