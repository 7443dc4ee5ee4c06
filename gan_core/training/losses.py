"""The players' losses as functions of D's raw outputs (GAN, LSGAN, BEGAN chapters).

``get(name, **params)`` returns a ``Loss``, resolved once, that the training loop and
the figures ask instead of the name:

* ``d_loss(d_real, d_fake)``: what the discriminator minimises,
* ``g_loss(d_fake)``: what the generator minimises,

both batch means, written exactly as in the papers. ``output`` says what D's raw
outputs ``d_real`` and ``d_fake`` are: logits for the cross-entropy losses, the
unsquashed score for least squares. ``undecided`` is the output at which D cannot tell
real from fake. A loss with a state (BEGAN's k_t) updates it in ``after_step`` and
saves it with the checkpoint.
"""

import inspect
from typing import Callable

import torch
import torch.nn.functional as F

from gan_core.checks import check_codes, check_number, check_positive
from gan_core.registry import lookup
from gan_core.training import distributed

Tensor = torch.Tensor


class Loss:
    """A GAN loss: its name and parameters, what D outputs, both players' losses and
    D's undecided output. Stateless; ``after_step`` and the state methods are hooks for
    losses that carry a state."""

    def __init__(
        self,
        name: str,
        d_loss: Callable[[Tensor, Tensor], Tensor],
        g_loss: Callable[[Tensor], Tensor],
        output: str = "logit",
        undecided: float | None = 0.0,
        params: dict | None = None,
    ):
        self.name, self.d_loss, self.g_loss = name, d_loss, g_loss
        self.output, self.undecided, self.params = output, undecided, dict(params or {})

    def after_step(self, d_real: Tensor, g_loss: Tensor) -> dict[str, float]:
        """Called by the loop after each generator step with D's outputs on the last
        real batch and G's loss; returns extra values to record in the history."""
        return {}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        if state:
            raise ValueError(f"loss {self.name!r} has no state, got {sorted(state)}")

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({shown})"


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


def minimax() -> Loss:
    return Loss("minimax", cross_entropy_d_loss, minimax_g_loss)


def non_saturating() -> Loss:
    return Loss("non_saturating", cross_entropy_d_loss, non_saturating_g_loss)


def least_squares(a: float = 0.0, b: float = 1.0, c: float = 1.0) -> Loss:
    """LSGAN: D pulls fakes to code ``a`` and reals to ``b``; G wants D to say ``c``.

    The default is the 0-1-1 coding the LSGAN paper uses in its experiments.
    """
    check_codes(a=a, b=b, c=c)

    def d_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
        return 0.5 * (d_real - b).square().mean() + 0.5 * (d_fake - a).square().mean()

    def g_loss(d_fake: Tensor) -> Tensor:
        return 0.5 * (d_fake - c).square().mean()

    # D is undecided halfway between the codes
    return Loss(
        "least_squares",
        d_loss,
        g_loss,
        "least-squares score",
        (a + b) / 2,
        dict(a=a, b=b, c=c),
    )


class BEGANLoss(Loss):
    """BEGAN: D outputs each image's reconstruction error L(v); D minimises
    L(x) - k_t L(G(z)) and G minimises L(G(z)). After each step the proportional control
    k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1) steers the two toward
    the equilibrium E[L(G(z))] = gamma E[L(x)]. D has no undecided output."""

    def __init__(self, gamma: float = 0.5, lambda_k: float = 0.001, k0: float = 0.0):
        check_number("gamma", gamma, 0, 1)
        check_positive("lambda_k", lambda_k)
        check_number("k0", k0, 0, 1)
        params = dict(gamma=gamma, lambda_k=lambda_k, k0=k0)
        super().__init__(
            "began",
            self.d_loss_now,
            self.g_loss_now,
            "reconstruction error",
            None,
            params,
        )
        self.k = float(k0)

    def d_loss_now(self, d_real: Tensor, d_fake: Tensor) -> Tensor:
        return d_real.mean() - self.k * d_fake.mean()

    @staticmethod
    def g_loss_now(d_fake: Tensor) -> Tensor:
        return d_fake.mean()

    def after_step(self, d_real: Tensor, g_loss: Tensor) -> dict[str, float]:
        """Update k_t; record the k_t this step used and the convergence measure
        M_global = L(x) + |gamma L(x) - L(G(z_G))|."""
        # under torchrun, the means over all ranks: every rank keeps the same k
        means = distributed.mean_across_ranks(torch.stack([d_real.mean(), g_loss]))
        real, fake = means.tolist()
        balance = self.params["gamma"] * real - fake
        used, self.k = (
            self.k,
            min(max(self.k + self.params["lambda_k"] * balance, 0.0), 1.0),
        )
        return {"k": used, "m_global": real + abs(balance)}

    def state_dict(self) -> dict:
        return {"k": self.k}

    def load_state_dict(self, state: dict) -> None:
        self.k = float(state["k"])


def began(gamma: float = 0.5, lambda_k: float = 0.001, k0: float = 0.0) -> BEGANLoss:
    """BEGAN's loss with the paper's lambda_k = 0.001 and k_0 = 0
    (a new state each call)."""
    return BEGANLoss(gamma, lambda_k, k0)


LOSSES = {
    "minimax": minimax,
    "non_saturating": non_saturating,
    "least_squares": least_squares,
    "began": began,
}


def get(name: str, **params) -> Loss:
    """The loss called ``name``; ``params`` go to it (least_squares' codes, BEGAN's
    settings)."""
    make = lookup(LOSSES, name, "loss")
    accepted = list(inspect.signature(make).parameters)
    if set(params) - set(accepted):
        raise ValueError(
            f"loss {name!r} takes parameters {accepted}, got {sorted(params)}"
        )
    return make(**params)


def resolve(loss: "str | Loss", params: dict | None = None) -> Loss:
    """A ``Loss`` from a name and its parameters, or the ``Loss`` given."""
    if isinstance(loss, Loss):
        if params:
            raise ValueError(
                f"loss_params {params} go with a loss name, not a Loss object"
            )
        return loss
    return get(loss, **(params or {}))
