"""Figures for image GANs: grids of samples, D's outputs and per-epoch scores.

For the chapter "DCGAN". Data in, axes out, like ``gan_core.figures.plots``; images are
tensors ``(n, C, H, W)`` in [-1, 1].
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

from gan_core.checks import check_int, check_tensor, check_values
from gan_core.figures import plots
from gan_core.figures.plots import _axes, _check_smooth

# how far past [-1, 1] a pixel may be (rounding, resampling) before it is an error
PIXEL_SLACK = 1e-3


def image_grid(images: torch.Tensor, nrow: int = 8, pad: int = 1) -> np.ndarray:
    """Tile ``images`` into one array.

    The array is ``(rows, cols)`` for one channel, ``(rows, cols, 3)`` for RGB. Pixels
    go from [-1, 1] to [0, 1]; the padding is white. Grey images may come as
    ``(n, H, W)``.
    """
    check_tensor(
        "images",
        images,
        ("n", 1, "H", "W"),
        ("n", 3, "H", "W"),
        ("n", "H", "W"),
        nonempty=True,
        finite=True,
    )
    check_values("images", images, -1 - PIXEL_SLACK, 1 + PIXEL_SLACK)
    check_int("nrow", nrow, minimum=1)
    check_int("pad", pad, minimum=0)
    if images.ndim == 3:
        images = images[:, None]  # (n, H, W) -> (n, 1, H, W)
    x = (images.detach().float().cpu().clamp(-1, 1) + 1) / 2  # (n, C, H, W) in [0, 1]
    n, c, h, w = x.shape
    ncol = min(nrow, n)
    nrows = -(-n // ncol)
    grid = torch.ones(c, nrows * (h + pad) + pad, ncol * (w + pad) + pad)
    for i in range(n):
        r, k = divmod(i, ncol)
        top, left = pad + r * (h + pad), pad + k * (w + pad)
        grid[:, top : top + h, left : left + w] = x[i]
    return grid[0].numpy() if c == 1 else grid.permute(1, 2, 0).numpy()


def _show_grid(ax, grid: np.ndarray) -> None:
    """Show an ``image_grid`` in [0, 1], grey or colour, with sharp pixels."""
    grey = grid.ndim == 2
    ax.imshow(
        grid, cmap="gray" if grey else None, vmin=0, vmax=1, interpolation="nearest"
    )


def show_images(images: torch.Tensor, nrow: int = 8, ax=None, title: str | None = None):
    """Draw a grid of images on ``ax`` (a new one if None), without ticks."""
    ax = _axes(ax, figsize=(4, 4))
    grid = image_grid(images, nrow)
    _show_grid(ax, grid)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize="medium")
    return ax


def show_image_table(
    images: torch.Tensor,
    row_labels=None,
    col_labels=None,
    ax=None,
    title: str | None = None,
    marked: torch.Tensor | None = None,
    label_font=None,
):
    """Draw ``images`` as a table with a label on each row and column.

    ``images`` is ``(rows, cols, C, H, W)``. Column labels go above the table.
    ``marked``, booleans ``(rows, cols)``, frames the chosen cells in red (the chapter
    "DCGAN" marks the images a classifier rejects). ``label_font``, a matplotlib
    ``FontProperties``, draws the labels (e.g. ``glyphs.label_font()`` for Chinese
    characters).
    """
    check_tensor(
        "images",
        images,
        ("rows", "cols", 1, "H", "W"),
        ("rows", "cols", 3, "H", "W"),
        nonempty=True,
    )
    rows, cols, _, h, w = images.shape
    for name, labels, n in (
        ("row_labels", row_labels, rows),
        ("col_labels", col_labels, cols),
    ):
        if labels is not None and len(labels) != n:
            raise ValueError(
                f"{name} must hold {n} labels, one per {name[:3]}, got {len(labels)}"
            )
    if marked is not None:
        check_tensor("marked", marked, (rows, cols))
        if marked.dtype != torch.bool:
            raise ValueError(f"marked must be a bool tensor, got dtype {marked.dtype}")
    grid = image_grid(images.flatten(0, 1), nrow=cols)  # padding 1 around every cell
    ax = _axes(ax, figsize=(0.55 * cols + 1, 0.55 * rows + 0.6))
    _show_grid(ax, grid)
    ax.set_xticks(
        [1 + k * (w + 1) + (w - 1) / 2 for k in range(cols)], col_labels or []
    )
    ax.set_yticks(
        [1 + r * (h + 1) + (h - 1) / 2 for r in range(rows)], row_labels or []
    )
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    if label_font is not None:
        for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
            label.set_fontproperties(label_font)
    ax.spines[:].set_visible(False)
    for r, k in [] if marked is None else marked.nonzero().tolist():
        ax.add_patch(
            plt.Rectangle(
                (k * (w + 1) + 0.5, r * (h + 1) + 0.5),
                w,
                h,
                fill=False,
                edgecolor="red",
                linewidth=1.5,
            )
        )
    if title:
        ax.set_title(title, fontsize="medium")
    return ax


def _smooth(values, n: int) -> np.ndarray:
    return np.convolve(values, np.ones(n) / n, mode="valid")


def plot_d_outputs(probabilities, ax=None, smooth: int = 1):
    """Mean sigmoid(D) on the real and on the generated batch of every generator step.

    ``probabilities`` has ``step``, ``real`` and ``fake`` lists of the same length,
    like ``gan_core.models.dcgan.DiscriminatorProbabilities``; the values are
    probabilities in [0, 1].
    """
    _check_smooth(smooth, probabilities)
    n = len(probabilities.step)
    for name in ("real", "fake"):
        values = np.asarray(getattr(probabilities, name), dtype=float)
        if values.shape != (n,):
            raise ValueError(
                f"probabilities.{name} must hold one value per step ({n}), "
                f"got shape {values.shape}"
            )
        if not ((values >= 0) & (values <= 1)).all():
            raise ValueError(
                f"probabilities.{name} must be probabilities in [0, 1] "
                f"(mean sigmoid of D), got values from {values.min()} to {values.max()}"
            )
    ax = _axes(ax, figsize=(6, 3.5))
    steps = probabilities.step[smooth - 1 :]
    for name, label in (
        ("real", "mean σ(D(x)), real batch"),
        ("fake", "mean σ(D(G(z))), generated batch"),
    ):
        ax.plot(steps, _smooth(getattr(probabilities, name), smooth), label=label)
    ax.axhline(0.5, color="grey", lw=0.8, ls=":")
    ax.set(xlabel="generator step", ylabel="mean D output (probability)", ylim=(0, 1))
    ax.legend(fontsize="small")
    return ax


def plot_scores(epochs, scores, floor=None, axes=None):
    """Three panels per epoch: Fréchet distance (with the real-vs-real floor),
    precision and recall, and the number of classes generated."""
    if len(epochs) == 0 or len(scores) != len(epochs):
        raise ValueError(
            f"scores must hold one score per epoch (at least one), "
            f"got {len(scores)} scores for {len(epochs)} epochs"
        )
    if axes is not None and len(axes) != 3:
        raise ValueError(
            "axes must be 3 axes (Fréchet, precision and recall, classes), "
            f"got {len(axes)}"
        )
    if axes is None:
        axes = plots.column_figure(3, 1, height=6.6, sharex=True)[1]
    get = lambda name: [getattr(s, name) for s in scores]  # noqa: E731
    axes[0].plot(epochs, get("frechet"), "o-", label="generated vs real")
    axes[1].plot(epochs, get("precision"), "o-", label="precision")
    axes[1].plot(epochs, get("recall"), "s-", label="recall")
    axes[2].plot(epochs, get("classes_generated"), "o-", label="generated")
    if floor is not None:
        axes[0].axhline(
            floor.frechet, color="grey", ls="--", label="real vs real (floor)"
        )
        axes[1].axhline(
            floor.precision, color="tab:blue", ls=":", lw=1, label="real vs real"
        )
        axes[1].axhline(floor.recall, color="tab:orange", ls=":", lw=1)
    axes[0].set(ylabel="Fréchet distance", title="classifier features", yscale="log")
    axes[1].set(ylabel="fraction", ylim=(0, 1.02))
    axes[2].set(
        xlabel="epoch", ylabel="classes generated", ylim=(0, scores[0].n_classes + 0.5)
    )
    for ax in axes:
        ax.legend(fontsize="small")
    return axes


def transposed_conv_stamps(
    x: torch.Tensor, kernel: torch.Tensor, stride: int = 2, padding: int = 1
) -> torch.Tensor:
    """What each input pixel of a one-channel transposed convolution adds to the output.

    Pixel (i, j) paints ``x[i, j] * kernel`` at rows ``i·stride …`` and columns
    ``j·stride …`` of a larger canvas, and ``padding`` rows and columns are cut from
    each side. Returns one output-sized map per input pixel, ``(H·W, H_out, W_out)``;
    their sum is ``torch.nn.functional.conv_transpose2d``.
    """
    check_tensor("x", x, ("H", "W"), finite=True)
    check_tensor("kernel", kernel, ("k", "k"), finite=True)
    check_int("stride", stride, minimum=1)
    check_int("padding", padding, minimum=0, maximum=len(kernel) - 1)
    (height, width), k = x.shape, len(kernel)
    canvas = torch.zeros(
        height * width, (height - 1) * stride + k, (width - 1) * stride + k
    )
    for index, (i, j) in enumerate(np.ndindex(height, width)):
        canvas[index, i * stride : i * stride + k, j * stride : j * stride + k] = (
            x[i, j] * kernel
        )
    return canvas[
        :, padding : canvas.shape[1] - padding, padding : canvas.shape[2] - padding
    ]


def _draw_numbers(ax, values: torch.Tensor, title: str, vmax: float) -> None:
    ax.imshow(values.numpy(), cmap="Blues", vmin=0, vmax=vmax)
    for (row, col), value in np.ndenumerate(values.numpy()):
        ax.text(
            col,
            row,
            f"{value:g}" if value else "",
            ha="center",
            va="center",
            fontsize="small",
            color="white" if abs(value) > vmax / 2 else "black",
        )
    ax.set(xticks=[], yticks=[], title=title)


def plot_transposed_convolution(
    x: torch.Tensor, kernel: torch.Tensor, stride: int = 2, padding: int = 1
):
    """The input, each input pixel's stamp (the kernel scaled by the pixel, shifted by
    the stride) and their sum, the output: a transposed convolution drawn cell by
    cell."""
    stamps = transposed_conv_stamps(x, kernel, stride, padding)
    output = stamps.sum(dim=0)
    names = [f"pixel {i},{j}" for i, j in np.ndindex(*x.shape)]
    rows = [["input", "output"]] + [names[i : i + 2] for i in range(0, len(names), 2)]
    rows[-1] += ["."] * (2 - len(rows[-1]))
    fig, axes = plots.column_mosaic(rows, height=2.1 * len(rows))
    vmax = float(output.abs().max()) or 1.0
    _draw_numbers(axes["input"], x, f"input {tuple(x.shape)}", vmax)
    _draw_numbers(
        axes["output"], output, f"output {tuple(output.shape)}: sum of the stamps", vmax
    )
    for name, (i, j), stamp in zip(names, np.ndindex(*x.shape), stamps):
        _draw_numbers(
            axes[name], stamp, f"stamp of input ({i}, {j}) = {x[i, j]:g}", vmax
        )
    return fig


def plot_study_curves(table, settings, metric: str = "frechet", ax=None, labels=None):
    """A ``run_image_seeds`` table's scores over training: for each of ``settings``,
    one thin line per run and a thick one through the median at each step, named in
    the legend by ``labels`` (default: the settings). A run that diverged ends where
    it was last scored."""
    missing = [s for s in settings if s not in set(table.setting)]
    if missing:
        known = ", ".join(dict.fromkeys(table.setting))
        raise ValueError(f"settings must be settings of table ({known}); not {missing}")
    labels = list(settings) if labels is None else list(labels)
    if len(labels) != len(settings):
        raise ValueError(
            f"labels must name each of the {len(settings)} settings, got {len(labels)}"
        )
    ax = _axes(ax, figsize=(5, 3.5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for colour, setting, label in zip(colours, settings, labels):
        curves = [
            {step: getattr(score, metric) for step, score in curve}
            for curve in table.loc[table.setting == setting, "curve"]
        ]
        for curve in curves:
            ax.plot(list(curve), list(curve.values()), color=colour, lw=0.6, alpha=0.5)
        steps = sorted({step for curve in curves for step in curve})
        medians = [np.median([c[s] for c in curves if s in c]) for s in steps]
        ax.plot(steps, medians, "o-", color=colour, lw=2, label=label)
    ax.set_xlabel("generator step")
    ax.legend(fontsize="small")
    return ax
