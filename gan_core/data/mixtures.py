"""Toy distributions with known densities
(chapters on the GAN game and on 2-D mixtures).

Every distribution has ``sample(n, generator=None)`` returning a ``(n, dim)`` tensor,
``log_prob(x)`` returning ``(n,)``, ``density(x)``, and ``centres``, its mode centres
``(K, dim)``. Knowing the density is what lets the book compare a trained
discriminator with the optimal one and count the modes a generator found.
"""

import math
from dataclasses import dataclass

import torch

from gan_core.checks import check_int, check_number, check_positive, check_tensor, shown


@dataclass(frozen=True)
class GaussianMixture:
    """A mixture of isotropic Gaussians:
    ``centres`` (K, dim), ``stds`` (K,), ``weights`` (K,)."""

    centres: torch.Tensor
    stds: torch.Tensor
    weights: torch.Tensor

    def __post_init__(self):
        check_tensor(
            "centres",
            self.centres,
            ("K", "dim"),
            kind="floating",
            nonempty=True,
            finite=True,
        )
        k = len(self.centres)
        check_tensor("stds", self.stds, (k,), kind="floating", finite=True)
        check_tensor("weights", self.weights, (k,), kind="floating", finite=True)
        if not bool((self.stds > 0).all()):
            raise ValueError(
                f"every std must be positive, got stds {self.stds.tolist()}"
            )
        if not bool((self.weights >= 0).all()) or not math.isclose(
            float(self.weights.sum()), 1.0, rel_tol=1e-5
        ):
            raise ValueError(
                "weights must be non-negative and sum to 1, "
                f"got {self.weights.tolist()}"
            )

    @property
    def dim(self) -> int:
        return self.centres.shape[1]

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_int("n", n, minimum=1)
        which = torch.multinomial(
            self.weights, n, replacement=True, generator=generator
        )  # (n,)
        noise = torch.randn(n, self.dim, generator=generator)
        return self.centres[which] + self.stds[which, None] * noise  # (n, dim)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) of points ``x`` (n, dim);
        a 1-D mixture also takes a grid ``x`` of shape (n,)."""
        x = torch.as_tensor(x, dtype=self.centres.dtype)
        shapes = [("n", self.dim), ("n",)] if self.dim == 1 else [("n", self.dim)]
        check_tensor("x", x, *shapes, finite=True)
        x = x.reshape(-1, self.dim)  # (n, dim)
        sq_dist = torch.cdist(x, self.centres).square()  # (n, K)
        var = self.stds.square()
        log_norm = -0.5 * self.dim * torch.log(2 * math.pi * var)  # (K,)
        per_mode = torch.log(self.weights) + log_norm - 0.5 * sq_dist / var  # (n, K)
        return torch.logsumexp(per_mode, dim=1)

    def density(self, x: torch.Tensor) -> torch.Tensor:
        return self.log_prob(x).exp()


@dataclass(frozen=True)
class PointSet:
    """A fixed set of points (n, dim) to sample from with replacement,
    e.g. frozen fakes."""

    points: torch.Tensor

    def __post_init__(self):
        check_tensor(
            "points",
            self.points,
            ("n", "dim"),
            kind="floating",
            nonempty=True,
            finite=True,
        )

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        check_int("n", n, minimum=1)
        # (n, dim)
        return self.points[torch.randint(len(self.points), (n,), generator=generator)]


def _as_vector(values, name: str) -> torch.Tensor:
    vector = torch.as_tensor(values, dtype=torch.float64)
    if vector.ndim > 1 or vector.numel() == 0 or not bool(torch.isfinite(vector).all()):
        raise ValueError(
            f"{name} must be a non-empty list of finite numbers, got {shown(values)}"
        )
    return vector.reshape(-1)


def mixture_1d(means, stds, weights=None) -> GaussianMixture:
    """A 1-D mixture; ``stds`` may be one number shared by all modes,
    weights default to equal."""
    centres = _as_vector(means, "means")
    stds = _as_vector(stds, "stds")
    if len(stds) not in (1, len(centres)):
        raise ValueError(
            f"stds must hold one std or one per mean ({len(centres)}), got {len(stds)}"
        )
    stds = stds.expand(len(centres)).clone()
    weights = (
        torch.full_like(centres, 1 / len(centres))
        if weights is None
        else _as_vector(weights, "weights")
    )
    return GaussianMixture(centres[:, None].float(), stds.float(), weights.float())


def gaussian_1d(mean: float = 0.0, std: float = 1.0) -> GaussianMixture:
    check_number("mean", mean)
    check_positive("std", std)
    return mixture_1d([mean], [std])


def _mixture_2d(centres: torch.Tensor, std: float) -> GaussianMixture:
    check_positive("std", std)
    k = len(centres)
    return GaussianMixture(
        centres.float(), torch.full((k,), float(std)), torch.full((k,), 1 / k)
    )


def ring_of_gaussians(
    n_modes: int = 8, radius: float = 2.0, std: float = 0.02
) -> GaussianMixture:
    """``n_modes`` equal Gaussians evenly spaced on a circle
    (the LSGAN paper's toy data)."""
    check_int("n_modes", n_modes, minimum=1)
    check_positive("radius", radius)
    angles = torch.arange(n_modes, dtype=torch.float64) * (2 * math.pi / n_modes)
    return _mixture_2d(radius * torch.stack([angles.cos(), angles.sin()], dim=1), std)


def lsgan_code_ring(std: float = 0.01) -> GaussianMixture:
    """The ring as the LSGAN paper's mixture code draws it: 9 equal components at the
    angles ``linspace(0, 2 pi, 9)``, whose first and last coincide, so one of the 8
    distinct modes has twice the weight of the others
    (chapter "Training on 2-D mixtures")."""
    angles = torch.linspace(0, 2 * math.pi, 9, dtype=torch.float64)
    return _mixture_2d(torch.stack([angles.cos(), angles.sin()], dim=1), std)


def grid_of_gaussians(
    n_per_side: int = 5, spacing: float = 2.0, std: float = 0.05
) -> GaussianMixture:
    """``n_per_side``² equal Gaussians on a square grid centred on the origin."""
    check_int("n_per_side", n_per_side, minimum=1)
    check_positive("spacing", spacing)
    ticks = (
        torch.arange(n_per_side, dtype=torch.float64) - (n_per_side - 1) / 2
    ) * spacing
    xs, ys = torch.meshgrid(ticks, ticks, indexing="xy")
    return _mixture_2d(torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1), std)
