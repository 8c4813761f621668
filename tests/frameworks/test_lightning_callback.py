"""`ExrValidationCallback` in a real `Trainer.fit`: what it needs is said clearly when missing.

(What it logs, and the logdir in the EXR tab: tests/browser/test_framework_logdirs.py.)
"""

from __future__ import annotations

import pytest
from conftest import logged_exrs

pl = pytest.importorskip("pytorch_lightning")
torch = pytest.importorskip("torch")

from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from tensorboard_exr.lightning import ExrValidationCallback  # noqa: E402


class _Identity(pl.LightningModule):
    """Returns `validation_output(x)` from validation_step; learns a scale so fit has work."""

    def __init__(self, validation_output) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))
        self.validation_output = validation_output

    def training_step(self, batch, batch_idx):
        (x,) = batch
        return ((self.scale * x - x) ** 2).mean()

    def validation_step(self, batch, batch_idx):
        (x,) = batch
        return self.validation_output(self.scale * x)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def _fit(tmp_path, module, logger, callback) -> None:
    data = DataLoader(TensorDataset(torch.rand(4, 3, 8, 8)), batch_size=2)
    trainer = pl.Trainer(
        max_epochs=1,
        accelerator="cpu",
        logger=logger,
        callbacks=[callback],
        num_sanity_val_steps=0,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
    )
    trainer.fit(module, data, data)


def test_roles_present_in_the_output_are_logged_and_the_rest_left_alone(tmp_path):
    logger = TensorBoardLogger(tmp_path, name="run", version=0)
    module = _Identity(lambda y: {"output": y, "loss": y.mean()})
    _fit(tmp_path, module, logger, ExrValidationCallback(max_images=1, group="val/x"))
    assert set(logged_exrs(tmp_path / "run" / "version_0")) == {("val/x0/output", 2)}


def test_validation_step_must_return_a_dict_of_images(tmp_path):
    module = _Identity(lambda y: y)
    with pytest.raises(TypeError, match="validation_step must return a dict of image batches"):
        _fit(tmp_path, module, TensorBoardLogger(tmp_path), ExrValidationCallback())


def test_a_tensorboard_logger_is_required(tmp_path):
    module = _Identity(lambda y: {"output": y})
    with pytest.raises(ValueError, match="needs a TensorBoardLogger.*CSVLogger"):
        _fit(tmp_path, module, CSVLogger(tmp_path), ExrValidationCallback())
