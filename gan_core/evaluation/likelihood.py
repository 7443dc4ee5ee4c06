"""Parzen-window log-likelihood and the GAN paper's MNIST experiments (chapter "The GAN
paper's experiments").

Table 1 of the GAN paper (Goodfellow et al., 2014) scores a generator by the
log-likelihood of test digits under a Gaussian Parzen window (a kernel density estimate)
fitted to samples of the generator. With samples ``g_1 .. g_m`` in ``d`` dimensions and
one width ``sigma``,

  log p(x) = logsumexp_j(-|x - g_j|^2 / (2 sigma^2)) - log m - d log(sigma sqrt(2 pi)),

which is what ``parzen_ll.py`` in the paper's code (goodfeli/adversarial) and
``pylearn2.distributions.parzen`` compute, on pixels scaled to [0, 1]. ``sigma`` is the
one of a grid (10 values from 0.1 to 1 in that script) that gives validation digits the
highest mean log-likelihood. Everything here works in float64: the exponents reach -1e4
for a narrow window, and the log-sum-exp subtracts the largest term before
exponentiating.

Also here, for the same chapter: a sampler that flattens images for MLPs, the straight
line between two noise vectors (the paper's Figure 3), and the trivial "models" that
show how the Parzen estimate can mislead. The chapter's nets are in
``gan_core.models.mlp``.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from gan_core.checks import (
    check_images,
    check_instance,
    check_int,
    check_positive,
    check_tensor,
    check_values,
)
from gan_core.data.images import ImageDataset

# parzen_ll.py's default grid
PAPER_SIGMAS = tuple(float(s) for s in np.logspace(-1, 0, 10))
PIXEL_SLACK = 1e-3  # how far past [-1, 1] an image may be before to_unit refuses it


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1], ``(n, C, H, W)`` or already flat ``(n, d)``,
    as float64 rows in [0, 1].

    [0, 1] is the paper's pixel scale; the log-likelihood depends on it (see
    ``pixel_scale_shift``).
    """
    check_images("images", images)
    check_values("images", images, -1 - PIXEL_SLACK, 1 + PIXEL_SLACK)
    return ((images.detach().flatten(1).double() + 1) / 2).clamp(0, 1)  # (n, d)


def pixel_scale_shift(dim: int, scale: float) -> float:
    """How much every log-density changes
    when all ``dim`` coordinates are multiplied by ``scale``.

    A density in the scaled space is the old one divided by ``scale ** dim``: the
    log-likelihood moves by ``-dim * log(scale)`` nats, whatever the model.
    """
    check_int("dim", dim, minimum=1)
    check_positive("scale", scale)
    return -dim * math.log(scale)


def _check_sigmas(sigmas) -> tuple[float, ...]:
    values = (
        tuple(sigmas) if isinstance(sigmas, (list, tuple, np.ndarray)) else (sigmas,)
    )
    if not values:
        raise ValueError("sigmas must hold at least one width")
    for sigma in values:
        check_positive("each sigma", sigma)
    return tuple(float(s) for s in values)


def _check_points(x: torch.Tensor, centres: torch.Tensor) -> None:
    check_tensor(
        "centres", centres, ("m", "d"), kind="floating", nonempty=True, finite=True
    )
    check_tensor(
        "x", x, ("n", centres.shape[1]), kind="floating", nonempty=True, finite=True
    )


def parzen_log_densities(
    x: torch.Tensor, centres: torch.Tensor, sigmas, batch_size: int = 256
) -> torch.Tensor:
    """log p(x) under Gaussian Parzen windows on ``centres`` ``(m, d)``, for each width.

    Returns float64 ``(len(sigmas), n)``. The squared distances of a batch of ``x`` to
    all centres are computed once and shared by every width; the work runs on
    ``centres``' device.
    """
    sigmas = _check_sigmas(sigmas)
    _check_points(x, centres)
    check_int("batch_size", batch_size, minimum=1)
    centres = centres.detach().double()
    m, d = centres.shape
    centre_norms = centres.square().sum(1)  # (m,)
    rows = []
    for chunk in x.detach().to(centres.device, torch.float64).split(batch_size):
        chunk_norms = chunk.square().sum(1, keepdim=True)  # (b, 1)
        sq = chunk_norms + centre_norms - 2 * chunk @ centres.T  # (b, m)
        sq = sq.clamp_min(0)  # rounding can leave -1e-13 where x equals a centre
        rows.append(
            torch.stack(
                [
                    # log sum_j exp(-sq_j / 2s^2)
                    torch.logsumexp(sq / (-2 * s * s), dim=1)
                    - math.log(m)
                    - d * math.log(s * math.sqrt(2 * math.pi))
                    for s in sigmas
                ]
            )
        )  # (k, b)
    return torch.cat(rows, dim=1).cpu()  # (k, n)


def parzen_log_likelihood(
    x: torch.Tensor, centres: torch.Tensor, sigma: float, batch_size: int = 256
) -> torch.Tensor:
    """log p(x_i) ``(n,)`` under one Gaussian Parzen window of width ``sigma``
    on ``centres``."""
    check_positive("sigma", sigma)
    return parzen_log_densities(x, centres, (sigma,), batch_size)[0]


@dataclass(frozen=True)
class SigmaSearch:
    """Mean validation log-likelihood for every width of a grid, and the best width."""

    sigmas: tuple[float, ...]
    scores: tuple[float, ...]

    @property
    def best(self) -> float:
        return self.sigmas[int(np.argmax(self.scores))]

    @property
    def at_edge(self) -> bool:
        """Whether the best width is the smallest or largest of the grid
        (widen the grid)."""
        return self.best in (min(self.sigmas), max(self.sigmas))


def select_sigma(
    centres: torch.Tensor,
    validation: torch.Tensor,
    sigmas=PAPER_SIGMAS,
    batch_size: int = 256,
) -> SigmaSearch:
    """The width that gives ``validation`` the highest mean log-likelihood,
    as parzen_ll.py does."""
    # (k,)
    scores = parzen_log_densities(validation, centres, sigmas, batch_size).mean(dim=1)
    return SigmaSearch(_check_sigmas(sigmas), tuple(float(s) for s in scores))


@dataclass(frozen=True)
class ParzenEstimate:
    """The Table 1 number: mean test log-likelihood (nats) and its standard error."""

    mean: float
    stderr: float
    sigma: float
    n_centres: int
    n_test: int
    search: SigmaSearch

    def __str__(self) -> str:
        return (
            f"{self.mean:8.1f} ± {self.stderr:4.1f} nats  (sigma {self.sigma:.3f}, "
            f"{self.n_centres:,} sample{'s' if self.n_centres > 1 else ''}, "
            f"{self.n_test:,} test digits)"
        )


def parzen_estimate(
    centres: torch.Tensor,
    validation: torch.Tensor,
    test: torch.Tensor,
    sigmas=PAPER_SIGMAS,
    batch_size: int = 256,
) -> ParzenEstimate:
    """Choose sigma on ``validation``, then score ``test``:
    parzen_ll.py's whole procedure.

    The standard error is the standard deviation over test points (numpy's default, no
    Bessel correction, as in parzen_ll.py) divided by the square root of their number.
    """
    search = select_sigma(centres, validation, sigmas, batch_size)
    scores = parzen_log_likelihood(test, centres, search.best, batch_size)  # (n,)
    stderr = float(scores.std(correction=0)) / math.sqrt(len(scores))
    return ParzenEstimate(
        float(scores.mean()), stderr, search.best, len(centres), len(scores), search
    )


# ----------------------------------------------------------------- the chapter's pieces


class Flattened:
    """A sampler of images ``(n, C, H, W)`` seen as rows ``(n, C*H*W)``,
    for MLP discriminators."""

    def __init__(self, images):
        if not callable(getattr(images, "sample", None)):
            raise ValueError(
                "images must have a sample(n, generator) method, "
                f"got {type(images).__name__}"
            )
        self.images = images

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        # (n, C, H, W) -> (n, C*H*W)
        return self.images.sample(n, generator=generator).flatten(1)


def split_validation(
    data: ImageDataset, n_validation: int, seed: int = 0
) -> tuple[ImageDataset, ImageDataset]:
    """Shuffle ``data`` and cut off ``n_validation`` images:
    (training part, validation part).

    The validation part chooses the Parzen width; the GAN never trains on it.
    """
    check_instance("data", data, ImageDataset)
    check_int("n_validation", n_validation, minimum=1, maximum=len(data) - 1)
    shuffled = data.subset(None, seed)
    cut = len(data) - n_validation
    part = lambda s: ImageDataset(  # noqa: E731
        shuffled.pixels[s],
        shuffled.labels[s],
        data.classes,
        data.name,
        data.max_value,
    )
    return part(slice(0, cut)), part(slice(cut, None))


def latent_line(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """``steps`` points evenly spaced on the segment from ``z0`` to ``z1``
    (both ends included)."""
    check_tensor("z0", z0, ("z_dim",), kind="floating", finite=True)
    check_tensor("z1", z1, (len(z0),), kind="floating", finite=True)
    check_int("steps", steps, minimum=2)
    # (steps, 1)
    t = torch.linspace(0, 1, steps, dtype=z0.dtype, device=z0.device)[:, None]
    return (1 - t) * z0 + t * z1  # (steps, z_dim)


def blur(images: torch.Tensor, pixels: float) -> torch.Tensor:
    """Images ``(n, C, H, W)`` blurred by a Gaussian of std ``pixels``
    (a kernel of +-3 std)."""
    check_tensor(
        "images",
        images,
        ("n", "C", "H", "W"),
        kind="floating",
        nonempty=True,
        finite=True,
    )
    check_positive("pixels", pixels)
    radius = max(1, math.ceil(3 * pixels))
    r = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    kernel = torch.exp(-r.square() / (2 * pixels**2))
    kernel = kernel / kernel.sum()  # (2r+1,), sums to 1: the mean brightness is kept
    channels = images.shape[1]
    rows = kernel.reshape(1, 1, -1, 1).expand(channels, 1, -1, 1)
    x = F.conv2d(
        F.pad(images, (0, 0, radius, radius), mode="replicate"), rows, groups=channels
    )
    x = F.conv2d(
        F.pad(x, (radius, radius, 0, 0), mode="replicate"),
        rows.transpose(2, 3),
        groups=channels,
    )
    return x  # (n, C, H, W)


def kmeans_centres(points: torch.Tensor, k: int, seed: int = 0) -> torch.Tensor:
    """The ``k`` centroids of k-means (scikit-learn, k-means++ start)
    on ``points`` ``(n, d)``."""
    from sklearn.cluster import KMeans

    check_tensor(
        "points", points, ("n", "d"), kind="floating", nonempty=True, finite=True
    )
    check_int("k", k, minimum=1, maximum=len(points))
    check_int("seed", seed, minimum=0)
    model = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(
        points.detach().cpu().double().numpy()
    )
    return torch.from_numpy(model.cluster_centers_)  # (k, d), float64
