"""The LSGAN paper's networks (chapter "LSGAN on images"): the scene model of its
Figure 3 and the conditional model it trains on 3,740 Chinese characters.

Every choice follows the authors' TensorFlow code (github.com/xudonmao/LSGAN):
``vgg.py`` (the scene nets, trained by ``train_lsun.py``), ``mcgan.py`` (the
conditional nets, trained by ``train_chn.py``), ``ops.py`` (the layers and their
initialisation) and ``stability_comparison/`` (the batch-norm experiments).

Scene model (``LSGANGenerator``, ``LSGANDiscriminator``). G maps z (1,024 numbers
from U(-1, 1), the code's ``np.random.uniform(-1, 1)``) by a dense layer to a small
feature map, then 3x3 transposed convolutions double the side (stride 2); the first
two doublings are each followed by a stride-1 one, as in Figure 3; a last stride-1
layer makes the image, squashed by Tanh. D is four 5x5 stride-2 convolutions (64,
128, 256, 512 channels) with LeakyReLU 0.2 and batch norm except on the first, then
one dense unit: a raw score, read by the least-squares loss as it is (the book's
non-saturating loss reads it as a logit). ReLU in G, Tanh at its output and the
LeakyReLU slope are the code's (the figure shows no activations).

Image sides (``size``) 112 (the paper's), 64, 32 and 28. Rule: the code's first map
is size/16 on a side and G doubles it four times; 112 and 64 keep that rule (7 and
4); 32 and 28 start from 4 and 7 (DCGAN's starts) and double three and two times.
The channels of G's layers are set by their distance from the output, as in the
code: ``width`` at full size, 2 ``width`` at half size, 4 ``width`` below that and
in the dense layer's map; the stride-1 companions follow the first two doublings.
So 64 px is the code at ``output_size=64``; 32 and 28 px have fewer doublings, with
the code's channels near the output and a stride-1 layer after each of their first
two doublings. D is the same four layers at every size; its last map has side
ceil(size / 16). ``width`` (the code's 64) scales every channel count of both nets.

Conditional model (``ConditionalGenerator``, ``ConditionalDiscriminator``, 28 x 28
gray images). Each net maps the one-hot label by its own linear layer, without
activation, to 256 numbers (:class:`LabelMap`) and concatenates them: to z in G; in
D to the first convolution's maps (tiled over the image), to the flattened second
convolution and to the 1,024-unit dense layer. G: [z, y] -> dense 128 x 7 x 7 + BN
+ ReLU -> 5x5 deconv 128, stride 2, + BN + ReLU -> 5x5 deconv 1, stride 2. D: 5x5
conv 257, stride 2, + LReLU -> 5x5 conv 320, stride 2, + BN + LReLU -> dense 1,024
+ BN + LReLU -> dense 1. ``width`` scales 128, 1,024 (as 2 and 16 ``width``), the
64 of D's 64 + 256 channels and the label size (4 ``width``, unless ``label_dim``
is given). These nets read and write :class:`gan_core.batches.Labelled` batches, so
the one training loop trains them unchanged.

Initialisation (``ops.py``): convolution weights from a normal with std 0.02
truncated at two std (TF's ``truncated_normal_initializer``, so their std is
0.0176); transposed convolution and dense weights (the label maps too) from N(0,
0.02); biases 0; batch norm scale 1 and offset 0 (``tf.contrib.layers.batch_norm``,
decay 0.9 and epsilon 1e-5: PyTorch's momentum 0.1 and eps 1e-5).

Where the paper, the code and this module differ:

* conditional D's first convolution: 256 channels in the paper's figure, c_dim +
  256 = 257 in ``mcgan.py``; here the code's ``channels + label_dim``;
* conditional G's output: ``mcgan.py`` ends with a sigmoid on images in [0, 1]
  (``icdar.py`` divides by 255); here Tanh on the book's images in [-1, 1]. The same
  map up to scaling: tanh(a) = 2 sigmoid(2a) - 1, so one net is the other with the
  last layer's weights doubled and the image rescaled by x -> 2x - 1, which D's
  first layer absorbs;
* batch norm's scale starts at 1 in the code's current ``ops.py``; the first commit
  (March 2017) and every ``stability_comparison/*/ops.py`` draw it from N(1, 0.02).
  That older batch norm also takes one mean and variance over the whole of a dense
  layer's output (``tf.nn.moments`` over axes [0, 1]); the current one, followed
  here (``BatchNorm1d``), normalises each unit. ``vgg.py`` reshapes its dense output
  to maps before the batch norm (one statistic per channel, ``BatchNorm2d``),
  ``mcgan.py`` after it (one per unit);
* biases: the code gives every layer one, also where batch norm follows; a bias
  per channel before a batch norm per channel (or per unit before one per unit)
  is cancelled exactly, so such layers have none here (as in ``dcgan.py``) and the
  nets have fewer parameters than the TF graphs by the number of those channels.
  ``vgg.py``'s dense layer keeps its bias: one per unit, followed by a batch norm
  per channel, it is a learned offset per position that the batch norm keeps;
* padding: TF's 'SAME' pads one more pixel at the bottom and right where the
  padding is odd, PyTorch pads both sides alike: the same sizes (``padding=2`` for
  the 5x5 convolutions, ``padding=k // 2, output_padding=1`` for the stride-2
  transposed ones), but where TF pads unevenly (a stride-2 layer reading an even
  side, every stride-2 transposed layer) the map is shifted by one pixel against
  TF's;
* layout: TF reshapes a dense output to (side, side, C), PyTorch to (C, side, side):
  a fixed reordering of i.i.d. initialised units, the same nets;
* ``batch_norm=False``: the stability code (``BN_G_*``, ``BN_GD_*``) does not use
  Figure 3's G but ``dcgan64.py``'s (dense 4 x 4 x 512, four 5x5 stride-2 deconvs
  256-128-64-3, no batch norm) at 64 px; its D is the D here. The switch removes
  batch norm from Figure 3's G instead (and from D, for "no BN in G or D");
* the code samples images with batch norm's running averages (``train=False``);
  ``sample`` here uses the net's current mode (call ``.eval()`` to match).
"""

import torch
import torch.nn.functional as F
from torch import nn

from gan_core.batches import Labelled, check_labelled, random_labels
from gan_core.checks import (
    check_instance,
    check_int,
    check_positive,
    check_tensor,
    check_values,
)
from gan_core.models.dcgan import checked_layout
from gan_core.models.mlp import Generator
from gan_core.registry import lookup

Z_DIM = 1024  # train_lsun.py, train_chn.py and dcgan64.py: z_dim 1024
WIDTH = 64  # vgg.py's df_dim; G's 256-256-128-64 are 4, 4, 2 and 1 times it
SLOPE = 0.2  # ops.lrelu's leak
INIT_STD = 0.02  # ops.py's stddev for conv2d, deconv2d and linear
N_CLASSES = 3740  # train_chn.py's y_dim: the HWDB1.0 characters

# image side -> (side of G's first feature map, doublings)
START = {28: (7, 2), 32: (4, 3), 64: (4, 4), 112: (7, 4)}
# Figure 3: a stride-1 deconvolution after each of the first two doublings
STRIDE_ONE_AFTER = 2
D_DOUBLINGS = (1, 2, 4, 8)  # D's channels, times width: vgg.py's df_dim * 1, 2, 4, 8
# conditional image side -> side of G's first map: mcgan.py's s4 = size / 4
CONDITIONAL_START = {28: 7, 32: 8, 64: 16}


def _layout(size: int, channels: int, width: int) -> tuple[int, int]:
    """(side of G's first map, doublings) for ``size``."""
    return checked_layout(START, size, channels, width, "LSGAN image size")


def generator_plan(size: int = 112, width: int = WIDTH) -> list[tuple[int, int]]:
    """(channels, stride) of G's hidden 3x3 transposed convolutions at ``size``.

    The channels are ``width`` times 1, 2 or 4 by the distance from the output
    (``vgg.py``: 64 at full size, 128 at half size, 256 below); the first
    ``STRIDE_ONE_AFTER`` doublings are each followed by a stride-1 layer (Figure 3).
    """
    _, doublings = _layout(size, 1, width)
    plan = []
    for stage in range(doublings):
        halvings_left = doublings - 1 - stage  # 0: this layer makes the full size
        channels = width * min(2**halvings_left, 4)
        plan.append((channels, 2))
        if stage < STRIDE_ONE_AFTER:
            plan.append((channels, 1))
    return plan


def lsgan_init(module: nn.Module) -> None:
    """``ops.py``'s initialisation: conv weights from TF's truncated normal (std
    0.02, redrawn beyond 2 std), deconv and dense weights from N(0, 0.02), biases 0,
    batch norm scale 1 and offset 0."""
    if isinstance(module, nn.Conv2d):
        nn.init.trunc_normal_(module.weight, 0.0, INIT_STD, -2 * INIT_STD, 2 * INIT_STD)
    elif isinstance(module, (nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, INIT_STD)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.ones_(module.weight)
    else:
        return
    if module.bias is not None:
        nn.init.zeros_(module.bias)


def _normalised(channels: int, batch_norm: bool, leaky: bool) -> list[nn.Module]:
    """Batch norm (if asked) and the activation after a hidden layer."""
    activation = nn.LeakyReLU(SLOPE, True) if leaky else nn.ReLU(True)
    return ([nn.BatchNorm2d(channels)] if batch_norm else []) + [activation]


def _deconv(c_in: int, c_out: int, kernel: int, stride: int, bias: bool) -> nn.Module:
    """A transposed convolution with TF's 'SAME' sizes: side times ``stride``."""
    return nn.ConvTranspose2d(
        c_in, c_out, kernel, stride, kernel // 2, output_padding=stride - 1, bias=bias
    )


class LSGANGenerator(Generator):
    """G of the paper's Figure 3 (``vgg.py``): z to an image ``(channels, size,
    size)`` in (-1, 1). ``batch_norm=False`` removes every batch norm (and gives
    the layers before them their biases)."""

    def __init__(
        self,
        z_dim: int = Z_DIM,
        size: int = 112,
        channels: int = 3,
        width: int = WIDTH,
        batch_norm: bool = True,
        prior: str = "uniform",
    ):
        super().__init__(z_dim, prior)
        start, _ = _layout(size, channels, width)
        check_instance("batch_norm", batch_norm, bool)
        self.size, self.channels = size, channels
        hidden = 4 * width  # vgg.py's dense layer: 256 maps, size/16 on a side
        layers = [
            # a bias per unit: the per-channel batch norm below does not cancel it
            nn.Linear(z_dim, hidden * start * start),
            nn.Unflatten(1, (hidden, start, start)),  # (B, 4 width, start, start)
            *_normalised(hidden, batch_norm, leaky=False),
        ]
        for out, stride in generator_plan(size, width):
            layers.append(_deconv(hidden, out, 3, stride, bias=not batch_norm))
            layers += _normalised(out, batch_norm, leaky=False)
            hidden = out
        # output: a stride-1 3x3 deconv (vgg.py's g_h5), no batch norm, Tanh
        layers += [_deconv(hidden, channels, 3, 1, bias=True), nn.Tanh()]
        self.body = nn.Sequential(*layers)
        self.apply(lsgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_tensor("z", z, ("B", self.z_dim))
        return self.body(z)  # (B, z_dim) -> (B, C, size, size)


class LSGANDiscriminator(nn.Module):
    """D of the paper's Figure 3 (``vgg.py``): an image ``(channels, size, size)``
    to one raw score, shape ``(B,)``. ``batch_norm=False`` removes its batch norm
    (``stability_comparison/BN_GD_*``)."""

    def __init__(
        self,
        size: int = 112,
        channels: int = 3,
        width: int = WIDTH,
        batch_norm: bool = True,
    ):
        super().__init__()
        _layout(size, channels, width)
        check_instance("batch_norm", batch_norm, bool)
        self.size, self.channels = size, channels
        layers, c_in = [], channels
        for index, times in enumerate(D_DOUBLINGS):
            normed = batch_norm and index > 0  # the first layer has no batch norm
            # TF 'SAME': the side becomes ceil(side / 2)
            layers.append(nn.Conv2d(c_in, width * times, 5, 2, 2, bias=not normed))
            layers += _normalised(width * times, normed, leaky=True)
            c_in = width * times
        side = -(-size // 2 ** len(D_DOUBLINGS))  # ceil(size / 16)
        self.body = nn.Sequential(*layers, nn.Flatten())  # (B, 8 width * side²)
        self.head = nn.Linear(c_in * side * side, 1)
        self.apply(lsgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor("x", x, ("B", self.channels, self.size, self.size))
        return self.head(self.body(x)).squeeze(-1)  # (B, 1) -> (B,)


class LabelMap(nn.Module):
    """The paper's linear mapping of a one-hot label to ``dim`` numbers, without
    activation (``mcgan.py``'s ``linear(y, 256)``): W onehot(y) + b.

    Stored as a table ``weight`` ``(n_classes, dim)`` (row c is column c of the
    linear layer's matrix) read by index: the same maths as a dense layer on the
    one-hot vector, without multiplying 3,740 zeros.

    ``init_std``: the weights' initial standard deviation, ``ops.linear``'s 0.02 by
    default. At that scale the label enters G's first layer about a hundred times
    more weakly than z does at the start; the chapter "Conditional LSGAN" compares it
    with a larger value.
    """

    def __init__(self, n_classes: int, dim: int = 256, init_std: float = INIT_STD):
        super().__init__()
        check_int("n_classes", n_classes, minimum=1)
        check_int("dim", dim, minimum=1)
        check_positive("init_std", init_std)
        self.n_classes, self.dim = n_classes, dim
        # ops.linear: Matrix ~ N(0, 0.02), bias 0
        self.weight = nn.Parameter(torch.randn(n_classes, dim) * init_std)
        self.bias = nn.Parameter(torch.zeros(dim))

    def forward(self, labels: torch.Tensor) -> torch.Tensor:
        check_tensor("labels", labels, ("B",), kind="integer", nonempty=True)
        # Checked where it costs no read from an accelerator, whose steps must not
        # wait for the host (on a GPU a bad index is a device-side assert instead).
        if labels.device.type == "cpu":
            check_values("labels", labels, 0, self.n_classes - 1)
        return F.embedding(labels, self.weight) + self.bias  # (B, dim)

    def extra_repr(self) -> str:
        return f"n_classes={self.n_classes}, dim={self.dim}"


def _label_dim(label_dim: int | None, width: int) -> int:
    """The label's size: 4 ``width`` (the code's 256 at width 64) unless given."""
    check_int("width", width, minimum=1)
    if label_dim is None:
        return 4 * width
    check_int("label_dim", label_dim, minimum=1)
    return label_dim


def _conditional_start(size: int, channels: int, n_classes: int) -> int:
    check_int("channels", channels, minimum=1)
    check_int("n_classes", n_classes, minimum=1)
    check_int("size", size)
    return lookup(CONDITIONAL_START, size, "conditional image size")


class ConditionalGenerator(Generator):
    """G of the conditional model (``mcgan.py``): ``Labelled(z, labels)`` to
    ``Labelled(images, labels)``, images ``(channels, size, size)`` in (-1, 1)."""

    def __init__(
        self,
        n_classes: int = N_CLASSES,
        z_dim: int = Z_DIM,
        size: int = 28,
        channels: int = 1,
        width: int = WIDTH,
        label_dim: int | None = None,
        prior: str = "uniform",
        label_std: float = INIT_STD,
    ):
        super().__init__(z_dim, prior)
        start = _conditional_start(size, channels, n_classes)
        label_dim = _label_dim(label_dim, width)
        self.n_classes, self.size, self.channels = n_classes, size, channels
        self.label_map = LabelMap(n_classes, label_dim, label_std)
        hidden = 2 * width  # mcgan.py: 128
        units = hidden * start * start
        self.body = nn.Sequential(
            nn.Linear(z_dim + label_dim, units, bias=False),
            nn.BatchNorm1d(units),  # mcgan.py normalises before the reshape: per unit
            nn.ReLU(True),
            nn.Unflatten(1, (hidden, start, start)),  # (B, 2 width, size/4, size/4)
            _deconv(hidden, hidden, 5, 2, bias=False),
            *_normalised(hidden, True, leaky=False),
            _deconv(hidden, channels, 5, 2, bias=True),
            nn.Tanh(),  # mcgan.py: sigmoid on [0, 1] images (module docstring)
        )
        self.apply(lsgan_init)

    def noise(self, n: int, generator: torch.Generator | None = None) -> Labelled:
        """``Labelled(z, labels)``: z from the prior and uniformly drawn classes,
        both on the generator's device."""
        z = super().noise(n, generator)
        labels = random_labels(n, self.n_classes, generator).to(z.device)
        return Labelled(z, labels)

    def forward(self, batch: Labelled) -> Labelled:
        check_labelled(batch, "Labelled(z, labels), as G.noise(n) draws")
        check_tensor("batch.values", batch.values, ("B", self.z_dim))
        y = self.label_map(batch.labels)  # (B, label_dim)
        images = self.body(torch.cat([batch.values, y], dim=1))  # (B, C, size, size)
        return Labelled(images, batch.labels)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` images (only the images) of uniformly drawn classes, without
        gradients: what image metrics read from any generator."""
        with torch.no_grad():
            return self(self.noise(n, generator)).values

    def sample_classes(
        self, labels: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """One image of each class in ``labels`` ``(n,)``, without gradients."""
        check_tensor("labels", labels, ("n",), kind="integer", nonempty=True)
        z = super().noise(len(labels), generator)
        batch = Labelled(z, labels.to(device=z.device, dtype=torch.int64))
        with torch.no_grad():
            return self(batch).values


class ConditionalDiscriminator(nn.Module):
    """D of the conditional model (``mcgan.py``): ``Labelled(images, labels)`` to
    one raw score per image, shape ``(B,)``."""

    def __init__(
        self,
        n_classes: int = N_CLASSES,
        size: int = 28,
        channels: int = 1,
        width: int = WIDTH,
        label_dim: int | None = None,
        label_std: float = INIT_STD,
    ):
        super().__init__()
        side = _conditional_start(size, channels, n_classes)  # after two halvings
        label_dim = _label_dim(label_dim, width)
        self.n_classes, self.size, self.channels = n_classes, size, channels
        self.label_map = LabelMap(n_classes, label_dim, label_std)
        first = channels + label_dim  # mcgan.py: c_dim + y_size = 257
        second = width + label_dim  # mcgan.py: 64 + y_size = 320
        hidden = 16 * width  # mcgan.py: 1024
        self.first = nn.Sequential(
            nn.Conv2d(channels, first, 5, 2, 2), nn.LeakyReLU(SLOPE, True)
        )
        self.second = nn.Sequential(
            nn.Conv2d(first + label_dim, second, 5, 2, 2, bias=False),
            *_normalised(second, True, leaky=True),
            nn.Flatten(),  # (B, second * side²)
        )
        self.hidden = nn.Sequential(
            nn.Linear(second * side * side + label_dim, hidden, bias=False),
            nn.BatchNorm1d(hidden),
            nn.LeakyReLU(SLOPE, True),
        )
        self.head = nn.Linear(hidden + label_dim, 1)
        self.apply(lsgan_init)

    def forward(self, batch: Labelled) -> torch.Tensor:
        check_labelled(
            batch, "Labelled(images, labels), as WithLabels(data).sample(n) and G give"
        )
        shape = ("B", self.channels, self.size, self.size)
        check_tensor("batch.values", batch.values, shape)
        y = self.label_map(batch.labels)  # (B, label_dim)
        maps = self.first(batch.values)  # (B, C + label_dim, size/2, size/2)
        tiled = y[:, :, None, None].expand(-1, -1, *maps.shape[2:])
        flat = self.second(torch.cat([maps, tiled], dim=1))
        hidden = self.hidden(torch.cat([flat, y], dim=1))  # (B, 16 width)
        return self.head(torch.cat([hidden, y], dim=1)).squeeze(-1)  # (B,)
