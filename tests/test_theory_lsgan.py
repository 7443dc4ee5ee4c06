"""LSGAN's closed forms in gan_core.theory: D*, C(G) and the Pearson χ²."""

import math

import numpy as np
import pytest

from gan_core import theory

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
