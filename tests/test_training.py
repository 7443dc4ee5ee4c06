import copy
import dataclasses

import pytest
import torch
from torch.optim.optimizer import register_optimizer_step_post_hook

from gan_core import training
from gan_core.data import mixtures
from gan_core.models import mlp
from gan_core.training import TrainConfig


def tiny_models(seed=0, z_dim=1, dim=1):
    torch.manual_seed(seed)
    return (mlp.MLPGenerator(z_dim=z_dim, out_dim=dim, width=16, depth=2),
            mlp.MLPDiscriminator(in_dim=dim, width=16, depth=2))


class CountingSampler:
    def __init__(self, dist):
        self.dist, self.calls = dist, 0

    def sample(self, n, generator=None):
        self.calls += 1
        return self.dist.sample(n, generator=generator)


@pytest.mark.parametrize("k", [1, 3])
def test_algorithm_one_takes_k_discriminator_steps_per_generator_step(k):
    g, d = tiny_models()
    sampler = CountingSampler(mixtures.gaussian_1d())
    updated = []  # which net each optimiser step updated, in order

    def record(optimizer, *_):
        first = optimizer.param_groups[0]["params"][0]
        updated.append("D" if any(first is p for p in d.parameters()) else "G")

    hook = register_optimizer_step_post_hook(record)
    try:
        history = training.train(g, d, sampler, TrainConfig(steps=5, batch_size=8, d_steps=k))
    finally:
        hook.remove()
    assert sampler.calls == 5 * k
    assert updated == (["D"] * k + ["G"]) * 5
    assert len(history) == 5 and history.step == [1, 2, 3, 4, 5]


def test_generator_learns_a_shifted_gaussian():
    g, d = tiny_models()
    target = mixtures.gaussian_1d(3.0, 0.5)
    training.train(g, d, target, TrainConfig(steps=600, batch_size=64, lr_d=2e-3, lr_g=2e-3))
    fake = g.sample(4_000, torch.Generator().manual_seed(1))
    assert fake.mean().item() == pytest.approx(3.0, abs=0.3)
    assert fake.std().item() == pytest.approx(0.5, abs=0.25)


@pytest.mark.parametrize("loss, params", [("minimax", {}), ("least_squares", {"a": -1, "b": 1, "c": 0})])
def test_runs_are_repeatable_with_the_same_seed(loss, params):
    def run(seed):
        g, d = tiny_models()
        return training.train(g, d, mixtures.gaussian_1d(), TrainConfig(steps=20, batch_size=16, loss=loss,
                                                                    loss_params=params, seed=seed))
    assert run(0).g_loss == run(0).g_loss
    assert run(0).g_loss != run(1).g_loss


def test_sgd_with_momentum_and_rmsprop_train_too():
    for optimizer in ("sgd", "rmsprop"):
        g, d = tiny_models()
        history = training.train(g, d, mixtures.gaussian_1d(), TrainConfig(steps=3, batch_size=8, optimizer=optimizer))
        assert len(history) == 3


def test_history_records_d_outputs_and_losses():
    g, d = tiny_models()
    history = training.train(g, d, mixtures.gaussian_1d(), TrainConfig(steps=4, batch_size=8))
    for name in ("d_loss", "g_loss", "d_real", "d_fake"):
        values = getattr(history, name)
        assert len(values) == 4 and all(isinstance(v, float) for v in values)


def test_callbacks_see_every_step_and_every_filters():
    g, d = tiny_models()
    seen, sparse = [], []
    callbacks = (lambda s: seen.append(s.step), training.every(3, lambda s: sparse.append(len(s.history))))
    training.train(g, d, mixtures.gaussian_1d(), TrainConfig(steps=7, batch_size=8), callbacks=callbacks)
    assert seen == list(range(1, 8))
    assert sparse == [3, 6]


def test_progress_bar_is_quiet_in_the_smoke_profile(capsys):
    g, d = tiny_models()
    training.train(g, d, mixtures.gaussian_1d(), TrainConfig(steps=3, batch_size=8))
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


class NaNAfter:
    def __init__(self, good_calls):
        self.left = good_calls

    def sample(self, n, generator=None):
        self.left -= 1
        return torch.full((n, 1), float("nan") if self.left < 0 else 0.0)


class BreaksAfter(mlp.MLPGenerator):
    """A generator whose output turns into NaN after ``good_calls`` forward passes: a diverged G."""

    def __init__(self, good_calls, **kw):
        super().__init__(**kw)
        self.left = good_calls

    def forward(self, z):
        self.left -= 1
        out = super().forward(z)
        return out * float("nan") if self.left < 0 else out


def test_nan_loss_stops_with_a_clear_error_and_the_last_checkpoint_intact(tmp_path):
    torch.manual_seed(0)
    g, d = BreaksAfter(4, z_dim=1, out_dim=1, width=8, depth=1), mlp.MLPDiscriminator(in_dim=1, width=8, depth=1)
    seen, file = [], tmp_path / "run.pt"
    config = TrainConfig(steps=5, batch_size=8, checkpoint=str(file), checkpoint_every=1)
    with pytest.raises(training.TrainingDiverged, match=r"d_loss became nan at step 3; try a smaller learning rate"):
        training.train(g, d, mixtures.gaussian_1d(), config, callbacks=(lambda s: seen.append(s.step),))
    assert seen == [1, 2]  # two G forwards per step: the third step's fake batch is NaN
    saved = training.read_checkpoint(file)
    assert saved["step"] == 2 and saved["history"]["step"] == [1, 2]
    assert all(torch.isfinite(t).all() for t in saved["discriminator"].values())


def test_nan_in_the_training_data_blames_the_data_not_the_learning_rate():
    g, d = tiny_models()
    with pytest.raises(training.NonFiniteData, match=r"real batch at step 3 contains NaN or infinite values"):
        training.train(g, d, NaNAfter(2), TrainConfig(steps=5, batch_size=8))


def test_losses_are_read_from_the_device_every_log_every_steps_only(monkeypatch):
    data = mixtures.gaussian_1d()

    def run(log_every, count=False):
        g, d = tiny_models()
        reads = []
        if count:  # every way a tensor's value reaches the host
            for method in ("item", "tolist", "__bool__", "__float__"):
                original = getattr(torch.Tensor, method)
                monkeypatch.setattr(torch.Tensor, method,
                                    lambda self, *a, _m=method, _o=original: reads.append(_m) or _o(self, *a))
        history = training.train(g, d, data, TrainConfig(steps=10, batch_size=8, log_every=log_every))
        monkeypatch.undo()
        return history, reads

    every_step, _ = run(1)
    windowed, reads = run(5, count=True)
    assert windowed == every_step  # the same numbers, read in two transfers
    assert reads == ["tolist", "tolist"]


def test_a_checkpoint_between_reads_holds_the_whole_history(tmp_path):
    g, d = tiny_models()
    config = TrainConfig(steps=6, batch_size=8, log_every=4, checkpoint=str(tmp_path / "run.pt"), checkpoint_every=3)
    seen = []
    history = training.train(g, d, mixtures.gaussian_1d(), config, callbacks=(lambda s: seen.append(len(s.history)),))
    assert seen == [0, 0, 3, 4, 4, 6]  # read at the checkpoints (3, 6) and at step 4
    assert training.read_checkpoint(tmp_path / "run.pt")["history"]["step"] == history.step == [1, 2, 3, 4, 5, 6]


def test_a_divergence_inside_a_window_is_reported_at_its_first_bad_step():
    torch.manual_seed(0)
    g, d = BreaksAfter(4, z_dim=1, out_dim=1, width=8, depth=1), mlp.MLPDiscriminator(in_dim=1, width=8, depth=1)
    seen = []
    with pytest.raises(training.TrainingDiverged, match=r"d_loss became nan at step 3"):
        training.train(g, d, mixtures.gaussian_1d(), TrainConfig(steps=8, batch_size=8, log_every=4),
                       callbacks=(lambda s: seen.append(len(s.history)),))
    assert seen == [0, 0, 0]  # read at step 4: the callbacks of steps 1-3 ran, with no history yet


@pytest.mark.parametrize("config, message", [
    (TrainConfig(optimizer="adagrad"), r"unknown optimizer 'adagrad'.*'adam', 'sgd', 'rmsprop', 'tf_rmsprop'"),
    (TrainConfig(loss="hinge"), r"unknown loss 'hinge'"),
    (TrainConfig(d_steps=0), r"d_steps must be an integer >= 1, got 0"),
    (TrainConfig(log_every=0), r"log_every must be an integer >= 1, got 0"),
])
def test_bad_configs_are_clear_errors(config, message):
    g, d = tiny_models()
    with pytest.raises(ValueError, match=message):
        training.train(g, d, mixtures.gaussian_1d(), config)


def one_sgd_step(updates):
    """One step of ``updates`` on tiny nets with SGD, whose step is proportional to the
    gradient (Adam's first step is only its sign). Returns the trained nets, copies of them
    as they were, the history, and the real and noise batches the step drew."""
    g, d = tiny_models(seed=1)
    g_ref, d_ref = copy.deepcopy(g), copy.deepcopy(d)
    config = TrainConfig(steps=1, batch_size=8, updates=updates, loss="least_squares", seed=4,
                         optimizer="sgd", lr_d=0.5, lr_g=0.5)
    history = training.train(g, d, mixtures.gaussian_1d(2.0), config)
    rng = torch.Generator().manual_seed(4)  # one real batch, then one noise batch
    real = mixtures.gaussian_1d(2.0).sample(8, generator=rng)
    z = mlp.sample_latent(8, 1, "normal", rng)
    return (g, d), (g_ref, d_ref), history, real, z


def assert_same_step(trained, by_hand, history, loss_d, loss_g):
    for net, ref in zip(trained, by_hand):
        for p, q in zip(net.parameters(), ref.parameters()):
            torch.testing.assert_close(p, q)
    assert history.d_loss[0] == pytest.approx(loss_d.item(), rel=1e-6)
    assert history.g_loss[0] == pytest.approx(loss_g.item(), rel=1e-6)


def test_simultaneous_updates_take_both_gradients_at_the_same_weights():
    trained, (g_ref, d_ref), history, real, z = one_sgd_step("simultaneous")
    # The same step by hand: both gradients first, then both steps.
    loss = training.losses.get("least_squares")
    d_fake = d_ref(g_ref(z))
    loss_d, loss_g = loss.d_loss(d_ref(real), d_fake), loss.g_loss(d_fake)
    d_grads = torch.autograd.grad(loss_d, list(d_ref.parameters()), retain_graph=True)
    g_grads = torch.autograd.grad(loss_g, list(g_ref.parameters()))
    for net, grads in ((d_ref, d_grads), (g_ref, g_grads)):
        opt = torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.5)
        for p, grad in zip(net.parameters(), grads):
            p.grad = grad
        opt.step()
    assert_same_step(trained, (g_ref, d_ref), history, loss_d, loss_g)


def test_same_noise_updates_d_then_g_against_the_new_d_on_one_forward_through_g():
    trained, (g_ref, d_ref), history, real, z = one_sgd_step("same_noise")
    # The same step by hand, as pytorch/examples' DCGAN takes it
    loss = training.losses.get("least_squares")
    opt_d = torch.optim.SGD(d_ref.parameters(), lr=0.5, momentum=0.5)
    opt_g = torch.optim.SGD(g_ref.parameters(), lr=0.5, momentum=0.5)
    fake = g_ref(z)
    loss_d = loss.d_loss(d_ref(real), d_ref(fake.detach()))
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    loss_g = loss.g_loss(d_ref(fake))  # D's new weights, the same fake batch
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    assert_same_step(trained, (g_ref, d_ref), history, loss_d, loss_g)


@pytest.mark.parametrize("updates, g_forwards", [("alternating", 2), ("simultaneous", 1), ("same_noise", 1)])
def test_forwards_through_g_per_step(updates, g_forwards):
    g, d = tiny_models()
    calls = []
    g.register_forward_hook(lambda *_: calls.append(1))
    training.train(g, d, mixtures.gaussian_1d(2.0), TrainConfig(steps=3, batch_size=8, updates=updates))
    assert len(calls) == 3 * g_forwards


def test_simultaneous_updates_differ_from_algorithm_one():
    runs = []
    for updates in ("alternating", "simultaneous"):
        g, d = tiny_models(seed=2)
        training.train(g, d, mixtures.gaussian_1d(2.0), TrainConfig(steps=3, batch_size=8, updates=updates))
        runs.append(torch.cat([p.detach().flatten() for p in g.parameters()]))
    assert not torch.allclose(runs[0], runs[1])


@pytest.mark.parametrize("config, message", [
    (TrainConfig(updates="together"),
     r"updates must be one of alternating, simultaneous, same_noise, got 'together'"),
    (TrainConfig(updates="simultaneous", d_steps=2), r"'simultaneous' takes one D step per G step; got d_steps=2"),
    (TrainConfig(updates="same_noise", d_steps=3), r"'same_noise' takes one D step per G step; got d_steps=3"),
])
def test_bad_update_schemes_are_clear_errors(config, message):
    g, d = tiny_models()
    with pytest.raises(ValueError, match=message):
        training.train(g, d, mixtures.gaussian_1d(), config)


@pytest.mark.parametrize("updates, k", [("alternating", 1), ("alternating", 3), ("simultaneous", 1),
                                       ("same_noise", 1)])
def test_callbacks_see_the_steps_discriminator_outputs(updates, k):
    g, d = tiny_models()
    seen = []
    training.train(g, d, mixtures.gaussian_1d(2.0), TrainConfig(steps=4, batch_size=8, d_steps=k, updates=updates),
                   callbacks=(seen.append,))
    for state in seen:
        assert state.d_real.shape == state.d_fake.shape == (8,)
        assert not state.d_real.requires_grad
        assert state.d_real.mean().item() == pytest.approx(state.history.d_real[state.step - 1], rel=1e-6)
        assert state.d_fake.mean().item() == pytest.approx(state.history.d_fake[state.step - 1], rel=1e-6)
    assert not torch.equal(seen[0].d_real, seen[0].d_fake)


def test_generator_average_is_the_exponential_moving_average_of_gs_weights():
    torch.manual_seed(0)
    g = mlp.MLPGenerator(z_dim=2, out_dim=2, width=8, depth=1)
    d = mlp.MLPDiscriminator(in_dim=2, width=8, depth=1)
    snapshots = []
    average = training.GeneratorAverage(decay=0.9)
    keep = lambda state: snapshots.append({k: v.clone() for k, v in state.generator.state_dict().items()})  # noqa: E731
    training.train(g, d, mixtures.ring_of_gaussians(4), TrainConfig(steps=5, batch_size=16), callbacks=(keep, average))
    expected = dict(snapshots[0])  # the first step copies G
    for weights in snapshots[1:]:
        expected = {k: 0.9 * expected[k] + 0.1 * weights[k] for k in expected}
    for name, value in average.generator.state_dict().items():
        torch.testing.assert_close(value, expected[name])
    assert not torch.equal(average.generator.state_dict()["body.0.weight"], g.state_dict()["body.0.weight"])
    assert average.generator.sample(3).shape == (3, 2)
    with pytest.raises(ValueError, match=r"decay must be a finite number in \[0, 1\), got 1"):
        training.GeneratorAverage(decay=1)


@pytest.mark.parametrize("updates, g_calls, d_calls", [("alternating", 6, 9), ("simultaneous", 3, 6)])
def test_compile_runs_the_steps_through_compiled_nets_that_share_the_weights(monkeypatch, updates, g_calls, d_calls):
    compiled = []

    class Compiled(torch.nn.Module):  # stands in for torch.compile's wrapper: no compiling
        def __init__(self, net):
            super().__init__()
            self.net, self.calls = net, 0
            compiled.append(self)

        def forward(self, x):
            self.calls += 1
            return self.net(x)

    monkeypatch.setattr(torch, "compile", Compiled)
    g, d = tiny_models()
    reference_g, reference_d = tiny_models()
    seen = []
    settings = TrainConfig(steps=3, batch_size=8, updates=updates)
    training.train(g, d, mixtures.gaussian_1d(), dataclasses.replace(settings, compile=True),
                   callbacks=(lambda state: seen.append(state.generator),))
    training.train(reference_g, reference_d, mixtures.gaussian_1d(), settings)
    assert [c.net for c in compiled] == [g, d]
    assert [c.calls for c in compiled] == [g_calls, d_calls]  # every forward of 3 steps
    assert all(s is g for s in seen)  # callbacks see the nets themselves
    for net, reference in ((g, reference_g), (d, reference_d)):
        for p, q in zip(net.parameters(), reference.parameters()):
            torch.testing.assert_close(p, q, rtol=0, atol=0)


def test_compile_is_off_by_default(monkeypatch):
    monkeypatch.setattr(torch, "compile", lambda net: pytest.fail("compiled"))
    training.train(*tiny_models(), mixtures.gaussian_1d(), TrainConfig(steps=1, batch_size=4))


def test_tf_rmsprop_steps_as_tensorflow_1_does():
    weight = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    optimizer = training.loop.make_optimizer([weight], "tf_rmsprop", 0.01, TrainConfig())
    mean_square, expected = torch.ones(2), weight.detach().clone()
    for gradient in (torch.tensor([0.3, -0.1]), torch.tensor([0.2, 0.4])):
        weight.grad = gradient
        optimizer.step()
        mean_square = 0.9 * mean_square + 0.1 * gradient**2  # starts at 1, decay 0.9
        expected -= 0.01 * gradient / torch.sqrt(mean_square + 1e-10)
        torch.testing.assert_close(weight.detach(), expected, rtol=1e-6, atol=0)
