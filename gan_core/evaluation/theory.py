"""Closed forms checked by quadrature (chapters on the GAN game and on LSGAN theory).

Densities are arrays sampled on an evenly spaced grid with spacing ``dx`` (or pmfs,
with ``dx = 1``); integrals are Riemann sums. Where a density is zero the usual
conventions hold: 0 log 0 = 0 and 0 / 0 terms contribute nothing, so a density with
gaps never produces NaN.

Functions that integrate check that each density does integrate to about 1 (see
``MASS_RANGE``): an unnormalised density, or a forgotten ``dx``, is an error rather than
a plausible-looking number. Pointwise functions (the optimal discriminators) need no
grid and no normalisation: D* at a point depends only on the two densities there, and a
common scale cancels.

Functions named ``*_by_quad`` take densities as functions of one float instead and
integrate them with adaptive quadrature (``scipy.integrate.quad``): no grid, so no
truncation or spacing to choose, which makes them an independent check of the grid sums.
"""

import math

import numpy as np
from scipy import integrate
from scipy.stats import norm

from gan_core.checks import (
    check_callable,
    check_codes,
    check_finite,
    check_int,
    check_interval,
    check_number,
    check_positive,
)

# What sum(p) * dx may be for a density p: at most 1 plus a Riemann-sum error (below 2%
# for a Gaussian on a grid as coarse as 2 standard deviations), and at least 1/2, since
# a grid may cut off tails. A cut tail biases every integral by about the mass it cuts,
# so a chapter that needs exact values uses a grid that holds the mass
# (``gaussian_grid``). A forgotten dx gives 1 / dx instead, an unnormalised density
# whatever its scale is.
MASS_RANGE = (0.5, 1.05)


def _densities(**arrays) -> list[np.ndarray]:
    """The named arrays as float64 arrays, checked: one shape, finite, non-negative."""
    arrays = {name: np.asarray(a, dtype=np.float64) for name, a in arrays.items()}
    shapes = {name: a.shape for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(
            f"densities must share one grid (one shape), got shapes {shapes}"
        )
    for name, a in arrays.items():
        check_finite(name, a)
        if (a < 0).any():
            raise ValueError(
                f"{name} must be non-negative, got a minimum of {a.min():g}"
            )
    return list(arrays.values())


def _spacing(dx: float) -> float:
    check_positive("dx", dx)
    return float(dx)


def _check_mass(dx: float, sums: int = 1, **densities: np.ndarray) -> None:
    """Each array is a density, or a sum of ``sums`` densities:
    sum * dx within ``MASS_RANGE``."""
    low, high = MASS_RANGE[0], MASS_RANGE[1] * sums
    what = "a density" if sums == 1 else f"a density or a sum of {sums} densities"
    for name, p in densities.items():
        mass = float(p.sum()) * dx
        if not low <= mass <= high:
            raise ValueError(
                f"{name} must be {what}: "
                f"sum({name}) * dx must lie in [{low:g}, {high:g}], "
                f"got {mass:.6g} with dx = {dx:g}; "
                f"is {name} normalised, and is dx the grid spacing?"
            )


def _checked(dx: float, sums: int = 1, **densities) -> list:
    """The named densities on one grid, then the grid spacing, all checked."""
    arrays = _densities(**densities)
    dx = _spacing(dx)
    _check_mass(dx, sums, **dict(zip(densities, arrays)))
    return [*arrays, dx]


def _safe_ratio(
    numerator: np.ndarray, denominator: np.ndarray, where_empty: float
) -> np.ndarray:
    """numerator / denominator, with ``where_empty`` where the denominator is 0."""
    out = np.full_like(numerator, where_empty)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x·log(y) with 0·log(anything) = 0."""
    out = np.zeros_like(x)
    positive = x > 0
    with np.errstate(divide="ignore"):
        out[positive] = x[positive] * np.log(y[positive])
    return out


def optimal_discriminator(p_data, p_g) -> np.ndarray:
    """Proposition 1: D*(x) = p_data / (p_data + p_g); 1/2 where neither has mass."""
    p_data, p_g = _densities(p_data=p_data, p_g=p_g)
    return _safe_ratio(p_data, p_data + p_g, where_empty=0.5)


def _kl(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    if ((p > 0) & (q == 0)).any():
        return float("inf")
    return float((_xlogy(p, p) - _xlogy(p, q)).sum() * dx)


def kl(p, q, dx: float = 1.0) -> float:
    """KL(p || q) = ∫ p log(p / q); infinite where p has mass and q has none."""
    return _kl(*_checked(dx, p=p, q=q))


def jsd(p, q, dx: float = 1.0) -> float:
    """Jensen-Shannon divergence ½ KL(p || m) + ½ KL(q || m), m = (p + q) / 2,
    in nats."""
    p, q, dx = _checked(dx, p=p, q=q)
    m = (p + q) / 2
    return 0.5 * _kl(p, m, dx) + 0.5 * _kl(q, m, dx)


def virtual_training_criterion(p_data, p_g, dx: float = 1.0) -> float:
    """C(G) = V(D*_G, G) = ∫ p_data log D* + p_g log(1 - D*)
    (Theorem 1: -log 4 + 2 JSD)."""
    p_data, p_g, dx = _checked(dx, p_data=p_data, p_g=p_g)
    total = p_data + p_g
    data_term = _xlogy(p_data, _safe_ratio(p_data, total, 1.0))
    g_term = _xlogy(p_g, _safe_ratio(p_g, total, 1.0))
    integrand = data_term + g_term
    return float(integrand.sum() * dx)


def grid_mass(p, dx: float) -> float:
    """The mass a density holds on its grid, sum(p) * dx:
    1 when the grid holds all of it."""
    (p,) = _densities(p=p)
    return float(p.sum()) * _spacing(dx)


def gaussian_grid(means, stds, tail: float = 1e-6, spacing: float = 0.01) -> np.ndarray:
    """An even grid on which every N(mean, std²), for all ``means`` and ``stds`` given,
    has mass at least 1 - ``tail``: the grid of the GAN-game chapter's slider over p_g.

    The ends lie z·max(stds) beyond the extreme means, z the two-sided normal quantile
    of ``tail``, rounded outwards to multiples of ``spacing``.
    """
    means, stds = (
        np.asarray(means, dtype=np.float64).ravel(),
        np.asarray(stds, dtype=np.float64).ravel(),
    )
    if means.size == 0 or stds.size == 0:
        raise ValueError(
            "means and stds must hold at least one value, "
            f"got {means.size} and {stds.size}"
        )
    check_finite("means", means)
    if not (np.isfinite(stds).all() and (stds > 0).all()):
        raise ValueError(
            f"stds must be positive and finite, got a minimum of {stds.min():g}"
        )
    check_number("tail", tail, low=0, high=1, low_open=True, high_open=True)
    check_positive("spacing", spacing)
    reach = norm.isf(tail / 2) * stds.max()
    low = math.floor((means.min() - reach) / spacing) * spacing
    high = math.ceil((means.max() + reach) / spacing) * spacing
    return np.linspace(low, high, round((high - low) / spacing) + 1)


def _quad(f, interval, points) -> float:
    value, _ = integrate.quad(
        f, *interval, points=points, limit=500, epsabs=1e-13, epsrel=1e-12
    )
    return value


def _checked_pdfs(interval, points, **pdfs) -> tuple:
    """Check the interval, the break points and that each pdf integrates to 1 on it
    (to 1e-8)."""
    check_interval("interval", interval)
    points = tuple(float(p) for p in (points or ()))
    if any(not interval[0] < p < interval[1] for p in points):
        raise ValueError(
            f"points must lie inside interval {tuple(interval)}, got {points}"
        )
    for name, pdf in pdfs.items():
        check_callable(name, pdf)
        mass = _quad(pdf, interval, points or None)
        if abs(mass - 1) > 1e-8:
            raise ValueError(
                f"{name} must be a density on interval {tuple(interval)}: "
                f"it integrates to {mass:.10g} there, not 1"
            )
    return points or None


def criterion_by_quad(pdf_data, pdf_g, interval, points=None) -> float:
    """C(G) = V(D*_G, G) = ∫ p_data log D* + p_g log(1 - D*), D* of Proposition 1,
    by quadrature.

    ``pdf_data`` and ``pdf_g`` map a float to a density; both must integrate to 1 on
    ``interval`` (low, high).
    ``points``: where a density jumps or peaks, to help ``quad``.
    """
    points = _checked_pdfs(interval, points, pdf_data=pdf_data, pdf_g=pdf_g)

    def integrand(x: float) -> float:
        a, b = pdf_data(x), pdf_g(x)
        if a + b <= 0:
            return 0.0  # outside both supports D does not matter
        # log D* = log a - log(a + b), log(1 - D*) = log b - log(a + b)
        log_total = math.log(a + b)
        data_term = a * (math.log(a) - log_total) if a > 0 else 0.0
        g_term = b * (math.log(b) - log_total) if b > 0 else 0.0
        return data_term + g_term

    return _quad(integrand, interval, points)


def entropy_by_quad(pdf, interval, points=None) -> float:
    """Differential entropy H(p) = -∫ p log p, in nats, by quadrature
    (as ``criterion_by_quad``)."""
    points = _checked_pdfs(interval, points, pdf=pdf)
    return _quad(
        lambda x: -pdf(x) * math.log(pdf(x)) if pdf(x) > 0 else 0.0, interval, points
    )


def criterion_gradient(p_data, p_g) -> np.ndarray:
    """log(1 - D*(x)) = log(p_g / (p_data + p_g)):
    the gradient of C(G) = max_D V in p_g.

    Proposition 2's proof: the gradient of a supremum at p_g includes the gradient of
    V(D, ·) at the maximiser D = D*, and V is linear in p_g with coefficient log(1 - D).
    -inf where p_data has mass and p_g none; 0 where neither has mass.
    """
    p_data, p_g = _densities(p_data=p_data, p_g=p_g)
    with np.errstate(divide="ignore"):
        return np.log(_safe_ratio(p_g, p_data + p_g, where_empty=1.0))


def functional_descent(
    p_data, p_g, dx: float, steps: int, lr: float = 0.5
) -> tuple[np.ndarray, list]:
    """Proposition 2 on a grid: ``steps`` gradient steps of p_g on C,
    with D = D* at every step.

    Each step is exponentiated (mirror) gradient descent, p_g ← p_g·exp(-lr·g)/Z with
    g = ``criterion_gradient``, which keeps p_g a density; 0 < lr <= 1. Returns the last
    p_g and JSD(p_data || p_g) before each step and after the last (steps + 1 values).
    """
    p_data, p_g, dx = _checked(dx, p_data=p_data, p_g=p_g)
    check_int("steps", steps, minimum=1)
    check_number("lr", lr, low=0, high=1, low_open=True)
    divergences = [jsd(p_data, p_g, dx)]
    for _ in range(steps):
        # p_g·exp(-lr·log(p_g / (p_data + p_g)))
        p_g = p_g ** (1 - lr) * (p_data + p_g) ** lr
        p_g = p_g / (p_g.sum() * dx)
        divergences.append(jsd(p_data, p_g, dx))
    return p_g, divergences


def lsgan_optimal_discriminator(p_data, p_g, a: float, b: float) -> np.ndarray:
    """LSGAN's D*(x) = (b p_data + a p_g) / (p_data + p_g);
    (a + b) / 2 where neither has mass."""
    check_codes(a=a, b=b)
    p_data, p_g = _densities(p_data=p_data, p_g=p_g)
    return _safe_ratio(b * p_data + a * p_g, p_data + p_g, where_empty=(a + b) / 2)


def lsgan_criterion(
    p_data, p_g, a: float, b: float, c: float, dx: float = 1.0
) -> float:
    """C(G) of the LSGAN paper's eq. 6: ½ E_pdata[(D* - c)²] + ½ E_pg[(D* - c)²].

    When b - c = 1 and b - a = 2, 2·C(G) = pearson_chi2(2 p_g, p_data + p_g).
    """
    check_codes(a=a, b=b, c=c)
    d_star = lsgan_optimal_discriminator(p_data, p_g, a, b)
    p_data, p_g, dx = _checked(dx, p_data=p_data, p_g=p_g)
    return float(0.5 * ((p_data + p_g) * (d_star - c) ** 2).sum() * dx)


def pearson_chi2(p, q, dx: float = 1.0) -> float:
    """Pearson χ²(p || q) = ∫ (p - q)² / q,
    the f-divergence ∫ q f(p / q) with f(t) = (t - 1)².

    Infinite where p has mass and q has none. The LSGAN paper writes its eq. 7 as
    χ²_Pearson(p_d + p_g || 2 p_g); in this convention that integral is
    ``pearson_chi2(2 p_g, p_d + p_g)``: so ``p`` and ``q`` may integrate to 2 as well
    as 1.
    """
    p, q, dx = _checked(dx, sums=2, p=p, q=q)
    if ((p > 0) & (q == 0)).any():
        return float("inf")
    return float(_safe_ratio((p - q) ** 2, q, 0.0).sum() * dx)


def lsgan_generator_gradients(
    mean: float, a: float, b: float, c: float
) -> tuple[float, float]:
    """G's LSGAN gradient through a frozen D*, and dC/dμ,
    for p_d = N(0, 1), p_g = N(μ, 1).

    Both are d/dμ of the same quadrature of ½ ∫ (p_d + p_g)(D - c)², the generator's
    objective with the paper's extra p_d term (constant in μ once D is fixed), by
    autograd in float64. ``through_frozen`` detaches D = D*: what G's backward pass
    computes against an optimal D. ``of_criterion`` lets D* move with μ: the slope of
    C(G). They agree only where D*'s own optimality makes the ∂/∂D term vanish, as in
    the GAN game (chapter "Least squares GAN: theory").
    Returns (through_frozen, of_criterion).
    """
    import torch  # noqa: PLC0415 (the rest of this module is numpy)

    check_codes(a=a, b=b, c=c)
    check_number("mean", mean, low=-20, high=20)
    x = torch.linspace(
        min(mean, 0.0) - 14, max(mean, 0.0) + 14, 28_001, dtype=torch.float64
    )
    mu = torch.tensor(float(mean), dtype=torch.float64, requires_grad=True)
    # / sqrt(2π) below
    p_d, p_g = torch.exp(-(x**2) / 2), torch.exp(-((x - mu) ** 2) / 2)
    # p_g / (p_d + p_g), without 0 / 0 in the tails
    share_g = torch.sigmoid(mu * x - mu**2 / 2)
    d_star = b + (a - b) * share_g  # (b p_d + a p_g) / (p_d + p_g)

    def objective(d):
        return (
            0.5
            * ((p_d + p_g) * (d - c) ** 2).sum()
            * (x[1] - x[0])
            / np.sqrt(2 * np.pi)
        )

    (frozen,) = torch.autograd.grad(objective(d_star.detach()), mu, retain_graph=True)
    (total,) = torch.autograd.grad(objective(d_star), mu)
    return float(frozen), float(total)
