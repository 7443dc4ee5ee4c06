"""Probes of a discriminator on fixed points (chapter "Least squares GAN: theory").

The GAN game moves both players at once. To see what one loss does, this module
freezes the data instead: a discriminator is trained alone on fixed real and fake
points (``fit_discriminator``), and then asked what gradient its generator loss
hands to any point of the plane (``point_gradients``). The same idea, pushed to a
grid of 1-D densities, minimises the least squares objective at every grid point
(``pointwise_ls_optimum``), which the chapter compares with the closed-form D*.
The ``draw_*`` functions are the chapter's figures, kept here so that its cells stay short.
"""

import numpy as np
import torch

from gan_core import losses, theory
from gan_core.losses import LossPair
from gan_core.training import TrainConfig, TrainingDiverged, make_optimizer

Tensor = torch.Tensor


def _loss_pair(loss: str | LossPair, loss_params: dict | None) -> LossPair:
    if isinstance(loss, LossPair):
        if loss_params:
            raise ValueError("loss_params only apply when the loss is given by name")
        return loss
    return losses.get(loss, **(loss_params or {}))


def _check_points(name: str, points: Tensor) -> None:
    if not isinstance(points, Tensor) or points.ndim != 2 or len(points) == 0:
        raise ValueError(f"{name} must be a non-empty (n, dim) tensor, got {getattr(points, 'shape', points)!r}")


def fit_discriminator(discriminator: torch.nn.Module, real: Tensor, fake: Tensor,
                      loss: str | LossPair = "least_squares", loss_params: dict | None = None,
                      steps: int = 1000, lr: float = 1e-3, seed: int = 0, batch_size: int | None = None,
                      optimizer: str = "adam") -> list[float]:
    """Train D alone to separate fixed ``real`` (n, dim) from fixed ``fake`` (m, dim) points.

    Each step minimises the loss pair's ``d_loss`` on the whole point sets, or on
    ``batch_size`` points of each drawn with a generator seeded by ``seed``. The
    optimiser is the training loop's (``make_optimizer``, Adam with DCGAN's betas).
    Returns the discriminator loss of every step.
    """
    _check_points("real", real)
    _check_points("fake", fake)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real and fake points must have one dimension, got {real.shape[1]} and {fake.shape[1]}")
    if steps < 0 or (batch_size is not None and batch_size < 1):
        raise ValueError(f"need steps >= 0 and batch_size >= 1, got {steps} and {batch_size}")
    d_loss_fn = _loss_pair(loss, loss_params).d_loss
    opt = make_optimizer(discriminator.parameters(), optimizer, lr, TrainConfig())
    device = next(discriminator.parameters()).device
    real, fake = real.to(device), fake.to(device)
    rng = torch.Generator().manual_seed(seed)

    def batch(points: Tensor) -> Tensor:
        if batch_size is None:
            return points
        return points[torch.randint(len(points), (batch_size,), generator=rng)]

    history = []
    for step in range(1, steps + 1):
        value = d_loss_fn(discriminator(batch(real)), discriminator(batch(fake)))
        if not torch.isfinite(value):
            raise TrainingDiverged(f"d_loss became {value.item()} at step {step}; try a smaller lr")
        opt.zero_grad(set_to_none=True)
        value.backward()
        opt.step()
        history.append(value.item())
    return history


def per_input(loss_fn, scores: Tensor) -> Tensor:
    """A batch-mean loss of D's outputs, evaluated on every score alone: (n,) -> (n,)."""
    return torch.func.vmap(lambda s: loss_fn(s[None]))(scores)


def loss_curve(loss_fn, inputs: Tensor) -> tuple[Tensor, Tensor]:
    """``loss_fn`` (a ``g_loss``) and its derivative at each of ``inputs`` (n,), by autograd."""
    t = inputs.detach().clone().to(torch.float64).requires_grad_(True)
    values = per_input(loss_fn, t)  # (n,)
    (slope,) = torch.autograd.grad(values.sum(), t)
    return values.detach(), slope


def point_gradients(discriminator: torch.nn.Module, points: Tensor, g_loss) -> Tensor:
    """∂ g_loss(D(x)) / ∂x for each point x of ``points`` (n, dim), as if each were a batch of one.

    The generator moves its samples along minus this gradient. D must treat samples
    independently (no batch norm), as the MLP discriminators do.
    """
    _check_points("points", points)
    x = points.detach().clone().requires_grad_(True)
    per_point = per_input(g_loss, discriminator(x))  # (n,)
    (gradient,) = torch.autograd.grad(per_point.sum(), x)
    return gradient  # (n, dim)


def pointwise_ls_optimum(p_data, p_g, a: float, b: float, max_iter: int = 50) -> np.ndarray:
    """The least squares D found by optimisation, separately at every point of a grid.

    At a point x the discriminator's objective is p_data(x)·½(y - b)² + p_g(x)·½(y - a)²
    in its output y. Both halves come from ``losses.least_squares(a, b).d_loss``: its fake
    term vanishes at d_fake = a, its real term at d_real = b. Each point's objective is
    divided by p_data(x) + p_g(x), which moves no minimiser, and all are minimised
    together with L-BFGS. Where neither density has mass, D is left at (a + b) / 2.
    """
    d_star = theory.lsgan_optimal_discriminator(p_data, p_g, a, b)  # validates codes and shapes
    d_loss = losses.get("least_squares", a=a, b=b).d_loss
    p_data, p_g = (torch.as_tensor(np.asarray(p, dtype=np.float64)) for p in (p_data, p_g))
    mass = p_data + p_g
    keep = mass > 0
    w_real, w_fake = (p_data / mass)[keep], (p_g / mass)[keep]
    code_a, code_b = torch.tensor([a], dtype=torch.float64), torch.tensor([b], dtype=torch.float64)
    y = torch.zeros(int(keep.sum()), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([y], max_iter=max_iter, tolerance_grad=1e-12, tolerance_change=1e-14,
                            line_search_fn="strong_wolfe")

    def closure() -> Tensor:
        opt.zero_grad()
        real_term = per_input(lambda s: d_loss(s, code_a), y)  # ½(y - b)²
        fake_term = per_input(lambda s: d_loss(code_b, s), y)  # ½(y - a)²
        objective = (w_real * real_term + w_fake * fake_term).sum()
        objective.backward()
        return objective

    opt.step(closure)
    found = np.full(d_star.shape, (a + b) / 2)
    found[keep.numpy()] = y.detach().numpy()
    return found


def density_on(distribution, x: np.ndarray) -> np.ndarray:
    """A ``gan_core.data`` distribution's density on the 1-D grid ``x``, as float64 numbers."""
    return distribution.density(torch.as_tensor(x).reshape(-1, 1)).double().numpy()


def criterion_from_chi2(chi2: float, a: float, b: float, c: float) -> float:
    """2·C(G) for any codes, from χ²(2p_g || p_d + p_g): ((b - a)/2)² χ² + 2 (c - (a + b)/2)²."""
    return ((b - a) / 2) ** 2 * chi2 + 2 * (c - (a + b) / 2) ** 2


# ---- figures of the chapter -------------------------------------------------------------

def scores_on_grid(discriminator: torch.nn.Module, extent, resolution: int = 150) -> np.ndarray:
    """D's raw output on a ``resolution``² grid over ``extent`` = (x0, x1, y0, y1), rows = y."""
    x0, x1, y0, y1 = extent
    xs, ys = torch.meshgrid(torch.linspace(x0, x1, resolution), torch.linspace(y0, y1, resolution), indexing="xy")
    with torch.no_grad():
        scores = discriminator(torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1))
    return scores.reshape(resolution, resolution).cpu().numpy()


def draw_boundary(ax, discriminator, level: float, extent, colour: str, label: str, heat: bool = False,
                  squash: bool = False):
    """D's ``level`` contour (its decision boundary), optionally over a heat map of D."""
    values = scores_on_grid(discriminator, extent)
    if squash:
        values = 1 / (1 + np.exp(-values))
    if heat:
        span = np.abs(values - level).max()
        ax.imshow(values, origin="lower", extent=extent, cmap="RdBu_r", vmin=level - span, vmax=level + span,
                  alpha=0.55, aspect="auto")
    contour = ax.contour(np.linspace(*extent[:2], values.shape[1]), np.linspace(*extent[2:], values.shape[0]),
                         values, levels=[level], colors=colour, linewidths=2)
    ax.plot([], [], color=colour, linewidth=2, label=label)  # contour sets have no legend entry
    return contour


def draw_points(ax, real: Tensor, fake: Tensor, probes: Tensor | None = None,
                probe_label: str = "fake, far from the data"):
    """The fixed real (black) and fake (green) points, and the probed fake points (magenta)."""
    ax.scatter(*real.T, s=10, color="black", label="real")
    ax.scatter(*fake.T, s=10, color="tab:green", marker="+", label="fake")
    if probes is not None:
        ax.scatter(*probes.T, s=60, color="magenta", marker="*", zorder=5, label=probe_label)


def draw_arrows(ax, points: Tensor, gradients: Tensor, scale: float, colour: str, max_length: float = 2.0):
    """Minus each gradient (where the generator moves the point): length ``scale``·norm, at most ``max_length``."""
    norms = gradients.double().norm(dim=1, keepdim=True)
    lengths = (norms * scale).clamp(max=max_length)
    steps = (-gradients.double() / norms.clamp(min=1e-300) * lengths).float()
    ax.quiver(*points.T, *steps.T, angles="xy", scale_units="xy", scale=1, color=colour, width=0.006,
              zorder=6)


def draw_lsgan_optimum(ax, a: float, b: float, c: float, mean: float, x: np.ndarray, p_data_of, p_g_of):
    """Densities, LSGAN's D* and 2·C(G) against the χ² for codes (a, b, c) and p_g's ``mean``."""
    if a == b:
        ax.text(0.5, 0.5, "choose a ≠ b: D* needs two different labels", ha="center", transform=ax.transAxes)
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
    ax.text(0.98, 0.97, f"2C(G) = {two_c:.3f}\nχ² = {chi2:.3f}\nb-c = {b - c:g}, b-a = {b - a:g}\n"
            f"χ² conditions {holds}", transform=ax.transAxes, ha="right", va="top", fontsize="small",
            bbox={"facecolor": "white", "alpha": 0.8})
    ax.set(xlabel="x", ylim=(min(a, b, c, 0) - 0.3, max(a, b, c, 0.5) + 0.3))
    ax.legend(loc="upper left", fontsize="x-small")
