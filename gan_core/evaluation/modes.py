"""Sample-quality measures for toy mixtures (the 2-D mixtures chapter).

Following the usual protocol for rings and grids of Gaussians: a sample is "high
quality" when it lies within ``n_std`` standard deviations of its nearest mode centre;
a mode is "recovered" when it holds a fair share of the high-quality samples.
"""

from dataclasses import dataclass

import torch

from gan_core.checks import check_number, check_positive, check_tensor


@dataclass(frozen=True)
class ModeCoverage:
    modes_recovered: int  # modes holding at least min_share of a uniform share
    n_modes: int
    # fraction of samples within n_std of their nearest centre
    high_quality_fraction: float
    # KL(mode histogram of high-quality samples || uniform); nan if none
    kl_to_uniform: float
    counts: tuple[int, ...]  # high-quality samples per mode


def kl_to_uniform(counts: torch.Tensor) -> float:
    """KL(p || uniform) of the histogram ``counts``, with 0 log 0 = 0;
    nan for an empty histogram."""
    check_tensor("counts", counts, ("K",), nonempty=True, finite=True)
    if bool((counts < 0).any()):
        raise ValueError(f"counts must be non-negative, got {counts.tolist()}")
    total = counts.sum()
    if total == 0:
        return float("nan")
    p = counts.double() / total
    nonzero = p > 0
    return float((p[nonzero] * torch.log(p[nonzero] * len(counts))).sum())


def mode_coverage(
    samples: torch.Tensor,
    centres: torch.Tensor,
    std: float,
    n_std: float = 3.0,
    min_share: float = 0.2,
) -> ModeCoverage:
    """Measure how well ``samples`` (n, d) cover the modes at ``centres`` (K, d).

    ``min_share``: a mode counts as recovered when it holds at least this fraction of
    the n / K high-quality samples a perfect generator would put there.
    """
    check_tensor("samples", samples, nonempty=True, finite=True)
    check_tensor("centres", centres, nonempty=True, finite=True)
    if samples.ndim != 2 or centres.ndim != 2 or samples.shape[1] != centres.shape[1]:
        raise ValueError(
            f"samples {tuple(samples.shape)} and centres {tuple(centres.shape)} "
            "must both be (n, d) with the same d"
        )
    check_positive("std", std)
    check_positive("n_std", n_std)
    check_number("min_share", min_share, low=0, high=1, low_open=True)
    distances = torch.cdist(samples.double(), centres.double())  # (n, K)
    nearest_distance, nearest = distances.min(dim=1)
    good = nearest_distance <= n_std * std
    k = len(centres)
    counts = torch.bincount(nearest[good], minlength=k)
    threshold = min_share * len(samples) / k
    return ModeCoverage(
        modes_recovered=int((counts >= threshold).sum()),
        n_modes=k,
        high_quality_fraction=float(good.double().mean()),
        kl_to_uniform=kl_to_uniform(counts),
        counts=tuple(int(c) for c in counts),
    )
