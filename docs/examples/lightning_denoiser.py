"""PyTorch Lightning: a tiny denoiser whose validation outputs are logged as EXR comparison groups.

    python docs/examples/lightning_denoiser.py logs        # then: tensorboard --logdir logs

`ExrValidationCallback` logs the first validation batch's input, output and reference every epoch
through the trainer's `TensorBoardLogger` (its `experiment` is the `writer=`); anything else can be
logged the same way from the module, as `validation_step` shows for the noise it removed.
"""

from __future__ import annotations

import sys

import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers import TensorBoardLogger
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from tensorboard_exr import summary as exr_summary
from tensorboard_exr.lightning import ExrValidationCallback


def hdr_images(count: int, size: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy and clean N x 3 x H x W HDR images: a sky gradient with a bright sun (radiance ~50)."""
    generator = torch.Generator().manual_seed(seed)
    y, x = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    clean = []
    for _ in range(count):
        sun_x, sun_y = torch.rand(2, generator=generator)
        sun = 50 * torch.exp(-((x - sun_x) ** 2 + (y - sun_y) ** 2) / 0.002)
        sky = torch.stack([0.2 + 0.3 * y, 0.3 + 0.3 * y, 0.6 + 0.2 * y])
        clean.append(sky + sun)
    clean_batch = torch.stack(clean)
    noisy = clean_batch * (1 + 0.5 * torch.randn(clean_batch.shape, generator=generator)).clamp(min=0)
    return noisy, clean_batch


class Denoiser(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1))

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:
        return noisy + self.net(torch.log1p(noisy))

    def training_step(self, batch, batch_idx):
        noisy, clean = batch
        loss = nn.functional.l1_loss(torch.log1p(self(noisy).clamp(min=0)), torch.log1p(clean))
        self.log("train/loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        noisy, clean = batch
        output = self(noisy)
        self.log("val/loss", nn.functional.l1_loss(output, clean))
        if batch_idx == 0 and not self.trainer.sanity_checking:
            # any other image: straight through the logger's SummaryWriter
            exr_summary.image(
                "val/removed_noise",
                (noisy - output)[0],
                self.global_step,
                layout="CHW",
                writer=self.logger.experiment,
            )
        return {"input": noisy, "output": output, "reference": clean}  # what the callback logs

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-2)


def main(logdir: str, epochs: int = 2) -> None:
    torch.manual_seed(0)
    train = DataLoader(TensorDataset(*hdr_images(32, seed=1)), batch_size=8, shuffle=True)
    val = DataLoader(TensorDataset(*hdr_images(8, seed=2)), batch_size=4)
    trainer = pl.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        logger=TensorBoardLogger(logdir, name="denoiser"),
        callbacks=[ExrValidationCallback(max_images=2, group="val/sample")],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(Denoiser(), train, val)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "logs")
