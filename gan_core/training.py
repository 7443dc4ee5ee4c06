"""The one training loop: Algorithm 1 of the GAN paper (chapter "The GAN game").

Every model in the book trains here. Models differ by their nets, their loss pair
(``gan_core.losses``), their optimiser settings and, where needed, a callback; never
by a copy of this loop.
"""

from dataclasses import dataclass, field
from typing import Callable, Protocol

import torch
from tqdm.auto import tqdm

from gan_core import losses
from gan_core.config import get_profile
from gan_core.nets import sample_latent
from gan_core.registry import lookup


class Sampler(Protocol):
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor: ...


@dataclass
class TrainConfig:
    steps: int = 1000  # generator updates, the outer loop of Algorithm 1
    batch_size: int = 128  # m in Algorithm 1; DCGAN's choice
    d_steps: int = 1  # k in Algorithm 1: the GAN paper used k = 1, the cheapest option
    loss: str = "non_saturating"  # a name from gan_core.losses; what the GAN paper trains with
    loss_params: dict = field(default_factory=dict)  # e.g. {"a": -1, "b": 1, "c": 0} for least_squares
    optimizer: str = "adam"  # "adam" (DCGAN, LSGAN), "sgd" (the GAN paper), "rmsprop" (LSGAN's BN test)
    lr_d: float = 2e-4  # DCGAN's rate, a safe start for small nets
    lr_g: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)  # DCGAN: beta1 = 0.9 oscillated, 0.5 was stable
    momentum: float = 0.5  # sgd only: the GAN paper's MNIST model
    seed: int = 0  # seeds the data and noise draws; seed the nets' init yourself
    progress: bool | None = None  # None: a progress bar except in the smoke profile


@dataclass
class History:
    """Per generator step: both losses and D's mean raw output on real and fake batches."""

    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)

    def record(self, **values: float) -> None:
        for name, value in values.items():
            getattr(self, name).append(value)

    def __len__(self) -> int:
        return len(self.step)


@dataclass
class TrainState:
    """What a callback sees after each generator step."""

    step: int
    generator: torch.nn.Module
    discriminator: torch.nn.Module
    history: History
    rng: torch.Generator


Callback = Callable[[TrainState], None]


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the update it would have made is not applied."""


def every(n: int, callback: Callback) -> Callback:
    """Run ``callback`` after steps n, 2n, ... (steps count from 1)."""
    return lambda state: callback(state) if state.step % n == 0 else None


def make_optimizer(params, name: str, lr: float, config: TrainConfig) -> torch.optim.Optimizer:
    build = lookup({
        # fused Adam ran the toy MLP GAN 17-35% faster on a 2-core CPU
        "adam": lambda: torch.optim.Adam(params, lr=lr, betas=config.betas, fused=True),
        "sgd": lambda: torch.optim.SGD(params, lr=lr, momentum=config.momentum),
        "rmsprop": lambda: torch.optim.RMSprop(params, lr=lr),
    }, name, "optimizer")
    return build()


def _check_finite(step: int, **values: torch.Tensor) -> None:
    for name, value in values.items():
        if not torch.isfinite(value):
            raise TrainingDiverged(f"{name} became {value.item()} at step {step}; "
                                   "try a smaller learning rate or another loss")


def train(generator: torch.nn.Module, discriminator: torch.nn.Module, data: Sampler,
          config: TrainConfig = TrainConfig(), callbacks: tuple[Callback, ...] = ()) -> History:
    """Train G against D on ``data`` (anything with ``sample(n, generator)``), Algorithm 1."""
    if config.steps < 0 or config.d_steps < 1 or config.batch_size < 1:
        raise ValueError("need steps >= 0, d_steps >= 1 and batch_size >= 1")
    d_loss_fn, g_loss_fn = losses.get(config.loss, **config.loss_params)
    opt_d = make_optimizer(discriminator.parameters(), config.optimizer, config.lr_d, config)
    opt_g = make_optimizer(generator.parameters(), config.optimizer, config.lr_g, config)
    device = next(generator.parameters()).device
    rng = torch.Generator().manual_seed(config.seed)
    m = config.batch_size

    def noise() -> torch.Tensor:
        return sample_latent(m, generator.z_dim, generator.prior, rng, device)

    history = History()
    show = config.progress if config.progress is not None else get_profile() != "smoke"
    for step in tqdm(range(1, config.steps + 1), disable=not show, desc=config.loss):
        for _ in range(config.d_steps):
            real = data.sample(m, generator=rng).to(device)
            with torch.no_grad():
                fake = generator(noise())
            loss_d, d_real, d_fake = discriminator_step(discriminator, opt_d, d_loss_fn, real, fake, step)

        loss_g = g_loss_fn(discriminator(generator(noise())))
        _check_finite(step, g_loss=loss_g)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()

        history.record(step=step, d_loss=loss_d.item(), g_loss=loss_g.item(),
                       d_real=d_real.mean().item(), d_fake=d_fake.mean().item())
        state = TrainState(step, generator, discriminator, history, rng)
        for callback in callbacks:
            callback(state)
    return history


def discriminator_step(discriminator: torch.nn.Module, optimizer: torch.optim.Optimizer, d_loss_fn,
                       real: torch.Tensor, fake: torch.Tensor, step: int):
    """One update of D on a real and a fake batch, Algorithm 1's inner step.

    Returns the loss and D's raw outputs on both batches.
    """
    d_real, d_fake = discriminator(real), discriminator(fake)
    loss = d_loss_fn(d_real, d_fake)
    _check_finite(step, d_loss=loss)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss, d_real, d_fake


def fit_discriminator(discriminator: torch.nn.Module, real: Sampler, fake: Sampler,
                      loss: str = "non_saturating", loss_params: dict | None = None, steps: int = 1000,
                      batch_size: int = 256, lr: float = 1e-3, seed: int = 0,
                      optimizer: str = "adam") -> list[float]:
    """Train D alone against two fixed samplers; return its loss per step.

    This is the inner loop of Algorithm 1 run on its own, with G frozen (``fake`` may be a
    generator: it has ``sample``; fixed points go in a ``gan_core.data.PointSet``). Long
    enough, it approaches the optimal discriminator D* (chapters on the GAN game and LSGAN).
    """
    if steps < 1 or batch_size < 1:
        raise ValueError(f"need steps >= 1 and batch_size >= 1, got {steps} and {batch_size}")
    d_loss_fn, _ = losses.get(loss, **(loss_params or {}))
    config = TrainConfig(optimizer=optimizer, lr_d=lr, batch_size=batch_size, seed=seed)
    opt = make_optimizer(discriminator.parameters(), optimizer, lr, config)
    device = next(discriminator.parameters()).device
    rng = torch.Generator().manual_seed(seed)
    trace = []
    for step in range(1, steps + 1):
        x_real = real.sample(batch_size, generator=rng).to(device)
        x_fake = fake.sample(batch_size, generator=rng).to(device)
        loss_d, _, _ = discriminator_step(discriminator, opt, d_loss_fn, x_real, x_fake, step)
        trace.append(loss_d.item())
    return trace
