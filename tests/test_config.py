import random

import numpy as np
import pytest
import threadpoolctl
import torch

from gan_core import config


def test_profile_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("GAN_BOOK_PROFILE", "cpu")
    assert config.get_profile() == "cpu"


def test_explicit_profile_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("GAN_BOOK_PROFILE", "cpu")
    assert config.get_profile("gpu") == "gpu"


def test_default_profile_follows_cuda(monkeypatch):
    monkeypatch.delenv("GAN_BOOK_PROFILE")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert config.get_profile() == "gpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert config.get_profile() == "cpu"


def test_unknown_profile_names_the_choices(monkeypatch):
    monkeypatch.setenv("GAN_BOOK_PROFILE", "laptop")
    with pytest.raises(ValueError, match=r"unknown profile \(from \$GAN_BOOK_PROFILE\) 'laptop'.*'smoke', 'cpu', 'gpu'"):
        config.get_profile()


def test_unknown_explicit_profile_does_not_blame_the_environment():
    with pytest.raises(ValueError, match=r"^unknown profile 'laptop'; choose one of: 'smoke', 'cpu', 'gpu'$"):
        config.get_profile("laptop")


def test_by_profile_picks_the_active_value():
    assert config.by_profile(1, 2, 3) == 1
    assert config.by_profile(1, 2, 3, profile="gpu") == 3


def test_device_is_cpu_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert config.get_device("gpu") == torch.device("cpu")
    assert config.get_device("cpu") == torch.device("cpu")


def blas_threads():
    return {pool["internal_api"]: pool["num_threads"] for pool in threadpoolctl.threadpool_info()}


def test_setup_threads_uses_one_thread_outside_gpu():
    with threadpoolctl.threadpool_limits(2):
        torch.set_num_threads(2)
        config.setup_threads("cpu")
        assert torch.get_num_threads() == 1
        assert blas_threads() and set(blas_threads().values()) == {1}, blas_threads()


@pytest.mark.parametrize("profile, dry, threads", [("cpu", "0", config.cores()), ("smoke", "0", 1), ("cpu", "1", 1),
                                                   ("gpu", "1", 1)])
def test_a_chapter_that_trains_one_net_at_a_time_uses_every_core_in_the_cpu_profile_only(monkeypatch, profile,
                                                                                        dry, threads):
    monkeypatch.setenv("GAN_BOOK_DRY_RUN", dry)
    monkeypatch.delenv("GAN_BOOK_THREADS", raising=False)
    with threadpoolctl.threadpool_limits(1):
        config.start_chapter(profile, all_cores=True)
        assert torch.get_num_threads() == threads and set(blas_threads().values()) == {threads}
        config.start_chapter(profile)
        assert torch.get_num_threads() == 1


def test_the_thread_variable_wins_over_all_cores(monkeypatch):
    monkeypatch.setenv("GAN_BOOK_THREADS", "1")
    config.start_chapter("cpu", all_cores=True)
    assert torch.get_num_threads() == 1


def test_the_gpu_profile_leaves_the_thread_pools_alone():
    with threadpoolctl.threadpool_limits(2):
        before = blas_threads()
        torch.set_num_threads(2)
        config.setup_threads("gpu")
        assert torch.get_num_threads() == 2 and blas_threads() == before


def test_seed_everything_makes_every_generator_repeat():
    def draws():
        gen = config.seed_everything(7)
        return random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=gen).item()

    assert draws() == draws()
    assert isinstance(config.seed_everything(7), torch.Generator)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_seed_must_be_a_non_negative_int(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        config.seed_everything(bad)


def test_start_chapter_prints_profile_and_device(capsys):
    run = config.start_chapter()
    printed = capsys.readouterr().out
    assert "profile: smoke" in printed and "device: cpu" in printed
    assert run.by_profile(10, 20, 30) == 10
    assert run.wall_time().startswith("wall time:")


def test_a_dry_run_keeps_the_sizes_and_takes_the_smoke_lengths(monkeypatch):
    monkeypatch.setenv("GAN_BOOK_PROFILE", "gpu")
    assert not config.start_chapter().short
    monkeypatch.setenv("GAN_BOOK_DRY_RUN", "1")
    run = config.start_chapter()
    assert (run.by_profile(1, 2, 3), run.by_length(10, 20, 30)) == (3, 10)
    assert run.short and run.profile == "gpu"
    assert "in the gpu (dry run) profile" in run.wall_time()
    monkeypatch.setenv("GAN_BOOK_DRY_RUN", "0")
    assert config.start_chapter().by_length(10, 20, 30) == 30


def test_lengths_follow_the_profile_outside_dry_runs(monkeypatch):
    monkeypatch.setenv("GAN_BOOK_PROFILE", "cpu")
    run = config.start_chapter()
    assert (run.by_length(10, 20, 30), run.short) == (20, False)


def test_a_dry_run_uses_one_cpu_thread_in_the_gpu_profile(monkeypatch):
    monkeypatch.setenv("GAN_BOOK_DRY_RUN", "1")
    torch.set_num_threads(2)
    config.setup_threads("gpu")
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize("bad", ["yes", "2", "true"])
def test_a_bad_dry_run_value_names_the_choices(monkeypatch, bad):
    monkeypatch.setenv("GAN_BOOK_DRY_RUN", bad)
    with pytest.raises(ValueError, match=r"\$GAN_BOOK_DRY_RUN must be 0 or 1"):
        config.start_chapter()
