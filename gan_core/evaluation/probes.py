"""Probes of a discriminator on fixed points (chapter "Least squares GAN: theory").

The GAN game moves both players at once. To see what one loss does, the chapter
freezes the data instead: a discriminator is trained alone on fixed real and fake
points (``gan_core.training.fit_discriminator`` with
``gan_core.data.mixtures.PointSet``), and then asked what gradient its generator loss
hands to any point of the plane (``point_gradients``). The same idea, pushed to a grid
of 1-D densities, minimises the least squares objective at every grid point
(``pointwise_ls_optimum``), which the chapter compares with the closed-form D*.
"""

import numpy as np
import torch

from gan_core.checks import (
    check_callable,
    check_codes,
    check_distribution,
    check_int,
    check_number,
    check_tensor,
)
from gan_core.evaluation import theory
from gan_core.training import losses

Tensor = torch.Tensor


def per_input(loss_fn, scores: Tensor) -> Tensor:
    """A batch-mean loss of D's outputs, evaluated on every score alone:
    (n,) -> (n,)."""
    check_callable("loss_fn", loss_fn)
    check_tensor("scores", scores, ("n",))
    return torch.func.vmap(lambda s: loss_fn(s[None]))(scores)


def loss_curve(loss_fn, inputs: Tensor) -> tuple[Tensor, Tensor]:
    """``loss_fn`` (a ``g_loss``) and its derivative at each of ``inputs`` (n,),
    by autograd."""
    check_tensor("inputs", inputs, ("n",), nonempty=True, finite=True)
    t = inputs.detach().clone().to(torch.float64).requires_grad_(True)
    values = per_input(loss_fn, t)  # (n,)
    (slope,) = torch.autograd.grad(values.sum(), t)
    return values.detach(), slope


def point_gradients(discriminator: torch.nn.Module, points: Tensor, g_loss) -> Tensor:
    """∂ g_loss(D(x)) / ∂x for each point x of ``points`` (n, dim),
    as if each were a batch of one.

    The generator moves its samples along minus this gradient. D must treat samples
    independently (no batch norm), as the MLP discriminators do.
    """
    check_callable("discriminator", discriminator)
    check_tensor("points", points, ("n", "dim"), kind="floating", nonempty=True)
    x = points.detach().clone().requires_grad_(True)
    per_point = per_input(g_loss, discriminator(x))  # (n,)
    (gradient,) = torch.autograd.grad(per_point.sum(), x)
    return gradient  # (n, dim)


def pointwise_ls_optimum(
    p_data, p_g, a: float, b: float, max_iter: int = 50
) -> np.ndarray:
    """The least squares D found by optimisation, separately at every point of a grid.

    At a point x the discriminator's objective is p_data(x)·½(y - b)² + p_g(x)·½(y - a)²
    in its output y. Both halves come from ``losses.least_squares(a, b).d_loss``: its
    fake term vanishes at d_fake = a, its real term at d_real = b. Each point's
    objective is divided by p_data(x) + p_g(x), which moves no minimiser, and all are
    minimised together with L-BFGS. Where neither density has mass, D is left at
    (a + b) / 2.
    """
    # validates codes and shapes
    d_star = theory.lsgan_optimal_discriminator(p_data, p_g, a, b)
    check_int("max_iter", max_iter, minimum=1)
    d_loss = losses.get("least_squares", a=a, b=b).d_loss
    p_data, p_g = (
        torch.as_tensor(np.asarray(p, dtype=np.float64)) for p in (p_data, p_g)
    )
    mass = p_data + p_g
    keep = mass > 0
    w_real, w_fake = (p_data / mass)[keep], (p_g / mass)[keep]
    code_a, code_b = (
        torch.tensor([a], dtype=torch.float64),
        torch.tensor([b], dtype=torch.float64),
    )
    y = torch.zeros(int(keep.sum()), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS(
        [y],
        max_iter=max_iter,
        tolerance_grad=1e-12,
        tolerance_change=1e-14,
        line_search_fn="strong_wolfe",
    )

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
    """A ``gan_core.data.mixtures`` distribution's density on the 1-D grid ``x``,
    as float64 numbers."""
    check_distribution("distribution", distribution, "density", dim=1)
    check_tensor("x", torch.as_tensor(x), ("n",))
    return distribution.density(torch.as_tensor(x).reshape(-1, 1)).double().numpy()


def criterion_from_chi2(chi2: float, a: float, b: float, c: float) -> float:
    """2·C(G) for any codes, from χ²(2p_g || p_d + p_g):
    ((b - a)/2)² χ² + 2 (c - (a + b)/2)²."""
    check_number("chi2", chi2, low=0)
    check_codes(a=a, b=b, c=c)
    return ((b - a) / 2) ** 2 * chi2 + 2 * (c - (a + b) / 2) ** 2
