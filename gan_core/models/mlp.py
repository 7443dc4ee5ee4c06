"""Networks and the noise prior p_z (the GAN game chapter and later ones)."""

import torch
from torch import nn

from gan_core.checks import check_images, check_int, check_number, check_tensor
from gan_core.registry import lookup

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),  # DCGAN's slope
    "tanh": nn.Tanh,
    "elu": nn.ELU,
}

PRIORS = ("normal", "uniform")

# the LSGAN paper's mixture code: orthogonal(gain=1.4) weights, zero biases
ORTHOGONAL_GAIN = 1.4


def _orthogonal(net: nn.Module) -> None:
    for layer in net.modules():
        if isinstance(layer, nn.Linear):
            nn.init.orthogonal_(layer.weight, gain=ORTHOGONAL_GAIN)
            nn.init.zeros_(layer.bias)


INITS = {
    # PyTorch's default (Kaiming-uniform weights and biases)
    "pytorch": lambda net: None,
    "orthogonal": _orthogonal,
}


def initialise(net: nn.Module, scheme: str) -> nn.Module:
    """Re-initialise ``net``'s linear layers in place by ``scheme`` (a name in INITS);
    returns it.

    Draws from torch's global generator: seed it first for a repeatable net.
    """
    lookup(INITS, scheme, "init")(net)
    return net


def sample_latent(
    n: int,
    z_dim: int,
    prior: str = "normal",
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Draw ``(n, z_dim)`` noise: N(0, I),
    or U(-1, 1) as in the GAN paper's Figure 1."""
    lookup({p: p for p in PRIORS}, prior, "latent prior")
    check_int("n", n, minimum=1)
    check_int("z_dim", z_dim, minimum=1)
    if prior == "uniform":
        z = torch.rand(n, z_dim, generator=generator) * 2 - 1
    else:
        z = torch.randn(n, z_dim, generator=generator)
    return z.to(device)


def mlp(
    in_dim: int, out_dim: int, width: int, depth: int, activation: str
) -> nn.Sequential:
    """``depth`` hidden layers of ``width`` units, then a linear output layer."""
    check_int("in_dim", in_dim, minimum=1)
    check_int("out_dim", out_dim, minimum=1)
    check_int("width", width, minimum=1)
    check_int("depth", depth, minimum=0)
    make_activation = lookup(ACTIVATIONS, activation, "activation")
    layers, size = [], in_dim
    for _ in range(depth):
        layers += [nn.Linear(size, width), make_activation()]
        size = width
    layers.append(nn.Linear(size, out_dim))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """What every generator shares: noise of size ``z_dim`` from its ``prior``
    (``sample_latent``), and samples drawn through ``forward``."""

    def __init__(self, z_dim: int, prior: str):
        super().__init__()
        lookup({p: p for p in PRIORS}, prior, "latent prior")
        check_int("z_dim", z_dim, minimum=1)
        self.z_dim, self.prior = z_dim, prior

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, z_dim)`` noise on the generator's device."""
        device = next(self.parameters()).device
        return sample_latent(n, self.z_dim, self.prior, generator, device)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` samples from p_g, without gradients."""
        with torch.no_grad():
            return self(self.noise(n, generator))


class MLPGenerator(Generator):
    """G: noise z of size ``z_dim`` to a point of size ``out_dim``,
    no output squashing."""

    def __init__(
        self,
        z_dim: int = 2,
        out_dim: int = 2,
        width: int = 128,
        depth: int = 2,
        activation: str = "relu",
        prior: str = "normal",
    ):
        super().__init__(z_dim, prior)
        self.body = mlp(z_dim, out_dim, width, depth, activation)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_tensor("z", z, ("B", self.z_dim))
        return self.body(z)  # (B, out_dim)


class MLPDiscriminator(nn.Module):
    """D: a point to one raw score per sample (a logit, or the least squares output)."""

    def __init__(
        self,
        in_dim: int = 2,
        width: int = 128,
        depth: int = 2,
        activation: str = "leaky_relu",
    ):
        super().__init__()
        self.in_dim = in_dim
        self.body = mlp(in_dim, 1, width, depth, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor("x", x, ("B", self.in_dim))
        return self.body(x).squeeze(-1)  # (B, 1) -> (B,)


# The GAN paper's MNIST nets (chapter "The GAN paper's experiments")


class TanhMLPGenerator(MLPGenerator):
    """``MLPGenerator`` with a Tanh output:
    samples in (-1, 1), the images' range."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(super().forward(z))  # (B, out_dim)

    def init_output_bias(self, images: torch.Tensor) -> None:
        """Start every output pixel at the data's mean pixel
        (the paper's G starts its sigmoid output at the data's marginals):
        a clean background from the first step."""
        check_images("images", images)
        # (d,), atanh stays finite
        mean = images.detach().flatten(1).mean(0).clamp(-0.98, 0.98)
        last = self.body[-1]
        if mean.shape != last.bias.shape:
            raise ValueError(
                f"images must have {last.bias.numel()} values each, got {mean.numel()}"
            )
        with torch.no_grad():
            last.bias.copy_(torch.atanh(mean))


class DropoutMLPDiscriminator(MLPDiscriminator):
    """``MLPDiscriminator`` with dropout after every hidden layer,
    as the paper's D had."""

    def __init__(
        self,
        in_dim: int = 784,
        width: int = 256,
        depth: int = 2,
        activation: str = "leaky_relu",
        dropout: float = 0.5,
    ):
        super().__init__(in_dim, width, depth, activation)
        check_number("dropout", dropout, 0, 1, high_open=True)
        layers = []
        for layer in self.body:
            layers.append(layer)
            if not isinstance(layer, nn.Linear):  # after each activation
                layers.append(nn.Dropout(dropout))
        self.body = nn.Sequential(*layers)
