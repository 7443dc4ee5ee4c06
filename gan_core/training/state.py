"""What the training loop reads and writes: its config, the history it records, the
state a callback sees after each step, and the errors it raises."""

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, ClassVar, Protocol

import torch

from gan_core.checks import (
    check_betas,
    check_instance,
    check_int,
    check_number,
    check_positive,
)
from gan_core.training import distributed, losses


class Sampler(Protocol):
    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor: ...


@dataclass
class TrainConfig:
    steps: int = 1000  # generator updates, the outer loop of Algorithm 1
    batch_size: int = 128  # m in Algorithm 1; DCGAN's choice
    d_steps: int = 1  # k in Algorithm 1: the GAN paper used k = 1, the cheapest option
    # "alternating": Algorithm 1, D steps then a G step on fresh noise that sees the
    # new D.
    # "simultaneous": one noise batch, both gradients at the same point, then both
    # steps, as in the LSGAN paper's mixture-of-Gaussians code (needs d_steps = 1).
    # "same_noise": D's step, then G's on the same noise batch, whose one forward
    # through G both share, as in the LSGAN paper's stability code and pytorch/examples'
    # DCGAN (needs d_steps = 1).
    updates: str = "alternating"
    # a name from gan_core.training.losses (what the GAN paper trains with),
    # or a losses.Loss
    loss: "str | losses.Loss" = "non_saturating"
    # with a name: e.g. {"a": -1, "b": 1, "c": 0} for least_squares
    loss_params: dict = field(default_factory=dict)
    # "adam" (DCGAN, LSGAN), "sgd" (the GAN paper), "rmsprop" (torch's), "tf_rmsprop"
    # (TensorFlow 1's, as the LSGAN paper's stability code trains)
    optimizer: str = "adam"
    lr_d: float = 2e-4  # DCGAN's rate, a safe start for small nets
    lr_g: float = 2e-4
    # DCGAN: beta1 = 0.9 oscillated, 0.5 was stable
    betas: tuple[float, float] = (0.5, 0.999)
    momentum: float = 0.5  # sgd only: the GAN paper's MNIST model
    seed: int = 0  # seeds the data and noise draws; seed the nets' init yourself
    progress: bool | None = None  # None: a progress bar except in the smoke profile
    # read the losses from the device (and check them) every n steps, and at
    # checkpoints: in between a GPU runs ahead of the host. None: every step on a
    # CPU, where a read costs nothing, every 50 on a GPU. The numbers are the same.
    log_every: int | None = None
    # Checkpoints and speed (DCGAN chapter): all off by default.
    # file to save the whole training state to; None: no checkpoints
    checkpoint: str | None = None
    checkpoint_every: int = 0  # also save every n steps (0: only at the end)
    # continue from ``checkpoint`` if it exists; same result as one run
    resume: bool = False
    # bf16 autocast of the forward passes: faster on recent GPUs, 20x slower on CPUs
    bf16: bool = False
    # NHWC memory layout for conv nets; for CUDA tensor cores
    channels_last: bool = False
    # torch.compile the nets' forward passes in the steps (make bench measures it)
    compile: bool = False
    # fields the caller of a subclass sets itself, which overrides may not name
    OWN_FIELDS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def with_overrides(cls, **overrides):
        """Settings with ``overrides`` by name; an unknown name, or one of
        ``OWN_FIELDS``, is an error that lists the valid ones."""
        fields = dataclasses.fields(cls)
        valid = [f.name for f in fields if f.name not in cls.OWN_FIELDS]
        unknown = sorted(set(overrides) - set(valid))
        if unknown:
            raise ValueError(
                f"unknown setting(s) {unknown}; valid ones are: {', '.join(valid)}"
            )
        return cls(**overrides)


@dataclass
class History:
    """Per generator step: both losses and D's mean raw output on real and fake batches;
    ``extra`` holds the series a loss adds (BEGAN's k and m_global), by name."""

    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)

    def record(self, **values: float) -> None:
        for name, value in values.items():
            if name != "extra" and name in self.__dataclass_fields__:
                getattr(self, name).append(value)
            else:
                self.extra.setdefault(name, []).append(value)

    def __len__(self) -> int:
        return len(self.step)


@dataclass
class TrainState:
    """What a callback sees after each generator step."""

    step: int
    generator: torch.nn.Module
    discriminator: torch.nn.Module
    history: History  # up to the last read: every log_every steps, and at checkpoints
    rng: torch.Generator
    # D's raw outputs on the step's last real batch, (B,)
    d_real: torch.Tensor | None = None
    d_fake: torch.Tensor | None = None  # ... and on its last generated batch, (B,)
    opt_g: torch.optim.Optimizer | None = None  # e.g. for a learning-rate schedule
    opt_d: torch.optim.Optimizer | None = None
    loss: losses.Loss | None = None


Callback = Callable[[TrainState], None]


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the update it would have made is not applied."""


class NonFiniteData(ValueError):
    """A real batch holds NaN or infinite values:
    the data, not the training, are at fault."""


class CheckpointError(ValueError):
    """A checkpoint file cannot be read,
    or does not belong to the run resuming from it."""


# TrainConfig fields a resumed run may change: how long and how it runs, not what it
# computes. Learning rates may change too; the new ones are applied and reported.
RESUMABLE_CHANGES = (
    "steps",
    "progress",
    "log_every",
    "checkpoint",
    "checkpoint_every",
    "resume",
    "lr_d",
    "lr_g",
)


UPDATE_SCHEMES = ("alternating", "simultaneous", "same_noise")


def check_config(config: TrainConfig) -> None:
    """Every TrainConfig field in its range, with errors that name the field."""
    check_instance("config", config, TrainConfig)
    for name, minimum in (
        ("steps", 0),
        ("d_steps", 1),
        ("batch_size", 1),
        ("checkpoint_every", 0),
        ("seed", 0),
    ):
        check_int(name, getattr(config, name), minimum=minimum)
    check_positive("lr_d", config.lr_d)
    check_positive("lr_g", config.lr_g)
    check_betas("betas", config.betas)
    check_number("momentum", config.momentum, 0, 1)
    if config.log_every is not None:
        check_int("log_every", config.log_every, minimum=1)
    if config.resume and not config.checkpoint:
        raise ValueError("resume=True needs checkpoint: the file to resume from")
    if config.updates not in UPDATE_SCHEMES:
        raise ValueError(
            f"updates must be one of {', '.join(UPDATE_SCHEMES)}, "
            f"got {config.updates!r}"
        )
    if config.updates == "simultaneous" and distributed.active():
        raise ValueError(
            "updates='simultaneous' takes gradients with torch.autograd.grad, which "
            "DistributedDataParallel does not average; use 'alternating' under torchrun"
        )
    if config.updates != "alternating" and config.d_steps != 1:
        raise ValueError(
            f"updates={config.updates!r} takes one D step per G step; "
            f"got d_steps={config.d_steps}"
        )
