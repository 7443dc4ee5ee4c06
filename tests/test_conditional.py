"""Conditional LSGAN runs (gan_core/conditional.py), on small slices of the data sets."""

import pytest
import torch

from gan_core import conditional, image_studies, training
from gan_core.models import lsgan

SETUP = image_studies.ScoringSetup(n_train=300, classifier_epochs=1, classifier_width=4, n_eval=40)
SMALL = dict(width=4, z_dim=8, batch_size=8, steps=4)


@pytest.fixture(autouse=True)
def own_cache(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "conditional-cache"))


def test_a_run_trains_the_conditional_nets_and_measures_accuracy_during_training():
    runs = conditional.run_conditional({"fashion": (SETUP, SMALL | dict(label_std=0.5))}, eval_every=2,
                                       per_class=3, workers=1)
    run = runs["fashion"]
    assert isinstance(run.generator, lsgan.ConditionalGenerator) and run.n_classes == 10
    assert run.steps == [2, 4] and all(0 <= a <= 1 for a in run.accuracy)
    assert 0.1 < run.real_accuracy <= 1 and run.seconds > 0
    assert run.generator.label_map.weight.std().item() == pytest.approx(0.5, rel=0.2)
    assert run.generator.z_dim == 8


def test_the_monitor_measures_what_conditional_accuracy_gives_on_the_same_noise():
    from gan_core.evaluation import image_metrics

    _, space = image_studies.load_setup(SETUP)
    generator = lsgan.ConditionalGenerator(n_classes=10, width=4, z_dim=8)
    monitor = conditional.AccuracyMonitor(space.classifier, 10, every=3, per_class=4)
    for step in (1, 2, 3):
        monitor(training.TrainState(step, generator, None, training.History(), torch.Generator()))
    assert monitor.steps == [3]
    assert monitor.accuracy == [image_metrics.conditional_accuracy(generator, space.classifier, 10, 4)]


def test_workers_give_the_runs_of_a_serial_run():
    runs = {"a": (SETUP, SMALL | dict(seed=1)), "b": (SETUP, SMALL | dict(seed=2))}
    serial = conditional.run_conditional(runs, eval_every=2, per_class=2, workers=1)
    side_by_side = conditional.run_conditional(runs, eval_every=2, per_class=2, workers=2)
    for name in runs:
        assert serial[name].accuracy == side_by_side[name].accuracy
        for a, b in zip(serial[name].generator.parameters(), side_by_side[name].generator.parameters()):
            torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_glyph_setups_train_their_own_classifier():
    glyphs = image_studies.ScoringSetup(data="glyphs", classifier_epochs=1, classifier_width=4, n_eval=40,
                                        data_options=(("n_classes", 12),))
    assert glyphs.classifier_key() == "glyphs-n_classes12-28-w4-e1-nNone"
    assert SETUP.classifier_key() == "fashion-mnist-28-w4-e1-n300"  # as before the options
    run = conditional.run_conditional({"g": (glyphs, SMALL)}, eval_every=4, per_class=2, workers=1)["g"]
    assert run.n_classes == 12 and run.generator.label_map.n_classes == 12


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(widht=4), r"unknown setting\(s\) \['widht'\]"),
        (dict(label_std=0.0), "init_std must be"),
        (dict(steps=1), "eval_every must be"),
    ],
)
def test_a_bad_setting_fails_before_any_run_starts(fields, message, monkeypatch):
    monkeypatch.setattr(conditional, "run_all", lambda *a, **k: pytest.fail("ran"))
    with pytest.raises(ValueError, match=message):
        conditional.run_conditional({"bad": (SETUP, SMALL | fields)}, eval_every=2)


def test_the_real_accuracy_reads_the_data_set_once(monkeypatch):
    from gan_core.data import images

    calls = []
    load = images.load
    monkeypatch.setattr(images, "load", lambda *a, **k: calls.append(a) or load(*a, **k))
    setup = image_studies.ScoringSetup(n_train=200, classifier_epochs=1, classifier_width=4, n_eval=30)
    accuracy = conditional.real_accuracy(setup)
    assert 0 <= accuracy <= 1 and calls == [("fashion-mnist",)]
