"""gan_core.evaluation.theory, GAN part: D*, KL, JSD and the virtual training criterion."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from gan_core.evaluation import theory

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


# Quadrature, the slider's grid and Proposition 2 (chapter on the GAN game).

SLIDER_MEANS = np.round(np.arange(-3.0, 3.05, 0.1), 1)  # the chapter's slider over p_g
SLIDER_WIDTHS = np.round(np.arange(0.2, 3.05, 0.1), 1)


def test_criterion_by_quad_matches_closed_forms():
    # identical densities: -log 4; disjoint supports: 0; U(0, 1) vs U(s, 1 + s): -log 4 + 2 s log 2
    same = theory.criterion_by_quad(norm(0, 1).pdf, norm(0, 1).pdf, (-40, 40))
    assert same == pytest.approx(-math.log(4), abs=1e-12)
    u = lambda low: (lambda x: 1.0 if low <= x <= low + 1 else 0.0)  # noqa: E731
    assert theory.criterion_by_quad(u(0), u(2), (-1, 4), points=(0, 1, 2, 3)) == pytest.approx(0, abs=1e-12)
    shifted = theory.criterion_by_quad(u(0), u(0.3), (-1, 3), points=(0, 0.3, 1, 1.3))
    assert shifted == pytest.approx(-math.log(4) + 0.6 * math.log(2), abs=1e-12)


def test_criterion_by_quad_agrees_with_the_grid_sum_and_entropies():
    p, q = norm(0, 1), norm(1.5, 0.5)
    by_quad = theory.criterion_by_quad(p.pdf, q.pdf, (-30, 30), points=(0, 1.5))
    assert by_quad == pytest.approx(theory.virtual_training_criterion(gauss(0, 1), gauss(1.5, 0.5), DX), abs=1e-9)
    h_m = theory.entropy_by_quad(lambda x: (p.pdf(x) + q.pdf(x)) / 2, (-30, 30), points=(0, 1.5))
    assert by_quad == pytest.approx(-math.log(4) + 2 * (h_m - (p.entropy() + q.entropy()) / 2), abs=1e-10)


def test_entropy_by_quad_of_a_gaussian():
    assert theory.entropy_by_quad(norm(1, 2).pdf, (-60, 60)) == pytest.approx(norm(1, 2).entropy(), abs=1e-12)


def test_quad_functions_refuse_an_interval_that_cuts_the_mass():
    with pytest.raises(ValueError, match="pdf_g must be a density on interval"):
        theory.criterion_by_quad(norm(0, 1).pdf, norm(8, 1).pdf, (-10, 10))
    with pytest.raises(ValueError, match="interval must be 2 finite numbers"):
        theory.entropy_by_quad(norm(0, 1).pdf, (5, -5))
    with pytest.raises(ValueError, match="points must lie inside"):
        theory.entropy_by_quad(norm(0, 1).pdf, (-40, 40), points=(50,))
    with pytest.raises(ValueError, match="pdf must be callable"):
        theory.entropy_by_quad(0.5, (-40, 40))


def test_gaussian_grid_holds_the_mass_for_every_slider_value():
    grid = theory.gaussian_grid(SLIDER_MEANS, SLIDER_WIDTHS)
    dx = grid[1] - grid[0]
    assert dx == pytest.approx(0.01)
    masses = [theory.grid_mass(norm.pdf(grid, m, s), dx) for m in SLIDER_MEANS for s in SLIDER_WIDTHS]
    assert 1 - 1e-6 <= min(masses) and max(masses) <= 1 + 1e-9
    # and the grid is not needlessly wide: a 4.9-std reach, not more
    assert grid[0] == pytest.approx(-3 - 4.89 * 3, abs=0.05) and grid[-1] == pytest.approx(-grid[0])


def test_the_old_slider_grid_cut_the_mass():
    old = np.linspace(-4, 4, 801)
    assert theory.grid_mass(norm.pdf(old, -3, 1), old[1] - old[0]) < 0.9


@pytest.mark.parametrize("kwargs, message", [
    ({"means": [], "stds": [1.0]}, "at least one value"),
    ({"means": [0.0], "stds": [0.0]}, "stds must be positive"),
    ({"means": [np.nan], "stds": [1.0]}, "means must be finite"),
    ({"means": [0.0], "stds": [1.0], "tail": 0.0}, "tail must be"),
    ({"means": [0.0], "stds": [1.0], "spacing": -1.0}, "spacing must be positive"),
])
def test_gaussian_grid_checks_its_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        theory.gaussian_grid(**kwargs)


def test_criterion_gradient_is_the_derivative_of_the_supremum():
    # Proposition 2's proof: the derivative of max_D V(D, p_g) in p_g is that of V(D*, .),
    # log(1 - D*), although D* moves with p_g. Central differences along h = p_g u, ∫ h = 0.
    p_data, p_g = gauss(-1, 0.7), gauss(1, 1.2)
    u = np.sin(X)
    h = p_g * (u - (u * p_g).sum() * DX)
    eps = 1e-4
    numeric = (theory.virtual_training_criterion(p_data, p_g + eps * h, DX)
               - theory.virtual_training_criterion(p_data, p_g - eps * h, DX)) / (2 * eps)
    assert (h * theory.criterion_gradient(p_data, p_g)).sum() * DX == pytest.approx(numeric, abs=1e-8)
    assert abs(numeric) > 0.01  # so that a D other than D* gives another slope: here D = 1/2,
    assert abs((h * np.log(0.5)).sum() * DX - numeric) > 0.01  # whose log(1 - D) is flat


def test_criterion_gradient_is_minus_log_2_at_the_optimum_and_minus_inf_off_support():
    np.testing.assert_allclose(theory.criterion_gradient([0.5, 0.5], [0.5, 0.5]), -math.log(2))
    assert theory.criterion_gradient([0.5, 0.0], [0.0, 0.5])[0] == -math.inf


def test_functional_descent_drives_jsd_down_to_zero():
    x = np.linspace(-10, 10, 4001)
    dx = x[1] - x[0]
    p_data = 0.5 * norm.pdf(x, -1.5, 0.6) + 0.5 * norm.pdf(x, 1.5, 0.6)
    p_g, divergences = theory.functional_descent(p_data, norm.pdf(x, 3, 0.5), dx, steps=60, lr=0.5)
    assert len(divergences) == 61 and divergences[0] > 0.5
    assert np.all(np.diff(divergences) < 0)
    assert divergences[-1] < 1e-12 and np.abs(p_g - p_data).max() < 1e-5
    assert theory.grid_mass(p_g, dx) == pytest.approx(1, abs=1e-12)


@pytest.mark.parametrize("kwargs, message", [({"steps": 0}, "steps must be"), ({"lr": 0.0}, "lr must be"),
                                             ({"lr": 1.5}, "lr must be")])
def test_functional_descent_checks_its_arguments(kwargs, message):
    arguments = {"steps": 3, "lr": 0.5, **kwargs}
    with pytest.raises(ValueError, match=message):
        theory.functional_descent(gauss(0, 1), gauss(1, 1), DX, **arguments)
