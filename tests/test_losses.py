import math

import pytest
import torch

from gan_core.training import losses

LOGITS_REAL = torch.tensor([2.0, -1.0, 0.5])
LOGITS_FAKE = torch.tensor([-3.0, 0.0, 1.0])


def naive_d(real, fake):
    return -(torch.sigmoid(real).log().mean() + (1 - torch.sigmoid(fake)).log().mean())


@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
def test_cross_entropy_d_loss_is_the_negated_value_function(name):
    d_loss = losses.get(name).d_loss
    torch.testing.assert_close(d_loss(LOGITS_REAL, LOGITS_FAKE), naive_d(LOGITS_REAL, LOGITS_FAKE))


def test_minimax_g_loss_is_the_value_function_term():
    g_loss = losses.get("minimax").g_loss
    expected = (1 - torch.sigmoid(LOGITS_FAKE)).log().mean()
    torch.testing.assert_close(g_loss(LOGITS_FAKE), expected)


def test_non_saturating_g_loss():
    g_loss = losses.get("non_saturating").g_loss
    torch.testing.assert_close(g_loss(LOGITS_FAKE), -torch.sigmoid(LOGITS_FAKE).log().mean())


def test_value_at_d_equal_half_is_log_four():
    d_loss = losses.get("minimax").d_loss
    zeros = torch.zeros(4)
    assert d_loss(zeros, zeros).item() == pytest.approx(math.log(4))


def test_cross_entropy_losses_stay_finite_for_extreme_logits():
    extreme = torch.tensor([-200.0, 200.0])
    for name in ("minimax", "non_saturating"):
        loss = losses.get(name)
        d_loss, g_loss = loss.d_loss, loss.g_loss
        assert torch.isfinite(d_loss(extreme, extreme)) and torch.isfinite(g_loss(extreme))
    # far past float32's sigmoid underflow the loss keeps growing linearly
    g_ns = losses.get("non_saturating").g_loss
    assert g_ns(torch.tensor([-200.0])).item() == pytest.approx(200.0)


def test_non_saturating_gradient_is_strong_where_minimax_saturates():
    fake = torch.tensor([-8.0], requires_grad=True)  # D(G(z)) = sigmoid(-8), about 3e-4
    grads = {}
    for name in ("minimax", "non_saturating"):
        g_loss = losses.get(name).g_loss
        grads[name] = torch.autograd.grad(g_loss(fake), fake)[0].item()
    assert grads["minimax"] == pytest.approx(-torch.sigmoid(torch.tensor(-8.0)).item(), rel=1e-5)
    assert grads["non_saturating"] == pytest.approx(-(1 - torch.sigmoid(torch.tensor(-8.0))).item(), rel=1e-5)


def test_least_squares_defaults_to_the_zero_one_one_coding():
    loss = losses.get("least_squares")
    d_loss, g_loss = loss.d_loss, loss.g_loss
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    assert d_loss(real, fake).item() == pytest.approx(0.5 * 0.5 + 0.5 * 2.0)
    assert g_loss(fake).item() == pytest.approx(0.5 * (1.0 + 1.0) / 2)


def test_least_squares_with_other_codes():
    loss = losses.get("least_squares", a=-1, b=1, c=0)
    d_loss, g_loss = loss.d_loss, loss.g_loss
    real, fake = torch.tensor([1.0]), torch.tensor([-1.0])
    assert d_loss(real, fake).item() == pytest.approx(0.0)
    assert g_loss(fake).item() == pytest.approx(0.5)


@pytest.mark.parametrize("call, message", [
    (lambda: losses.get("wasserstein"), r"unknown loss 'wasserstein'.*'minimax', 'non_saturating', 'least_squares'"),
    (lambda: losses.get("minimax", a=1), r"loss 'minimax' takes parameters \[\], got \['a'\]"),
    (lambda: losses.get("least_squares", d=2), r"takes parameters \['a', 'b', 'c'\]"),
    (lambda: losses.get("least_squares", a=1, b=1), "a != b"),
    (lambda: losses.get("least_squares", c=float("nan")), "code c must be a finite number"),
    (lambda: losses.get("least_squares", a="0"), "code a must be a finite number"),
])
def test_bad_names_and_parameters_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_non_saturating_gives_the_generator_more_gradient_early_in_training():
    from gan_core.data import mixtures
    from gan_core.models import mlp
    from gan_core.training import fit_discriminator

    torch.manual_seed(0)
    g = mlp.MLPGenerator(z_dim=1, out_dim=1, width=16, depth=2, prior="uniform")
    d = mlp.MLPDiscriminator(in_dim=1, width=16, depth=2)
    fit_discriminator(d, mixtures.gaussian_1d(3.0, 0.5), g, steps=100, batch_size=128, lr=3e-3)
    z = mlp.sample_latent(256, 1, "uniform", torch.Generator().manual_seed(1))
    assert torch.sigmoid(d(g(z))).mean().item() < 0.1  # D rejects the fakes: early training
    norms = {}
    for name in ("minimax", "non_saturating"):
        g.zero_grad()
        losses.get(name).g_loss(d(g(z))).backward()
        norms[name] = torch.cat([p.grad.flatten() for p in g.parameters()]).norm().item()
    assert norms["non_saturating"] > 5 * norms["minimax"]


@pytest.mark.parametrize("loss, params, level", [("minimax", None, 0.0), ("least_squares", None, 0.5),
                                                 ("least_squares", {"a": -1, "b": 1, "c": 0}, 0.0),
                                                 ("least_squares", {"b": 3}, 1.5)])
def test_undecided_level_is_the_middle_of_the_codes(loss, params, level):
    assert losses.resolve(loss, params).undecided == pytest.approx(level)
