import pytest
import torch
from torch import nn

from gan_core import training
from gan_core.models import dcgan
from gan_core.training import TrainConfig, losses


@pytest.mark.parametrize("size, n_up", [(28, 3), (32, 4), (64, 5)])
def test_generator_makes_images_of_the_requested_size_in_tanh_range(size, n_up):
    torch.manual_seed(0)
    g = dcgan.DCGANGenerator(z_dim=8, size=size, channels=3, width=4)
    x = g.sample(5, torch.Generator().manual_seed(0))
    assert x.shape == (5, 3, size, size)
    assert float(x.abs().max()) < 1.0
    convs = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(convs) == n_up  # the projection of z, then one transposed conv per doubling


@pytest.mark.parametrize("size", [28, 32, 64])
def test_discriminator_returns_one_logit_per_image(size):
    d = dcgan.DCGANDiscriminator(size=size, channels=1, width=4)
    assert d(torch.randn(6, 1, size, size)).shape == (6,)


def test_unknown_size_is_an_error_listing_the_sizes():
    with pytest.raises(ValueError, match="28, 32, 64"):
        dcgan.DCGANGenerator(size=48)


def test_the_papers_guidelines_hold_layer_by_layer():
    g = dcgan.DCGANGenerator(z_dim=8, size=64, channels=3, width=4)
    d = dcgan.DCGANDiscriminator(size=64, channels=3, width=4)
    for net in (g, d):  # no pooling, no fully connected layers
        assert not any(isinstance(m, (nn.Linear, nn.MaxPool2d, nn.AvgPool2d)) for m in net.modules())
    g_layers = list(g.body)
    assert isinstance(g_layers[-1], nn.Tanh) and isinstance(g_layers[-2], nn.ConvTranspose2d)  # no BN at G's output
    acts = [type(m) for m in g_layers if isinstance(m, (nn.ReLU, nn.Tanh, nn.LeakyReLU))]
    assert acts == [nn.ReLU] * 4 + [nn.Tanh]  # ReLU inside, Tanh at the output
    first = list(d.blocks[0])
    assert [type(m) for m in first] == [nn.Conv2d, nn.LeakyReLU]  # no BN at D's input
    slopes = {m.negative_slope for m in d.modules() if isinstance(m, nn.LeakyReLU)}
    assert slopes == {0.2}
    assert all(c.stride == (2, 2) for c in d.modules() if isinstance(c, nn.Conv2d) and c is not d.head)


def test_initialisation_follows_the_paper():
    torch.manual_seed(0)
    g = dcgan.DCGANGenerator(z_dim=100, size=64, channels=3, width=64)
    weights = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, nn.ConvTranspose2d)])
    scales = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, nn.BatchNorm2d)])
    assert weights.mean().item() == pytest.approx(0.0, abs=1e-3)
    assert weights.std().item() == pytest.approx(0.02, rel=0.02)
    assert scales.mean().item() == pytest.approx(1.0, abs=0.01)
    assert scales.std().item() == pytest.approx(0.02, rel=0.2)
    assert all(float(m.bias.detach().abs().max()) == 0 for m in g.modules() if isinstance(m, nn.BatchNorm2d))


def test_layer_shapes_walks_every_leaf_layer():
    g = dcgan.DCGANGenerator(z_dim=10, size=28, channels=1, width=8)
    shapes = dcgan.layer_shapes(g, torch.zeros(2, 10))
    assert shapes[0] == ("body.0 ConvTranspose2d", (2, 16, 7, 7))  # width 8 doubled once
    assert shapes[-1] == ("body.7 Tanh", (2, 1, 28, 28))
    assert len(shapes) == 8


def test_features_pool_every_block_to_a_small_grid():
    d = dcgan.DCGANDiscriminator(size=28, channels=1, width=4)
    feats = d.features(torch.randn(3, 1, 28, 28))
    assert feats.shape == (3, 4 * 16 + 8 * 16)  # 14x14 and 7x7 maps, each pooled to 4 x 4


class Images:
    def sample(self, n, generator=None):
        return torch.rand(n, 1, 28, 28, generator=generator) * 2 - 1


def test_the_one_training_loop_trains_dcgan():
    torch.manual_seed(0)
    g = dcgan.DCGANGenerator(z_dim=8, size=28, channels=1, width=4)
    d = dcgan.DCGANDiscriminator(size=28, channels=1, width=4)
    before = [p.clone() for p in g.parameters()]
    history = training.train(g, d, Images(), TrainConfig(steps=3, batch_size=8))
    assert len(history) == 3
    assert all(not torch.equal(a, b) for a, b in zip(before, g.parameters()))


def test_gpu_flags_run_on_cpu_and_stay_close_to_float32():
    """bf16 autocast and channels_last, checked on CPU at a tiny size (they are for CUDA)."""
    def run(**flags):
        torch.manual_seed(0)
        g = dcgan.DCGANGenerator(z_dim=8, size=32, channels=1, width=4)
        d = dcgan.DCGANDiscriminator(size=32, channels=1, width=4)
        class Real:
            def sample(self, n, generator=None):
                return torch.rand(n, 1, 32, 32, generator=generator) * 2 - 1
        return training.train(g, d, Real(), TrainConfig(steps=2, batch_size=4, **flags)), g
    plain, _ = run()
    fast, g = run(bf16=True, channels_last=True)
    assert g.body[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert fast.d_loss[0] == pytest.approx(plain.d_loss[0], rel=0.05)
    assert fast.g_loss[0] == pytest.approx(plain.g_loss[0], rel=0.05)


def test_fast_settings_use_bf16_only_on_cuda_and_channels_last_everywhere():
    assert dcgan.fast_settings(torch.device("cpu")) == {"bf16": False, "channels_last": True}
    assert dcgan.fast_settings(torch.device("cuda")) == {"bf16": True, "channels_last": True}


def test_reference_generator_has_the_papers_shapes_and_parameter_count():
    g = dcgan.reference_generator()
    assert g(torch.zeros(2, 100)).shape == (2, 3, 64, 64)
    convs = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [m.out_channels for m in convs] == [512, 256, 128, 3] and convs[0].in_channels == 1024
    assert all(m.kernel_size == (5, 5) for m in convs)
    # by hand: dense 100 x 16,384 with BN per unit, 5x5 deconvs, BN gain and shift per channel
    weights = 100 * 16_384 + 25 * (1024 * 512 + 512 * 256 + 256 * 128 + 128 * 3)
    assert dcgan.parameter_count(g) == weights + 2 * (16_384 + 512 + 256 + 128) == 18_885_760


def test_parameter_count_of_the_books_generator_at_the_papers_widths():
    g = dcgan.DCGANGenerator(z_dim=100, size=64, channels=3, width=128)
    widths = 16 * (100 * 1024 + 1024 * 512 + 512 * 256 + 256 * 128 + 128 * 3)  # 4x4 kernels
    assert dcgan.parameter_count(g) == widths + 3 + 2 * (1024 + 512 + 256 + 128) == 12_658_435
    with pytest.raises(ValueError, match="net"):
        dcgan.parameter_count("G")


def _fake_state(step, real_logits, fake_logits, loss="non_saturating"):
    return training.TrainState(step, None, None, training.History(), None, real_logits, fake_logits,
                               loss=losses.get(loss))


def test_discriminator_probabilities_average_the_sigmoid_not_the_logit():
    probs = dcgan.DiscriminatorProbabilities()
    real, fake = torch.tensor([0.0, 4.0]), torch.tensor([-6.0, 2.0])
    probs(_fake_state(1, real, fake))
    assert probs.step == [1]
    assert probs.real[0] == pytest.approx((0.5 + 0.98201379) / 2, rel=1e-6)  # not sigmoid(2) = 0.881
    assert probs.fake[0] == pytest.approx((0.00247262 + 0.88079708) / 2, rel=1e-6)  # not sigmoid(-2)


def test_discriminator_probabilities_refuse_outputs_that_are_not_logits():
    probs = dcgan.DiscriminatorProbabilities()
    with pytest.raises(ValueError, match=r"loss 'least_squares' are a least-squares score, not a logit"):
        probs(_fake_state(1, torch.zeros(2), torch.zeros(2), loss="least_squares"))
    assert probs.step == []


def test_discriminator_probabilities_follow_training_without_changing_it():
    def run(with_probs):
        torch.manual_seed(0)
        g = dcgan.DCGANGenerator(z_dim=8, size=28, channels=1, width=4)
        d = dcgan.DCGANDiscriminator(size=28, channels=1, width=4)
        probs = dcgan.DiscriminatorProbabilities() if with_probs else None
        config = TrainConfig(steps=3, batch_size=8, d_steps=2)
        history = training.train(g, d, Images(), config, callbacks=(probs,) if probs else ())
        return history, probs
    plain, _ = run(False)
    history, probs = run(True)
    assert history == plain
    assert probs.step == [1, 2, 3] and len(probs.real) == len(probs.fake) == 3
    assert all(0 < p < 1 for p in probs.real + probs.fake)
    # a mean of sigmoids differs from the sigmoid of the mean logit the history keeps
    assert probs.real != [float(torch.sigmoid(torch.tensor(v))) for v in history.d_real]


def test_latent_class_means_average_each_class_and_mark_missing_ones():
    z = torch.tensor([[0.0, 2.0], [2.0, 4.0], [10.0, 10.0], [4.0, 0.0]])
    labels = torch.tensor([0, 0, 2, 0])
    means = dcgan.latent_class_means(z, labels, n_classes=3)
    assert means[0].tolist() == [2.0, 2.0] and means[2].tolist() == [10.0, 10.0]
    assert bool(means[1].isnan().all())  # no sample of class 1
    three = dcgan.latent_class_means(z, labels, n_classes=3, per_class=2)
    assert three[0].tolist() == [1.0, 3.0]  # the first two of class 0 only
    assert bool(three[2].isnan().all())  # class 2 has one sample, fewer than 2
    with pytest.raises(ValueError, match="labels"):
        dcgan.latent_class_means(z, labels[:3], n_classes=3)


def test_latent_arithmetic_swaps_the_class_mean():
    means = torch.tensor([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    starts = torch.tensor([[1.5, 0.5], [0.0, 3.0]])
    moved = dcgan.latent_arithmetic(starts, torch.tensor([0, 1]), means)
    assert moved.shape == (2, 3, 2)
    assert torch.equal(moved[0, 0], starts[0]) and torch.equal(moved[1, 1], starts[1])  # b = a: no move
    assert moved[0, 1].tolist() == [0.5, 1.5]  # z - mean_0 + mean_1
    assert moved[1, 2].tolist() == [5.0, 7.0]  # z - mean_1 + mean_2
    with pytest.raises(ValueError, match="start_classes"):
        dcgan.latent_arithmetic(starts, torch.tensor([0, 3]), means)


@pytest.mark.parametrize("size", [28, 32, 64])
def test_batch_norm_can_be_left_out_of_either_net(size):
    z = torch.rand(3, 100) * 2 - 1
    for batch_norm in (True, False):
        G = dcgan.DCGANGenerator(size=size, channels=1, width=8, batch_norm=batch_norm)
        D = dcgan.DCGANDiscriminator(size=size, channels=1, width=8, batch_norm=batch_norm)
        assert D(G(z)).shape == (3,)
        for net in (G, D):
            norms = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
            convs = [m for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
            assert bool(norms) == batch_norm
            # a conv feeding a batch norm has no bias of its own; without one, every conv does
            assert sum(c.bias is None for c in convs) == len(norms)


def test_batch_norm_must_be_a_bool():
    with pytest.raises(ValueError, match="batch_norm must be of type bool"):
        dcgan.DCGANGenerator(batch_norm="no")
