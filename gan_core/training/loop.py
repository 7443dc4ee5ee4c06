"""The one training loop: Algorithm 1 of the GAN paper (chapter "The GAN game").

Every model in the book trains here. Models differ by their nets, their loss pair
(``gan_core.training.losses``), their optimiser settings and, where needed, a callback;
never by a copy of this loop.
"""

import contextlib
from pathlib import Path

import torch
from tqdm.auto import tqdm

from gan_core.batches import on_device
from gan_core.config import get_profile
from gan_core.registry import lookup
from gan_core.training import checkpoints, distributed, losses, step_log
from gan_core.training.state import (
    Callback,
    History,
    Sampler,
    TrainConfig,
    TrainState,
    check_config,
)
from gan_core.training.step_log import StepLog


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
            "tf_rmsprop": lambda: tf_rmsprop(params, lr),
        },
        name,
        "optimizer",
    )
    return build()


def tf_rmsprop(params, lr: float) -> torch.optim.RMSprop:
    """RMSProp as TensorFlow 1's RMSPropOptimizer, which the LSGAN paper's stability
    code uses: decay 0.9 and epsilon 1e-10 (torch: 0.99 and 1e-8), and a mean square
    that starts at 1, not 0, so that the first steps are about lr * gradient instead of
    lr-sized jumps. (TensorFlow adds epsilon inside the square root, torch outside:
    a difference of 1e-10 in the denominator.)"""
    params = list(params)
    optimizer = torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-10)
    for p in params:  # the state torch would create at the first step, but with ones
        optimizer.state[p] = {"step": torch.zeros(()), "square_avg": torch.ones_like(p)}
    return optimizer


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


def step_runners(config: TrainConfig, *nets: torch.nn.Module) -> tuple:
    """The nets as the steps call them: compiled by torch.compile if the config asks.
    They share their parameters with ``nets``, which the optimisers, checkpoints and
    callbacks keep using."""
    return tuple(torch.compile(net) if config.compile else net for net in nets)


def train(
    generator: torch.nn.Module,
    discriminator: torch.nn.Module,
    data: Sampler,
    config: TrainConfig = TrainConfig(),
    callbacks: tuple[Callback, ...] = (),
) -> History:
    """Train G against D on ``data`` (anything with ``sample(n, generator)``),
    Algorithm 1. A data set that can move (``ImageDataset.to``) is moved to the
    nets' device first, so batches are drawn there."""
    check_config(config)
    loss = losses.resolve(config.loss, config.loss_params)
    opt_d = make_optimizer(
        discriminator.parameters(), config.optimizer, config.lr_d, config
    )
    opt_g = make_optimizer(
        generator.parameters(), config.optimizer, config.lr_g, config
    )
    device = next(generator.parameters()).device
    data = on_device(data, device)
    rng = torch.Generator().manual_seed(distributed.rank_seed(config.seed))
    m = config.batch_size  # per rank under torchrun

    def noise() -> torch.Tensor:
        return distributed.plain(generator).noise(m, rng)

    history, first = History(), 1
    if config.resume and Path(config.checkpoint).exists():
        done, history = checkpoints.load_checkpoint(
            config.checkpoint, generator, discriminator, opt_g, opt_d, rng, config, loss
        )
        first = done + 1
    if config.checkpoint:
        callbacks = (*callbacks, checkpoints.saver(config))
    autocast, layout = speed_settings(config, device, generator, discriminator)
    g_run, d_run = step_runners(config, generator, discriminator)

    show = config.progress if config.progress is not None else get_profile() != "smoke"
    log = StepLog(history)
    for step in tqdm(
        range(first, config.steps + 1),
        disable=not show,
        desc=loss.name,
        initial=first - 1,
        total=config.steps,
    ):
        real_finite = torch.ones((), dtype=torch.bool, device=device)
        if config.updates in ONE_BATCH_STEPS:
            real = layout(data.sample(m, generator=rng).to(device))
            real_finite = real.isfinite().all()
            loss_d, loss_g, d_real, d_fake = ONE_BATCH_STEPS[config.updates](
                g_run, d_run, opt_g, opt_d, loss, real, noise(), autocast
            )
        else:
            for _ in range(config.d_steps):
                real = layout(data.sample(m, generator=rng).to(device))
                real_finite = real_finite & real.isfinite().all()
                with torch.no_grad(), autocast():
                    fake = g_run(noise())
                loss_d, d_real, d_fake = discriminator_step(
                    d_run, opt_d, loss.d_loss, real, fake, autocast
                )
            loss_g = generator_step(g_run, d_run, opt_g, loss.g_loss, noise(), autocast)
        d_real, d_fake = d_real.detach(), d_fake.detach()
        values = (loss_d, loss_g, d_real.mean(), d_fake.mean())
        log.add(step, values, real_finite, loss.after_step(d_real, loss_g.detach()))
        if _read_due(config, step, device):
            log.flush()  # the one read from the device, and the NaN check
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
    return history


GPU_LOG_EVERY = 50


def _read_due(config: TrainConfig, step: int, device: torch.device) -> bool:
    """Read the losses at this step? Every ``log_every`` steps, at checkpoints (whose
    history must be whole) and after the last step."""
    every = config.log_every or (1 if device.type == "cpu" else GPU_LOG_EVERY)
    return step % every == 0 or checkpoints.due(config, step) or step == config.steps


def discriminator_step(
    discriminator: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    d_loss_fn,
    real: torch.Tensor,
    fake: torch.Tensor,
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
    autocast=contextlib.nullcontext,
) -> torch.Tensor:
    """One update of G on a batch of noise ``z``, Algorithm 1's outer step;
    returns its loss."""
    with autocast():
        d_on_fake = discriminator(generator(z))
    loss = g_loss_fn(d_on_fake.float())
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
    a generator: it has ``sample``; fixed points go in a
    ``gan_core.data.mixtures.PointSet``).
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
        loss_d, _, _ = discriminator_step(discriminator, opt, d_loss_fn, x_real, x_fake)
        trace.append(loss_d.item())  # D alone: a small job, read at every step
        step_log.check(step, {"d_loss": trace[-1]})
    return trace


def same_noise_step(
    generator: torch.nn.Module,
    discriminator: torch.nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    loss: losses.Loss,
    real: torch.Tensor,
    z: torch.Tensor,
    autocast=contextlib.nullcontext,
):
    """D's step, then G's against the updated D, on one noise batch: the fake batch is
    computed once and serves both, so G runs forward once per step instead of twice.
    Returns both losses and D's raw outputs on both batches.
    """
    with autocast():
        fake = generator(z)
    loss_d, d_real, d_fake = discriminator_step(
        discriminator, opt_d, loss.d_loss, real, fake.detach(), autocast
    )
    # G's forward is the one above: its graph carries G's update
    loss_g = generator_step(
        lambda _: fake, discriminator, opt_g, loss.g_loss, z, autocast
    )
    return loss_d, loss_g, d_real, d_fake


# the update schemes that draw one real and one noise batch per step
ONE_BATCH_STEPS = {"simultaneous": simultaneous_step, "same_noise": same_noise_step}
