"""Small callbacks for the loop: run one every n steps, BEGAN's learning-rate schedule,
and an average of G's weights for sampling. Checkpoints are saved by a callback too
(``checkpoints.saver``)."""

import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from gan_core.checks import check_int, check_number
from gan_core.training import distributed
from gan_core.training.state import Callback, TrainState


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


class GeneratorAverage:
    """A callback keeping an exponential moving average of G's weights, and of its
    batch-norm statistics, for sampling: after each step, average = decay x average +
    (1 - decay) x G (``torch.optim.swa_utils.AveragedModel``). Later practice
    (Karras et al. 2018, Yazici et al. 2019), not the DCGAN paper's: the average moves
    less from step to step than G itself, which the adversarial game keeps shaking.

    ``generator`` is the averaged copy (a G, with ``sample``); None before the first
    step. The average is not saved in checkpoints: a resumed run starts it afresh.
    """

    def __init__(self, decay: float = 0.999):
        check_number("decay", decay, 0, 1, high_open=True)
        self.decay = decay
        self._average: AveragedModel | None = None

    def __call__(self, state: TrainState) -> None:
        generator = distributed.plain(state.generator)
        if self._average is None:
            self._average = AveragedModel(
                generator,
                multi_avg_fn=get_ema_multi_avg_fn(self.decay),
                use_buffers=True,
            )
        self._average.update_parameters(generator)

    @property
    def generator(self) -> torch.nn.Module | None:
        return None if self._average is None else self._average.module
