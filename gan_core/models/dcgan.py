"""DCGAN's generator and discriminator (chapter "DCGAN").

Both nets follow the architecture guidelines of Radford, Metz and Chintala (2016):

1. no pooling: D halves the resolution with strided convolutions, G doubles it with
   transposed ("fractionally strided") convolutions;
2. batch norm in both nets, except G's output layer and D's input layer;
3. no fully connected hidden layers: G's first layer maps z, seen as a 1 x 1 image, to
   a small feature map; D's last layer maps its last feature map to one number;
4. ReLU in every layer of G except the output, which uses Tanh;
5. LeakyReLU with slope 0.2 in every layer of D;
6. weights from N(0, 0.02), batch-norm scales from N(1, 0.02), biases 0.

The image side ``size`` is 28 (start from 7 x 7 and double twice), 32 or 64 (start from
4 x 4 and double three or four times). ``width`` is the number of channels of G's last
hidden layer and of D's first layer; it doubles with every halving of the resolution.
"""

import torch
from torch import nn

from gan_core.checks import check_instance, check_int, check_tensor, check_values
from gan_core.models.mlp import Generator
from gan_core.registry import lookup

# image side -> (first feature map side, doublings)
START = {28: (7, 2), 32: (4, 3), 64: (4, 4)}


def checked_layout(layouts: dict, size: int, channels: int, width: int, what: str):
    """``layouts[size]`` (how a net of that image side is laid out), after checking
    the net's sizes; ``what`` names the sizes in the error for an unknown one."""
    check_int("channels", channels, minimum=1)
    check_int("width", width, minimum=1)
    check_int("size", size)  # before the lookup, which 28.0 would pass
    return lookup(layouts, size, what)


def _layout(size: int, channels: int, width: int) -> tuple[int, int]:
    """(first feature map side, doublings) for ``size``."""
    return checked_layout(START, size, channels, width, "DCGAN image size")


def dcgan_init(module: nn.Module) -> None:
    """The paper's initialisation:
    conv weights N(0, 0.02), BN scales N(1, 0.02), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _normalised(conv_type, in_channels, out_channels, *shape, batch_norm: bool):
    """A convolution followed by batch norm, or with its own bias when there is none
    (the LSGAN paper's stability experiments remove batch norm)."""
    conv = conv_type(in_channels, out_channels, *shape, bias=not batch_norm)
    return [conv, nn.BatchNorm2d(out_channels)] if batch_norm else [conv]


class DCGANGenerator(Generator):
    """G: z of size ``z_dim`` to an image ``(channels, size, size)``
    with values in (-1, 1). ``batch_norm=False`` leaves out every batch norm."""

    def __init__(
        self,
        z_dim: int = 100,
        size: int = 64,
        channels: int = 3,
        width: int = 64,
        prior: str = "uniform",
        batch_norm: bool = True,
    ):
        super().__init__(z_dim, prior)
        start, doublings = _layout(size, channels, width)
        check_instance("batch_norm", batch_norm, bool)
        self.size, self.channels = size, channels
        hidden = width * 2 ** (doublings - 1)  # channels of the first feature map
        up = nn.ConvTranspose2d
        # project z (a 1 x 1 image) to a start x start map:
        # a convolution, not a dense layer
        layers = _normalised(up, z_dim, hidden, start, 1, 0, batch_norm=batch_norm)
        layers.append(nn.ReLU(True))
        # each block doubles the side and halves the channels
        for _ in range(doublings - 1):
            layers += _normalised(
                up, hidden, hidden // 2, 4, 2, 1, batch_norm=batch_norm
            )
            layers.append(nn.ReLU(True))
            hidden //= 2
        # output: no BN, Tanh
        layers += [nn.ConvTranspose2d(hidden, channels, 4, 2, 1), nn.Tanh()]
        self.body = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_tensor("z", z, ("B", self.z_dim))
        # (B, z_dim) -> (B, C, size, size)
        return self.body(z.reshape(len(z), self.z_dim, 1, 1))


class DCGANDiscriminator(nn.Module):
    """D: an image ``(channels, size, size)`` to one raw logit, shape ``(B,)``.
    ``batch_norm=False`` leaves out every batch norm."""

    def __init__(
        self,
        size: int = 64,
        channels: int = 3,
        width: int = 64,
        batch_norm: bool = True,
    ):
        super().__init__()
        start, doublings = _layout(size, channels, width)
        check_instance("batch_norm", batch_norm, bool)
        self.size, self.channels = size, channels
        blocks = [
            nn.Sequential(
                nn.Conv2d(channels, width, 4, 2, 1),  # input layer: no BN
                nn.LeakyReLU(0.2, True),
            )
        ]
        hidden = width
        # each block halves the side and doubles the channels
        for _ in range(doublings - 1):
            down = _normalised(
                nn.Conv2d, hidden, hidden * 2, 4, 2, 1, batch_norm=batch_norm
            )
            blocks.append(nn.Sequential(*down, nn.LeakyReLU(0.2, True)))
            hidden *= 2
        self.blocks = nn.Sequential(*blocks)
        # start x start map -> 1 x 1: one logit
        self.head = nn.Conv2d(hidden, 1, start, 1, 0)
        self.apply(dcgan_init)

    def _check_images(self, x: torch.Tensor) -> None:
        check_tensor("x", x, ("B", self.channels, self.size, self.size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_images(x)
        return self.head(self.blocks(x)).reshape(-1)  # (B, 1, 1, 1) -> (B,)

    @torch.no_grad()
    def features(self, x: torch.Tensor, grid: int = 4) -> torch.Tensor:
        """The paper's feature vector:
        every block's maps max-pooled to ``grid`` x ``grid``, concatenated.

        Used to classify images with a linear model trained on few labels.
        """
        self._check_images(x)
        check_int("grid", grid, minimum=1)
        pooled = []
        for block in self.blocks:
            x = block(x)
            side = min(grid, x.shape[-1])
            # (B, C * side²)
            pooled.append(nn.functional.adaptive_max_pool2d(x, side).flatten(1))
        return torch.cat(pooled, dim=1)


def reference_generator(
    z_dim: int = 100, width: int = 128, channels: int = 3
) -> nn.Sequential:
    """The 64 x 64 generator of the authors' code
    (Newmu/dcgan_code, ``faces/train_uncond_dcgan.py``).

    Built only to count its parameters next to ``DCGANGenerator``: z goes through a
    dense projection to 4 x 4 x 8·width with batch norm on every one of those units,
    then four 5 x 5 transposed convolutions (stride 2) halve the channels and double the
    side; no biases (batch norm's shift replaces them, the output layer has none). At
    width 128 the channels are 1024-512-256-128-3, those of the paper's Figure 1.
    """
    for name, value in (("z_dim", z_dim), ("width", width), ("channels", channels)):
        check_int(name, value, minimum=1)
    hidden = 8 * width
    layers = [
        nn.Linear(z_dim, hidden * 16, bias=False),
        nn.BatchNorm1d(hidden * 16),
        nn.ReLU(),
        nn.Unflatten(1, (hidden, 4, 4)),
    ]
    for out in (hidden // 2, hidden // 4, hidden // 8):
        layers += [
            nn.ConvTranspose2d(hidden, out, 5, 2, 2, output_padding=1, bias=False),
            nn.BatchNorm2d(out),
            nn.ReLU(),
        ]
        hidden = out
    return nn.Sequential(
        *layers,
        nn.ConvTranspose2d(hidden, channels, 5, 2, 2, output_padding=1, bias=False),
        nn.Tanh(),
    )


def parameter_count(net: nn.Module) -> int:
    """The number of trainable numbers in ``net``."""
    check_instance("net", net, nn.Module)
    return sum(p.numel() for p in net.parameters())


class DiscriminatorProbabilities:
    """A training callback: mean sigmoid(D) on the real and the generated batch
    of every step.

    The loop's ``History`` keeps D's mean *logit* per batch, and the sigmoid of a mean
    logit is not the mean probability (the sigmoid is not linear). This callback reads
    the step's raw outputs from the ``TrainState`` and keeps ``real`` and ``fake``: the
    mean of sigmoid(D) over the real and the generated batch of the step's last D
    update. Chapter "DCGAN".
    """

    def __init__(self):
        self.step, self.real, self.fake = [], [], []

    def __call__(self, state) -> None:
        if state.loss.output != "logit":
            raise ValueError(
                f"D's outputs under loss {state.loss.name!r} are a "
                f"{state.loss.output}, not a logit: they have no probability to record"
            )
        self.step.append(state.step)
        self.real.append(torch.sigmoid(state.d_real.float()).mean().item())
        self.fake.append(torch.sigmoid(state.d_fake.float()).mean().item())


def latent_class_means(
    z: torch.Tensor, labels: torch.Tensor, n_classes: int, per_class: int | None = None
) -> torch.Tensor:
    """The mean latent vector of each class, ``(n_classes, z_dim)`` (chapter "DCGAN").

    ``labels`` ``(n,)`` are the classes of ``G(z)``; ``per_class`` averages only the
    first that many vectors of each class (the DCGAN paper averages three). A class with
    fewer vectors than that, or none, gets a row of NaN.
    """
    check_tensor("z", z, ("n", "d"), kind="floating", nonempty=True)
    check_tensor("labels", labels, (len(z),), kind="integer")
    check_int("n_classes", n_classes, minimum=1)
    if per_class is not None:
        check_int("per_class", per_class, minimum=1)
    means = torch.full((n_classes, z.shape[1]), float("nan"), dtype=z.dtype)
    for c in range(n_classes):
        members = z[labels == c][:per_class]
        if len(members) and (per_class is None or len(members) == per_class):
            means[c] = members.mean(0)
    return means


def latent_arithmetic(
    starts: torch.Tensor, start_classes: torch.Tensor, means: torch.Tensor
) -> torch.Tensor:
    """``z - means[a] + means[b]`` for every start ``z`` of class ``a``
    and every class ``b``.

    Returns ``(n, n_classes, z_dim)``: row i moves ``starts[i]`` to each class in turn
    (chapter "DCGAN").
    """
    check_tensor("means", means, ("k", "d"), kind="floating", nonempty=True)
    check_tensor("starts", starts, ("n", means.shape[1]), kind="floating")
    check_tensor("start_classes", start_classes, (len(starts),), kind="integer")
    if len(start_classes):
        check_values("start_classes", start_classes, 0, len(means) - 1)
    return starts[:, None] - means[start_classes][:, None] + means[None]


def layer_shapes(net: nn.Module, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """(layer name, output shape) for every leaf layer of ``net`` on input ``x``."""
    check_instance("net", net, nn.Module)
    shapes, hooks = [], []
    for name, module in net.named_modules():
        if not list(module.children()):
            hooks.append(
                module.register_forward_hook(
                    lambda m, _, out, name=name: shapes.append(
                        (f"{name} {type(m).__name__}", tuple(out.shape))
                    )
                )
            )
    try:
        with torch.no_grad():
            net(x)
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


def fast_settings(device: torch.device) -> dict:
    """The TrainConfig speed flags measured faster on ``device`` (make bench):
    channels_last everywhere (on a 2-core CPU, one thread, chapter 04's 28-px net
    trained 9.7% faster with it), bf16 autocast only on CUDA (about 20 times slower on
    a CPU without bf16 units)."""
    cuda = torch.device(device).type == "cuda"
    return {"bf16": cuda, "channels_last": True}
