"""CLU's `metric_writers` (what Flax/JAX training loops write with) as `writer=`
(docs/examples/clu_metric_writer.py): `create_default_writer`'s asynchronous logging + TensorFlow
summary writers pass the EXR on through `write_summaries`."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from conftest import logged_exrs

from tensorboard_exr import metadata
from tests.frameworks.examples import as_half, load_example, rgb

pytest.importorskip("tensorflow", reason="TensorFlow tests run in .venv-tf (scripts/test.sh)")
pytest.importorskip("clu")
jnp = pytest.importorskip("jax.numpy")


def test_example_logs_jax_arrays_through_clus_default_writer(tmp_path):
    example = load_example("clu_metric_writer")
    example.main(str(tmp_path))
    logged = logged_exrs(tmp_path)
    assert set(logged) == {("render/radiance", s) for s in range(3)} | {
        (f"val/view0/{role}", s) for role in ("output", "reference") for s in range(3)
    } | {("render/large", 2)}
    for step in range(3):
        image = np.asarray(example.render(jnp.asarray(step, jnp.float32)))
        np.testing.assert_array_equal(rgb(logged[("render/radiance", step)][1]), as_half(image))
        np.testing.assert_array_equal(
            rgb(logged[("val/view0/output", step)][1]), as_half(np.asarray(image * 0.9))
        )
    info, exr = logged[("render/large", 2)]
    assert metadata.parse_step_info(info).storage == metadata.STORAGE_FILE
    assert [p.name for p in (tmp_path / "plugins" / "exr").iterdir()] == [
        hashlib.sha256(exr).hexdigest() + ".exr"
    ]
