import math

import pytest
import torch
from scipy import stats

from gan_core.data import mixtures


def test_gaussian_log_prob_matches_scipy():
    dist = mixtures.gaussian_1d(1.5, 0.7)
    x = torch.linspace(-3, 5, 11)
    expected = torch.tensor(stats.norm(1.5, 0.7).logpdf(x.numpy()), dtype=torch.float32)
    torch.testing.assert_close(dist.log_prob(x), expected, rtol=1e-5, atol=1e-5)


def test_mixture_density_is_the_weighted_sum():
    dist = mixtures.mixture_1d([-2.0, 3.0], [0.5, 1.0], weights=[0.3, 0.7])
    x = torch.linspace(-5, 6, 23)
    expected = 0.3 * stats.norm(-2, 0.5).pdf(x.numpy()) + 0.7 * stats.norm(3, 1).pdf(x.numpy())
    torch.testing.assert_close(dist.density(x), torch.tensor(expected, dtype=torch.float32), rtol=1e-5, atol=1e-7)


def test_ring_centres_lie_on_the_circle_evenly_spaced():
    ring = mixtures.ring_of_gaussians(n_modes=8, radius=2.0, std=0.02)
    radii = ring.centres.norm(dim=1)
    torch.testing.assert_close(radii, torch.full((8,), 2.0))
    gaps = (ring.centres - ring.centres.roll(1, dims=0)).norm(dim=1)
    torch.testing.assert_close(gaps, torch.full((8,), 2 * 2.0 * math.sin(math.pi / 8)))


def test_grid_is_centred_with_the_given_spacing():
    grid = mixtures.grid_of_gaussians(n_per_side=5, spacing=2.0)
    assert grid.centres.shape == (25, 2)
    torch.testing.assert_close(grid.centres.mean(dim=0), torch.zeros(2), atol=1e-6, rtol=0)
    assert sorted(set(grid.centres[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]


def test_samples_have_the_right_shape_moments_and_repeat_with_a_seed():
    ring = mixtures.ring_of_gaussians(n_modes=4, radius=1.0, std=0.05)
    a = ring.sample(20_000, generator=torch.Generator().manual_seed(0))
    b = ring.sample(20_000, generator=torch.Generator().manual_seed(0))
    assert a.shape == (20_000, 2)
    torch.testing.assert_close(a, b)
    nearest = torch.cdist(a, ring.centres).min(dim=1).values
    assert nearest.pow(2).mean().item() == pytest.approx(2 * 0.05**2, rel=0.05)
    assert torch.bincount(torch.cdist(a, ring.centres).argmin(dim=1)).min() > 4_500


def test_density_integrates_to_one_in_2d():
    grid = mixtures.grid_of_gaussians(n_per_side=2, spacing=1.0, std=0.2)
    ticks = torch.linspace(-3, 3, 601)
    xs, ys = torch.meshgrid(ticks, ticks, indexing="xy")
    points = torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)
    area = (ticks[1] - ticks[0]) ** 2
    assert (grid.density(points).sum() * area).item() == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("make, message", [
    (lambda: mixtures.ring_of_gaussians(n_modes=0), "n_modes"),
    (lambda: mixtures.ring_of_gaussians(std=0.0), "std must be positive"),
    (lambda: mixtures.grid_of_gaussians(spacing=-1.0), "spacing"),
    (lambda: mixtures.mixture_1d([0.0, 1.0], [1.0, -1.0]), "std must be positive"),
    (lambda: mixtures.mixture_1d([0.0, 1.0], [1.0], weights=[0.9, 0.9]), "sum to 1"),
    (lambda: mixtures.mixture_1d([], [1.0]), "non-empty"),
])
def test_bad_parameters_are_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_point_set_samples_its_rows_with_replacement():
    points = torch.arange(10.0).reshape(5, 2)
    drawn = mixtures.PointSet(points).sample(1_000, generator=torch.Generator().manual_seed(0))
    assert drawn.shape == (1_000, 2)
    assert set(map(tuple, drawn.tolist())) == set(map(tuple, points.tolist()))


def test_point_set_needs_a_2d_tensor():
    with pytest.raises(ValueError, match=r"points must have shape \(n, dim\), got shape \(3,\)"):
        mixtures.PointSet(torch.zeros(3))


def test_lsgan_code_ring_doubles_one_of_its_eight_modes():
    ring = mixtures.lsgan_code_ring(std=0.01)
    assert len(ring.centres) == 9
    torch.testing.assert_close(ring.centres[0], ring.centres[-1], atol=1e-6, rtol=0)
    eight = mixtures.ring_of_gaussians(8, radius=1.0, std=0.01).centres
    torch.testing.assert_close(ring.centres[:8], eight, atol=1e-6, rtol=0)
    points = ring.sample(90_000, generator=torch.Generator().manual_seed(0))
    share_first = ((points - eight[0]).norm(dim=1) < 0.05).double().mean().item()
    assert share_first == pytest.approx(2 / 9, abs=0.005)
