"""LSGAN's closed forms in gan_core.evaluation.theory: D*, C(G), the Pearson χ² and G's gradients."""

import math

import numpy as np
import pytest

from gan_core.evaluation import theory

P = np.array([0.5, 0.25, 0.25, 0.0])
Q = np.array([0.25, 0.25, 0.25, 0.25])


def test_pearson_chi2_of_two_pmfs_by_hand():
    # (0.5-0.25)²/0.25 + 0 + 0 + (0-0.25)²/0.25 = 0.25 + 0.25
    assert theory.pearson_chi2(P, Q) == pytest.approx(0.5, abs=1e-15)
    assert theory.pearson_chi2(Q, Q) == 0.0


def test_pearson_chi2_of_densities_matches_their_pmfs():
    # densities p / dx on cells of width dx carry the same masses as the pmfs
    assert theory.pearson_chi2(P / 0.5, Q / 0.5, dx=0.5) == pytest.approx(0.5, abs=1e-12)


def test_pearson_chi2_is_infinite_where_q_is_zero_but_p_is_not():
    assert theory.pearson_chi2(Q, P) == math.inf
    # the reverse direction is finite: p = 0 where q = 0 contributes nothing
    assert math.isfinite(theory.pearson_chi2(P, P))


def test_lsgan_optimal_discriminator_by_hand():
    p_d, p_g = np.array([1.0, 0.0, 0.5, 0.0]), np.array([0.0, 1.0, 0.5, 0.0])
    d_star = theory.lsgan_optimal_discriminator(p_d, p_g, a=-1.0, b=1.0)
    np.testing.assert_allclose(d_star, [1.0, -1.0, 0.0, 0.0])  # last: (a + b) / 2, no NaN
    d_star = theory.lsgan_optimal_discriminator(p_d, 3 * p_g, a=0.0, b=1.0)
    np.testing.assert_allclose(d_star, [1.0, 0.0, 0.25, 0.5])


@pytest.mark.parametrize("pmf", [Q, P, np.array([0.1, 0.2, 0.3, 0.4])])
def test_criterion_at_p_g_equal_p_data(pmf):
    assert 2 * theory.lsgan_criterion(pmf, pmf, a=-1, b=1, c=0) == pytest.approx(0.0, abs=1e-15)
    assert 2 * theory.lsgan_criterion(pmf, pmf, a=0, b=1, c=1) == pytest.approx(0.5, abs=1e-15)


def test_criterion_equals_chi2_with_codes_minus_one_one_zero():
    two_c = 2 * theory.lsgan_criterion(Q, P, a=-1, b=1, c=0)
    assert two_c == pytest.approx(theory.pearson_chi2(2 * P, Q + P), abs=1e-12)
    # by hand: p_d + p_g = [.75, .5, .5, .25], 2p_g = [1, .5, .5, 0]
    assert two_c == pytest.approx(0.25**2 / 0.75 + 0.25**2 / 0.25, abs=1e-12)


def test_criterion_with_zero_one_one_codes_is_integral_of_p_g_squared_over_sum():
    expected = (P**2 / (P + Q)).sum()
    assert 2 * theory.lsgan_criterion(Q, P, a=0, b=1, c=1) == pytest.approx(expected, abs=1e-12)
    assert 2 * theory.lsgan_criterion(Q, P, a=0, b=1, c=1) != pytest.approx(theory.pearson_chi2(2 * P, Q + P))


def test_zeros_in_both_densities_give_no_nan():
    p_d, p_g = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])
    assert np.isfinite(theory.lsgan_optimal_discriminator(p_d, p_g, 0.0, 1.0)).all()
    assert theory.lsgan_criterion(p_d, p_g, -1, 1, 0) == pytest.approx(1.0)  # χ²(2p_g || p_d+p_g) / 2 = 2 / 2
    assert math.isfinite(theory.pearson_chi2(2 * p_g, p_d + p_g))


@pytest.mark.parametrize("codes, message", [
    ({"a": 1.0, "b": 1.0}, "codes a and b must differ"),
    ({"a": math.nan, "b": 1.0}, "code a must be a finite number"),
    ({"a": 0.0, "b": math.inf}, "code b must be a finite number"),
])
def test_bad_codes_raise(codes, message):
    with pytest.raises(ValueError, match=message):
        theory.lsgan_optimal_discriminator(P, Q, **codes)
    with pytest.raises(ValueError, match=message):
        theory.lsgan_criterion(P, Q, c=0.0, **codes)


def test_non_finite_c_raises():
    with pytest.raises(ValueError, match="code c must be a finite number"):
        theory.lsgan_criterion(P, Q, a=0.0, b=1.0, c=math.nan)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="densities must share one grid"):
        theory.lsgan_optimal_discriminator(P, Q[:3], 0.0, 1.0)
    with pytest.raises(ValueError, match="densities must share one grid"):
        theory.lsgan_criterion(P[:2], Q, 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="densities must share one grid"):
        theory.pearson_chi2(P, Q[:3])


def test_negative_density_and_bad_dx_raise():
    with pytest.raises(ValueError, match="non-negative"):
        theory.pearson_chi2(-P, Q)
    with pytest.raises(ValueError, match="dx must be positive"):
        theory.pearson_chi2(P, Q, dx=0.0)


# lsgan_generator_gradients: p_d = N(0, 1), p_g = N(μ, 1)

def _pathwise_frozen_gradient(mean, a, b, c):
    """E_z[(D*(μ + z) - c)·D*'(μ + z)], z ~ N(0, 1): the generator's backward pass, by hand."""
    z = np.linspace(-14, 14, 28_001)
    x = mean + z
    share_g = 1 / (1 + np.exp(-(mean * x - mean**2 / 2)))  # p_g / (p_d + p_g)
    d_star = b + (a - b) * share_g
    slope = (a - b) * mean * share_g * (1 - share_g)  # dD*/dx
    weight = np.exp(-z**2 / 2) / math.sqrt(2 * math.pi)
    return float((weight * (d_star - c) * slope).sum() * (z[1] - z[0]))


def _criterion_slope(mean, a, b, c, h=1e-4):
    """dC/dμ by a central difference of theory.lsgan_criterion on a grid."""
    x = np.linspace(-16, 16, 32_001)

    def C(m):
        p_d, p_g = (np.exp(-(x - centre) ** 2 / 2) / math.sqrt(2 * math.pi) for centre in (0, m))
        return theory.lsgan_criterion(p_d, p_g, a, b, c, x[1] - x[0])
    return (C(mean + h) - C(mean - h)) / (2 * h)


@pytest.mark.parametrize("codes", [(-1, 1, 0), (0, 1, 1), (-1, 1, 1), (1, -1, 0.5)])
@pytest.mark.parametrize("mean", [0.05, 0.5, 1.0, 2.0, -1.5])
def test_generator_gradients_match_independent_computations(codes, mean):
    frozen, total = theory.lsgan_generator_gradients(mean, *codes)
    assert frozen == pytest.approx(_pathwise_frozen_gradient(mean, *codes), rel=1e-9, abs=1e-13)
    assert total == pytest.approx(_criterion_slope(mean, *codes), rel=1e-6, abs=1e-10)


def test_generator_gradients_near_equilibrium():
    # -1, 1, 0: C ≈ μ²/4 and the frozen gradient ≈ μ³/8 (third order); 0-1-1: both ≈ μ/8
    mu = 0.01
    frozen, total = theory.lsgan_generator_gradients(mu, -1, 1, 0)
    assert total == pytest.approx(mu / 2, rel=1e-3)
    assert frozen == pytest.approx(mu**3 / 8, rel=1e-3)
    frozen, total = theory.lsgan_generator_gradients(mu, 0, 1, 1)
    assert frozen == pytest.approx(mu / 8, rel=1e-3)
    assert total == pytest.approx(mu / 8, rel=1e-3)


@pytest.mark.parametrize("codes", [(-1, 1, 0), (0, 1, 1), (-1, 1, 1), (0, 2, 1)])
def test_equal_densities_are_stationary_for_every_coding(codes):
    frozen, total = theory.lsgan_generator_gradients(0.0, *codes)
    assert abs(frozen) < 1e-15 and abs(total) < 1e-15
    shifted = theory.lsgan_generator_gradients(0.3, *codes)
    mirrored = theory.lsgan_generator_gradients(-0.3, *codes)
    assert mirrored == pytest.approx((-shifted[0], -shifted[1]), rel=1e-9)


def test_generator_gradients_known_values():
    frozen, total = theory.lsgan_generator_gradients(0.05, -1, 1, 0)
    assert (frozen, total) == pytest.approx((1.5586e-5, 2.49688e-2), rel=1e-4)
    frozen, total = theory.lsgan_generator_gradients(0.5, -1, 1, 0)
    assert (frozen, total) == pytest.approx((1.24689e-2, 0.222795), rel=1e-4)
    gradients = [theory.lsgan_generator_gradients(m, 0, 1, 1) for m in (0.5, 1, 2)]
    ratios = [frozen / total for frozen, total in gradients]
    assert ratios == pytest.approx([1.1119, 1.3535, 1.8406], abs=1e-4)


@pytest.mark.parametrize("kwargs, message", [
    ({"mean": math.nan}, "mean must be a finite number"),
    ({"mean": 25.0}, "mean must be a finite number"),
    ({"a": 1.0}, "codes a and b must differ"),
    ({"c": math.inf}, "code c must be a finite number"),
])
def test_generator_gradients_bad_inputs(kwargs, message):
    arguments = {"mean": 0.5, "a": 0.0, "b": 1.0, "c": 1.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        theory.lsgan_generator_gradients(**arguments)
