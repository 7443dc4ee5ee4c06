"""The defaults the chapters rely on, pinned to the values the papers give.

Each expected value is typed from the paper or its official code (named in the test), not
read from the library: changing a default the book teaches fails here.
"""

import pytest
import torch

from gan_core import experiments, training
from gan_core.data import mixtures
from gan_core.models import dcgan, mlp
from gan_core.training import losses


def test_train_config_follows_dcgan_and_algorithm_1():
    config = training.TrainConfig()
    assert config.betas == (0.5, 0.999)  # DCGAN: beta1 = 0.5 (0.9 oscillated)
    assert config.lr_d == config.lr_g == 2e-4  # DCGAN's learning rate
    assert config.batch_size == 128  # DCGAN's mini-batch size
    assert config.d_steps == 1  # GAN paper: k = 1 in Algorithm 1
    assert config.loss == "non_saturating"  # GAN paper: G maximises log D(G(z)) in practice
    assert config.optimizer == "adam"


def test_the_optimiser_is_built_with_the_configured_betas_and_rates():
    g = mlp.MLPGenerator(z_dim=2, width=4, depth=1)
    opt = training.make_optimizer(g.parameters(), "adam", 2e-4, training.TrainConfig())
    assert opt.param_groups[0]["betas"] == (0.5, 0.999) and opt.param_groups[0]["lr"] == 2e-4
    sgd = training.make_optimizer(g.parameters(), "sgd", 0.1, training.TrainConfig())
    assert sgd.param_groups[0]["momentum"] == 0.5


def test_toy_settings_are_the_lsgan_mixture_code():
    # xudonmao/LSGAN stability_comparison/mixture_gaussian: 256-d noise, 2 x 128 tanh layers,
    # batch 512, Adam(beta1 = 0.5), D at 1e-4 and G at 1e-3
    s = experiments.ToySettings()
    assert (s.z_dim, s.width, s.depth, s.activation) == (256, 128, 2, "tanh")
    assert s.batch_size == 512 and (s.lr_d, s.lr_g) == (1e-4, 1e-3) and s.betas == (0.5, 0.999)


def test_least_squares_defaults_to_the_0_1_1_coding():
    loss = losses.least_squares()
    d_loss, g_loss = loss.d_loss, loss.g_loss
    fake_at_a, real_at_b = torch.zeros(4), torch.ones(4)
    assert d_loss(real_at_b, fake_at_a).item() == 0.0  # a = 0 for fakes, b = 1 for reals
    assert g_loss(torch.ones(4)).item() == 0.0  # c = 1: G wants D to say "real"
    assert g_loss(torch.zeros(4)).item() == pytest.approx(0.5)


def test_dcgan_defaults_are_the_papers():
    g = dcgan.DCGANGenerator()
    assert (g.z_dim, g.prior, g.size) == (100, "uniform", 64)  # 100-d uniform noise, 64 x 64 images
    conv = next(m for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d))
    assert conv.weight.std().item() == pytest.approx(0.02, rel=0.05)  # N(0, 0.02) initialisation


def test_toy_data_defaults_are_the_lsgan_ring():
    ring = mixtures.ring_of_gaussians()
    assert len(ring.centres) == 8
    torch.testing.assert_close(ring.centres.norm(dim=1), torch.full((8,), 2.0))
    torch.testing.assert_close(ring.stds, torch.full((8,), 0.02))


def test_a_mixture_sampler_draws_every_mode():
    ring = mixtures.ring_of_gaussians(n_modes=5, std=0.01)
    x = ring.sample(500, torch.Generator().manual_seed(0))
    nearest = torch.cdist(x, ring.centres).argmin(1)
    assert set(nearest.tolist()) == set(range(5))
