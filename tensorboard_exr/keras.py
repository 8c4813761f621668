"""A Keras callback that logs chosen validation images as comparison groups every N epochs.

    from tensorboard_exr.keras import ExrComparisonCallback

    model.fit(x, y, epochs=20, callbacks=[
        keras.callbacks.TensorBoard("logs/run1"),
        ExrComparisonCallback("logs/run1/validation", x_val[:3], y_val[:3], every_n_epochs=5),
    ])

At the end of every N-th epoch the model predicts the chosen inputs, and each example is logged
as one group `<group><i>` with the roles input, output and reference, at step = the epoch (as
Keras' TensorBoard callback logs its epoch scalars). It writes through a TensorFlow summary writer
of its own in `logdir` (Keras with the TensorFlow backend), from the callback, which runs eagerly
while `fit`'s `train_step` is a graph where no EXR can be logged. Images over
`summary.INLINE_LIMIT_BYTES` go to stored files in `logdir`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import keras
import tensorflow as tf

from tensorboard_exr import summary as exr_summary

RolesFunction = Callable[[Any, Any, Any], Mapping[str, Any]]
"""(input, output, reference) of one example → {role: image}; reference is None without them."""


def default_roles(input: Any, output: Any, reference: Any) -> dict[str, Any]:
    """The example's input, the model's output and the reference, as they are."""
    roles = {"input": input, "output": output}
    if reference is not None:
        roles["reference"] = reference
    return roles


class ExrComparisonCallback(keras.callbacks.Callback):
    """Logs the model's output on chosen validation inputs, with them and their references."""

    def __init__(
        self,
        logdir: str | os.PathLike[str],
        inputs: Any,
        references: Any = None,
        *,
        every_n_epochs: int = 1,
        group: str = "val/image",
        roles: RolesFunction = default_roles,
        pixel_type: str | Mapping[str, str] = "half",
        compression: str = "zip",
    ) -> None:
        """
        Args:
          logdir: Run directory to write to, e.g. the Keras TensorBoard callback's
            `log_dir + "/validation"` so the images sit beside the validation scalars.
          inputs: The chosen validation inputs, a batch (N, ...) the model predicts.
          references: Their references (the targets), a batch of N, or None.
          every_n_epochs: Log after epochs N, 2N, ... (1: every epoch).
          group: Prefix of the groups: example i is logged as group `<group><i>`.
          roles: Turns one example into the images of its group, e.g. to split a 9-channel
            input into layers: `lambda x, y, r: {"input": {"beauty": x[..., :3], "albedo":
            x[..., 3:6], "normal": x[..., 6:]}, "output": y, "reference": r}`.
          pixel_type, compression: As for `summary.image`.
        """
        super().__init__()
        if every_n_epochs < 1:
            raise ValueError(f"every_n_epochs must be at least 1, got {every_n_epochs}")
        if references is not None and len(references) != len(inputs):
            raise ValueError(f"{len(inputs)} inputs but {len(references)} references")
        self.logdir = os.fspath(logdir)
        self.inputs = inputs
        self.references = references
        self.every_n_epochs = every_n_epochs
        self.group = group
        self.roles = roles
        self.pixel_type = pixel_type
        self.compression = compression
        self._writer: Any = None

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        self._writer = tf.summary.create_file_writer(self.logdir)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        if (epoch + 1) % self.every_n_epochs:
            return
        outputs = self.model.predict(self.inputs, verbose=0)
        with self._writer.as_default():
            for i in range(len(self.inputs)):
                reference = None if self.references is None else self.references[i]
                exr_summary.comparison(
                    f"{self.group}{i}",
                    epoch,
                    logdir=self.logdir,
                    pixel_type=self.pixel_type,
                    compression=self.compression,
                    **self.roles(self.inputs[i], outputs[i], reference),
                )
        self._writer.flush()

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
