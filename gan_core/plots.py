"""Figures: data in, axes out. Every function draws on ``ax`` (a new one if None)."""

import matplotlib.pyplot as plt
import numpy as np
import torch

REAL_COLOUR, FAKE_COLOUR = "black", "tab:green"


def _axes(ax, figsize=(5, 4)):
    return ax if ax is not None else plt.subplots(figsize=figsize)[1]


def plot_samples(real: torch.Tensor | None = None, fake: torch.Tensor | None = None,
                 centres: torch.Tensor | None = None, ax=None):
    """Scatter 2-D real and generated points, with the mode centres as crosses."""
    ax = _axes(ax)
    if real is not None:
        ax.scatter(*real.T.cpu(), s=4, alpha=0.4, color=REAL_COLOUR, label="real")
    if fake is not None:
        ax.scatter(*fake.T.cpu(), s=4, alpha=0.4, color=FAKE_COLOUR, label="generated")
    if centres is not None:
        ax.scatter(*centres.T.cpu(), marker="x", s=40, color="tab:red", label="mode centres")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small", markerscale=2)
    return ax


def grid_2d(extent: tuple[float, float, float, float], resolution: int = 200) -> torch.Tensor:
    """Points of a ``resolution``² grid over ``extent`` = (x0, x1, y0, y1), row by row."""
    x0, x1, y0, y1 = extent
    xs, ys = torch.meshgrid(torch.linspace(x0, x1, resolution), torch.linspace(y0, y1, resolution),
                            indexing="xy")
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)  # (resolution², 2)


def plot_field(values_at, extent, resolution: int = 200, ax=None, cmap="RdBu_r", label=None, **imshow):
    """Heat map of a function of 2-D points, ``values_at(points (n, 2)) -> (n,)``."""
    ax = _axes(ax)
    with torch.no_grad():
        values = values_at(grid_2d(extent, resolution)).reshape(resolution, resolution)
    image = ax.imshow(values.cpu().numpy(), origin="lower", extent=extent, cmap=cmap, **imshow)
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    return ax


def plot_discriminator(discriminator, extent, squash: bool = True, resolution: int = 200, ax=None):
    """D over the plane: sigmoid(logit) in [0, 1] if ``squash``, else the raw output."""
    def d_of(points):
        scores = discriminator(points)
        return torch.sigmoid(scores) if squash else scores

    limits = {"vmin": 0.0, "vmax": 1.0} if squash else {}
    return plot_field(d_of, extent, resolution, ax=ax, label="D(x)" if squash else "D raw output", **limits)


def plot_mixture(mixture, n: int = 2000, extent=None, seed: int = 0, ax=None):
    """Log-density of a 2-D mixture as a heat map, with ``n`` samples on top."""
    points = mixture.sample(n, generator=torch.Generator().manual_seed(seed))
    if extent is None:
        reach = float(mixture.centres.abs().max() + 4 * mixture.stds.max() + 0.5)
        extent = (-reach, reach, -reach, reach)
    ax = plot_field(lambda p: mixture.log_prob(p).clamp(min=-20), extent, ax=ax, cmap="viridis",
                    label="log density")
    ax.scatter(*points.T, s=2, color="white", alpha=0.5)
    ax.set(xlim=extent[:2], ylim=extent[2:])
    return ax


def plot_history(history, ax=None, smooth: int = 1):
    """Both players' losses per generator step, optionally as a moving average."""
    ax = _axes(ax, figsize=(6, 3.5))
    kernel = np.ones(smooth) / smooth
    for name in ("d_loss", "g_loss"):
        values = np.convolve(getattr(history, name), kernel, mode="valid")
        ax.plot(history.step[smooth - 1:], values, label=name.replace("_", " "))
    ax.set(xlabel="generator step", ylabel="loss")
    ax.legend()
    return ax
