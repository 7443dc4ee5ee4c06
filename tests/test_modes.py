import math

import pytest
import torch

from gan_core.data import mixtures
from gan_core.evaluation import modes

RING = mixtures.ring_of_gaussians(n_modes=8, radius=2.0, std=0.02)


def test_real_samples_cover_every_mode():
    samples = RING.sample(8_000, generator=torch.Generator().manual_seed(0))
    result = modes.mode_coverage(samples, RING.centres, std=0.02)
    assert result.modes_recovered == 8
    assert result.high_quality_fraction == pytest.approx(0.9889, abs=0.01)  # P(chi2_2 <= 9)
    assert result.kl_to_uniform == pytest.approx(0.0, abs=0.01)


def test_collapse_to_one_mode():
    samples = RING.centres[3] + 0.01 * torch.randn(1_000, 2, generator=torch.Generator().manual_seed(1))
    result = modes.mode_coverage(samples, RING.centres, std=0.02)
    assert result.modes_recovered == 1
    assert result.counts[3] == sum(result.counts)
    assert result.kl_to_uniform == pytest.approx(math.log(8))


def test_far_samples_are_not_high_quality():
    samples = torch.tensor([[0.0, 0.0], [2.0, 0.0], [2.0, 0.2]])
    result = modes.mode_coverage(samples, RING.centres, std=0.02)
    assert result.high_quality_fraction == pytest.approx(1 / 3)
    assert result.counts[0] == 1


def test_min_share_sets_when_a_mode_counts():
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    samples = torch.cat([torch.zeros(90, 2), torch.tensor([[10.0, 0.0]]).repeat(10, 1)])
    assert modes.mode_coverage(samples, centres, 0.1, min_share=0.2).modes_recovered == 2  # 10 >= 0.2 * 50
    assert modes.mode_coverage(samples, centres, 0.1, min_share=0.5).modes_recovered == 1  # 10 < 25


def test_kl_to_uniform_of_an_empty_histogram_is_nan():
    assert math.isnan(modes.kl_to_uniform(torch.zeros(4, dtype=torch.long)))
    result = modes.mode_coverage(torch.full((5, 2), 50.0), RING.centres, std=0.02)
    assert result.high_quality_fraction == 0 and math.isnan(result.kl_to_uniform)


def test_kl_to_uniform_against_a_hand_computation():
    counts = torch.tensor([3, 1, 0, 0])
    p = [0.75, 0.25]
    expected = sum(pi * math.log(pi * 4) for pi in p)
    assert modes.kl_to_uniform(counts) == pytest.approx(expected)


@pytest.mark.parametrize("samples, kwargs, message", [
    (torch.zeros(4, 3), {}, "same d"),
    (torch.zeros(4), {}, "same d"),
    (torch.zeros(4, 2), {"min_share": 0.0}, "min_share"),
    (torch.zeros(4, 2), {"n_std": -1.0}, "n_std"),
])
def test_bad_inputs_are_clear_errors(samples, kwargs, message):
    with pytest.raises(ValueError, match=message):
        modes.mode_coverage(samples, RING.centres, std=0.02, **kwargs)
