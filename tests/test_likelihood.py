import math

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal

from gan_core.data import images
from gan_core.evaluation import likelihood as L
from gan_core.models import mlp


def _points(n, d, seed):
    return torch.rand(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _by_scipy(x, centres, sigma):
    """log of the mean of the kernels' densities, each from scipy's multivariate normal."""
    d = centres.shape[1]
    densities = np.stack([multivariate_normal(c, sigma**2 * np.eye(d)).logpdf(x.numpy()) for c in centres.numpy()])
    return np.logaddexp.reduce(densities, axis=0) - math.log(len(centres))  # (n,)


@pytest.mark.parametrize("sigma", [0.05, 0.3, 2.0])
def test_parzen_log_likelihood_matches_scipy(sigma):
    x, centres = _points(7, 5, 0), _points(11, 5, 1)
    ours = L.parzen_log_likelihood(x, centres, sigma, batch_size=3).numpy()
    np.testing.assert_allclose(ours, _by_scipy(x, centres, sigma), rtol=1e-10, atol=1e-9)


def test_one_centre_is_one_gaussian_and_float32_inputs_give_float64_results():
    x = torch.tensor([[0.0, 0.0], [1.0, 2.0]], dtype=torch.float32)
    result = L.parzen_log_likelihood(x, torch.zeros(1, 2), 0.5)
    expected = -np.array([0.0, 5.0]) / (2 * 0.25) - 2 * math.log(0.5 * math.sqrt(2 * math.pi))
    assert result.dtype == torch.float64
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12)


def test_tiny_windows_in_high_dimension_do_not_underflow():
    """Every kernel's density underflows float64 (exp(-1e5)); the log-sum-exp must not."""
    x, centres = _points(4, 784, 2), _points(6, 784, 3)
    ours = L.parzen_log_likelihood(x, centres, 0.01).numpy()
    assert np.isfinite(ours).all() and ours.max() < -1e5
    np.testing.assert_allclose(ours, _by_scipy(x, centres, 0.01), rtol=1e-10)


def test_all_widths_at_once_equal_one_width_at_a_time():
    x, centres = _points(9, 3, 4), _points(20, 3, 5)
    together = L.parzen_log_densities(x, centres, (0.1, 0.4, 1.5), batch_size=4)
    assert together.shape == (3, 9)
    for row, sigma in zip(together, (0.1, 0.4, 1.5)):
        torch.testing.assert_close(row, L.parzen_log_likelihood(x, centres, sigma), rtol=1e-12, atol=1e-12)


def test_select_sigma_picks_the_best_width_on_validation():
    g = torch.Generator().manual_seed(0)
    samples = torch.randn(2000, 2, generator=g, dtype=torch.float64) * 0.5
    validation = torch.randn(500, 2, generator=g, dtype=torch.float64) * 0.5
    search = L.select_sigma(samples, validation, (0.01, 0.03, 0.1, 0.3, 1.0, 3.0))
    best_by_hand = max(search.sigmas, key=lambda s: L.parzen_log_likelihood(validation, samples, s).mean())
    assert search.best == best_by_hand
    assert search.scores[search.sigmas.index(search.best)] == max(search.scores)
    assert search.best in (0.1, 0.3) and not search.at_edge  # Silverman's rule: about 0.15
    assert L.select_sigma(samples, validation, (1.0, 3.0)).at_edge


def test_parzen_estimate_reports_mean_and_standard_error_of_the_chosen_width():
    g = torch.Generator().manual_seed(1)
    samples, validation, test = (torch.randn(n, 3, generator=g, dtype=torch.float64) for n in (300, 100, 50))
    result = L.parzen_estimate(samples, validation, test, (0.2, 0.5, 1.0))
    scores = L.parzen_log_likelihood(test, samples, result.sigma).numpy()
    assert result.sigma == result.search.best
    assert result.mean == pytest.approx(scores.mean(), rel=1e-12)
    assert result.stderr == pytest.approx(scores.std() / math.sqrt(50), rel=1e-12)
    assert (result.n_centres, result.n_test) == (300, 50)
    assert "nats" in str(result) and "300 samples" in str(result)
    one = L.parzen_estimate(samples[:1], validation, test, (0.5, 1.0))
    assert "(sigma 1.000, 1 sample, 50 test digits)" in str(one)


def test_many_samples_of_the_true_gaussian_approach_its_log_likelihood():
    g = torch.Generator().manual_seed(2)
    samples = torch.randn(20_000, 1, generator=g, dtype=torch.float64)
    test = torch.randn(2_000, 1, generator=g, dtype=torch.float64)
    estimate = L.parzen_estimate(samples, test[:1000], test[1000:], np.logspace(-2, 0, 21))
    truth = -0.5 * math.log(2 * math.pi) - 0.5 * float(test[1000:].square().mean())
    assert estimate.mean == pytest.approx(truth, abs=0.02)


def test_pixel_scale_shift_is_the_change_of_variables():
    x, centres = _points(5, 4, 6), _points(8, 4, 7)
    unit = L.parzen_log_likelihood(x, centres, 0.2)
    scaled = L.parzen_log_likelihood(255 * x, 255 * centres, 0.2 * 255)
    torch.testing.assert_close(scaled - unit, torch.full_like(unit, L.pixel_scale_shift(4, 255.0)))
    assert L.pixel_scale_shift(784, 255.0) == pytest.approx(-784 * math.log(255))


def test_to_unit_maps_minus_one_to_one_onto_zero_to_one():
    x = torch.tensor([[-1.0, 0.0, 1.0]]).reshape(1, 1, 1, 3)
    torch.testing.assert_close(L.to_unit(x), torch.tensor([[0.0, 0.5, 1.0]], dtype=torch.float64))
    with pytest.raises(ValueError, match="images must have values in"):
        L.to_unit(torch.tensor([[0.0, 2.0]]))


@pytest.mark.parametrize("call, message", [
    (lambda: L.parzen_log_likelihood(torch.zeros(3, 2), torch.zeros(4, 3), 1.0), "x must have shape"),
    (lambda: L.parzen_log_likelihood(torch.zeros(3, 2), torch.zeros(4, 2), 0.0), "sigma must be positive"),
    (lambda: L.parzen_log_densities(torch.zeros(3, 2), torch.zeros(4, 2), ()), "at least one width"),
    (lambda: L.parzen_log_densities(torch.zeros(3, 2), torch.zeros(4, 2), (1.0, -1.0)), "each sigma"),
    (lambda: L.parzen_log_densities(torch.zeros(3, 2), torch.zeros(0, 2), 1.0), "centres must not be empty"),
    (lambda: L.parzen_log_densities(torch.zeros(3, 2), torch.full((4, 2), math.nan), 1.0), "centres must be finite"),
    (lambda: L.parzen_log_densities(torch.zeros(3, 2), torch.zeros(4, 2), 1.0, batch_size=0), "batch_size"),
    (lambda: L.latent_line(torch.zeros(3), torch.zeros(4), 5), "z1 must have shape"),
    (lambda: L.latent_line(torch.zeros(3), torch.ones(3), 1), "steps must be an integer >= 2"),
    (lambda: mlp.DropoutMLPDiscriminator(dropout=1.0), "dropout must be"),
    (lambda: L.Flattened(torch.zeros(3)), "sample"),
    (lambda: L.blur(torch.zeros(2, 1, 4, 4), 0), "pixels must be positive"),
])
def test_bad_inputs_are_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_latent_line_runs_evenly_from_one_end_to_the_other():
    z0, z1 = torch.tensor([0.0, 1.0]), torch.tensor([1.0, -1.0])
    line = L.latent_line(z0, z1, 5)
    torch.testing.assert_close(line[0], z0)
    torch.testing.assert_close(line[-1], z1)
    torch.testing.assert_close(line[2], (z0 + z1) / 2)
    torch.testing.assert_close(line.diff(dim=0), ((z1 - z0) / 4).expand(4, 2))


def test_split_validation_is_disjoint_and_complete():
    data = images.ImageDataset(torch.arange(10, dtype=torch.uint8).reshape(10, 1, 1, 1),
                               torch.zeros(10, dtype=torch.long), ("a",), "tiny")
    train, validation = L.split_validation(data, 3, seed=1)
    assert (len(train), len(validation)) == (7, 3)
    values = sorted(train.pixels.flatten().tolist() + validation.pixels.flatten().tolist())
    assert values == list(range(10))
    with pytest.raises(ValueError, match="n_validation"):
        L.split_validation(data, 10)


def test_generator_starts_at_the_data_mean_and_stays_in_range():
    torch.manual_seed(0)
    generator = mlp.TanhMLPGenerator(z_dim=4, out_dim=6, width=8, depth=1, prior="uniform")
    target = torch.tensor([-0.9, -0.5, 0.0, 0.3, 0.9, -1.0])
    generator.init_output_bias(target.expand(5, 6))
    torch.nn.init.zeros_(generator.body[-1].weight)  # the output is then the bias alone
    out = generator(torch.zeros(2, 4))
    torch.testing.assert_close(out[0], target.clamp(-0.98, 0.98))
    assert generator.sample(100).abs().max() < 1
    with pytest.raises(ValueError, match="images must have 6 values"):
        generator.init_output_bias(torch.zeros(3, 5))


def test_dropout_discriminator_drops_only_in_training_mode():
    torch.manual_seed(0)
    d = mlp.DropoutMLPDiscriminator(in_dim=5, width=16, depth=2, dropout=0.5)
    assert sum(isinstance(layer, torch.nn.Dropout) for layer in d.body) == 2
    x = torch.randn(8, 5)
    d.eval()
    torch.testing.assert_close(d(x), d(x))
    d.train()
    assert not torch.equal(d(x), d(x))
    assert d(x).shape == (8,)


def test_flattened_sampler_gives_rows():
    data = images.ImageDataset(torch.zeros(4, 1, 3, 3, dtype=torch.uint8), torch.zeros(4, dtype=torch.long),
                               ("a",), "tiny")
    batch = L.Flattened(data).sample(6, torch.Generator().manual_seed(0))
    assert batch.shape == (6, 9) and bool((batch == -1).all())


def test_blur_keeps_a_constant_image_and_spreads_a_point():
    flat = torch.full((1, 1, 9, 9), 0.3)
    torch.testing.assert_close(L.blur(flat, 1.0), flat)
    point = torch.zeros(1, 1, 9, 9)
    point[0, 0, 4, 4] = 1.0
    spread = L.blur(point, 1.0)
    assert spread.sum().item() == pytest.approx(1.0, abs=1e-6)
    assert spread[0, 0, 4, 4] < 0.2 and spread[0, 0, 4, 5] == pytest.approx(spread[0, 0, 5, 4].item())


def test_kmeans_finds_two_obvious_clusters():
    g = torch.Generator().manual_seed(0)
    points = torch.cat([torch.randn(50, 2, generator=g) * 0.1, torch.randn(50, 2, generator=g) * 0.1 + 5])
    centres = L.kmeans_centres(points, 2).numpy()
    centres = centres[np.argsort(centres[:, 0])]
    np.testing.assert_allclose(centres, [[0, 0], [5, 5]], atol=0.1)
