"""Small callbacks for the loop: run one every n steps, and BEGAN's learning-rate
schedule. Checkpoints are saved by a callback too (``checkpoints.saver``)."""

from gan_core.checks import check_int, check_number
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
