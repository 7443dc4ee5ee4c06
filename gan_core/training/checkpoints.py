"""Saving and resuming a training run (chapter "DCGAN"): one file with the nets, the
optimisers, the history, the random generators and the loss's state, written
atomically and refused when it belongs to another run."""

import os
import pickle
import warnings
import zipfile
from dataclasses import asdict, fields
from pathlib import Path

import torch

from gan_core.files import write_atomically
from gan_core.training import distributed, losses
from gan_core.training.state import (
    RESUMABLE_CHANGES,
    Callback,
    CheckpointError,
    History,
    TrainConfig,
    TrainingDiverged,
    TrainState,
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
    diverged one. Under torchrun every rank calls it; rank 0 writes the file, with each
    rank's random generators, and the nets without their DDP wrappers, so that one
    process can load it.
    """
    generator, discriminator = map(distributed.plain, (generator, discriminator))
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
        # per rank: the data and noise generator, and torch's own
        "rank_rngs": distributed.gathered([rng.get_state(), torch.get_rng_state()]),
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
    if distributed.rank() == 0:
        write_atomically(path, lambda temporary: torch.save(state, temporary))
    distributed.barrier()  # no rank reads the file before it is whole


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
    generator, discriminator = map(distributed.plain, (generator, discriminator))
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
    _restore_random_generators(state, rng)
    return state["step"], History(**state["history"])


def _restore_random_generators(state: dict, rng: torch.Generator) -> None:
    """This rank's generators as saved; a rank the run did not have draws afresh."""
    per_rank = state.get("rank_rngs") or [[state["rng"], state["torch_rng"]]]
    if distributed.rank() >= len(per_rank):
        rng.manual_seed(distributed.rank_seed(state["step"]))
        return
    data_and_noise, torch_rng = per_rank[distributed.rank()]
    rng.set_state(data_and_noise.cpu())
    torch.set_rng_state(torch_rng.cpu())


def due(config: TrainConfig, step: int) -> bool:
    """Is a checkpoint saved after ``step``? Every ``config.checkpoint_every`` steps
    (0: never) and after the last step, when there is a checkpoint file."""
    every = config.checkpoint_every and step % config.checkpoint_every == 0
    return bool(config.checkpoint) and (step == config.steps or bool(every))


def saver(config: TrainConfig) -> Callback:
    """The callback that saves the run to ``config.checkpoint`` when it is ``due``."""

    def save(state: TrainState) -> None:
        if due(config, state.step):
            save_checkpoint(
                config.checkpoint,
                state.step,
                state.generator,
                state.discriminator,
                state.opt_g,
                state.opt_d,
                state.history,
                state.rng,
                config,
                state.loss,
            )

    return save
