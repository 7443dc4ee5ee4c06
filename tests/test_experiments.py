import math

import pytest
import torch

from gan_core import experiments, training
from gan_core.data import mixtures

TINY = dict(z_dim=2, width=16, depth=1, batch_size=32)


def test_defaults_are_the_lsgan_mixture_settings():
    settings = experiments.ToySettings()
    assert (settings.z_dim, settings.width, settings.depth, settings.activation) == (256, 128, 2, "tanh")
    assert (settings.batch_size, settings.lr_d, settings.lr_g, settings.betas) == (512, 1e-4, 1e-3, (0.5, 0.999))


def test_toy_gan_trains_through_the_one_loop_with_the_overrides():
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)
    seen = []
    result = experiments.toy_gan(ring, loss="non_saturating", steps=5, seed=3, callbacks=(seen.append,),
                             activation="relu", d_steps=2, **TINY)
    assert len(result.history) == 5 and [s.step for s in seen] == [1, 2, 3, 4, 5]
    assert result.generator.z_dim == 2 and result.loss == "non_saturating"
    assert [m.out_features for m in result.generator.body if isinstance(m, torch.nn.Linear)] == [16, 2]
    assert isinstance(result.discriminator.body[1], torch.nn.ReLU)
    assert result.settings.d_steps == 2 and result.seconds > 0


def test_toy_gan_is_repeatable_per_seed():
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)
    first, again, other = (experiments.toy_gan(ring, steps=4, seed=s, **TINY) for s in (0, 0, 1))
    assert first.history.g_loss == again.history.g_loss
    assert first.history.g_loss != other.history.g_loss
    torch.testing.assert_close(first.generator.sample(8, torch.Generator().manual_seed(0)),
                               again.generator.sample(8, torch.Generator().manual_seed(0)))


def test_loss_params_reach_the_loss():
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)
    symmetric = experiments.toy_gan(ring, steps=2, loss_params={"a": -1, "b": 1, "c": 0}, **TINY)
    default = experiments.toy_gan(ring, steps=2, **TINY)
    assert symmetric.history.d_loss != default.history.d_loss
    with pytest.raises(ValueError, match="a != b"):
        experiments.toy_gan(ring, steps=2, loss_params={"a": 1, "b": 1, "c": 0}, **TINY)


def test_unknown_override_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['hidden'\]; valid ones are: ") as error:
        experiments.toy_gan(mixtures.ring_of_gaussians(), steps=1, hidden=64)
    valid = str(error.value).split("valid ones are: ")[1].split(", ")
    assert {"z_dim", "lr_g", "d_steps", "updates", "init"} <= set(valid)
    assert not {"loss", "steps", "seed"} & set(valid)  # toy_gan's own arguments


def test_generator_learns_a_single_wide_gaussian():
    target = mixtures.mixture_1d([2.0], [0.5])
    result = experiments.toy_gan(target, loss="least_squares", steps=400, seed=0, z_dim=1, width=16,
                             depth=2, activation="relu", batch_size=64, lr_d=2e-3, lr_g=2e-3)
    coverage = experiments.evaluate(result.generator, target, n=2_000)
    assert coverage.modes_recovered == 1
    assert coverage.high_quality_fraction == pytest.approx(0.997, abs=0.05)


def test_evaluate_uses_the_distributions_std():
    ring = mixtures.ring_of_gaussians(8, radius=1.0, std=0.01)

    class Perfect:
        def sample(self, n, generator=None):
            return ring.sample(n, generator=generator)

    coverage = experiments.evaluate(Perfect(), ring, n=4_000)
    assert coverage.modes_recovered == 8
    assert coverage.high_quality_fraction == pytest.approx(1 - math.exp(-4.5), abs=0.01)


def test_trackers_record_at_the_requested_steps():
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)
    tracker = experiments.CoverageTracker(ring, every=2, n=100)
    snapshots = experiments.SampleSnapshots([1, 3], n=50)
    experiments.toy_gan(ring, steps=4, callbacks=(tracker, snapshots), **TINY)
    assert tracker.steps == [2, 4] and all(r.n_modes == 4 for r in tracker.results)
    assert sorted(snapshots.samples) == [1, 3] and snapshots.samples[1].shape == (50, 2)


def test_run_seeds_gives_one_row_per_setting_and_seed():
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)
    settings = {"GAN": dict(loss="non_saturating", **TINY), "LSGAN": dict(**TINY)}
    seen = []
    table = experiments.run_seeds(settings, [0, 1, 2], ring, steps=3, n_eval=200, on_run=seen.append)
    assert len(table) == 6 and len(seen) == 6
    assert list(table["setting"]) == ["GAN"] * 3 + ["LSGAN"] * 3
    assert list(table["loss"]) == ["non_saturating"] * 3 + ["least_squares"] * 3
    assert list(table["seed"]) == [0, 1, 2] * 2
    assert table["modes_recovered"].between(0, 4).all() and (table["n_modes"] == 4).all()
    assert table["high_quality_fraction"].between(0, 1).all()
    assert (table["all_modes"] == (table["modes_recovered"] == 4)).all()
    assert not table["diverged"].any() and (table["seconds"] > 0).all()


def test_run_seeds_keeps_diverged_runs_as_rows(monkeypatch):
    def diverge(*args, **kwargs):
        raise training.TrainingDiverged("d_loss became nan at step 1")

    monkeypatch.setattr(experiments, "toy_gan", diverge)
    table = experiments.run_seeds({"bad": {}}, [0, 1], mixtures.ring_of_gaussians(), steps=1, workers=1)
    assert list(table["diverged"]) == [True, True]
    assert table["high_quality_fraction"].isna().all() and (table["modes_recovered"] == 0).all()


def test_summarise_counts_and_medians():
    import pandas as pd

    table = pd.DataFrame(dict(setting=["A"] * 4 + ["B"] * 2, modes_recovered=[8, 8, 6, 2, 1, 1],
                              high_quality_fraction=[0.9, 0.8, 0.7, 0.6, 0.1, 0.3],
                              kl_to_uniform=[0.0, 0.1, 0.2, 0.3, 2.0, 2.0],
                              all_modes=[True, True, False, False, False, False],
                              diverged=[False] * 6))
    summary = experiments.summarise(table)
    assert list(summary.index) == ["A", "B"]
    assert list(summary["runs"]) == [4, 2] and list(summary["all modes"]) == [2, 0]
    assert summary.loc["A", "modes, median"] == pytest.approx(7.0)
    assert summary.loc["A", "modes, IQR"] == pytest.approx(8 - 5.0)
    assert summary.loc["B", "high quality, median"] == pytest.approx(0.2)
    assert summary.loc["A", "KL, median"] == pytest.approx(0.15)


def test_compare_settings_tests_counts_and_modes():
    import pandas as pd

    def table(a_modes, b_modes):
        modes = list(a_modes) + list(b_modes)
        return pd.DataFrame(dict(setting=["A"] * len(a_modes) + ["B"] * len(b_modes), modes_recovered=modes,
                                 all_modes=[m == 8 for m in modes], diverged=[False] * len(modes)))

    far = experiments.compare_settings(table([8] * 5, [1] * 5), "A", "B")
    assert far["all modes"] == "5/5 vs 0/5"
    assert far["fisher p"] == pytest.approx(2 / 252)  # 2 / C(10, 5): only the two extreme tables
    assert far["mann-whitney p"] < 0.01
    alike = experiments.compare_settings(table([8, 8, 7], [8, 8, 7]), "A", "B")
    assert alike["fisher p"] == pytest.approx(1.0) and alike["mann-whitney p"] == pytest.approx(1.0)
    assert experiments.compare_settings(table([5, 5], [5, 5]), "A", "B")["mann-whitney p"] == 1.0
    with pytest.raises(ValueError, match=r"second must be a setting of table \(A, B\), got 'C'"):
        experiments.compare_settings(table([8], [8]), "A", "C")


def test_official_mixture_code_settings_reach_the_loop_and_the_nets(monkeypatch):
    seen = {}
    real_train = training.train

    def spy(generator, discriminator, distribution, config, callbacks=()):
        seen["updates"] = config.updates
        seen["bias"] = next(m for m in generator.modules() if isinstance(m, torch.nn.Linear)).bias.detach().clone()
        return real_train(generator, discriminator, distribution, config, callbacks)

    monkeypatch.setattr(training, "train", spy)
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)
    experiments.toy_gan(ring, steps=2, **TINY, **experiments.OFFICIAL_MIXTURE_CODE)
    assert seen["updates"] == "simultaneous" and torch.count_nonzero(seen["bias"]) == 0
    experiments.toy_gan(ring, steps=2, **TINY)
    assert seen["updates"] == "alternating" and torch.count_nonzero(seen["bias"]) > 0
    with pytest.raises(ValueError, match=r"updates must be one of alternating, simultaneous, same_noise, got 'both'"):
        experiments.toy_gan(ring, steps=2, updates="both")


def test_run_seeds_judges_on_another_distributions_modes():
    table = experiments.run_seeds({"ls": dict(loss="least_squares", **TINY)}, [0], mixtures.lsgan_code_ring(std=0.05),
                              steps=3, judged_on=mixtures.ring_of_gaussians(8, radius=1.0, std=0.05))
    assert list(table.n_modes) == [8]


def test_run_seeds_counts_with_the_given_radius(monkeypatch):
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.01)
    near = ring.centres.repeat_interleave(25, 0) + 0.1  # every point 0.14 from its centre

    class Fixed(torch.nn.Module):
        def sample(self, n, generator=None):
            return near[:n]

    monkeypatch.setattr(experiments, "toy_gan", lambda *a, **k: experiments.ToyGAN(Fixed(), None, None, "x", None, 0.0))
    strict = experiments.run_seeds({"s": {}}, [0], ring, steps=1, n_eval=100, workers=1)
    loose = experiments.run_seeds({"s": {}}, [0], ring, steps=1, n_eval=100, n_std=20, workers=1)
    assert list(strict.modes_recovered) == [0] and list(loose.modes_recovered) == [4]
    with pytest.raises(ValueError, match="n_std"):
        experiments.run_seeds({"s": {}}, [0], ring, steps=1, n_std=0)


def test_seeds_run_in_worker_processes_give_the_rows_of_one_after_the_other():
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)
    settings = {"GAN": dict(loss="non_saturating", **TINY), "LSGAN": dict(**TINY)}
    serial = experiments.run_seeds(settings, [0, 1, 2], ring, steps=20, n_eval=300, workers=1)
    seen = []
    parallel = experiments.run_seeds(settings, [0, 1, 2], ring, steps=20, n_eval=300, workers=2, on_run=seen.append)
    columns = [c for c in experiments.RUN_COLUMNS if c != "seconds"]
    assert parallel[columns].equals(serial[columns])
    assert [(row["setting"], row["seed"]) for row in seen] == list(zip(serial.setting, serial.seed))
    assert serial["high_quality_fraction"].nunique() > 1  # the runs differ: the check can fail


def test_toy_gans_in_workers_return_nets_histories_and_callbacks_as_one_run_here():
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)

    def arguments(seed):
        tracker = experiments.CoverageTracker(ring, every=5, n=200)
        return dict(distribution=ring, loss="non_saturating", steps=10, seed=seed, callbacks=(tracker,), **TINY)

    runs = experiments.toy_gans({"a": arguments(0), "b": arguments(1)}, workers=2)
    here = experiments.toy_gan(**arguments(1))
    assert list(runs) == ["a", "b"]
    assert runs["b"].history == here.history
    for mine, theirs in zip(here.generator.state_dict().values(), runs["b"].generator.state_dict().values()):
        assert torch.equal(mine, theirs)
    tracker = runs["b"].callbacks[0]
    assert tracker.steps == here.callbacks[0].steps == [5, 10]
    assert [r.counts for r in tracker.results] == [r.counts for r in here.callbacks[0].results]
    assert runs["a"].history != runs["b"].history


def test_worker_errors_and_bad_settings_are_clear():
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)
    with pytest.raises(ValueError, match=r"^workers must be an integer >= 1, got 0$"):
        experiments.run_seeds({"s": {}}, [0], ring, steps=1, workers=0)
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'"):
        experiments.run_seeds({"s": dict(loss="hinge")}, [0, 1], ring, steps=1)
    with pytest.raises(ValueError, match=r"steps must be an integer >= 1, got 0"):  # raised in a worker
        experiments.toy_gans({"a": dict(distribution=ring, steps=0), "b": dict(distribution=ring, steps=0)}, workers=2)
