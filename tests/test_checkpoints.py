"""Checkpoints of the one training loop: atomic, resumable bit for bit, never diverged."""

import pytest
import torch
from test_training import BreaksAfter

from gan_core import training
from gan_core.data import mixtures
from gan_core.models import mlp
from gan_core.training import TrainConfig, TrainingDiverged


def tiny_models(seed=0):
    torch.manual_seed(seed)
    return mlp.MLPGenerator(z_dim=2, out_dim=2, width=8, depth=1), mlp.MLPDiscriminator(in_dim=2, width=8, depth=1)


def settings(path, steps, **kw):
    return TrainConfig(steps=steps, batch_size=16, checkpoint=str(path), seed=3, **kw)


def test_resumed_run_equals_an_uninterrupted_run_bitwise(tmp_path):
    ring = mixtures.ring_of_gaussians()
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
    training.train(g, d, mixtures.ring_of_gaussians(), settings(tmp_path / "c.pt", 4, checkpoint_every=2))
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert state["step"] == 4
    assert state["history"]["step"] == [1, 2, 3, 4]
    assert state["rng"].dtype == torch.uint8 and state["rng"].numel() > 0
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary files left behind


def test_resume_without_a_checkpoint_starts_from_scratch(tmp_path):
    g1, d1 = tiny_models()
    g2, d2 = tiny_models()
    a = training.train(g1, d1, mixtures.ring_of_gaussians(), settings(tmp_path / "a.pt", 3, resume=True))
    b = training.train(g2, d2, mixtures.ring_of_gaussians(), settings(tmp_path / "b.pt", 3))
    assert a == b


def test_divergence_keeps_the_last_good_checkpoint(tmp_path):
    path = tmp_path / "c.pt"
    torch.manual_seed(0)
    g = BreaksAfter(12, z_dim=2, out_dim=2, width=8, depth=1)  # two forwards per step: step 7 diverges
    d = mlp.MLPDiscriminator(in_dim=2, width=8, depth=1)
    with pytest.raises(TrainingDiverged, match="at step 7"):
        training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 20, checkpoint_every=2))
    state = torch.load(path, weights_only=True)
    assert state["step"] == 6
    assert all(torch.isfinite(t).all() for t in state["generator"].values())


def test_non_finite_weights_are_never_saved(tmp_path):
    path = tmp_path / "c.pt"
    g, d = tiny_models()
    training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 2))
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
    training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 2))
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


def saved_run(tmp_path, steps=4, **kw):
    path = tmp_path / "run.pt"
    g, d = tiny_models()
    training.train(g, d, mixtures.ring_of_gaussians(), settings(path, steps, **kw))
    return path


@pytest.mark.parametrize("change, listed", [
    ({"loss": "least_squares"}, r"loss: checkpoint 'non_saturating', now 'least_squares'"),
    ({"seed": 4}, r"seed: checkpoint 3, now 4"),
    ({"batch_size": 32}, r"batch_size: checkpoint 16, now 32"),
    ({"betas": (0.9, 0.999)}, r"betas: checkpoint \[0.5, 0.999\], now \[0.9, 0.999\]"),
    ({"d_steps": 2}, r"d_steps: checkpoint 1, now 2"),
    ({"updates": "simultaneous"}, r"updates: checkpoint 'alternating', now 'simultaneous'"),
])
def test_resuming_another_run_lists_the_differences(tmp_path, change, listed):
    path = saved_run(tmp_path)
    g, d = tiny_models()
    config = TrainConfig(**{**vars(settings(path, 8, resume=True)), **change})
    with pytest.raises(training.CheckpointError, match=f"run.pt belongs to another run(.|\\n)*{listed}"):
        training.train(g, d, mixtures.ring_of_gaussians(), config)


def test_resuming_into_another_model_lists_the_shapes(tmp_path):
    path = saved_run(tmp_path)
    torch.manual_seed(0)
    g = mlp.MLPGenerator(z_dim=2, out_dim=2, width=16, depth=1)
    d = mlp.MLPDiscriminator(in_dim=2, width=8, depth=1)
    with pytest.raises(training.CheckpointError, match=r"generator body.0.weight: checkpoint \[8, 2\], now \[16, 2\]"):
        training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 8, resume=True))


def test_resuming_beyond_the_requested_steps_is_an_error(tmp_path):
    path = saved_run(tmp_path, steps=5)
    g, d = tiny_models()
    with pytest.raises(training.CheckpointError, match="at step 5, beyond steps=3"):
        training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 3, resume=True))


def test_a_changed_learning_rate_is_applied_and_reported(tmp_path):
    path = saved_run(tmp_path)
    g, d = tiny_models()
    with pytest.warns(UserWarning, match=r"lr_g changed from 0.0002 to 0.001; applying 0.001"):
        training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 6, resume=True, lr_g=1e-3))
    state = torch.load(path, weights_only=True)
    assert state["opt_g"]["param_groups"][0]["lr"] == 1e-3
    assert state["opt_d"]["param_groups"][0]["lr"] == 2e-4


@pytest.mark.parametrize("damage, message", [
    (lambda raw: b"", "the file is empty"),
    (lambda raw: raw[: len(raw) // 2], "not a readable checkpoint"),
    (lambda raw: b"\x00" * 64 + raw[64:], "not a readable checkpoint"),
    (lambda raw: b"not a checkpoint at all", "not a readable checkpoint"),
])
def test_a_damaged_checkpoint_names_the_file(tmp_path, damage, message):
    path = saved_run(tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    g, d = tiny_models()
    with pytest.raises(training.CheckpointError, match=f"{path}: {message}"):
        training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 6, resume=True))


def test_a_foreign_file_is_not_taken_for_a_checkpoint(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"generator": {}, "epoch": 3}, path)
    g, d = tiny_models()
    with pytest.raises(training.CheckpointError, match=r"weights.pt: not a gan_core training checkpoint \(missing step, "):
        training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 6, resume=True))


def test_stale_part_files_of_a_killed_save_are_removed_by_the_next_save(tmp_path):
    path = saved_run(tmp_path)
    stale = tmp_path / ".run.pt.abc123.part"
    stale.write_bytes(b"half")
    other = tmp_path / ".other.pt.x.part"  # another checkpoint's temporary file: not ours to delete
    other.write_bytes(b"half")
    g, d = tiny_models()
    training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 6, resume=True))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.pt.x.part", "run.pt"]


KILLED_RUN = """
import sys, torch
from gan_core import training
from gan_core.data import mixtures
from gan_core.models import mlp
torch.set_num_threads(1)
torch.manual_seed(0)
g = mlp.MLPGenerator(z_dim=2, out_dim=2, width=32, depth=2)
d = mlp.MLPDiscriminator(in_dim=2, width=32, depth=2)
config = training.TrainConfig(steps=int(sys.argv[2]), batch_size=64, seed=3, checkpoint=sys.argv[1],
                              checkpoint_every=1, resume=True, progress=False)
training.train(g, d, mixtures.ring_of_gaussians(), config)
"""


def test_a_run_killed_at_any_moment_resumes_to_the_same_result(tmp_path):
    import random
    import subprocess
    import sys
    import time

    steps, path = 600, tmp_path / "killed.pt"
    script = tmp_path / "run.py"
    script.write_text(KILLED_RUN)
    moments, kills = random.Random(0), 0
    while True:  # kill the run at random moments (mid-step or mid-save) a few times, then let it end
        run = subprocess.Popen([sys.executable, str(script), str(path), str(steps)])
        if kills < 3:
            saved = path.stat().st_mtime_ns if path.exists() else 0
            while run.poll() is None and (path.stat().st_mtime_ns if path.exists() else 0) == saved:
                time.sleep(0.01)  # wait until this run has saved at least once
            time.sleep(moments.uniform(0.0, 0.2))
            run.kill()
        if run.wait() == 0:
            break
        assert run.returncode == -9, f"the run failed with exit code {run.returncode}"
        kills += 1
    assert kills == 3
    resumed = torch.load(path, weights_only=True)

    torch.manual_seed(0)
    g = mlp.MLPGenerator(z_dim=2, out_dim=2, width=32, depth=2)
    d = mlp.MLPDiscriminator(in_dim=2, width=32, depth=2)
    config = TrainConfig(steps=steps, batch_size=64, seed=3, progress=False)
    whole = training.train(g, d, mixtures.ring_of_gaussians(), config)
    assert resumed["history"] == vars(whole)
    for name, tensor in g.state_dict().items():
        assert torch.equal(resumed["generator"][name], tensor), name
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_a_checkpoint_of_the_earlier_format_still_resumes(tmp_path):
    path = saved_run(tmp_path)
    state = torch.load(path, weights_only=True)
    del state["config"], state["shapes"]  # what gan_core saved before it recorded them
    torch.save(state, path)
    g, d = tiny_models()
    resumed = training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 6, resume=True))
    g2, d2 = tiny_models()
    assert resumed == training.train(g2, d2, mixtures.ring_of_gaussians(), settings(tmp_path / "whole.pt", 6))
    g3 = mlp.MLPGenerator(z_dim=2, out_dim=2, width=16, depth=1)
    torch.save(state, path)
    with pytest.raises(training.CheckpointError, match=r"(?s)run.pt does not fit these nets or optimisers: .*size mismatch"):
        training.train(g3, tiny_models()[1], mixtures.ring_of_gaussians(), settings(path, 6, resume=True))


def test_a_checkpoint_from_before_a_config_field_existed_resumes_with_its_default(tmp_path):
    path = saved_run(tmp_path)
    state = torch.load(path, weights_only=True)
    del state["config"]["updates"]  # saved by gan_core 0.2.0, which always alternated
    torch.save(state, path)
    g, d = tiny_models()
    resumed = training.train(g, d, mixtures.ring_of_gaussians(), settings(path, 6, resume=True))
    g2, d2 = tiny_models()
    assert resumed == training.train(g2, d2, mixtures.ring_of_gaussians(), settings(tmp_path / "whole.pt", 6))
    torch.save(state, path)
    with pytest.raises(training.CheckpointError, match=r"updates: checkpoint 'alternating', now 'simultaneous'"):
        training.train(*tiny_models(), mixtures.ring_of_gaussians(), settings(path, 6, resume=True, updates="simultaneous"))
