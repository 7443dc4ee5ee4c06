"""Figures: data in, axes out. Every function draws on ``ax`` (a new one if None)."""

import matplotlib.pyplot as plt
import numpy as np
import torch

from gan_core.checks import (
    check_callable,
    check_distribution,
    check_extent,
    check_finite,
    check_int,
    check_interval,
    check_number,
    check_positive,
    check_tensor,
)
from gan_core.evaluation import theory

REAL_COLOUR, FAKE_COLOUR = "black", "tab:green"
COLUMN_INCHES = 6.8  # the book's figure column: 688 px at matplotlib's 100 dpi
MAX_PANELS_PER_ROW = 2


def column_figure(rows: int = 1, cols: int = 1, height: float = 3.2, **subplots):
    """``plt.subplots`` sized for the book's column: as wide as it, so it is shown at
    its natural size, and at most two panels per row, so labels stay readable."""
    check_int("rows", rows, minimum=1)
    check_int("cols", cols, minimum=1, maximum=MAX_PANELS_PER_ROW)
    check_positive("height", height)
    subplots.setdefault("layout", "constrained")
    return plt.subplots(rows, cols, figsize=(COLUMN_INCHES, height), **subplots)


def column_mosaic(layout: list[list[str]], height: float = 5.0, **subplots):
    """``plt.subplot_mosaic`` with ``column_figure``'s rules: e.g. ``[["map", "loss"],
    ["map", "d"]]`` puts a tall panel beside two short ones; "." leaves a cell empty."""
    if not (
        isinstance(layout, list)
        and layout
        and all(
            isinstance(row, list) and 1 <= len(row) <= MAX_PANELS_PER_ROW
            for row in layout
        )
    ):
        raise ValueError(
            f"layout must be a list of rows of 1 or {MAX_PANELS_PER_ROW} panel names, "
            f"got {layout!r}"
        )
    check_positive("height", height)
    subplots.setdefault("layout", "constrained")
    return plt.subplot_mosaic(layout, figsize=(COLUMN_INCHES, height), **subplots)


def _axes(ax, figsize=(5, 4)):
    return ax if ax is not None else plt.subplots(figsize=figsize)[1]


def _check_points(name: str, points, optional: bool = True) -> None:
    """2-D points ``(n, 2)``, or None where ``optional``."""
    if points is not None or not optional:
        check_tensor(name, points, ("n", 2))


def _check_smooth(smooth, history) -> None:
    """A moving-average window that fits in the history.

    (np.convolve would swap them silently.)
    """
    check_int("smooth", smooth, minimum=1, maximum=max(len(history.step), 1))


def plot_samples(
    real: torch.Tensor | None = None,
    fake: torch.Tensor | None = None,
    centres: torch.Tensor | None = None,
    ax=None,
):
    """Scatter 2-D real and generated points, with the mode centres as crosses."""
    for name, points in (("real", real), ("fake", fake), ("centres", centres)):
        _check_points(name, points)
    ax = _axes(ax)
    if real is not None:
        ax.scatter(*real.T.cpu(), s=4, alpha=0.4, color=REAL_COLOUR, label="real")
    if fake is not None:
        ax.scatter(*fake.T.cpu(), s=4, alpha=0.4, color=FAKE_COLOUR, label="generated")
    if centres is not None:
        ax.scatter(
            *centres.T.cpu(), marker="x", s=40, color="tab:red", label="mode centres"
        )
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize="small", markerscale=2)
    return ax


def grid_2d(
    extent: tuple[float, float, float, float], resolution: int = 200
) -> torch.Tensor:
    """Points of a ``resolution``² grid over ``extent`` = (x0, x1, y0, y1).

    Row by row.
    """
    check_extent("extent", extent)
    check_int("resolution", resolution, minimum=2)
    x0, x1, y0, y1 = extent
    xs, ys = torch.meshgrid(
        torch.linspace(x0, x1, resolution),
        torch.linspace(y0, y1, resolution),
        indexing="xy",
    )
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)  # (resolution², 2)


def plot_field(
    values_at,
    extent,
    resolution: int = 200,
    ax=None,
    cmap="RdBu_r",
    label=None,
    **imshow,
):
    """Heat map of a function of 2-D points, ``values_at(points (n, 2)) -> (n,)``."""
    check_callable("values_at", values_at)
    points = grid_2d(extent, resolution)
    ax = _axes(ax)
    with torch.no_grad():
        values = values_at(points)
    if values.numel() != len(points):
        raise ValueError(
            f"values_at must return one value per point ({len(points)}), "
            f"got shape {tuple(values.shape)}"
        )
    values = values.reshape(resolution, resolution)
    image = ax.imshow(
        values.cpu().numpy(), origin="lower", extent=extent, cmap=cmap, **imshow
    )
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    return ax


def plot_discriminator(
    discriminator, extent, squash: bool = True, resolution: int = 200, ax=None
):
    """D over the plane: sigmoid(logit) in [0, 1] if ``squash``, else the raw output."""
    check_callable("discriminator", discriminator)

    def d_of(points):
        scores = discriminator(points)
        return torch.sigmoid(scores) if squash else scores

    limits = {"vmin": 0.0, "vmax": 1.0} if squash else {}
    return plot_field(
        d_of,
        extent,
        resolution,
        ax=ax,
        label="D(x)" if squash else "D raw output",
        **limits,
    )


def plot_mixture(mixture, n: int = 2000, extent=None, seed: int = 0, ax=None):
    """Log-density of a 2-D mixture as a heat map, with ``n`` samples on top."""
    check_distribution("mixture", mixture, "log_prob", "centres", "stds", dim=2)
    if extent is not None:
        check_extent("extent", extent)
    points = mixture.sample(n, generator=torch.Generator().manual_seed(seed))
    if extent is None:
        reach = float(mixture.centres.abs().max() + 4 * mixture.stds.max() + 0.5)
        extent = (-reach, reach, -reach, reach)
    ax = plot_field(
        lambda p: mixture.log_prob(p).clamp(min=-20),
        extent,
        ax=ax,
        cmap="viridis",
        label="log density",
    )
    ax.scatter(*points.T, s=2, color="white", alpha=0.5)
    ax.set(xlim=extent[:2], ylim=extent[2:])
    return ax


def plot_history(history, ax=None, smooth: int = 1):
    """Both players' losses per generator step, optionally as a moving average."""
    _check_smooth(smooth, history)
    ax = _axes(ax, figsize=(6, 3.5))
    kernel = np.ones(smooth) / smooth
    for name in ("d_loss", "g_loss"):
        values = np.convolve(getattr(history, name), kernel, mode="valid")
        ax.plot(history.step[smooth - 1 :], values, label=name.replace("_", " "))
    ax.set(xlabel="generator step", ylabel="loss")
    ax.legend()
    return ax


# --- 2-D mixtures chapter ------------------------------------------------------------
# densities over training, seed studies, the live training view


def kde_on_grid(
    points: torch.Tensor, extent, resolution: int = 120, bandwidth: float | str = 0.03
) -> torch.Tensor:
    """Gaussian kernel density estimate of 2-D ``points`` on a ``resolution``² grid.

    Returns (res, res). ``bandwidth`` is the kernel's standard deviation, or "scott":
    Scott's rule on the points' covariance (scipy's default, which the LSGAN code's
    seaborn plots use).
    """
    check_tensor("points", points, ("n", 2), nonempty=True, finite=True)
    if isinstance(bandwidth, str) and bandwidth != "scott":
        raise ValueError(
            f"bandwidth must be a positive number or 'scott', got {bandwidth!r}"
        )
    grid = grid_2d(extent, resolution)  # (res², 2)
    if bandwidth == "scott":
        from scipy.stats import gaussian_kde

        density = gaussian_kde(points.detach().double().cpu().numpy().T)(
            grid.double().numpy().T
        )
        return torch.from_numpy(density).reshape(resolution, resolution)
    check_positive("bandwidth", bandwidth)
    points = points.detach().double().cpu()
    density = torch.zeros(len(grid), dtype=torch.float64)
    for chunk in points.split(
        1_000
    ):  # (≤1000, 2): bounds the (res², chunk) distance matrix
        density += torch.exp(
            -0.5 * torch.cdist(grid.double(), chunk).square() / bandwidth**2
        ).sum(dim=1)
    density /= len(points) * 2 * np.pi * bandwidth**2
    return density.reshape(resolution, resolution)


def plot_kde(
    points: torch.Tensor,
    extent,
    bandwidth: float | str = 0.03,
    resolution: int = 120,
    centres=None,
    ax=None,
    cmap="Greens",
):
    """Kernel density of generated points as a heat map (the LSGAN paper's Figure),
    centres as crosses. The colours are the density divided by its maximum in this
    panel, as in the paper's per-panel plots."""
    _check_points("centres", centres)
    ax = _axes(ax, figsize=(3, 3))
    density = kde_on_grid(points, extent, resolution, bandwidth)
    relative = density / density.max().clamp(min=1e-300)
    ax.imshow(
        relative.numpy(), origin="lower", extent=extent, cmap=cmap, vmin=0.0, vmax=1.0
    )
    if centres is not None:
        ax.scatter(*centres.T.cpu(), marker="x", s=12, linewidths=0.8, color="tab:red")
    ax.set(xticks=[], yticks=[], aspect="equal")
    return ax


def plot_kde_over_training(
    snapshots: dict[str, dict[int, torch.Tensor]],
    extent,
    centres=None,
    bandwidth: float | str = 0.03,
):
    """A grid of densities as wide as the book's column: one row per run
    (``snapshots[name][step] = points``), one column per step, one colour bar."""
    names = list(snapshots)
    steps = sorted(snapshots[names[0]]) if names else []
    if not steps or any(sorted(snapshots[name]) != steps for name in names):
        raise ValueError(
            "snapshots must map each run to {step: points} "
            "with the same, non-empty steps, got "
            + str({name: sorted(snapshots[name]) for name in names})
        )
    size = (COLUMN_INCHES - 1.6) / len(
        steps
    )  # room for the row names and the colour bar
    fig, axes = plt.subplots(
        len(names),
        len(steps),
        squeeze=False,
        layout="constrained",
        figsize=(COLUMN_INCHES, size * len(names) + 0.4),
    )
    for row, name in enumerate(names):
        for col, step in enumerate(steps):
            ax = axes[row, col]
            plot_kde(snapshots[name][step], extent, bandwidth, centres=centres, ax=ax)
            if row == 0:
                ax.set_title(f"step {step:,}", fontsize="medium")
            if col == 0:
                ax.set_ylabel(name, fontsize="medium")
    fig.colorbar(
        axes[0, 0].images[0], ax=axes, label="density / panel maximum", shrink=0.8
    )
    return fig


def plot_strips(
    table,
    metric: str,
    by: str = "setting",
    ax=None,
    jitter: float = 0.12,
    seed: int = 0,
):
    """One box per group of ``table[by]`` with every run as a dot on it.

    (A box and strip plot.)
    """
    for name, column in (("metric", metric), ("by", by)):
        if column not in table.columns:
            raise ValueError(
                f"{name} must be a column of table "
                f"({', '.join(map(str, table.columns))}), got {column!r}"
            )
    check_number("jitter", jitter, low=0)
    ax = _axes(ax, figsize=(5, 3.5))
    groups = list(dict.fromkeys(table[by]))
    values = [
        table.loc[table[by] == g, metric].dropna().to_numpy(dtype=float) for g in groups
    ]
    ax.boxplot(
        values,
        positions=range(len(groups)),
        widths=0.5,
        showfliers=False,
        medianprops={"color": "black"},
    )
    rng = np.random.default_rng(seed)
    for i, v in enumerate(values):
        ax.scatter(
            i + rng.uniform(-jitter, jitter, len(v)), v, s=18, alpha=0.7, zorder=3
        )
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel(metric.replace("_", " "))
    return ax


def plot_training_frame(frame, ax=None, arrow_scale: float | None = None):
    """One view of a 2-D GAN mid-training: D's raw output as a heat map, real (black)
    and fake (green) points, and on each fake point an arrow along -∂g_loss/∂x, the way
    the generator's update pushes it. ``frame`` has fields field, level, extent, real,
    fake, push, step, loss; the colours are centred on ``level``, D's undecided output
    (white)."""
    check_extent("frame.extent", frame.extent)
    if arrow_scale is not None:
        check_positive("arrow_scale", arrow_scale)
    ax = _axes(ax, figsize=(4.5, 4))
    limit = float(np.abs(frame.field - frame.level).max()) or 1.0
    image = ax.imshow(
        frame.field,
        origin="lower",
        extent=frame.extent,
        cmap="RdBu_r",
        vmin=frame.level - limit,
        vmax=frame.level + limit,
    )
    ax.figure.colorbar(image, ax=ax, label="D raw output", shrink=0.8)
    ax.scatter(*np.asarray(frame.real).T, s=3, color=REAL_COLOUR, alpha=0.5)
    ax.scatter(*np.asarray(frame.fake).T, s=5, color=FAKE_COLOUR, alpha=0.8)
    push = np.asarray(frame.push)
    fake = np.asarray(frame.fake)
    ax.quiver(
        fake[:, 0],
        fake[:, 1],
        push[:, 0],
        push[:, 1],
        color="tab:orange",
        angles="xy",
        scale_units="xy",
        scale=arrow_scale,
        width=0.004,
    )
    ax.set(
        xlim=frame.extent[:2],
        ylim=frame.extent[2:],
        aspect="equal",
        title=f"{frame.loss}, step {frame.step:,}",
    )
    return ax


def plot_mode_counts(steps, counts, ax=None, cmap="magma"):
    """High-quality samples per mode (rows) at each checkpoint (columns): mode hopping
    shows as a bright cell that moves from row to row. ``counts``: one tuple of K counts
    per step."""
    lengths = sorted({len(c) for c in counts})
    if len(steps) == 0 or len(counts) != len(steps) or len(lengths) != 1:
        raise ValueError(
            f"counts must hold one tuple of K counts per step ({len(steps)} steps, "
            f"at least one), got {len(counts)} tuples of lengths {lengths}"
        )
    ax = _axes(ax, figsize=(6, 3))
    table = np.asarray(counts, dtype=float).T  # (K, checkpoints)
    image = ax.imshow(
        table,
        aspect="auto",
        origin="lower",
        cmap=cmap,
        interpolation="nearest",
        extent=(steps[0] - 0.5, steps[-1] + 0.5, -0.5, table.shape[0] - 0.5),
    )
    ax.figure.colorbar(image, ax=ax, label="high-quality samples")
    ax.set(xlabel="generator step", ylabel="mode")
    return ax


# --- 1-D pictures of the GAN game (chapter "The GAN game") ---------------------------

D_COLOUR = "tab:blue"


def _as_1d(name: str, values) -> np.ndarray:
    """Finite values (n,) or (n, 1), e.g. a net's outputs, as a flat float array."""
    array = np.asarray(
        values.detach().cpu() if torch.is_tensor(values) else values, dtype=float
    )
    if (
        not (array.ndim == 1 or array.ndim == 2 and array.shape[1] == 1)
        or array.size == 0
    ):
        raise ValueError(
            f"{name} must hold values of shape (n,) or (n, 1) with n >= 1, "
            f"got shape {array.shape}"
        )
    check_finite(name, array)
    return array.reshape(-1)


def _same_length(**arrays: np.ndarray) -> None:
    lengths = {name: len(a) for name, a in arrays.items() if a is not None}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"arrays must have one length, got {lengths}")


def kde_1d(samples, x, bandwidth: float | None = None) -> np.ndarray:
    """Gaussian kernel density estimate of 1-D ``samples`` on the grid ``x``.

    The default bandwidth is Silverman's rule, 0.9 min(std, IQR / 1.34) n^(-1/5).
    """
    samples, x = _as_1d("samples", samples), _as_1d("x", x)
    if len(samples) < 2:
        raise ValueError(f"kde_1d needs at least 2 samples, got {len(samples)}")
    if bandwidth is None:
        iqr = np.subtract(*np.percentile(samples, [75, 25]))
        spread = min(samples.std(), iqr / 1.34) or samples.std() or 1.0
        bandwidth = 0.9 * spread * len(samples) ** -0.2
    check_positive("bandwidth", bandwidth)
    u = (x[:, None] - samples[None, :]) / bandwidth  # (len(x), n)
    return np.exp(-0.5 * u**2).sum(axis=1) / (
        len(samples) * bandwidth * np.sqrt(2 * np.pi)
    )


def plot_pointwise_objective(pairs, ax=None, resolution: int = 999):
    """y ↦ a log y + b log(1 - y) on (0, 1) for each (a, b).

    Its maximum y = a / (a + b) is marked.
    """
    check_int("resolution", resolution, minimum=1)
    ax = _axes(ax, figsize=(6, 3.5))
    y = np.linspace(0, 1, resolution + 2)[1:-1]
    for a, b in pairs:
        check_number("a", a)
        check_number("b", b)
        if not (a >= 0 and b >= 0 and a + b > 0):
            raise ValueError(f"need a, b >= 0 and a + b > 0, got a={a}, b={b}")
        (line,) = ax.plot(
            y, a * np.log(y) + b * np.log1p(-y), label=f"a={a:g}, b={b:g}"
        )
        best = a / (a + b)
        ax.plot(
            [best],
            [a * np.log(best) + b * np.log1p(-best)] if 0 < best < 1 else [np.nan],
            "o",
            color=line.get_color(),
        )
        ax.axvline(best, color=line.get_color(), linestyle=":", linewidth=1)
    ax.set(xlabel="y = D(x)", ylabel="a log y + b log(1 - y)")
    ax.legend(fontsize="small")
    return ax


def plot_game_1d(
    x, p_data, p_g=None, d=None, ax=None, d_label: str = "D(x)", d_star=None
):
    """The GAN paper's Figure 1 colours: p_data black dots, p_g green, D blue dashed.

    ``x`` is a grid; ``p_data``, ``p_g`` densities on it; ``d`` (and ``d_star``, drawn
    thin and grey for comparison) values of a discriminator in [0, 1] on it.
    """
    ax = _axes(ax, figsize=(6, 3.5))
    x, p_data = _as_1d("x", x), _as_1d("p_data", p_data)
    p_g, d, d_star = (
        None if v is None else _as_1d(n, v)
        for n, v in (("p_g", p_g), ("d", d), ("d_star", d_star))
    )
    _same_length(x=x, p_data=p_data, p_g=p_g, d=d, d_star=d_star)
    ax.plot(x, p_data, ":", color=REAL_COLOUR, linewidth=2.5, label="$p_{data}$")
    if p_g is not None:
        ax.plot(x, p_g, color=FAKE_COLOUR, linewidth=2, label="$p_g$")
    if d_star is not None:
        ax.plot(x, d_star, color="grey", linewidth=1, label="$D^*$")
    if d is not None:
        ax.plot(x, d, "--", color=D_COLOUR, linewidth=2, label=d_label)
    ax.set(xlabel="x", xlim=(x[0], x[-1]))
    ax.legend(fontsize="small", loc="upper right")
    return ax


def plot_mapping_1d(
    z,
    x_of_z,
    ax,
    z_range=(-1.0, 1.0),
    x_level: float | None = None,
    z_level: float | None = None,
):
    """Arrows from z (a lower line, spread over the x axis) up to G(z).

    G(z) is the line at ``x_level``. Like the arrows of the GAN paper's Figure 1: where
    arrows bunch together, p_g is high. The two lines go below 0, by default 6% and 35%
    of the current top of the y axis.
    """
    check_interval("z_range", z_range)
    for name, level in (("x_level", x_level), ("z_level", z_level)):
        if level is not None:
            check_number(name, level)
    top = ax.get_ylim()[1]
    x_level = -0.06 * top if x_level is None else x_level
    z_level = -0.35 * top if z_level is None else z_level
    z, x_of_z = _as_1d("z", z), _as_1d("x_of_z", x_of_z)
    _same_length(z=z, x_of_z=x_of_z)
    lo, hi = ax.get_xlim()
    inset = 0.1 * (hi - lo)
    z_pos = (
        lo
        + inset
        + (z - z_range[0]) / (z_range[1] - z_range[0]) * (hi - lo - 2 * inset)
    )
    for start, end in zip(z_pos, x_of_z):
        ax.annotate(
            "",
            xy=(end, x_level),
            xytext=(start, z_level),
            arrowprops={"arrowstyle": "->", "color": "0.45", "linewidth": 0.7},
        )
    ax.hlines(
        [x_level, z_level],
        [lo, lo + inset],
        [hi, hi - inset],
        color="black",
        linewidth=1,
    )
    ax.text(lo, x_level, " x", va="bottom", fontsize="small")
    ax.text(lo + inset, z_level, "z ", va="center", ha="right", fontsize="small")
    ax.set_ylim(bottom=z_level - 0.05 * top)
    ax.set_yticks([tick for tick in ax.get_yticks() if 0 <= tick <= top])
    return ax


def plot_g_gradients(d_fake, grads: dict, ax=None):
    """Magnitude of each generator loss's gradient with respect to D's logit.

    Plotted against D(G(z)).
    """
    styles = ("-", "--", "-.", ":")
    if not 1 <= len(grads) <= len(styles):
        raise ValueError(
            f"grads must map 1 to {len(styles)} labels to gradients, got {len(grads)}"
        )
    ax = _axes(ax, figsize=(6, 3.5))
    d_fake = _as_1d("d_fake", d_fake)
    for (label, values), style in zip(grads.items(), styles):
        values = _as_1d(label, values)
        _same_length(d_fake=d_fake, **{label: values})
        ax.plot(d_fake, np.abs(values), style, linewidth=2, label=label)
    ax.axvspan(
        0, 0.1, color="tab:red", alpha=0.1, label="early training: D rejects fakes"
    )
    ax.set(xlabel="D(G(z))", ylabel="|d loss / d logit|", xlim=(0, 1), ylim=(0, 1.05))
    ax.legend(fontsize="small")
    return ax


# --- fixed points, decision boundaries and generator gradients (LSGAN theory chapter)


def scores_on_grid(
    discriminator: torch.nn.Module, extent, resolution: int = 150
) -> np.ndarray:
    """D's raw output on a ``resolution``² grid over ``extent`` = (x0, x1, y0, y1).

    Rows = y.
    """
    check_callable("discriminator", discriminator)
    with torch.no_grad():
        scores = discriminator(grid_2d(extent, resolution))
    return scores.reshape(resolution, resolution).cpu().numpy()


def plot_boundary(
    ax,
    discriminator,
    level: float,
    extent,
    colour: str,
    label: str,
    heat: bool = False,
    squash: bool = False,
):
    """D's ``level`` contour (its decision boundary).

    Optionally over a heat map of D.
    """
    check_number("level", level)
    values = scores_on_grid(discriminator, extent)
    if squash:
        values = 1 / (1 + np.exp(-values))
    if heat:
        span = np.abs(values - level).max()
        image = ax.imshow(
            values,
            origin="lower",
            extent=extent,
            cmap="RdBu_r",
            vmin=level - span,
            vmax=level + span,
            alpha=0.55,
            aspect="auto",
        )
        ax.figure.colorbar(
            image, ax=ax, label="sigmoid(D)" if squash else "D raw output", shrink=0.8
        )
    contour = ax.contour(
        np.linspace(*extent[:2], values.shape[1]),
        np.linspace(*extent[2:], values.shape[0]),
        values,
        levels=[level],
        colors=colour,
        linewidths=2,
    )
    ax.plot(
        [], [], color=colour, linewidth=2, label=label
    )  # contour sets have no legend entry
    return contour


def plot_fixed_points(
    ax,
    real: torch.Tensor,
    fake: torch.Tensor,
    probes: torch.Tensor | None = None,
    probe_label: str = "fake, far from the data",
):
    """The fixed real (black) and fake (green) points, and the probed fake points.

    The probed fake points are magenta.
    """
    _check_points("real", real, optional=False)
    _check_points("fake", fake, optional=False)
    _check_points("probes", probes)
    ax.scatter(*real.T, s=10, color="black", label="real")
    ax.scatter(*fake.T, s=10, color="tab:green", marker="+", label="fake")
    if probes is not None:
        ax.scatter(
            *probes.T, s=60, color="magenta", marker="*", zorder=5, label=probe_label
        )


def plot_gradient_arrows(
    ax,
    points: torch.Tensor,
    gradients: torch.Tensor,
    scale: float,
    colour: str,
    max_length: float = 2.0,
):
    """Minus each gradient (where the generator moves the point).

    Length ``scale``·norm, at most ``max_length``.
    """
    _check_points("points", points, optional=False)
    check_tensor("gradients", gradients, tuple(points.shape), finite=True)
    check_positive("scale", scale)
    check_positive("max_length", max_length)
    norms = gradients.double().norm(dim=1, keepdim=True)
    lengths = (norms * scale).clamp(max=max_length)
    steps = (-gradients.double() / norms.clamp(min=1e-300) * lengths).float()
    ax.quiver(
        *points.T,
        *steps.T,
        angles="xy",
        scale_units="xy",
        scale=1,
        color=colour,
        width=0.006,
        zorder=6,
    )


def plot_lsgan_optimum(
    ax, a: float, b: float, c: float, mean: float, x: np.ndarray, p_data_of, p_g_of
):
    """Densities, LSGAN's D* and 2·C(G) against the χ².

    For codes (a, b, c) and p_g's ``mean``.
    """
    for name, value in {"a": a, "b": b, "c": c, "mean": mean}.items():
        check_number(name, value)
    x = _as_1d("x", x)
    if len(x) < 2 or not (np.diff(x) > 0).all():
        raise ValueError(
            f"x must be an increasing grid of at least 2 points, got {len(x)} points"
        )
    if a == b:
        ax.text(
            0.5,
            0.5,
            "choose a ≠ b: D* needs two different labels",
            ha="center",
            transform=ax.transAxes,
        )
        return
    p_d, p_g = p_data_of(x), p_g_of(mean)(x)
    dx = x[1] - x[0]
    d_star = theory.lsgan_optimal_discriminator(p_d, p_g, a, b)
    two_c = 2 * theory.lsgan_criterion(p_d, p_g, a, b, c, dx)
    chi2 = theory.pearson_chi2(2 * p_g, p_d + p_g, dx)
    ax.fill_between(x, p_d, color="black", alpha=0.15, label="$p_d$")
    ax.fill_between(x, p_g, color="tab:green", alpha=0.25, label="$p_g$")
    ax.plot(x, d_star, color="tab:blue", label="$D^*$")
    ax.axhline(c, color="tab:red", linestyle=":", label="$c$")
    holds = "hold" if (b - c, b - a) == (1, 2) else "do not hold"
    ax.text(
        0.98,
        0.97,
        f"2C(G) = {two_c:.3f}\nχ² = {chi2:.3f}\nb-c = {b - c:g}, b-a = {b - a:g}\n"
        f"χ² conditions {holds}",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize="small",
        bbox={"facecolor": "white", "alpha": 0.8},
    )
    ax.set(xlabel="x", ylim=(min(a, b, c, 0) - 0.3, max(a, b, c, 0.5) + 0.3))
    ax.legend(loc="upper left", fontsize="x-small")


def plot_control_path(ks, fake_losses, real_loss: float, gamma: float, ax=None):
    """BEGAN's control law over time: k_t (left axis) and the ratio L(G(z)) / L(x)
    (right axis) against its target gamma."""
    ks, fake_losses = _as_1d("ks", ks), _as_1d("fake_losses", fake_losses)
    _same_length(ks=ks, fake_losses=fake_losses)
    ax = _axes(ax)
    steps = np.arange(len(ks))
    ax.plot(steps, ks, color="tab:blue", label="$k_t$")
    ax.set(xlabel="step", ylabel="$k_t$", ylim=(-0.05, 1.05))
    ratio_ax = ax.twinx()
    ratio_ax.plot(
        steps, fake_losses / real_loss, color="tab:orange", label="$L(G(z)) / L(x)$"
    )
    ratio_ax.axhline(
        gamma,
        color="tab:orange",
        linestyle="--",
        linewidth=1,
        label=f"target $\\gamma$ = {gamma:g}",
    )
    ratio_ax.set(ylabel="$L(G(z)) / L(x)$", ylim=(0, 1.5))
    lines = ax.get_lines() + ratio_ax.get_lines()
    ax.legend(
        lines, [line.get_label() for line in lines], loc="upper right", fontsize="small"
    )
    return ax
