"""A small kernel-predicting denoiser (KPCN, Bako et al. 2017) with a coarse scale (Vogels et al. 2018).

A U-Net reads the noisy radiance (log-compressed) and the feature buffers and predicts, per pixel,
a normalised 5x5 kernel at full resolution, another at half resolution, and a weight blending the
two scales. The kernels filter the albedo-demodulated radiance, so the output is always a
weighted average of input samples: it cannot invent colours, it starts as a blur and learns edges,
which makes the logged steps tell a story from the very first one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

KERNEL = 5
# Added to the albedo before demodulation so black surfaces do not divide by zero.
ALBEDO_EPS = 0.02
FEATURES = 10  # log radiance (3), albedo (3), normal (3), log depth (1)


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True),
    )


def apply_kernels(image: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """Filters (B, C, H, W) `image` with per-pixel softmax-normalised kernels (B, K*K, H, W)."""
    b, c, h, w = image.shape
    weights = torch.softmax(logits, dim=1)
    padded = F.pad(image, (KERNEL // 2,) * 4, mode="replicate")
    patches = F.unfold(padded, KERNEL).view(b, c, KERNEL * KERNEL, h, w)
    return (patches * weights.unsqueeze(1)).sum(dim=2)


class KernelPredictingDenoiser(nn.Module):
    """Denoises (B, 3, H, W) radiance given albedo (B, 3), normal (B, 3) and depth (B, 1); H, W % 4 == 0."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.enc0 = _block(FEATURES, width)
        self.enc1 = _block(width, 2 * width)
        self.enc2 = _block(2 * width, 3 * width)
        self.dec1 = _block(5 * width, 2 * width)
        self.dec0 = _block(3 * width, width)
        self.coarse_head = nn.Conv2d(2 * width, KERNEL * KERNEL, 1)
        self.fine_head = nn.Conv2d(width, KERNEL * KERNEL + 1, 1)

    def forward(self, noisy: torch.Tensor, albedo: torch.Tensor, normal: torch.Tensor,
                depth: torch.Tensor) -> torch.Tensor:
        irradiance = noisy / (albedo + ALBEDO_EPS)
        x = torch.cat([torch.log1p(noisy.clamp(min=0)), albedo, normal, torch.log1p(depth)], dim=1)
        e0 = self.enc0(x)
        e1 = self.enc1(F.avg_pool2d(e0, 2))
        e2 = self.enc2(F.avg_pool2d(e1, 2))
        d1 = self.dec1(torch.cat([F.interpolate(e2, scale_factor=2.0, mode="bilinear"), e1], dim=1))
        d0 = self.dec0(torch.cat([F.interpolate(d1, scale_factor=2.0, mode="bilinear"), e0], dim=1))
        fine_out = self.fine_head(d0)
        fine = apply_kernels(irradiance, fine_out[:, :-1])
        coarse = apply_kernels(F.avg_pool2d(irradiance, 2), self.coarse_head(d1))
        blend = torch.sigmoid(fine_out[:, -1:])

        def up(t: torch.Tensor) -> torch.Tensor:
            return F.interpolate(t, scale_factor=2.0, mode="bilinear")

        # Replace the fine result's low frequencies by the coarse result's, where the blend says so.
        combined = fine + blend * (up(coarse) - up(F.avg_pool2d(fine, 2)))
        return combined.clamp(min=0) * (albedo + ALBEDO_EPS)


def smape(output: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Symmetric mean absolute percentage error, the HDR-robust loss of Vogels et al. 2018."""
    return ((output - reference).abs() / (output.abs() + reference.abs() + 0.01)).mean()


def relative_mse(output: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Relative MSE (Rousselle et al. 2011): squared error over the reference's squared luminance."""
    luminance = reference.mean(dim=1, keepdim=True)
    return ((output - reference) ** 2 / (luminance**2 + 0.01)).mean()


def l2(output: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Plain MSE on linear HDR values: dominated by the brightest pixels, shown for contrast."""
    return ((output - reference) ** 2).mean()


LOSSES = {"smape": smape, "relmse": relative_mse, "l2": l2}
