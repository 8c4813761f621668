"""Keras (TensorFlow backend): a tiny denoiser whose chosen validation images are logged as EXR
comparison groups every 2 epochs by `ExrComparisonCallback`.

    python docs/examples/keras_callback.py logs/keras     # then: tensorboard --logdir logs
"""

from __future__ import annotations

import os
import sys

import keras
import numpy as np

from tensorboard_exr.keras import ExrComparisonCallback


def hdr_images(count: int, size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy and clean N x H x W x 3 HDR images: a sky gradient with a bright sun (radiance ~50)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / (size - 1)
    clean = []
    for sun_x, sun_y in rng.random((count, 2)):
        sun = 50 * np.exp(-((x - sun_x) ** 2 + (y - sun_y) ** 2) / 0.002)
        clean.append(np.stack([0.2 + 0.3 * y + sun, 0.3 + 0.3 * y + sun, 0.6 + 0.2 * y + sun], axis=-1))
    clean_batch = np.stack(clean).astype(np.float32)
    noise = np.clip(1 + 0.5 * rng.standard_normal(clean_batch.shape), 0, None).astype(np.float32)
    return clean_batch * noise, clean_batch


def build_model() -> keras.Model:
    noisy = keras.Input((None, None, 3))
    hidden = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(noisy)
    return keras.Model(noisy, keras.layers.Add()([noisy, keras.layers.Conv2D(3, 3, padding="same")(hidden)]))


def main(logdir: str, epochs: int = 4) -> keras.Model:
    keras.utils.set_random_seed(0)
    x_train, y_train = hdr_images(32, seed=1)
    x_val, y_val = hdr_images(8, seed=2)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mae")
    model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=epochs,
        batch_size=8,
        verbose=0,
        callbacks=[
            keras.callbacks.TensorBoard(logdir),
            # beside Keras' validation scalars, steps = epochs
            ExrComparisonCallback(os.path.join(logdir, "validation"), x_val[:2], y_val[:2], every_n_epochs=2),
        ],
    )
    return model


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "logs/keras")
