"""Training: the loop (Algorithm 1), its config and state, the losses, callbacks and
checkpoints. ``from gan_core import training`` gives the names a chapter trains with."""

from gan_core.training.callbacks import GeneratorAverage, every, halve_when_stalled
from gan_core.training.checkpoints import (
    load_checkpoint,
    read_checkpoint,
    save_checkpoint,
)
from gan_core.training.loop import fit_discriminator, make_optimizer, train
from gan_core.training.state import (
    UPDATE_SCHEMES,
    CheckpointError,
    History,
    NonFiniteData,
    TrainConfig,
    TrainingDiverged,
    TrainState,
    check_config,
)

__all__ = [
    "GeneratorAverage",
    "UPDATE_SCHEMES",
    "CheckpointError",
    "History",
    "NonFiniteData",
    "TrainConfig",
    "TrainState",
    "TrainingDiverged",
    "every",
    "fit_discriminator",
    "halve_when_stalled",
    "load_checkpoint",
    "make_optimizer",
    "read_checkpoint",
    "save_checkpoint",
    "check_config",
    "train",
]
