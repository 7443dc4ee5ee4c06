"""gan_core.theory, GAN part: D*, KL, JSD and the virtual training criterion."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from gan_core import theory

X = np.linspace(-30, 30, 600_001)  # wide and fine: truncation and Riemann errors << 1e-6
DX = X[1] - X[0]


def gauss(mean, std):
    return norm.pdf(X, mean, std)


def test_optimal_discriminator_is_the_density_ratio():
    p, q = np.array([0.2, 0.0, 0.5, 0.0]), np.array([0.6, 0.3, 0.5, 0.0])
    np.testing.assert_allclose(theory.optimal_discriminator(p, q), [0.25, 0.0, 0.5, 0.5])


def test_optimal_discriminator_is_one_half_where_densities_agree():
    p = gauss(0, 1)
    np.testing.assert_allclose(theory.optimal_discriminator(p, p), 0.5)


def test_kl_between_gaussians_matches_the_closed_form():
    m1, s1, m2, s2 = 0.3, 0.8, -0.5, 1.4
    exact = math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    assert theory.kl(gauss(m1, s1), gauss(m2, s2), DX) == pytest.approx(exact, abs=1e-8)


def test_kl_is_zero_for_equal_and_infinite_for_missing_support():
    p = np.array([0.5, 0.5, 0.0])
    assert theory.kl(p, p) == pytest.approx(0.0, abs=1e-15)
    assert theory.kl(p, np.array([1.0, 0.0, 0.0])) == math.inf


def test_jsd_of_disjoint_pmfs_is_log_2():
    assert theory.jsd([0.5, 0.5, 0, 0], [0, 0, 0.25, 0.75]) == pytest.approx(math.log(2), abs=1e-15)


def test_jsd_is_symmetric_and_bounded():
    p, q = gauss(0, 1), gauss(1.5, 0.5)
    assert theory.jsd(p, q, DX) == pytest.approx(theory.jsd(q, p, DX), abs=1e-12)
    assert 0 < theory.jsd(p, q, DX) < math.log(2)


@pytest.mark.parametrize("mean, std", [(0.0, 1.0), (1.0, 1.0), (0.5, 2.0), (8.0, 0.3)])
def test_virtual_training_criterion_is_minus_log_4_plus_twice_jsd(mean, std):
    p_data, p_g = gauss(0, 1), gauss(mean, std)
    expected = -math.log(4) + 2 * theory.jsd(p_data, p_g, DX)
    assert theory.virtual_training_criterion(p_data, p_g, DX) == pytest.approx(expected, abs=1e-9)


def test_virtual_training_criterion_at_the_optimum_is_minus_log_4():
    p = gauss(0.2, 0.7)
    assert theory.virtual_training_criterion(p, p, DX) == pytest.approx(-math.log(4), abs=1e-9)


def test_zeros_give_no_nan():
    p, q = np.array([0.0, 0.5, 0.5, 0.0]), np.array([0.0, 0.0, 0.5, 0.5])
    values = [theory.jsd(p, q), theory.virtual_training_criterion(p, q), theory.kl(p, p)]
    assert all(np.isfinite(values))
    assert not np.isnan(theory.optimal_discriminator(p, q)).any()
    # only the overlapping cell contributes: 2 * 0.5 log(1/2) = -log 2
    assert theory.virtual_training_criterion(p, q) == pytest.approx(-math.log(2), abs=1e-15)


@pytest.mark.parametrize("function", [theory.kl, theory.jsd, theory.virtual_training_criterion,
                                      theory.optimal_discriminator])
def test_shape_mismatch_raises(function):
    with pytest.raises(ValueError, match="share one grid"):
        function(np.ones(3), np.ones(4))


@pytest.mark.parametrize("function", [theory.kl, theory.jsd, theory.virtual_training_criterion,
                                      theory.optimal_discriminator])
def test_negative_density_raises(function):
    with pytest.raises(ValueError, match="non-negative"):
        function(np.array([0.5, -0.1]), np.array([0.5, 0.5]))


@pytest.mark.parametrize("dx", [0.0, -0.1, float("nan")])
@pytest.mark.parametrize("function", [theory.kl, theory.jsd, theory.virtual_training_criterion])
def test_bad_dx_raises(function, dx):
    with pytest.raises(ValueError, match="dx must be positive"):
        function(np.array([0.5, 0.5]), np.array([0.5, 0.5]), dx)


def test_non_finite_density_raises():
    with pytest.raises(ValueError, match="finite"):
        theory.jsd(np.array([np.nan, 1.0]), np.array([0.5, 0.5]))
