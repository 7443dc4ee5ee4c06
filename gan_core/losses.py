"""The players' losses as pure functions of D's raw outputs (GAN and LSGAN chapters).

``get(name, **params)`` returns ``LossPair(d_loss, g_loss)``:

* ``d_loss(d_real, d_fake)``: what the discriminator minimises,
* ``g_loss(d_fake)``: what the generator minimises,

both batch means, written exactly as in the papers.
``d_real`` and ``d_fake`` are D's raw outputs: logits for the cross-entropy losses,
the unsquashed score for least squares.
"""

from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F

from gan_core.checks import check_codes
from gan_core.registry import lookup

Tensor = torch.Tensor


class LossPair(NamedTuple):
    d_loss: Callable[[Tensor, Tensor], Tensor]
    g_loss: Callable[[Tensor], Tensor]


def cross_entropy_d_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))], with D = sigmoid(logit).

    -log sigmoid(t) = softplus(-t) and -log(1 - sigmoid(t)) = softplus(t) stay finite
    where the naive formula would take the log of an underflowed 0.
    """
    return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()


def minimax_g_loss(d_fake: Tensor) -> Tensor:
    """E[log(1 - D(G(z)))]: the generator's side of the value function."""
    return -F.softplus(d_fake).mean()


def non_saturating_g_loss(d_fake: Tensor) -> Tensor:
    """-E[log D(G(z))]: same fixed point, strong gradient while D rejects the fakes."""
    return F.softplus(-d_fake).mean()


def minimax() -> LossPair:
    return LossPair(cross_entropy_d_loss, minimax_g_loss)


def non_saturating() -> LossPair:
    return LossPair(cross_entropy_d_loss, non_saturating_g_loss)


def least_squares(a: float = 0.0, b: float = 1.0, c: float = 1.0) -> LossPair:
    """LSGAN: D pulls fakes to code ``a`` and reals to ``b``; G wants D to say ``c``.

    The default is the 0-1-1 coding the LSGAN paper uses in its experiments.
    """
    check_codes(a=a, b=b, c=c)

    def d_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
        return 0.5 * (d_real - b).square().mean() + 0.5 * (d_fake - a).square().mean()

    def g_loss(d_fake: Tensor) -> Tensor:
        return 0.5 * (d_fake - c).square().mean()

    return LossPair(d_loss, g_loss)


LOSSES = {
    "minimax": minimax,
    "non_saturating": non_saturating,
    "least_squares": least_squares,
}


def get(name: str, **params) -> LossPair:
    """The loss pair called ``name``; ``params`` go to it
    (only least_squares takes any)."""
    make = lookup(LOSSES, name, "loss")
    try:
        return make(**params)
    except TypeError:
        accepted = make.__code__.co_varnames[: make.__code__.co_argcount]
        raise ValueError(
            f"loss {name!r} takes parameters {list(accepted)}, got {sorted(params)}"
        ) from None
