"""Two settings of a seed study compared (the chapters "Training on toy data" and
"LSGAN on images").

Each setting ran once per seed. Two questions, each with a two-sided test:

* do the settings succeed equally often? Fisher's exact test on the counts of
  successful runs;
* are their scores alike? The Mann-Whitney U test on one score per run.

Small p-values say a difference is unlikely under "both settings behave alike"; with
five to ten seeds per setting only large differences can reach them.
"""

import math


def rows_of(table, setting: str, role: str = "setting"):
    """The rows of ``setting`` in a seed-study table; an error names the settings."""
    if setting not in set(table.setting):
        known = ", ".join(dict.fromkeys(table.setting))
        raise ValueError(
            f"{role} must be a setting of table ({known}), got {setting!r}"
        )
    return table[table.setting == setting]


def iqr(values) -> float:
    """Interquartile range of a pandas Series."""
    return values.quantile(0.75) - values.quantile(0.25)


def compare_runs(succeeded_a, succeeded_b, scores_a, scores_b) -> dict:
    """Fisher's exact test on the successes of two settings (booleans, one per run)
    and the Mann-Whitney U test on their scores (one number per run; ``inf`` ranks
    last). The Mann-Whitney p is 1 when every score is the same number."""
    from scipy import stats

    runs = [len(succeeded_a), len(succeeded_b)]
    if min(runs) == 0 or min(len(scores_a), len(scores_b)) == 0:
        raise ValueError("both settings need at least one run to compare")
    hits = [int(sum(succeeded_a)), int(sum(succeeded_b))]
    _, fisher_p = stats.fisher_exact(
        [[hits[0], runs[0] - hits[0]], [hits[1], runs[1] - hits[1]]]
    )
    scores = [*scores_a, *scores_b]
    if any(math.isnan(s) for s in scores):
        raise ValueError("scores must not be NaN (give a failed run inf, or drop it)")
    same = len(set(scores)) == 1
    mw_p = 1.0 if same else float(stats.mannwhitneyu(scores_a, scores_b).pvalue)
    return {
        "successes": f"{hits[0]}/{runs[0]} vs {hits[1]}/{runs[1]}",
        "fisher p": float(fisher_p),
        "mann-whitney p": mw_p,
    }
