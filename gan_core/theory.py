"""Closed forms checked by quadrature (chapters on the GAN game and on LSGAN theory).

Densities are arrays sampled on an evenly spaced grid with spacing ``dx`` (or pmfs,
with ``dx = 1``); integrals are Riemann sums. Where a density is zero the usual
conventions hold: 0 log 0 = 0 and 0 / 0 terms contribute nothing, so a density with
gaps never produces NaN.
"""

import numpy as np


def _densities(*arrays) -> list[np.ndarray]:
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    if any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError(f"densities must share one grid, got shapes {[a.shape for a in arrays]}")
    for a in arrays:
        if not np.isfinite(a).all():
            raise ValueError("densities must be finite")
        if (a < 0).any():
            raise ValueError(f"densities must be non-negative, got a minimum of {a.min():g}")
    return arrays


def _spacing(dx: float) -> float:
    if not dx > 0:
        raise ValueError(f"dx must be positive, got {dx}")
    return float(dx)


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray, where_empty: float) -> np.ndarray:
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
    p_data, p_g = _densities(p_data, p_g)
    return _safe_ratio(p_data, p_data + p_g, where_empty=0.5)


def kl(p, q, dx: float = 1.0) -> float:
    """KL(p || q) = ∫ p log(p / q); infinite where p has mass and q has none."""
    p, q = _densities(p, q)
    if ((p > 0) & (q == 0)).any():
        return float("inf")
    return float((_xlogy(p, p) - _xlogy(p, q)).sum() * _spacing(dx))


def jsd(p, q, dx: float = 1.0) -> float:
    """Jensen-Shannon divergence ½ KL(p || m) + ½ KL(q || m), m = (p + q) / 2, in nats."""
    p, q = _densities(p, q)
    m = (p + q) / 2
    return 0.5 * kl(p, m, dx) + 0.5 * kl(q, m, dx)


def virtual_training_criterion(p_data, p_g, dx: float = 1.0) -> float:
    """C(G) = V(D*_G, G) = ∫ p_data log D* + p_g log(1 - D*) (Theorem 1: -log 4 + 2 JSD)."""
    p_data, p_g = _densities(p_data, p_g)
    total = p_data + p_g
    integrand = _xlogy(p_data, _safe_ratio(p_data, total, 1.0)) + _xlogy(p_g, _safe_ratio(p_g, total, 1.0))
    return float(integrand.sum() * _spacing(dx))


def _check_codes(**codes: float) -> None:
    for name, value in codes.items():
        if not np.isfinite(value):
            raise ValueError(f"code {name} must be finite, got {value}")
    if codes["a"] == codes["b"]:
        raise ValueError(f"codes a and b must differ, got a = b = {codes['a']}")


def lsgan_optimal_discriminator(p_data, p_g, a: float, b: float) -> np.ndarray:
    """LSGAN's D*(x) = (b p_data + a p_g) / (p_data + p_g); (a + b) / 2 where neither has mass."""
    _check_codes(a=a, b=b)
    p_data, p_g = _densities(p_data, p_g)
    return _safe_ratio(b * p_data + a * p_g, p_data + p_g, where_empty=(a + b) / 2)


def lsgan_criterion(p_data, p_g, a: float, b: float, c: float, dx: float = 1.0) -> float:
    """C(G) of the LSGAN paper's eq. 6: ½ E_pdata[(D* - c)²] + ½ E_pg[(D* - c)²].

    When b - c = 1 and b - a = 2, 2·C(G) = pearson_chi2(2 p_g, p_data + p_g).
    """
    _check_codes(a=a, b=b, c=c)
    d_star = lsgan_optimal_discriminator(p_data, p_g, a, b)
    p_data, p_g = _densities(p_data, p_g)
    return float(0.5 * ((p_data + p_g) * (d_star - c) ** 2).sum() * _spacing(dx))


def pearson_chi2(p, q, dx: float = 1.0) -> float:
    """Pearson χ²(p || q) = ∫ (p - q)² / q, the f-divergence ∫ q f(p / q) with f(t) = (t - 1)².

    Infinite where p has mass and q has none. The LSGAN paper writes its eq. 7 as
    χ²_Pearson(p_d + p_g || 2 p_g); in this convention that integral is
    ``pearson_chi2(2 p_g, p_d + p_g)``.
    """
    p, q = _densities(p, q)
    if ((p > 0) & (q == 0)).any():
        return float("inf")
    return float(_safe_ratio((p - q) ** 2, q, 0.0).sum() * _spacing(dx))
