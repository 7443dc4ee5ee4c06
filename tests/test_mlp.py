import pytest
import torch
from torch import nn

from gan_core.models import mlp


def test_generator_and_discriminator_shapes():
    g = mlp.MLPGenerator(z_dim=3, out_dim=2, width=16, depth=3)
    d = mlp.MLPDiscriminator(in_dim=2, width=16, depth=1)
    z = torch.randn(5, 3)
    assert g(z).shape == (5, 2)
    assert d(g(z)).shape == (5,)


def test_width_and_depth_set_the_layers():
    body = mlp.mlp(4, 1, width=32, depth=3, activation="tanh")
    linears = [m for m in body if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(4, 32), (32, 32), (32, 32), (32, 1)]
    assert sum(isinstance(m, nn.Tanh) for m in body) == 3


def test_depth_zero_is_a_linear_map():
    body = mlp.mlp(2, 1, width=8, depth=0, activation="relu")
    assert len(body) == 1 and isinstance(body[0], nn.Linear)


def test_leaky_relu_uses_the_dcgan_slope():
    body = mlp.mlp(2, 1, width=8, depth=1, activation="leaky_relu")
    assert body[1].negative_slope == pytest.approx(0.2)


def test_uniform_prior_stays_in_minus_one_one():
    z = mlp.sample_latent(10_000, 2, "uniform", torch.Generator().manual_seed(0))
    assert z.min() >= -1 and z.max() <= 1
    assert z.mean().item() == pytest.approx(0.0, abs=0.02)
    assert z.var().item() == pytest.approx(1 / 3, abs=0.02)


def test_generator_sample_repeats_with_a_seeded_generator():
    g = mlp.MLPGenerator(z_dim=2, out_dim=2, width=8, depth=1)
    a = g.sample(4, torch.Generator().manual_seed(3))
    b = g.sample(4, torch.Generator().manual_seed(3))
    torch.testing.assert_close(a, b)
    assert not a.requires_grad


@pytest.mark.parametrize("make, message", [
    (lambda: mlp.mlp(2, 1, 8, 1, "swish"), r"unknown activation 'swish'.*'relu'"),
    (lambda: mlp.MLPGenerator(prior="cauchy"), r"unknown latent prior 'cauchy'.*'normal', 'uniform'"),
    (lambda: mlp.sample_latent(2, 2, "gauss"), r"unknown latent prior"),
    (lambda: mlp.mlp(2, 1, 0, 1, "relu"), r"width must be an integer >= 1, got 0"),
])
def test_bad_choices_are_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_orthogonal_init_is_the_lsgan_codes_gain_and_zero_biases():
    torch.manual_seed(0)
    g = mlp.initialise(mlp.MLPGenerator(z_dim=256, out_dim=2, width=128, depth=2, activation="tanh"),
                        "orthogonal")
    for layer in [m for m in g.modules() if isinstance(m, torch.nn.Linear)]:
        w = layer.weight.detach().double()
        small = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        torch.testing.assert_close(small, 1.4 ** 2 * torch.eye(min(w.shape), dtype=torch.float64),
                                   atol=1e-5, rtol=0)
        assert torch.count_nonzero(layer.bias) == 0


def test_pytorch_init_leaves_the_net_alone_and_unknown_schemes_are_errors():
    torch.manual_seed(0)
    d = mlp.MLPDiscriminator()
    before = {k: v.clone() for k, v in d.state_dict().items()}
    mlp.initialise(d, "pytorch")
    assert all(torch.equal(before[k], v) for k, v in d.state_dict().items())
    with pytest.raises(ValueError, match=r"unknown init 'xavier'; choose one of: 'pytorch', 'orthogonal'"):
        mlp.initialise(d, "xavier")
