"""Image GANs over seeds (gan_core/image_studies.py), on a small slice of Fashion-MNIST."""

import math

import pytest
import torch

from gan_core import image_studies, training
from gan_core.evaluation.image_metrics import ImageScores

SETUP = image_studies.ScoringSetup(n_train=300, classifier_epochs=1, classifier_width=4, n_eval=40)
SETTINGS = {
    "DCGAN, LS": dict(loss="least_squares", width=4, batch_size=8),
    "no BN in G, RMSProp": dict(
        loss="least_squares", width=4, batch_size=8, batch_norm_g=False, optimizer="tf_rmsprop"
    ),
}


@pytest.fixture(autouse=True)
def own_cache(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "image-studies-cache"))


def test_every_setting_and_seed_gives_a_scored_row_with_its_curve_and_samples():
    table = image_studies.run_image_seeds(SETTINGS, [0, 1], SETUP, steps=4, eval_every=2, workers=1)
    assert list(table.setting) == ["DCGAN, LS"] * 2 + ["no BN in G, RMSProp"] * 2
    assert list(table.seed) == [0, 1, 0, 1]
    assert set(table.outcome) <= set(image_studies.OUTCOMES)
    assert table.failed_at.isna().all() and (table.frechet > 0).all()
    assert [[step for step, _ in curve] for curve in table.curve] == [[2, 4]] * 4
    assert all(isinstance(s, ImageScores) for curve in table.curve for _, s in curve)
    assert all(s.shape == (36, 1, 28, 28) for s in table.snapshot)
    assert table.frechet[0] != table.frechet[1]  # the seed matters


def test_workers_give_the_rows_of_a_serial_run():
    serial = image_studies.run_image_seeds(SETTINGS, [0], SETUP, steps=2, eval_every=2, workers=1)
    side_by_side = image_studies.run_image_seeds(SETTINGS, [0], SETUP, steps=2, eval_every=2, workers=2)
    columns = ["setting", "seed", "outcome", "frechet", "precision", "recall", "classes_generated"]
    assert serial[columns].equals(side_by_side[columns])
    for a, b in zip(serial.snapshot, side_by_side.snapshot):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_a_run_that_diverges_is_a_row_that_says_where(monkeypatch):
    real_train = training.train

    def diverge_at_step_3(generator, discriminator, data, config, callbacks=()):
        real_train(generator, discriminator, data, config.__class__(**{**vars(config), "steps": 2}), callbacks)
        raise training.TrainingDiverged("d_loss became nan at step 3")

    monkeypatch.setattr(training, "train", diverge_at_step_3)
    table = image_studies.run_image_seeds({"x": SETTINGS["DCGAN, LS"]}, [0], SETUP, steps=4, eval_every=2, workers=1)
    row = table.iloc[0]
    assert (row.outcome, row.failed_at) == ("diverged", 3)
    assert math.isnan(row.frechet) and len(row.curve) == 1  # scored at step 2, before


def history_with(d_real, d_fake):
    history = training.History()
    for step, (r, f) in enumerate(zip(d_real, d_fake), 1):
        history.record(step=step, d_loss=0.0, g_loss=0.0, d_real=r, d_fake=f)
    return history


def scores(classes):
    return ImageScores(20.0, 0.5, 0.5, classes, 10, 0.1)


@pytest.mark.parametrize(
    "d_real, d_fake, classes, expected",
    [
        ([0.9, 0.8], [0.1, -0.2], 8, "trained"),
        ([0.9, 0.8], [0.1, -0.2], 4, "collapsed"),
        ([0.9, 2e3], [0.1, -0.2], 8, "exploded"),
        ([0.9, 0.8], [0.1, -2e3], 3, "exploded"),  # the runaway is the worse finding
    ],
)
def test_outcomes_follow_the_failure_rules(d_real, d_fake, classes, expected):
    history = history_with(d_real, d_fake)
    assert image_studies.outcome_of(history, scores(classes), min_classes=5, explode_at=1e3) == expected


def test_no_history_means_diverged():
    assert image_studies.outcome_of(None, None, 5, 1e3) == "diverged"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(steps=0), "steps must be"),
        (dict(eval_every=5), "eval_every must be"),
        (dict(explode_at=0), "explode_at must be"),
    ],
)
def test_bad_study_arguments_say_what_is_allowed(kwargs, message):
    arguments = dict(steps=4, eval_every=2) | kwargs
    with pytest.raises(ValueError, match=message):
        image_studies.run_image_seeds(SETTINGS, [0], SETUP, **arguments)


def test_an_unknown_net_names_the_choices():
    with pytest.raises(ValueError, match="unknown image net 'vgg'; choose one of: 'dcgan', 'lsgan'"):
        image_studies.build_image_nets(image_studies.ImageSettings(net="vgg"), 28, 1)


def test_the_lsgan_scene_nets_train_in_a_study():
    lsgan_settings = {"LSGAN nets": dict(net="lsgan", width=4, z_dim=16, batch_size=8, loss="least_squares")}
    table = image_studies.run_image_seeds(lsgan_settings, [0], SETUP, steps=2, eval_every=2, workers=1)
    assert table.outcome[0] in image_studies.OUTCOMES and table.frechet[0] > 0


@pytest.mark.parametrize(
    "setting, message",
    [
        (dict(widht=4), r"unknown setting\(s\) \['widht'\]; valid ones are: .*width"),
        (dict(steps=10), r"unknown setting\(s\) \['steps'\]"),  # the study sets it
        (dict(net="vgg"), "unknown image net 'vgg'"),
        (dict(width=0), "width must be"),
    ],
)
def test_a_bad_setting_fails_before_any_run_starts(setting, message, monkeypatch):
    monkeypatch.setattr(image_studies, "run_all", lambda *a, **k: pytest.fail("ran"))
    with pytest.raises(ValueError, match=message):
        image_studies.run_image_seeds({"bad": setting}, [0], SETUP, steps=2, eval_every=2)


def study_table(rows):
    """A run_image_seeds table from (setting, outcome, frechet, classes) tuples."""
    import pandas as pd

    full = [
        dict(setting=s, seed=i, outcome=o, failed_at=7 if o == "diverged" else None, frechet=f,
             precision=0.5, recall=0.25, classes_generated=c, kl_to_uniform=0.1, seconds=1.0,
             curve=[], snapshot=None)
        for i, (s, o, f, c) in enumerate(rows)
    ]
    return pd.DataFrame(full, columns=image_studies.RUN_COLUMNS)


def test_summarise_counts_outcomes_and_gives_medians_of_the_finished_runs():
    table = study_table([
        ("A", "trained", 10.0, 10), ("A", "trained", 30.0, 9), ("A", "collapsed", 50.0, 2),
        ("B", "diverged", math.nan, math.nan), ("B", "exploded", 400.0, 1),
    ])
    summary = image_studies.summarise(table)
    assert list(summary.index) == ["A", "B"]
    assert summary.loc["A", list(image_studies.OUTCOMES)].tolist() == [2, 1, 0, 0]
    assert summary.loc["B", list(image_studies.OUTCOMES)].tolist() == [0, 0, 1, 1]
    assert summary.loc["A", "FD"] == pytest.approx(30.0)
    assert summary.loc["A", "FD IQR"] == pytest.approx(40.0 - 20.0)
    assert summary.loc["B", "FD"] == pytest.approx(400.0)  # the NaN is left out
    assert summary.loc["A", "classes"] == pytest.approx(9.0)


def test_compare_settings_tests_trained_counts_and_ranks_a_diverged_run_worst():
    good = [("A", "trained", 10.0 + i, 10) for i in range(5)]
    bad = [("B", "diverged", math.nan, math.nan)] * 3 + [("B", "collapsed", 300.0, 2)] * 2
    far = image_studies.compare_settings(study_table(good + bad), "A", "B")
    assert far["trained"] == "5/5 vs 0/5"
    assert far["fisher p"] == pytest.approx(2 / 252)
    assert far["mann-whitney p"] < 0.02  # every A ranks before every B (ties: normal approx.)
    # a diverged run ranks after the worst finished one, not before the best
    mixed = [("B", "diverged", math.nan, math.nan)] + [("B", "trained", 5.0, 10)] * 4
    assert image_studies.compare_settings(study_table(good + mixed), "A", "B")["mann-whitney p"] > 0.05
    alike = image_studies.compare_settings(study_table(bad + [(s.replace("B", "A"), *r) for s, *r in bad]), "A", "B")
    assert alike["fisher p"] == pytest.approx(1.0) and alike["mann-whitney p"] == pytest.approx(1.0)


def test_compare_settings_names_the_settings_and_the_table_it_needs():
    table = study_table([("A", "trained", 10.0, 10), ("B", "trained", 12.0, 10)])
    with pytest.raises(ValueError, match=r"first must be a setting of table \(A, B\), got 'C'"):
        image_studies.compare_settings(table, "C", "A")
    with pytest.raises(ValueError, match=r"lacks \['outcome'"):
        image_studies.summarise(table.drop(columns=["outcome"]))


def test_typical_is_the_lower_median_run_and_worst_the_highest_distance_or_a_divergence():
    runs = [("A", "trained", f, 10) for f in (40.0, 10.0, 30.0, 20.0)]
    typical, worst = image_studies.typical_and_worst(study_table(runs), "A")
    assert (typical.frechet, worst.frechet) == (20.0, 40.0)
    diverged = runs + [("A", "diverged", math.nan, math.nan)]
    typical, worst = image_studies.typical_and_worst(study_table(diverged), "A")
    assert typical.frechet == 30.0 and worst.outcome == "diverged"
    with pytest.raises(ValueError, match="got 'B'"):
        image_studies.typical_and_worst(study_table(runs), "B")


def test_a_setup_asking_for_more_test_images_than_there_are_says_how_many_there_are():
    glyphs = image_studies.ScoringSetup(data="glyphs", classifier_epochs=1, classifier_width=4, n_eval=100,
                                        data_options=(("n_classes", 5), ("per_class", 4)))
    with pytest.raises(ValueError, match=r"n_eval must be an integer in \[4, 20\], got 100"):
        image_studies.load_setup(glyphs)
