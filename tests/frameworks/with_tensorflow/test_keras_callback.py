"""`ExrComparisonCallback` in a real `model.fit` (docs/examples/keras_callback.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import logged_exrs

from tests.frameworks.examples import as_half, load_example, rgb

pytest.importorskip("tensorflow", reason="TensorFlow tests run in .venv-tf (scripts/test.sh)")


def test_fit_logs_the_chosen_validation_images_every_n_epochs(tmp_path):
    example = load_example("keras_callback")
    model = example.main(str(tmp_path), epochs=4)
    logged = logged_exrs(tmp_path / "validation")
    roles = ("input", "output", "reference")
    # every 2nd of 4 epochs: 1 and 3 (0-based, as Keras' TensorBoard callback counts epochs)
    assert set(logged) == {
        (f"val/image{i}/{role}", epoch) for i in (0, 1) for role in roles for epoch in (1, 3)
    }
    x_val, y_val = example.hdr_images(8, seed=2)
    final_output = model.predict(x_val[:2], verbose=0)  # the weights after the last epoch, 3
    for i in (0, 1):
        np.testing.assert_array_equal(rgb(logged[(f"val/image{i}/input", 3)][1]), as_half(x_val[i]))
        np.testing.assert_array_equal(rgb(logged[(f"val/image{i}/reference", 3)][1]), as_half(y_val[i]))
        np.testing.assert_array_equal(rgb(logged[(f"val/image{i}/output", 3)][1]), as_half(final_output[i]))
    assert not np.array_equal(logged[("val/image0/output", 1)][1], logged[("val/image0/output", 3)][1])


def test_roles_function_splits_an_input_into_layers(tmp_path):
    import keras

    from tensorboard_exr.keras import ExrComparisonCallback

    inputs = np.random.default_rng(0).random((2, 8, 8, 6), np.float32)  # beauty + albedo
    model = keras.Sequential([keras.Input((8, 8, 6)), keras.layers.Conv2D(3, 1)])
    model.compile(optimizer="sgd", loss="mse")
    callback = ExrComparisonCallback(
        tmp_path,
        inputs[:1],
        roles=lambda x, y, r: {"input": {"beauty": x[..., :3], "albedo": x[..., 3:]}, "output": y},
    )
    model.fit(inputs, inputs[..., :3], epochs=1, verbose=0, callbacks=[callback])
    logged = logged_exrs(tmp_path)
    assert set(logged) == {("val/image0/input", 0), ("val/image0/output", 0)}
    import io

    import OpenEXR

    channels = OpenEXR.File(io.BytesIO(logged[("val/image0/input", 0)][1]), separate_channels=True).channels()
    assert sorted(channels) == ["B", "G", "R", "albedo.B", "albedo.G", "albedo.R"]
    np.testing.assert_array_equal(channels["albedo.G"].pixels, inputs[0, ..., 4].astype(np.float16))
