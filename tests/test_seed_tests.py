"""The two-sample tests of seed studies (gan_core/evaluation/seed_tests.py)."""

import math

import pytest

from gan_core.evaluation import seed_tests


def test_fisher_counts_successes_and_mann_whitney_ranks_scores():
    result = seed_tests.compare_runs([True] * 4, [False] * 4, [1.0, 2, 3, 4], [5.0, 6, 7, 8])
    assert result["successes"] == "4/4 vs 0/4"
    assert result["fisher p"] == pytest.approx(2 / 70)  # 2 / C(8, 4)
    assert result["mann-whitney p"] == pytest.approx(2 / 70)  # exact, no ties


def test_infinite_scores_rank_last_and_identical_scores_give_p_one():
    ranked = seed_tests.compare_runs([True] * 3, [False] * 3, [1.0, 2, 3], [math.inf] * 3)
    assert ranked["mann-whitney p"] < 0.11
    same = seed_tests.compare_runs([True, False], [True, False], [math.inf] * 2, [math.inf] * 2)
    assert same["fisher p"] == pytest.approx(1.0) and same["mann-whitney p"] == 1.0


@pytest.mark.parametrize(
    "arguments, message",
    [
        (([], [True], [], [1.0]), "at least one run"),
        (([True], [True], [math.nan], [1.0]), "must not be NaN"),
    ],
)
def test_bad_inputs_say_what_is_wrong(arguments, message):
    with pytest.raises(ValueError, match=message):
        seed_tests.compare_runs(*arguments)
