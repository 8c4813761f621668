"""A PyTorch Lightning callback that logs a validation batch's outputs as comparison groups.

    from tensorboard_exr.lightning import ExrValidationCallback

    class Denoiser(pl.LightningModule):
        def validation_step(self, batch, batch_idx):
            noisy, clean = batch
            output = self(noisy)
            ...
            return {"input": noisy, "output": output, "reference": clean}   # N x C x H x W

    trainer = pl.Trainer(logger=TensorBoardLogger("logs"), callbacks=[ExrValidationCallback()])

After validation batch `batch_index` of every N-th epoch, the first `max_images` examples of the
batch's returned images are logged as groups `<group><i>` (one tag per role), at
`trainer.global_step`, into the run of the trainer's `TensorBoardLogger` (through its
`experiment`, a `SummaryWriter`: big EXRs become stored files in the logger's version folder).
Only the global-zero process logs.

The callback subclasses the `Callback` of the Lightning package in use: `lightning.pytorch` if it
is already imported, else `pytorch_lightning` (else `lightning.pytorch`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from tensorboard_exr import summary as exr_summary


def _lightning_package() -> ModuleType:
    if "lightning.pytorch" in sys.modules:
        return sys.modules["lightning.pytorch"]
    try:
        return importlib.import_module("pytorch_lightning")
    except ImportError:
        return importlib.import_module("lightning.pytorch")


_pl = _lightning_package()


class ExrValidationCallback(_pl.Callback):  # type: ignore[misc, name-defined]
    """Logs images returned by `validation_step` as comparison groups, every N epochs."""

    def __init__(
        self,
        *,
        roles: Sequence[str] = ("input", "output", "reference"),
        every_n_epochs: int = 1,
        batch_index: int = 0,
        max_images: int = 4,
        group: str = "val/sample",
        layout: str = "CHW",
        pixel_type: str | Mapping[str, str] = "half",
        compression: str = "zip",
    ) -> None:
        """
        Args:
          roles: Keys of `validation_step`'s returned dict to log, each a batch of images; the
            group holds those present (other keys such as "loss" are left alone).
          every_n_epochs: Log in epochs N, 2N, ... (1: every epoch).
          batch_index: Which validation batch to log (of the first validation dataloader).
          max_images: Most examples of that batch to log, each as one group.
          group: Prefix of the groups: example i is group `<group><i>`.
          layout: "CHW" (PyTorch's image layout, the default) or "HWC", for every image.
          pixel_type, compression: As for `summary.image`.
        """
        super().__init__()
        if not roles:
            raise ValueError("roles must name at least one key of validation_step's output")
        if every_n_epochs < 1 or max_images < 1:
            raise ValueError("every_n_epochs and max_images must be at least 1")
        self.roles = tuple(roles)
        self.every_n_epochs = every_n_epochs
        self.batch_index = batch_index
        self.max_images = max_images
        self.group = group
        self.layout = layout
        self.pixel_type = pixel_type
        self.compression = compression

    def on_validation_batch_end(
        self,
        trainer: Any,
        pl_module: Any,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        if trainer.sanity_checking or batch_idx != self.batch_index or dataloader_idx != 0:
            return
        if (trainer.current_epoch + 1) % self.every_n_epochs or not trainer.is_global_zero:
            return
        if not isinstance(outputs, Mapping):
            raise TypeError(
                "ExrValidationCallback: validation_step must return a dict of image batches, e.g. "
                f"{{'input': x, 'output': y, 'reference': target}}, got {type(outputs).__name__}"
            )
        present = [role for role in self.roles if role in outputs]
        if not present:
            raise ValueError(
                f"ExrValidationCallback: validation_step's output has none of the roles {list(self.roles)} "
                f"(its keys: {list(outputs)})"
            )
        writer = _tensorboard_writer(trainer)
        count = min(self.max_images, *(len(outputs[role]) for role in present))
        for i in range(count):
            exr_summary.comparison(
                f"{self.group}{i}",
                trainer.global_step,
                writer=writer,
                layout=self.layout,
                pixel_type=self.pixel_type,
                compression=self.compression,
                **{role: outputs[role][i] for role in present},
            )


def _tensorboard_writer(trainer: Any) -> Any:
    """The `SummaryWriter` of the trainer's `TensorBoardLogger`."""
    for logger in trainer.loggers:
        if isinstance(logger, _pl.loggers.TensorBoardLogger):
            return logger.experiment
    raise ValueError(
        "ExrValidationCallback needs a TensorBoardLogger among the trainer's loggers "
        f"(has {[type(logger).__name__ for logger in trainer.loggers]})"
    )
