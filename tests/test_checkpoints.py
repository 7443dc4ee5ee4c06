"""Checkpoints of the one training loop: atomic, resumable bit for bit, never diverged."""

import pytest
import torch

from gan_core import data, nets, training
from gan_core.training import TrainConfig, TrainingDiverged


def tiny_models(seed=0):
    torch.manual_seed(seed)
    return nets.MLPGenerator(z_dim=2, out_dim=2, width=8, depth=1), nets.MLPDiscriminator(in_dim=2, width=8, depth=1)


def settings(path, steps, **kw):
    return TrainConfig(steps=steps, batch_size=16, checkpoint=str(path), seed=3, **kw)


def test_resumed_run_equals_an_uninterrupted_run_bitwise(tmp_path):
    ring = data.ring_of_gaussians()
    g1, d1 = tiny_models()
    whole = training.train(g1, d1, ring, settings(tmp_path / "whole.pt", 12))

    g2, d2 = tiny_models()
    training.train(g2, d2, ring, settings(tmp_path / "part.pt", 5))  # "interrupted" after 5 steps
    torch.manual_seed(123)  # whatever happened in between
    g3, d3 = tiny_models(seed=99)  # fresh nets, different init: everything comes from the file
    resumed = training.train(g3, d3, ring, settings(tmp_path / "part.pt", 12, resume=True))

    assert resumed == whole  # the whole history, step by step
    for a, b in zip(list(g1.state_dict().values()) + list(d1.state_dict().values()),
                    list(g3.state_dict().values()) + list(d3.state_dict().values())):
        assert torch.equal(a, b)


def test_checkpoint_loads_with_weights_only_and_holds_the_rng_state(tmp_path):
    g, d = tiny_models()
    training.train(g, d, data.ring_of_gaussians(), settings(tmp_path / "c.pt", 4, checkpoint_every=2))
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert state["step"] == 4
    assert state["history"]["step"] == [1, 2, 3, 4]
    assert state["rng"].dtype == torch.uint8 and state["rng"].numel() > 0
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary files left behind


def test_resume_without_a_checkpoint_starts_from_scratch(tmp_path):
    g1, d1 = tiny_models()
    g2, d2 = tiny_models()
    a = training.train(g1, d1, data.ring_of_gaussians(), settings(tmp_path / "a.pt", 3, resume=True))
    b = training.train(g2, d2, data.ring_of_gaussians(), settings(tmp_path / "b.pt", 3))
    assert a == b


class Exploding:
    """Real data that turn into NaN after a few batches."""

    def __init__(self, good_batches):
        self.left = good_batches

    def sample(self, n, generator=None):
        self.left -= 1
        x = torch.randn(n, 2, generator=generator)
        return x if self.left >= 0 else x * float("nan")


def test_divergence_keeps_the_last_good_checkpoint(tmp_path):
    path = tmp_path / "c.pt"
    g, d = tiny_models()
    with pytest.raises(TrainingDiverged):
        training.train(g, d, Exploding(6), settings(path, 20, checkpoint_every=2))
    state = torch.load(path, weights_only=True)
    assert state["step"] == 6
    assert all(torch.isfinite(t).all() for t in state["generator"].values())


def test_non_finite_weights_are_never_saved(tmp_path):
    path = tmp_path / "c.pt"
    g, d = tiny_models()
    training.train(g, d, data.ring_of_gaussians(), settings(path, 2))
    before = path.read_bytes()
    opt = torch.optim.SGD(g.parameters())
    with torch.no_grad():
        next(g.parameters()).fill_(float("inf"))
    with pytest.raises(TrainingDiverged, match="kept the last checkpoint"):
        training.save_checkpoint(path, 3, g, d, opt, opt, training.History(), torch.Generator())
    assert path.read_bytes() == before


def test_a_crash_while_saving_leaves_the_previous_checkpoint_whole(tmp_path, monkeypatch):
    path = tmp_path / "c.pt"
    g, d = tiny_models()
    training.train(g, d, data.ring_of_gaussians(), settings(path, 2))
    before = path.read_bytes()

    def crash(obj, f, *args, **kwargs):
        open(f, "wb").write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    opt = torch.optim.SGD(g.parameters())
    with pytest.raises(KeyboardInterrupt):
        training.save_checkpoint(path, 3, g, d, opt, opt, training.History(), torch.Generator())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]
