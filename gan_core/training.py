"""The one training loop: Algorithm 1 of the GAN paper (chapter "The GAN game").

Every model in the book trains here. Models differ by their nets, their loss pair
(``gan_core.losses``), their optimiser settings and, where needed, a callback; never
by a copy of this loop.
"""

import contextlib
import os
import pickle
import warnings
import zipfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, Protocol

import torch
from tqdm.auto import tqdm

from gan_core import losses
from gan_core.checks import (
    check_betas,
    check_instance,
    check_int,
    check_number,
    check_positive,
)
from gan_core.files import write_atomically
from gan_core.config import get_profile
from gan_core.registry import lookup


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
    updates: str = "alternating"
    # a name from gan_core.losses (what the GAN paper trains with), or a losses.Loss
    loss: "str | losses.Loss" = "non_saturating"
    # with a name: e.g. {"a": -1, "b": 1, "c": 0} for least_squares
    loss_params: dict = field(default_factory=dict)
    # "adam" (DCGAN, LSGAN), "sgd" (the GAN paper), "rmsprop" (LSGAN's BN test)
    optimizer: str = "adam"
    lr_d: float = 2e-4  # DCGAN's rate, a safe start for small nets
    lr_g: float = 2e-4
    # DCGAN: beta1 = 0.9 oscillated, 0.5 was stable
    betas: tuple[float, float] = (0.5, 0.999)
    momentum: float = 0.5  # sgd only: the GAN paper's MNIST model
    seed: int = 0  # seeds the data and noise draws; seed the nets' init yourself
    progress: bool | None = None  # None: a progress bar except in the smoke profile
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
    history: History
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
    "checkpoint",
    "checkpoint_every",
    "resume",
    "lr_d",
    "lr_g",
)


UPDATE_SCHEMES = ("alternating", "simultaneous")


def every(n: int, callback: Callback) -> Callback:
    """Run ``callback`` after steps n, 2n, ... (steps count from 1)."""
    return lambda state: callback(state) if state.step % n == 0 else None


def halve_when_stalled(series: str, window: int, floor: float = 0.0) -> Callback:
    """A learning-rate schedule, BEGAN's: every ``window`` steps, halve both optimisers'
    rates (not below ``floor``) if the mean of ``history.extra[series]`` over the last
    window is not below its mean over the window before. It keeps no state of its own:
    the rates live in the optimisers, which checkpoints save, so a resumed run follows
    the same schedule."""
    check_int("window", window, minimum=1)
    check_number("floor", floor, low=0)

    def callback(state: TrainState) -> None:
        values = state.history.extra.get(series)
        if values is None:
            raise ValueError(
                f"no series {series!r} in the history; the loss records "
                f"{sorted(state.history.extra)}"
            )
        if state.step % window or len(values) < 2 * window:
            return
        recent = sum(values[-window:]) / window
        before = sum(values[-2 * window : -window]) / window
        if recent >= before:
            for optimizer in (state.opt_g, state.opt_d):
                for group in optimizer.param_groups:
                    group["lr"] = max(group["lr"] / 2, floor)

    return callback


def make_optimizer(
    params, name: str, lr: float, config: TrainConfig
) -> torch.optim.Optimizer:
    build = lookup(
        {
            # fused Adam ran the toy MLP GAN 17-35% faster on a 2-core CPU
            "adam": lambda: torch.optim.Adam(
                params, lr=lr, betas=config.betas, fused=True
            ),
            "sgd": lambda: torch.optim.SGD(params, lr=lr, momentum=config.momentum),
            "rmsprop": lambda: torch.optim.RMSprop(params, lr=lr),
        },
        name,
        "optimizer",
    )
    return build()


def _check_finite(
    step: int, real: torch.Tensor | None = None, **values: torch.Tensor
) -> None:
    for name, value in values.items():
        if torch.isfinite(value):
            continue
        if real is not None and not bool(torch.isfinite(real).all()):
            raise NonFiniteData(
                f"the real batch at step {step} contains NaN or infinite values; "
                "check the training data (every sample must be finite)"
            )
        raise TrainingDiverged(
            f"{name} became {value.item()} at step {step}; "
            "try a smaller learning rate or another loss"
        )


def _all_finite(*nets: torch.nn.Module) -> bool:
    return all(
        bool(torch.isfinite(t).all())
        for net in nets
        for t in net.state_dict().values()
        if t.is_floating_point()
    )


def net_shapes(net: torch.nn.Module) -> dict:
    """What identifies a net in a checkpoint:
    its class and every tensor's name and shape."""
    return {
        "class": type(net).__name__,
        **{name: list(t.shape) for name, t in net.state_dict().items()},
    }


def run_identity(config: "TrainConfig | None") -> dict:
    """The config fields that must match for a resumed run to continue the same run
    (a Loss object by its name and parameters)."""
    if config is None:
        return {}
    identity = {
        f.name: getattr(config, f.name)
        for f in fields(config)
        if f.name not in RESUMABLE_CHANGES
    }
    if isinstance(config.loss, losses.Loss):
        identity.update(loss=config.loss.name, loss_params=config.loss.params)
    return identity


def save_checkpoint(
    path: str | os.PathLike,
    step: int,
    generator,
    discriminator,
    opt_g,
    opt_d,
    history: History,
    rng: torch.Generator,
    config: "TrainConfig | None" = None,
    loss: losses.Loss | None = None,
) -> None:
    """Save the training state atomically:
    a temporary file, then a rename over the old one.

    Only tensors, dicts, lists and numbers are saved, so
    ``torch.load(weights_only=True)`` reads it back. The file also records the run's
    config and the nets' shapes, which a resumed run must match. A state with NaN or
    infinite weights is refused, so the last good checkpoint is never replaced by a
    diverged one.
    """
    if not _all_finite(generator, discriminator):
        raise TrainingDiverged(
            f"non-finite weights at step {step}; kept the last checkpoint"
        )
    state = {
        "step": step,
        "generator": generator.state_dict(),
        "discriminator": discriminator.state_dict(),
        "opt_g": opt_g.state_dict(),
        "opt_d": opt_d.state_dict(),
        "history": asdict(history),
        "rng": rng.get_state(),
        "torch_rng": torch.get_rng_state(),
        "loss": loss.state_dict() if loss else {},
        "config": (
            {"lr_d": config.lr_d, "lr_g": config.lr_g, **run_identity(config)}
            if config
            else {}
        ),
        "shapes": {
            "generator": net_shapes(generator),
            "discriminator": net_shapes(discriminator),
        },
    }
    write_atomically(path, lambda temporary: torch.save(state, temporary))


CHECKPOINT_KEYS = (
    "step",
    "generator",
    "discriminator",
    "opt_g",
    "opt_d",
    "history",
    "rng",
    "torch_rng",
)


def read_checkpoint(
    path: str | os.PathLike, device: torch.device | str = "cpu"
) -> dict:
    """The dict ``save_checkpoint`` wrote,
    or a CheckpointError naming the file and the fault."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    if path.stat().st_size == 0:
        raise CheckpointError(
            f"{path}: the file is empty (a save that never finished?); delete it"
        )
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except (
        RuntimeError,
        EOFError,
        OSError,
        pickle.UnpicklingError,
        zipfile.BadZipFile,
    ) as error:
        first_line = str(error).splitlines()[0] if str(error) else ""
        raise CheckpointError(
            f"{path}: not a readable checkpoint, "
            "the file is damaged or of another kind "
            f"({type(error).__name__}: {first_line})"
        ) from None
    missing = [
        key
        for key in CHECKPOINT_KEYS
        if not isinstance(state, dict) or key not in state
    ]
    if missing:
        raise CheckpointError(
            f"{path}: not a gan_core training checkpoint (missing {', '.join(missing)})"
        )
    return state


def _lists_for_tuples(settings: dict) -> dict:
    """Betas saved as a tuple compare equal to betas given as a list."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}


def _differences(saved: dict, now: dict) -> list[str]:
    return [
        f"{key}: checkpoint {saved.get(key)!r}, now {now.get(key)!r}"
        for key in sorted(set(saved) | set(now))
        if saved.get(key) != now.get(key)
    ]


def check_resumable(
    path, state: dict, generator, discriminator, config: "TrainConfig | None"
) -> None:
    """Refuse a checkpoint of another run:
    other nets, loss, seed, batch size, optimiser...

    Checkpoints written before gan_core recorded shapes and configs are only checked by
    ``load_state_dict``, which still refuses other nets.
    """
    saved_shapes = state.get("shapes", {})
    problems = []
    for name, net in (("generator", generator), ("discriminator", discriminator)):
        if name in saved_shapes:
            problems += [
                f"{name} {d}" for d in _differences(saved_shapes[name], net_shapes(net))
            ]
    saved_config = {
        k: v for k, v in state.get("config", {}).items() if k not in RESUMABLE_CHANGES
    }
    if config is not None and saved_config:
        # a field added later: its default
        saved_config = {**run_identity(TrainConfig()), **saved_config}
        problems += _differences(
            _lists_for_tuples(saved_config), _lists_for_tuples(run_identity(config))
        )
    if config is not None and state["step"] > config.steps:
        problems.append(
            f"steps: the checkpoint is at step {state['step']}, "
            f"beyond steps={config.steps}"
        )
    if problems:
        raise CheckpointError(
            f"{path} belongs to another run; resume with the same settings or start "
            "a new checkpoint file. Differences:\n  " + "\n  ".join(problems)
        )


def _apply_learning_rate(
    path, name: str, optimizer: torch.optim.Optimizer, lr: float, saved: float | None
) -> None:
    """After loading an optimiser's state, use the config's rate if it differs from the
    one the run was started with (``saved``), and say so. Otherwise the optimiser keeps
    its saved rate, which a schedule may have changed."""
    if saved == lr:
        return
    old = optimizer.param_groups[0]["lr"]
    if old != lr:
        warnings.warn(
            f"resuming {path}: {name} changed from {old:g} to {lr:g}; applying {lr:g}",
            stacklevel=4,
        )
    for group in optimizer.param_groups:
        group["lr"] = lr


def load_checkpoint(
    path,
    generator,
    discriminator,
    opt_g,
    opt_d,
    rng: torch.Generator,
    config: "TrainConfig | None" = None,
    loss: losses.Loss | None = None,
) -> tuple[int, History]:
    """Restore what ``save_checkpoint`` saved;
    returns the step it was saved at and the history.

    With ``config``, the checkpoint must come from the same run (see
    ``check_resumable``), and the config's learning rates replace the saved ones.
    """
    state = read_checkpoint(path, next(generator.parameters()).device)
    check_resumable(path, state, generator, discriminator, config)
    try:
        generator.load_state_dict(state["generator"])
        discriminator.load_state_dict(state["discriminator"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
    except (RuntimeError, ValueError, KeyError) as error:
        raise CheckpointError(
            f"{path} does not fit these nets or optimisers: {error}"
        ) from None
    if config is not None:
        started = state.get("config", {})
        _apply_learning_rate(path, "lr_g", opt_g, config.lr_g, started.get("lr_g"))
        _apply_learning_rate(path, "lr_d", opt_d, config.lr_d, started.get("lr_d"))
    if loss is not None:
        loss.load_state_dict(state.get("loss", {}))
    rng.set_state(state["rng"].cpu())
    torch.set_rng_state(state["torch_rng"].cpu())
    return state["step"], History(**state["history"])


def speed_settings(config: TrainConfig, device: torch.device, *nets: torch.nn.Module):
    """bf16 autocast and the channels_last layout, as the config asks (DCGAN chapter).

    Returns the autocast context factory and the function that lays out a real batch.
    """
    if config.channels_last:
        for net in nets:
            net.to(memory_format=torch.channels_last)
        layout = lambda batch: batch.contiguous(  # noqa: E731
            memory_format=torch.channels_last
        )
    else:
        layout = lambda batch: batch  # noqa: E731
    if config.bf16:
        return (lambda: torch.autocast(device.type, dtype=torch.bfloat16)), layout
    return contextlib.nullcontext, layout


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
    if config.resume and not config.checkpoint:
        raise ValueError("resume=True needs checkpoint: the file to resume from")
    if config.updates not in UPDATE_SCHEMES:
        raise ValueError(
            f"updates must be one of {', '.join(UPDATE_SCHEMES)}, "
            f"got {config.updates!r}"
        )
    if config.updates == "simultaneous" and config.d_steps != 1:
        raise ValueError(
            "updates='simultaneous' takes one D step per G step; "
            f"got d_steps={config.d_steps}"
        )


def _checkpoint_due(config: TrainConfig, step: int) -> bool:
    every = config.checkpoint_every and step % config.checkpoint_every == 0
    return bool(config.checkpoint) and (step == config.steps or bool(every))


def train(
    generator: torch.nn.Module,
    discriminator: torch.nn.Module,
    data: Sampler,
    config: TrainConfig = TrainConfig(),
    callbacks: tuple[Callback, ...] = (),
) -> History:
    """Train G against D on ``data`` (anything with ``sample(n, generator)``),
    Algorithm 1."""
    check_config(config)
    loss = losses.resolve(config.loss, config.loss_params)
    opt_d = make_optimizer(
        discriminator.parameters(), config.optimizer, config.lr_d, config
    )
    opt_g = make_optimizer(
        generator.parameters(), config.optimizer, config.lr_g, config
    )
    device = next(generator.parameters()).device
    rng = torch.Generator().manual_seed(config.seed)
    m = config.batch_size

    def noise() -> torch.Tensor:
        return generator.noise(m, rng)

    history, first = History(), 1
    if config.resume and config.checkpoint and Path(config.checkpoint).exists():
        done, history = load_checkpoint(
            config.checkpoint, generator, discriminator, opt_g, opt_d, rng, config, loss
        )
        first = done + 1
    autocast, layout = speed_settings(config, device, generator, discriminator)

    show = config.progress if config.progress is not None else get_profile() != "smoke"
    for step in tqdm(
        range(first, config.steps + 1),
        disable=not show,
        desc=loss.name,
        initial=first - 1,
        total=config.steps,
    ):
        if config.updates == "simultaneous":
            real = layout(data.sample(m, generator=rng).to(device))
            loss_d, loss_g, d_real, d_fake = simultaneous_step(
                generator,
                discriminator,
                opt_g,
                opt_d,
                loss,
                real,
                noise(),
                step,
                autocast,
            )
        else:
            for _ in range(config.d_steps):
                real = layout(data.sample(m, generator=rng).to(device))
                with torch.no_grad(), autocast():
                    fake = generator(noise())
                loss_d, d_real, d_fake = discriminator_step(
                    discriminator, opt_d, loss.d_loss, real, fake, step, autocast
                )
            loss_g = generator_step(
                generator, discriminator, opt_g, loss.g_loss, noise(), step, autocast
            )
        d_real, d_fake = d_real.detach(), d_fake.detach()
        history.record(
            step=step,
            d_loss=loss_d.item(),
            g_loss=loss_g.item(),
            d_real=d_real.mean().item(),
            d_fake=d_fake.mean().item(),
            **loss.after_step(d_real, loss_g.detach()),
        )
        state = TrainState(
            step,
            generator,
            discriminator,
            history,
            rng,
            d_real,
            d_fake,
            opt_g,
            opt_d,
            loss,
        )
        for callback in callbacks:
            callback(state)
        if _checkpoint_due(config, step):
            save_checkpoint(
                config.checkpoint,
                step,
                generator,
                discriminator,
                opt_g,
                opt_d,
                history,
                rng,
                config,
                loss,
            )
    return history


def discriminator_step(
    discriminator: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    d_loss_fn,
    real: torch.Tensor,
    fake: torch.Tensor,
    step: int,
    autocast=contextlib.nullcontext,
):
    """One update of D on a real and a fake batch, Algorithm 1's inner step.

    Returns the loss and D's raw outputs (in float32, also under bf16 autocast)
    on both batches.
    """
    with autocast():
        d_real, d_fake = discriminator(real), discriminator(fake)
    d_real, d_fake = d_real.float(), d_fake.float()
    loss = d_loss_fn(d_real, d_fake)
    _check_finite(step, real, d_loss=loss)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss, d_real, d_fake


def generator_step(
    generator: torch.nn.Module,
    discriminator: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    g_loss_fn,
    z: torch.Tensor,
    step: int,
    autocast=contextlib.nullcontext,
) -> torch.Tensor:
    """One update of G on a batch of noise ``z``, Algorithm 1's outer step;
    returns its loss."""
    with autocast():
        d_on_fake = discriminator(generator(z))
    loss = g_loss_fn(d_on_fake.float())
    _check_finite(step, g_loss=loss)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss


def simultaneous_step(
    generator: torch.nn.Module,
    discriminator: torch.nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    loss: losses.Loss,
    real: torch.Tensor,
    z: torch.Tensor,
    step: int,
    autocast=contextlib.nullcontext,
):
    """Update D and G together from one forward pass (the LSGAN mixture code's scheme).

    Both gradients are taken at the current weights, so G's step does not see D's new
    weights, unlike Algorithm 1.
    Returns both losses and D's raw outputs on both batches.
    """
    with autocast():
        fake = generator(z)
        d_real, d_fake = discriminator(real), discriminator(fake)
    d_real, d_fake = d_real.float(), d_fake.float()
    loss_d, loss_g = loss.d_loss(d_real, d_fake), loss.g_loss(d_fake)
    _check_finite(step, real, d_loss=loss_d, g_loss=loss_g)
    d_params, g_params = list(discriminator.parameters()), list(generator.parameters())
    d_grads = torch.autograd.grad(loss_d, d_params, retain_graph=True)
    g_grads = torch.autograd.grad(loss_g, g_params)
    for params, grads in ((d_params, d_grads), (g_params, g_grads)):
        for param, grad in zip(params, grads):
            param.grad = grad
    opt_d.step()
    opt_g.step()
    return loss_d, loss_g, d_real.detach(), d_fake.detach()


def fit_discriminator(
    discriminator: torch.nn.Module,
    real: Sampler,
    fake: Sampler,
    loss: "str | losses.Loss" = "non_saturating",
    loss_params: dict | None = None,
    steps: int = 1000,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
    optimizer: str = "adam",
) -> list[float]:
    """Train D alone against two fixed samplers; return its loss per step.

    This is the inner loop of Algorithm 1 run on its own, with G frozen (``fake`` may be
    a generator: it has ``sample``; fixed points go in a ``gan_core.data.PointSet``).
    Long enough, it approaches the optimal discriminator D* (chapters on the GAN game
    and LSGAN).
    """
    if steps < 1 or batch_size < 1:
        raise ValueError(
            f"need steps >= 1 and batch_size >= 1, got {steps} and {batch_size}"
        )
    d_loss_fn = losses.resolve(loss, loss_params).d_loss
    config = TrainConfig(optimizer=optimizer, lr_d=lr, batch_size=batch_size, seed=seed)
    opt = make_optimizer(discriminator.parameters(), optimizer, lr, config)
    device = next(discriminator.parameters()).device
    rng = torch.Generator().manual_seed(seed)
    trace = []
    for step in range(1, steps + 1):
        x_real = real.sample(batch_size, generator=rng).to(device)
        x_fake = fake.sample(batch_size, generator=rng).to(device)
        loss_d, _, _ = discriminator_step(
            discriminator, opt, d_loss_fn, x_real, x_fake, step
        )
        trace.append(loss_d.item())
    return trace
