"""Frames of a 2-D training run for the live view and its animation (chapters "The GAN
game" and "Mixtures of Gaussians"): D's heat map, real and fake points, and where the
generator's loss pushes each fake point."""

from dataclasses import dataclass

import numpy as np
import torch

from gan_core.checks import check_distribution, check_extent, check_int
from gan_core.evaluation import probes
from gan_core.figures.plots import grid_2d
from gan_core.training import TrainState, losses


@dataclass
class Frame:
    """One recorded moment of a 2-D run, what ``plots.plot_training_frame`` draws."""

    step: int
    loss: str
    extent: tuple[float, float, float, float]
    field: np.ndarray  # D's raw output on a grid over extent, (res, res), rows = y
    # D's undecided output: 0 for a logit, (a + b) / 2 for least squares codes
    level: float
    real: np.ndarray  # fixed real points, (n, 2)
    fake: np.ndarray  # G's points for fixed noise, (n, 2)
    # -∂g_loss/∂x at each fake point, (n, 2): where G's update moves it
    push: np.ndarray


class FrameRecorder:
    """A callback keeping a ``Frame`` every ``every`` steps: D's heat map, real and fake
    points, and the generator's gradient on each fake point
    (``probes.point_gradients``)."""

    def __init__(
        self,
        distribution,
        loss: "str | losses.Loss",
        every: int,
        extent,
        n: int = 150,
        resolution: int = 60,
        loss_params: dict | None = None,
        seed: int = 0,
    ):
        # frames are drawn over a 2-D extent
        check_distribution("distribution", distribution, dim=2)
        check_int("every", every, minimum=1)
        check_extent("extent", extent)
        check_int("n", n, minimum=1)
        check_int("resolution", resolution, minimum=2)
        resolved = losses.resolve(loss, loss_params)
        self.loss, self.every, self.extent, self.resolution = (
            resolved.name,
            every,
            tuple(extent),
            resolution,
        )
        if resolved.undecided is None:
            raise ValueError(
                f"loss {resolved.name!r}: D has no undecided output to draw the "
                "frame's boundary at"
            )
        self.g_loss, self.level = resolved.g_loss, resolved.undecided
        rng = torch.Generator().manual_seed(seed)
        self.real = distribution.sample(n, generator=rng)
        self.noise_seed, self.n = seed + 1, n
        self.frames: list[Frame] = []

    def frame(self, step: int, generator, discriminator) -> Frame:
        # on G's device
        fake = generator.sample(self.n, torch.Generator().manual_seed(self.noise_seed))
        push = -probes.point_gradients(discriminator, fake, self.g_loss)
        with torch.no_grad():
            field = discriminator(grid_2d(self.extent, self.resolution).to(fake.device))
        field = field.reshape(self.resolution, self.resolution)  # (res, res), rows = y
        return Frame(
            step,
            self.loss,
            self.extent,
            field.cpu().numpy(),
            self.level,
            self.real.numpy(),
            fake.cpu().numpy(),
            push.cpu().numpy(),
        )

    def __call__(self, state: TrainState) -> None:
        if state.step % self.every == 0:
            self.frames.append(
                self.frame(state.step, state.generator, state.discriminator)
            )
