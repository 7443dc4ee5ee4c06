"""gan_core.training.fit_discriminator: D alone against two fixed samplers."""

import numpy as np
import pytest
import torch

from gan_core.data.mixtures import PointSet, gaussian_1d
from gan_core.evaluation.theory import optimal_discriminator
from gan_core.models.mlp import MLPDiscriminator
from gan_core.training import TrainingDiverged, fit_discriminator


def fitted(steps=300, seed=0, **kwargs):
    torch.manual_seed(seed)
    d = MLPDiscriminator(in_dim=1, width=16, depth=1)
    kwargs = {"lr": 3e-3, **kwargs}
    trace = fit_discriminator(d, gaussian_1d(-1, 1), gaussian_1d(1, 1), steps=steps, seed=seed, **kwargs)
    return d, trace


def test_approaches_the_optimal_discriminator():
    torch.set_num_threads(1)
    d, trace = fitted()
    x = torch.linspace(-2, 2, 41)
    p, q = gaussian_1d(-1, 1).density(x).numpy(), gaussian_1d(1, 1).density(x).numpy()
    with torch.no_grad():
        learned = torch.sigmoid(d(x[:, None])).numpy()
    assert np.abs(learned - optimal_discriminator(p, q)).max() < 0.05  # D* = sigmoid(-2x) here
    assert len(trace) == 300
    assert np.mean(trace[-50:]) < np.mean(trace[:10])  # the loss went down


def test_is_reproducible_for_a_seed():
    _, first = fitted(steps=20)
    _, second = fitted(steps=20)
    assert first == second


def test_other_loss_and_optimizer_names_work():
    _, trace = fitted(steps=5, loss="minimax", optimizer="sgd", lr=0.01)
    assert len(trace) == 5


@pytest.mark.parametrize("kwargs, match", [({"steps": 0}, "steps >= 1"), ({"batch_size": 0}, "batch_size"),
                                           ({"loss": "hinge"}, "unknown loss"),
                                           ({"optimizer": "lbfgs"}, "unknown optimizer")])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fitted(**kwargs)


def test_divergence_is_reported():
    with pytest.raises(TrainingDiverged, match="d_loss"):
        fitted(steps=5, lr=float("inf"), optimizer="sgd")


@pytest.fixture
def point_sets():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(64, 2, generator=g) * 0.3 + torch.tensor([0.0, 1.0])
    fake = torch.randn(64, 2, generator=g) * 0.3 + torch.tensor([0.0, -1.0])
    return PointSet(real), PointSet(fake)


def test_least_squares_codes_are_the_targets_on_fixed_points(point_sets):
    real, fake = point_sets
    torch.manual_seed(0)
    d = MLPDiscriminator(in_dim=2, width=16, depth=2)
    trace = fit_discriminator(d, real, fake, "least_squares", {"a": -1.0, "b": 1.0, "c": 0.0},
                              steps=300, batch_size=64, lr=3e-3)
    assert trace[-1] < 0.1 * trace[0]
    with torch.no_grad():
        assert d(real.points).mean().item() == pytest.approx(1.0, abs=0.2)
        assert d(fake.points).mean().item() == pytest.approx(-1.0, abs=0.2)


def test_bad_loss_params_are_clear_errors(point_sets):
    with pytest.raises(ValueError, match=r"takes parameters \['a', 'b', 'c'\]"):
        fit_discriminator(MLPDiscriminator(in_dim=2), *point_sets, "least_squares", {"d": 1.0})
