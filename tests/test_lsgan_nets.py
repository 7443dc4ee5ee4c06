"""The LSGAN paper's nets (gan_core.models.lsgan): the shapes, the layers of the
paper's figures and the authors' code, the initialisation, the label maps, and
training in the one loop, also on labelled batches."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_core import training
from gan_core.batches import Labelled, WithLabels
from gan_core.data.images import ImageDataset
from gan_core.models import dcgan, lsgan

SIZES = (28, 32, 64, 112)
CONVS = (nn.Conv2d, nn.ConvTranspose2d)
NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


def seed(n: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(n)


def convs(net: nn.Module) -> list[tuple[str, int, int, int]]:
    """(kind, kernel, stride, output channels) of every (transposed) convolution."""
    return [
        (type(m).__name__, m.kernel_size[0], m.stride[0], m.out_channels)
        for m in net.modules()
        if isinstance(m, CONVS)
    ]


def followed_by_norm(net: nn.Sequential) -> list[bool]:
    """For each weight layer of ``net``, whether batch norm comes right after it
    (reshapes aside)."""
    layers = [m for m in net if not isinstance(m, (nn.Unflatten, nn.Flatten))]
    return [
        isinstance(after, NORMS)
        for layer, after in zip(layers, layers[1:] + [None])
        if isinstance(layer, (nn.Linear, *CONVS))
    ]


def random_images(n_classes: int = 10, size: int = 28, channels: int = 1):
    pixels = torch.randint(
        0, 256, (32, channels, size, size), dtype=torch.uint8, generator=seed()
    )
    labels = torch.randint(0, n_classes, (32,), generator=seed(1))
    classes = tuple(str(c) for c in range(n_classes))
    return ImageDataset(pixels, labels, classes, "random pixels")


# ------------------------------------------------------------ scene model


@pytest.mark.parametrize("batch_norm", [True, False])
@pytest.mark.parametrize("size", SIZES)
def test_both_nets_work_at_every_size_with_and_without_batch_norm(size, batch_norm):
    torch.manual_seed(0)
    g = lsgan.LSGANGenerator(z_dim=8, size=size, width=4, batch_norm=batch_norm)
    d = lsgan.LSGANDiscriminator(size=size, width=4, batch_norm=batch_norm)
    x = g.sample(3, seed())
    assert x.shape == (3, 3, size, size)
    assert float(x.abs().max()) < 1.0  # Tanh
    assert d(x).shape == (3,)


def test_default_generator_is_figure_3_of_the_paper():
    g = lsgan.LSGANGenerator()
    assert (g.z_dim, g.prior, g.size, g.channels) == (1024, "uniform", 112, 3)
    dense = g.body[0]
    assert isinstance(dense, nn.Linear) and dense.out_features == 7 * 7 * 256
    figure = [(3, 2, 256), (3, 1, 256), (3, 2, 256), (3, 1, 256)]
    figure += [(3, 2, 128), (3, 2, 64), (3, 1, 3)]
    assert convs(g) == [("ConvTranspose2d", *layer) for layer in figure]
    # "BN" on every layer of the figure but the last
    assert followed_by_norm(g.body) == [True] * 7 + [False]
    shapes = dcgan.layer_shapes(g, torch.zeros(2, 1024))
    sides = [s[-1] for name, s in shapes if "ConvTranspose2d" in name]
    assert sides == [14, 14, 28, 28, 56, 112, 112]
    assert shapes[-1] == ("body.23 Tanh", (2, 3, 112, 112))
    activations = {type(m) for m in g.modules() if isinstance(m, (nn.ReLU, nn.Tanh))}
    assert activations == {nn.ReLU, nn.Tanh}


def test_default_discriminator_is_figure_3_of_the_paper():
    d = lsgan.LSGANDiscriminator()
    figure = [(5, 2, 64), (5, 2, 128), (5, 2, 256), (5, 2, 512)]
    assert convs(d) == [("Conv2d", *layer) for layer in figure]
    assert followed_by_norm(d.body) == [False, True, True, True]
    assert (d.head.in_features, d.head.out_features) == (512 * 7 * 7, 1)
    slopes = {m.negative_slope for m in d.modules() if isinstance(m, nn.LeakyReLU)}
    assert slopes == {0.2}
    # no squashing after fc 1: the least-squares loss reads the raw score
    assert not any(isinstance(m, (nn.Sigmoid, nn.Tanh)) for m in d.modules())


@pytest.mark.parametrize(
    "size, sides", [(112, [56, 28, 14, 7]), (64, [32, 16, 8, 4]), (28, [14, 7, 4, 2])]
)
def test_discriminator_sides_are_tensorflows_same_sides(size, sides):
    d = lsgan.LSGANDiscriminator(size=size, width=2)
    shapes = dcgan.layer_shapes(d, torch.zeros(2, 3, size, size))
    assert [s[-1] for name, s in shapes if "Conv2d" in name] == sides  # ceil(side/2)


@pytest.mark.parametrize(
    "size, plan",
    [
        (28, [(128, 2), (128, 1), (64, 2), (64, 1)]),
        (32, [(256, 2), (256, 1), (128, 2), (128, 1), (64, 2)]),
        (64, [(256, 2), (256, 1), (256, 2), (256, 1), (128, 2), (64, 2)]),
    ],
)
def test_smaller_generators_keep_the_codes_channels_by_distance_from_the_output(
    size, plan
):
    assert lsgan.generator_plan(size) == plan
    assert lsgan.generator_plan(size, width=16) == [(c // 4, s) for c, s in plan]


@pytest.mark.parametrize("size", SIZES)
def test_the_batch_norm_switch_removes_every_batch_norm(size):
    for batch_norm in (True, False):
        g = lsgan.LSGANGenerator(z_dim=8, size=size, width=2, batch_norm=batch_norm)
        d = lsgan.LSGANDiscriminator(size=size, width=2, batch_norm=batch_norm)
        g_norms = [m for m in g.modules() if isinstance(m, NORMS)]
        d_norms = [m for m in d.modules() if isinstance(m, NORMS)]
        hidden = len(lsgan.generator_plan(size, 2)) + 1  # the dense layer too
        assert len(g_norms) == (hidden if batch_norm else 0)
        assert len(d_norms) == (3 if batch_norm else 0)
        # a bias exactly where no batch norm follows, and always on G's dense
        # layer (per unit, before a batch norm per channel: not cancelled) and
        # D's first layer (never normalised)
        for layers in (g.body, d.body):
            weighted = [m for m in layers if isinstance(m, (nn.Linear, *CONVS))]
            biased = [m.bias is not None for m in weighted]
            unnormed = [not f for f in followed_by_norm(layers)]
            assert biased == [True] + unnormed[1:]


def test_the_biases_dropped_before_batch_norm_are_those_it_cancels():
    torch.manual_seed(0)
    g = lsgan.LSGANGenerator(z_dim=8, size=28, width=2)
    z = g.noise(16, seed())
    dense_then_norm = g.body[:3]  # dense, reshape, batch norm per channel
    before = dense_then_norm(z)
    with torch.no_grad():
        g.body[0].bias.normal_()  # an offset per position of each map: BN keeps it
    assert (dense_then_norm(z) - before).abs().max() > 0.1
    norm, x = nn.BatchNorm2d(4), torch.randn(8, 4, 5, 5)
    per_channel = torch.randn(4)[:, None, None]  # what a dropped conv bias adds
    torch.testing.assert_close(norm(x + per_channel), norm(x), atol=1e-5, rtol=0)


def test_initialisation_follows_the_authors_ops_py():
    torch.manual_seed(0)
    g, d = lsgan.LSGANGenerator(size=64), lsgan.LSGANDiscriminator(size=64)

    def weights(net, kind):
        return torch.cat([m.weight.flatten() for m in net.modules() if type(m) is kind])

    normal = torch.cat([weights(g, nn.ConvTranspose2d), weights(g, nn.Linear)])
    assert normal.mean().item() == pytest.approx(0.0, abs=1e-4)
    assert normal.std().item() == pytest.approx(0.02, rel=0.01)
    assert normal.abs().max().item() > 0.08  # plain normal: 4 std and beyond occur
    truncated = weights(d, nn.Conv2d)  # TF's truncated normal: redrawn beyond 2 std
    assert truncated.std().item() == pytest.approx(0.02 * 0.87962, rel=0.01)
    assert truncated.abs().max().item() <= 0.04
    for net in (g, d):
        for m in net.modules():
            if getattr(m, "bias", None) is not None:
                assert torch.count_nonzero(m.bias) == 0
            if isinstance(m, NORMS):
                assert torch.equal(m.weight, torch.ones_like(m.weight))


# ------------------------------------------------------------ label maps


def test_label_map_is_a_linear_layer_on_the_one_hot_label():
    torch.manual_seed(0)
    label_map = lsgan.LabelMap(10, dim=6)
    with torch.no_grad():
        label_map.bias.normal_()
    linear = nn.Linear(10, 6)
    with torch.no_grad():
        linear.weight.copy_(label_map.weight.T)
        linear.bias.copy_(label_map.bias)
    labels = torch.tensor([3, 0, 9, 3])
    expected = linear(F.one_hot(labels, 10).float())
    torch.testing.assert_close(label_map(labels), expected)
    assert label_map.weight.std().item() == pytest.approx(0.02, rel=0.5)
    big = lsgan.LabelMap(3740)  # ops.linear's N(0, 0.02), bias 0
    assert big.weight.std().item() == pytest.approx(0.02, rel=0.01)
    assert torch.count_nonzero(big.bias) == 0


def test_the_label_maps_initial_scale_can_be_chosen_for_both_nets():
    torch.manual_seed(0)
    assert lsgan.LabelMap(3740, init_std=1.0).weight.std().item() == pytest.approx(1.0, rel=0.01)
    g = lsgan.ConditionalGenerator(n_classes=50, width=4, z_dim=8, label_std=0.5)
    d = lsgan.ConditionalDiscriminator(n_classes=50, width=4, label_std=0.5)
    for net in (g, d):
        assert net.label_map.weight.std().item() == pytest.approx(0.5, rel=0.1)
    default = lsgan.ConditionalGenerator(n_classes=50, width=4, z_dim=8)
    assert default.label_map.weight.std().item() == pytest.approx(0.02, rel=0.1)
    with pytest.raises(ValueError, match="init_std must be"):
        lsgan.LabelMap(10, init_std=0.0)


@pytest.mark.parametrize("labels", [torch.tensor([0, 10]), torch.tensor([-1, 2])])
def test_labels_out_of_range_are_an_error_naming_the_range(labels):
    with pytest.raises(ValueError, match=r"labels must have values in \[0, 9\]"):
        lsgan.LabelMap(10)(labels)


# ------------------------------------------------------------ conditional model


def test_default_conditional_nets_are_the_authors_mcgan_py():
    g, d = lsgan.ConditionalGenerator(), lsgan.ConditionalDiscriminator()
    for net in (g, d):
        assert (net.label_map.n_classes, net.label_map.dim) == (3740, 256)
        assert (net.size, net.channels) == (28, 1)
    assert (g.z_dim, g.prior) == (1024, "uniform")
    dense, norm = g.body[0], g.body[1]
    assert (dense.in_features, dense.out_features) == (1024 + 256, 128 * 7 * 7)
    assert isinstance(norm, nn.BatchNorm1d)  # before the reshape: one per unit
    assert convs(g) == [("ConvTranspose2d", 5, 2, 128), ("ConvTranspose2d", 5, 2, 1)]
    assert isinstance(g.body[-1], nn.Tanh)
    assert convs(d) == [("Conv2d", 5, 2, 257), ("Conv2d", 5, 2, 320)]
    assert d.second[0].in_channels == 257 + 256  # y tiled onto the first maps
    assert [type(m) for m in d.first] == [nn.Conv2d, nn.LeakyReLU]  # no BN
    assert isinstance(d.second[1], nn.BatchNorm2d)
    hidden = d.hidden[0]
    assert (hidden.in_features, hidden.out_features) == (320 * 7 * 7 + 256, 1024)
    assert isinstance(d.hidden[1], nn.BatchNorm1d)
    assert (d.head.in_features, d.head.out_features) == (1024 + 256, 1)


@pytest.mark.parametrize("size", [28, 32, 64])
def test_conditional_nets_read_and_write_labelled_batches(size):
    torch.manual_seed(0)
    g = lsgan.ConditionalGenerator(7, z_dim=8, size=size, width=4)
    d = lsgan.ConditionalDiscriminator(7, size=size, width=4)
    noise = g.noise(5, seed())
    assert isinstance(noise, Labelled) and noise.values.shape == (5, 8)
    assert noise.labels.dtype == torch.int64 and 0 <= noise.labels.min()
    assert noise.labels.max() < 7
    fake = g(noise)
    assert isinstance(fake, Labelled) and fake.labels is noise.labels
    assert fake.values.shape == (5, 1, size, size)
    assert d(fake).shape == (5,)
    images = g.sample(4, seed())
    assert isinstance(images, torch.Tensor) and images.shape == (4, 1, size, size)
    assert not images.requires_grad
    chosen = g.sample_classes(torch.tensor([6, 0, 6]), seed())
    assert chosen.shape == (3, 1, size, size) and not chosen.requires_grad


def test_changing_only_the_labels_changes_both_nets_outputs():
    torch.manual_seed(0)
    g = lsgan.ConditionalGenerator(10, z_dim=8, width=4).eval()
    d = lsgan.ConditionalDiscriminator(10, width=4).eval()
    z = g.noise(4, seed()).values
    some, others = torch.tensor([0, 1, 2, 3]), torch.tensor([4, 5, 6, 7])
    with torch.no_grad():
        x = g(Labelled(z, some)).values
        assert (x - g(Labelled(z, others)).values).abs().min() > 0
        assert (d(Labelled(x, some)) - d(Labelled(x, others))).abs().min() > 0
    z_again = g.noise(4, seed()).values
    torch.testing.assert_close(z_again, z)  # same seed, same z: only labels differ


def test_plain_tensors_where_a_labelled_batch_is_needed_say_what_to_pass():
    g = lsgan.ConditionalGenerator(10, z_dim=8, width=4)
    d = lsgan.ConditionalDiscriminator(10, width=4)
    with pytest.raises(TypeError, match=r"Labelled.*G\.noise\(n\)"):
        g(torch.zeros(2, 8))
    with pytest.raises(TypeError, match=r"Labelled\(images, labels\)"):
        d(torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="Labelled"):  # also a ValueError
        d(torch.zeros(2, 1, 28, 28))


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: lsgan.LSGANGenerator(size=48), "28, 32, 64, 112"),
        (lambda: lsgan.LSGANDiscriminator(size=28.0), "size must be an integer"),
        (lambda: lsgan.LSGANGenerator(width=0), "width must be an integer >= 1"),
        (lambda: lsgan.LSGANDiscriminator(width=2.5), "width must be an integer"),
        (lambda: lsgan.LSGANGenerator(batch_norm=1), "batch_norm must be of type bool"),
        (lambda: lsgan.LSGANGenerator(prior="cauchy"), "'normal', 'uniform'"),
        (lambda: lsgan.ConditionalGenerator(size=112), "28, 32, 64"),
        (lambda: lsgan.ConditionalDiscriminator(n_classes=0), "n_classes must be"),
        (lambda: lsgan.ConditionalGenerator(width=0), "width must be an integer"),
        (lambda: lsgan.ConditionalDiscriminator(label_dim=0), "label_dim must be"),
        (lambda: lsgan.LabelMap(10, dim=0), "dim must be an integer >= 1"),
    ],
)
def test_bad_settings_are_errors_naming_the_valid_choices(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_bad_labels_and_values_are_errors():
    g = lsgan.ConditionalGenerator(10, z_dim=8, width=4)
    d = lsgan.ConditionalDiscriminator(10, width=4)
    with pytest.raises(ValueError, match=r"labels must have values in \[0, 9\]"):
        g(Labelled(torch.zeros(2, 8), torch.tensor([0, 10])))
    with pytest.raises(ValueError, match=r"labels must have values in \[0, 9\]"):
        g.sample_classes(torch.tensor([12]))
    with pytest.raises(ValueError, match="labels must be an integer tensor"):
        g.sample_classes(torch.tensor([1.0]))
    with pytest.raises(ValueError, match=r"batch.values must have shape \(B, 8\)"):
        g(Labelled(torch.zeros(2, 9), torch.tensor([0, 1])))
    with pytest.raises(ValueError, match=r"batch.values must have shape"):
        d(Labelled(torch.zeros(2, 1, 32, 32), torch.tensor([0, 1])))


# ------------------------------------------------------------ the one loop


def _trained(g, d, data, **settings):
    before = [{k: v.clone() for k, v in net.state_dict().items()} for net in (g, d)]
    config = training.TrainConfig(
        steps=3, batch_size=8, loss="least_squares", progress=False, **settings
    )
    history = training.train(g, d, data, config)
    assert len(history) == 3
    assert all(torch.isfinite(torch.tensor(history.d_loss + history.g_loss)))
    for net, old in zip((g, d), before):
        new = net.state_dict()
        changed = [k for k in old if not torch.equal(old[k], new[k])]
        weights = [k for k, _ in net.named_parameters()]
        assert set(weights) <= set(changed)  # every weight moved
    return history


@pytest.mark.parametrize("channels_last", [False, True])
def test_the_one_loop_trains_the_scene_nets(channels_last):
    torch.manual_seed(0)
    g = lsgan.LSGANGenerator(z_dim=16, size=28, channels=1, width=4)
    d = lsgan.LSGANDiscriminator(size=28, channels=1, width=4)
    _trained(g, d, random_images(), channels_last=channels_last)


@pytest.mark.parametrize(
    "settings",
    [{}, {"channels_last": True}, {"updates": "simultaneous"}],
)
def test_the_one_loop_trains_the_conditional_nets_on_labelled_batches(settings):
    torch.manual_seed(0)
    g = lsgan.ConditionalGenerator(10, z_dim=16, width=4)
    d = lsgan.ConditionalDiscriminator(10, width=4)
    data = WithLabels(random_images(n_classes=10))
    _trained(g, d, data, **settings)  # the label maps too: rows of drawn classes
    assert g.sample(4, seed()).shape == (4, 1, 28, 28)
