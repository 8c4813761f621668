"""`jax.Array` inputs through the `Writer` (docs/examples/jax_arrays.py), exact to the values."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import logged_exrs

from tensorboard_exr import summary as exr_summary
from tests.frameworks.examples import as_half, load_example, rgb

jax = pytest.importorskip("jax")
jnp = jax.numpy


def test_example_logs_float32_and_bfloat16_jax_arrays_exactly(tmp_path):
    example = load_example("jax_arrays")
    example.main(str(tmp_path))
    logged = logged_exrs(tmp_path)
    assert {tag for tag, _ in logged} == {
        "render/float32",
        "render/bfloat16",
        "val/view0/input",
        "val/view0/output",
        "val/view0/reference",
    }
    for step in range(4):
        image = example.render(jnp.asarray(step, jnp.float32))
        assert isinstance(image, jax.Array)
        np.testing.assert_array_equal(rgb(logged[("render/float32", step)][1]), as_half(np.asarray(image)))
        bfloat16 = np.asarray(image.astype(jnp.bfloat16)).astype(np.float32)
        np.testing.assert_array_equal(rgb(logged[("render/bfloat16", step)][1]), as_half(bfloat16))
        np.testing.assert_array_equal(
            rgb(logged[("val/view0/output", step)][1]), as_half(np.asarray(image * 0.9))
        )


def test_jax_channel_first_float_image_and_integer_array_step(tmp_path):
    image = jnp.arange(3 * 4 * 5, dtype=jnp.float32).reshape(3, 4, 5) / 7  # C x H x W
    with exr_summary.Writer(tmp_path, background=False) as writer:
        exr_summary.image("chw", image, jnp.int32(7), layout="CHW", writer=writer, pixel_type="float")
    ((key, (_, exr)),) = logged_exrs(tmp_path).items()
    assert key == ("chw", 7)
    np.testing.assert_array_equal(rgb(exr), np.moveaxis(np.asarray(image), 0, -1))
