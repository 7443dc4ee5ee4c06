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


# --- 2-D mixtures chapter: densities over training, seed studies, the live training view ---


def kde_on_grid(points: torch.Tensor, extent, resolution: int = 120, bandwidth: float = 0.03) -> torch.Tensor:
    """Gaussian kernel density estimate of 2-D ``points`` on a ``resolution``² grid, (res, res)."""
    grid = grid_2d(extent, resolution)  # (res², 2)
    points = points.detach().double().cpu()
    density = torch.zeros(len(grid), dtype=torch.float64)
    for chunk in points.split(1_000):  # (≤1000, 2): bounds the (res², chunk) distance matrix
        density += torch.exp(-0.5 * torch.cdist(grid.double(), chunk).square() / bandwidth**2).sum(dim=1)
    density /= len(points) * 2 * np.pi * bandwidth**2
    return density.reshape(resolution, resolution)


def plot_kde(points: torch.Tensor, extent, bandwidth: float = 0.03, resolution: int = 120, centres=None,
             ax=None, cmap="Greens"):
    """Kernel density of generated points as a heat map (the LSGAN paper's Figure), centres as crosses."""
    ax = _axes(ax, figsize=(3, 3))
    density = kde_on_grid(points, extent, resolution, bandwidth)
    ax.imshow(density.numpy(), origin="lower", extent=extent, cmap=cmap)
    if centres is not None:
        ax.scatter(*centres.T.cpu(), marker="x", s=12, linewidths=0.8, color="tab:red")
    ax.set(xticks=[], yticks=[], aspect="equal")
    return ax


def plot_kde_over_training(snapshots: dict[str, dict[int, torch.Tensor]], extent, centres=None,
                           bandwidth: float = 0.03, size: float = 1.9):
    """A grid of densities: one row per run (``snapshots[name][step] = points``), one column per step."""
    names = list(snapshots)
    steps = sorted(snapshots[names[0]])
    fig, axes = plt.subplots(len(names), len(steps), figsize=(size * len(steps), size * len(names)),
                             squeeze=False)
    for row, name in enumerate(names):
        for col, step in enumerate(steps):
            ax = axes[row, col]
            plot_kde(snapshots[name][step], extent, bandwidth, centres=centres, ax=ax)
            if row == 0:
                ax.set_title(f"step {step:,}", fontsize="medium")
            if col == 0:
                ax.set_ylabel(name, fontsize="medium")
    fig.tight_layout()
    return fig


def plot_strips(table, metric: str, by: str = "setting", ax=None, jitter: float = 0.12, seed: int = 0):
    """One box per group of ``table[by]`` with every run as a dot on it (a box and strip plot)."""
    ax = _axes(ax, figsize=(5, 3.5))
    groups = list(dict.fromkeys(table[by]))
    values = [table.loc[table[by] == g, metric].dropna().to_numpy(dtype=float) for g in groups]
    ax.boxplot(values, positions=range(len(groups)), widths=0.5, showfliers=False,
               medianprops={"color": "black"})
    rng = np.random.default_rng(seed)
    for i, v in enumerate(values):
        ax.scatter(i + rng.uniform(-jitter, jitter, len(v)), v, s=18, alpha=0.7, zorder=3)
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel(metric.replace("_", " "))
    return ax


def plot_training_frame(frame, ax=None, arrow_scale: float | None = None):
    """One view of a 2-D GAN mid-training: D's raw output as a heat map, real (black) and
    fake (green) points, and on each fake point an arrow along -∂g_loss/∂x, the way the
    generator's update pushes it. ``frame`` has fields field, level, extent, real, fake, push,
    step, loss; the colours are centred on ``level``, D's undecided output (white)."""
    ax = _axes(ax, figsize=(4.5, 4))
    limit = float(np.abs(frame.field - frame.level).max()) or 1.0
    ax.imshow(frame.field, origin="lower", extent=frame.extent, cmap="RdBu_r", vmin=frame.level - limit,
              vmax=frame.level + limit)
    ax.scatter(*np.asarray(frame.real).T, s=3, color=REAL_COLOUR, alpha=0.5)
    ax.scatter(*np.asarray(frame.fake).T, s=5, color=FAKE_COLOUR, alpha=0.8)
    push = np.asarray(frame.push)
    fake = np.asarray(frame.fake)
    ax.quiver(fake[:, 0], fake[:, 1], push[:, 0], push[:, 1], color="tab:orange", angles="xy",
              scale_units="xy", scale=arrow_scale, width=0.004)
    ax.set(xlim=frame.extent[:2], ylim=frame.extent[2:], aspect="equal",
           title=f"{frame.loss}, step {frame.step:,}")
    return ax


def plot_mode_counts(steps, counts, ax=None, cmap="magma"):
    """High-quality samples per mode (rows) at each checkpoint (columns): mode hopping shows
    as a bright cell that moves from row to row. ``counts``: one tuple of K counts per step."""
    ax = _axes(ax, figsize=(6, 3))
    table = np.asarray(counts, dtype=float).T  # (K, checkpoints)
    image = ax.imshow(table, aspect="auto", origin="lower", cmap=cmap, interpolation="nearest",
                      extent=(steps[0] - 0.5, steps[-1] + 0.5, -0.5, table.shape[0] - 0.5))
    ax.figure.colorbar(image, ax=ax, label="high-quality samples")
    ax.set(xlabel="generator step", ylabel="mode")
    return ax
