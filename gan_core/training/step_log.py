"""The loop's per-step numbers, kept on the device between reads.

Reading a number from a GPU (``.item()``, ``bool(...)``) waits until the GPU has done
all it was given: read after every step, the host and the GPU take turns instead of
working side by side. So each step's losses, D's mean outputs and its finiteness checks
stay on the device, and ``flush`` moves a whole window of steps to the history in one
transfer, every ``TrainConfig.log_every`` steps. That is also where a non-finite value
is found: the run stops there, naming the first bad step (the nets have taken the bad
updates since; the last checkpoint, saved before it, is intact).
"""

import math

import torch

from gan_core.training.state import History, NonFiniteData, TrainingDiverged

NAMES = ("d_loss", "g_loss", "d_real", "d_fake")


class StepLog:
    def __init__(self, history: History):
        self.history = history
        self._steps: list[int] = []
        self._values: list[
            torch.Tensor
        ] = []  # per step: NAMES, then "real batches finite"
        self._extras: list[dict[str, float]] = []

    def add(
        self,
        step: int,
        values: tuple[torch.Tensor, ...],
        real_finite: torch.Tensor,
        extra: dict[str, float],
    ) -> None:
        """One step's ``values`` (0-d tensors in the order of NAMES) and whether all of
        its real batches were finite; nothing is read from the device."""
        row = torch.stack([*(v.detach().float() for v in values), real_finite.float()])
        self._steps.append(step)
        self._values.append(row)
        self._extras.append(extra)

    def flush(self) -> None:
        """Record the pending steps in the history, in one transfer; raise at the first
        step with a non-finite value, recording only the steps before it."""
        if not self._steps:
            return
        table = torch.stack(self._values).cpu().tolist()
        steps, extras = self._steps, self._extras
        self._steps, self._values, self._extras = [], [], []
        for step, (*values, real_finite), extra in zip(steps, table, extras):
            named = dict(zip(NAMES, values))
            check(step, named, bool(real_finite))
            self.history.record(step=step, **named, **extra)


def check(step: int, values: dict[str, float], real_finite: bool = True) -> None:
    """Raise if one of ``values`` is NaN or infinite: NonFiniteData when a real batch
    was not finite (the data are at fault), else TrainingDiverged."""
    bad = [(name, value) for name, value in values.items() if not math.isfinite(value)]
    if not bad:
        return
    if not real_finite:
        raise NonFiniteData(
            f"the real batch at step {step} contains NaN or infinite values; "
            "check the training data (every sample must be finite)"
        )
    name, value = bad[0]
    raise TrainingDiverged(
        f"{name} became {value} at step {step}; "
        "try a smaller learning rate or another loss"
    )
