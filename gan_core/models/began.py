"""BEGAN's networks (chapter "BEGAN"): D is an autoencoder whose output is each image's
reconstruction error, and G is a decoder like D's.

As in the paper: 3x3 convolutions with ELU, two per scale, subsampling by a stride-2
convolution, nearest-neighbour upsampling, an embedding of size h, no batch norm. The
encoder's width grows by n at each scale (n, 2n, 3n, ...); the decoder keeps n.
"""

import math

import numpy as np
import torch
from torch import nn

from gan_core.checks import (
    check_int,
    check_number,
    check_positive,
    check_tensor,
)
from gan_core.models.mlp import Generator
from gan_core.registry import lookup

SIZES = (32, 64, 128)  # images start from 8 x 8 and double at each scale


def scales(size: int) -> int:
    check_int("size", size)
    lookup({s: s for s in SIZES}, size, "BEGAN image size")
    return int(math.log2(size)) - 2


def conv(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, stride, 1), nn.ELU()]


class Decoder(nn.Module):
    """An embedding of size ``h`` to an image: a dense layer to n x 8 x 8, then two
    convolutions per scale with an upsampling between scales, and a last convolution
    to ``channels``, with no squashing."""

    def __init__(self, h: int, n: int, size: int, channels: int):
        super().__init__()
        for name, value in (("h", h), ("n", n), ("channels", channels)):
            check_int(name, value, minimum=1)
        self.n, self.h = n, h
        self.project = nn.Linear(h, n * 8 * 8)
        layers = []
        for scale in range(scales(size)):
            if scale:
                layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            layers += conv(n, n) + conv(n, n)
        layers.append(nn.Conv2d(n, channels, 3, 1, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        # (B, h) -> (B, n, 8, 8) -> (B, C, size, size)
        return self.body(self.project(embedding).view(-1, self.n, 8, 8))


class Encoder(nn.Module):
    """An image to an embedding of size ``h``: two convolutions per scale of width
    n, 2n, 3n, ..., a stride-2 convolution between scales, and a dense layer."""

    def __init__(self, h: int, n: int, size: int, channels: int):
        super().__init__()
        layers = conv(channels, n)
        count = scales(size)
        for scale in range(count):
            width = n * (scale + 1)
            layers += conv(width, width) + conv(width, width)
            if scale < count - 1:
                layers += conv(width, width + n, stride=2)
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.embed = nn.Linear(n * count * 8 * 8, h)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.embed(self.body(images))


class BEGANGenerator(Generator):
    """G: z of size ``z_dim``, uniform on [-1, 1] as in the paper, to an image
    ``(channels, size, size)`` through a decoder."""

    def __init__(
        self,
        z_dim: int = 64,
        size: int = 64,
        channels: int = 3,
        n: int = 128,
        prior: str = "uniform",
    ):
        super().__init__(z_dim, prior)
        self.size, self.channels = size, channels
        self.decoder = Decoder(z_dim, n, size, channels)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_tensor("z", z, ("B", self.z_dim))
        return self.decoder(z)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` images, clipped to the data's range [-1, 1]: the output layer is
        linear, as in the paper, and can overshoot it slightly."""
        return super().sample(n, generator).clamp(-1, 1)


class BEGANDiscriminator(nn.Module):
    """D: an autoencoder. Its output is each image's reconstruction error
    L(v) = mean over pixels of |v - D(v)|^eta, shape ``(B,)``: what BEGAN's loss
    (``losses.began``) compares between real and generated images."""

    def __init__(
        self, h: int = 64, size: int = 64, channels: int = 3, n: int = 128, eta: int = 1
    ):
        super().__init__()
        lookup({1: 1, 2: 2}, eta, "BEGAN reconstruction exponent eta")
        self.size, self.channels, self.eta = size, channels, eta
        self.encoder = Encoder(h, n, size, channels)
        self.decoder = Decoder(h, n, size, channels)

    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        check_tensor("images", images, ("B", self.channels, self.size, self.size))
        return self.decoder(self.encoder(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        error = (images - self.reconstruct(images)).abs().pow(self.eta)
        return error.flatten(1).mean(1)  # (B,)


# ----------------------------------------------------------------- the chapter's pieces


def control_path(
    gamma: float,
    lambda_k: float,
    real_loss: float,
    fake_loss_at,
    steps: int,
    k0: float = 0.0,
    response: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """BEGAN's control law on its own, with a model of the game in place of the nets.

    L(x) stays at ``real_loss``; L(G(z)) moves a fraction ``response`` of the way toward
    ``fake_loss_at(k)`` at each step (D's push on the fakes grows with k), and
    k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1).
    Returns the paths of k and L(G(z)), each of length ``steps``.
    """
    check_number("gamma", gamma, 0, 1)
    check_positive("lambda_k", lambda_k)
    check_int("steps", steps, minimum=1)
    check_number("response", response, 0, 1, low_open=True)
    k, fake = float(k0), float(fake_loss_at(k0))
    ks, fakes = np.empty(steps), np.empty(steps)
    for t in range(steps):
        ks[t], fakes[t] = k, fake
        k = min(max(k + lambda_k * (gamma * real_loss - fake), 0.0), 1.0)
        fake += response * (fake_loss_at(k) - fake)
    return ks, fakes


def embed(
    generator: Generator,
    images: torch.Tensor,
    steps: int = 500,
    lr: float = 0.05,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Find z for each image by minimising the mean |x - G(z)| with Adam, z kept in
    the prior's range [-1, 1] (the paper's embedding of real images).
    Returns z ``(n, z_dim)`` and each image's final reconstruction error ``(n,)``."""
    check_tensor(
        "images", images, ("n", generator.channels, generator.size, generator.size)
    )
    check_int("steps", steps, minimum=1)
    check_positive("lr", lr)
    device = next(generator.parameters()).device
    images = images.to(device)
    z = generator.noise(len(images), torch.Generator().manual_seed(seed))
    z.requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=lr)
    for weights in generator.parameters():
        weights.requires_grad_(False)
    try:
        for _ in range(steps):
            error = (images - generator(z)).abs().flatten(1).mean(1)
            optimizer.zero_grad(set_to_none=True)
            error.sum().backward()
            optimizer.step()
            with torch.no_grad():
                z.clamp_(-1, 1)
    finally:
        for weights in generator.parameters():
            weights.requires_grad_(True)
    with torch.no_grad():
        error = (images - generator(z)).abs().flatten(1).mean(1)
    return z.detach(), error
