"""gan_core.evaluation.probes: the gradients a discriminator gives points, and the pointwise LS optimum."""

import numpy as np
import pytest
import torch

from gan_core.data import mixtures
from gan_core.evaluation import probes, theory
from gan_core.models.mlp import MLPDiscriminator
from gan_core.training import losses


@pytest.fixture
def points():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(64, 2, generator=g) * 0.3 + torch.tensor([0.0, 1.0])
    fake = torch.randn(64, 2, generator=g) * 0.3 + torch.tensor([0.0, -1.0])
    return real, fake


def small_d(seed=0, in_dim=2):
    torch.manual_seed(seed)
    return MLPDiscriminator(in_dim, width=16, depth=2)


def test_point_gradients_match_one_point_at_a_time(points):
    real, _ = points
    d = small_d()
    g_loss = losses.get("non_saturating").g_loss
    together = probes.point_gradients(d, real[:5], g_loss)
    for i in range(5):
        x = real[i:i + 1].clone().requires_grad_(True)
        (alone,) = torch.autograd.grad(g_loss(d(x)), x)
        torch.testing.assert_close(together[i], alone[0])


def test_point_gradients_of_a_linear_d_by_hand():
    d = torch.nn.Linear(2, 1)
    with torch.no_grad():
        d.weight.copy_(torch.tensor([[2.0, -1.0]]))
        d.bias.zero_()
    model = lambda x: d(x).squeeze(-1)  # noqa: E731
    x = torch.tensor([[1.0, 0.0], [0.0, 3.0]])  # D(x) = 2, -3
    g_loss = losses.get("least_squares", a=-1.0, b=1.0, c=0.0).g_loss  # ½ D², gradient D·w
    expected = torch.tensor([[4.0, -2.0], [-6.0, 3.0]])
    torch.testing.assert_close(probes.point_gradients(model, x, g_loss), expected)


def test_loss_curve_values_and_slopes():
    t = torch.tensor([-2.0, 0.0, 3.0])
    values, slopes = probes.loss_curve(losses.get("least_squares", a=0.0, b=1.0, c=1.0).g_loss, t)
    torch.testing.assert_close(values, 0.5 * (t.double() - 1) ** 2)
    torch.testing.assert_close(slopes, t.double() - 1)
    values, slopes = probes.loss_curve(losses.get("non_saturating").g_loss, t)
    torch.testing.assert_close(slopes, -torch.sigmoid(-t.double()))


def test_pointwise_ls_optimum_matches_the_closed_form():
    x = np.linspace(-6, 6, 241)
    to_np = lambda dist: dist.density(torch.tensor(x)).double().numpy()  # noqa: E731
    p_d, p_g = to_np(mixtures.gaussian_1d(0.0, 1.0)), to_np(mixtures.mixture_1d([-2.0, 2.0], 0.7))
    p_d[:10] = p_g[:10] = 0.0  # no mass at all: D stays at (a + b) / 2
    for a, b in ((-1.0, 1.0), (0.0, 1.0)):
        found = probes.pointwise_ls_optimum(p_d, p_g, a, b)
        np.testing.assert_allclose(found, theory.lsgan_optimal_discriminator(p_d, p_g, a, b), atol=1e-8, rtol=0)


def test_pointwise_ls_optimum_rejects_bad_codes():
    with pytest.raises(ValueError, match="codes a and b must differ"):
        probes.pointwise_ls_optimum(np.ones(3), np.ones(3), 1.0, 1.0)


@pytest.mark.parametrize("codes", [(-1.0, 1.0, 0.0), (0.0, 1.0, 1.0), (-1.0, 1.0, 1.0), (0.0, 2.0, 0.5)])
def test_criterion_from_chi2_matches_quadrature(codes):
    x = np.linspace(-8, 8, 801)
    p_d = mixtures.gaussian_1d(0.0, 1.0).density(torch.tensor(x)).double().numpy()
    p_g = mixtures.gaussian_1d(1.5, 0.8).density(torch.tensor(x)).double().numpy()
    dx = x[1] - x[0]
    chi2 = theory.pearson_chi2(2 * p_g, p_d + p_g, dx)
    expected = 2 * theory.lsgan_criterion(p_d, p_g, *codes, dx=dx)
    # the identity assumes both densities integrate to 1; on this grid they do to ~1e-9
    assert probes.criterion_from_chi2(chi2, *codes) == pytest.approx(expected, abs=1e-7)
