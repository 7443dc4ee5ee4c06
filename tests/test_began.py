"""BEGAN's pieces: the k_t control and M_global against hand-computed values, the
autoencoder's shapes, and a resumed run that equals an uninterrupted one, k_t included."""

import numpy as np
import pytest
import torch

from gan_core import training
from gan_core.models import began
from gan_core.training import TrainConfig, losses


def test_k_follows_the_control_law_by_hand():
    loss = losses.get("began", gamma=0.5, lambda_k=0.1)
    # L(x) = 0.4, L(G(z)) = 0.1: balance 0.5 * 0.4 - 0.1 = 0.1, so k: 0 -> 0.01
    first = loss.after_step(torch.tensor([0.3, 0.5]), torch.tensor(0.1))
    assert first["k"] == 0.0 and loss.k == pytest.approx(0.01)
    assert first["m_global"] == pytest.approx(0.4 + 0.1)
    # L(G(z)) = 0.5: balance -0.3, so k: 0.01 -> 0.01 - 0.03, clipped at 0
    second = loss.after_step(torch.tensor([0.4]), torch.tensor(0.5))
    assert second == {"k": pytest.approx(0.01), "m_global": pytest.approx(0.4 + 0.3)}
    assert loss.k == 0.0


def test_k_is_clipped_at_one_and_used_by_the_discriminator_loss():
    loss = losses.get("began", gamma=1.0, lambda_k=0.5, k0=0.9)
    loss.after_step(torch.tensor([1.0]), torch.tensor(0.0))  # 0.9 + 0.5 * 1.0 -> 1
    assert loss.k == 1.0
    d_real, d_fake = torch.tensor([0.2, 0.4]), torch.tensor([0.1, 0.3])
    assert loss.d_loss(d_real, d_fake).item() == pytest.approx(0.3 - 1.0 * 0.2)
    assert loss.g_loss(d_fake).item() == pytest.approx(0.2)
    assert loss.state_dict() == {"k": 1.0}


def test_each_began_loss_has_its_own_state_and_no_undecided_level():
    first, second = losses.get("began"), losses.get("began")
    first.after_step(torch.tensor([1.0]), torch.tensor(0.0))
    assert first.k > 0 and second.k == 0
    assert first.undecided is None and first.output == "reconstruction error"
    with pytest.raises(ValueError, match="gamma must be"):
        losses.get("began", gamma=1.5)
    with pytest.raises(ValueError, match=r"takes parameters \['gamma', 'lambda_k', 'k0'\]"):
        losses.get("began", k=0.1)


@pytest.mark.parametrize("size", [32, 64])
def test_the_autoencoder_and_generator_shapes(size):
    generator = began.BEGANGenerator(z_dim=8, size=size, channels=3, n=4)
    discriminator = began.BEGANDiscriminator(h=8, size=size, channels=3, n=4)
    images = generator.sample(5, torch.Generator().manual_seed(0))
    assert images.shape == (5, 3, size, size)
    assert discriminator.reconstruct(images).shape == images.shape
    errors = discriminator(images)
    assert errors.shape == (5,) and bool((errors >= 0).all())
    by_hand = (images - discriminator.reconstruct(images)).abs().mean(dim=(1, 2, 3))
    torch.testing.assert_close(errors, by_hand)


def test_the_paper_layout_convolutions_elu_and_no_batch_norm():
    discriminator = began.BEGANDiscriminator(h=64, size=32, channels=3, n=16)
    kinds = {type(m).__name__ for m in discriminator.modules()}
    assert {"Conv2d", "ELU", "Upsample", "Linear"} <= kinds
    assert not kinds & {"BatchNorm2d", "ConvTranspose2d", "Dropout"}
    convs = [m for m in discriminator.encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    assert {m.kernel_size for m in convs} == {(3, 3)}
    # widths n, 2n, 3n at 32, 16, 8 px; two subsamplings by stride 2
    assert sorted({m.out_channels for m in convs}) == [16, 32, 48]
    assert sum(m.stride == (2, 2) for m in convs) == 2


def test_bad_sizes_are_clear_errors():
    with pytest.raises(ValueError, match="unknown BEGAN image size 28; choose one of: 32, 64, 128"):
        began.BEGANGenerator(size=28)
    with pytest.raises(ValueError, match="eta"):
        began.BEGANDiscriminator(eta=3)


class NoiseImages:
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.rand(n, 1, 32, 32, generator=generator) * 2 - 1


def tiny_began(seed: int = 0):
    torch.manual_seed(seed)
    return (began.BEGANGenerator(z_dim=4, size=32, channels=1, n=4),
            began.BEGANDiscriminator(h=4, size=32, channels=1, n=4))


def config(**changes) -> TrainConfig:
    settings = dict(steps=6, batch_size=4, loss="began",
                    loss_params={"gamma": 0.5, "lambda_k": 0.05}, lr_d=1e-3, lr_g=1e-3)
    return TrainConfig(**{**settings, **changes})


def test_training_records_k_and_m_global_and_moves_k():
    generator, discriminator = tiny_began()
    history = training.train(generator, discriminator, NoiseImages(), config())
    assert sorted(history.extra) == ["k", "m_global"]
    assert len(history.extra["k"]) == len(history.extra["m_global"]) == 6
    assert history.extra["k"][0] == 0.0 and history.extra["k"][-1] != 0.0


def test_a_resumed_began_run_equals_an_uninterrupted_one_k_included(tmp_path):
    generator, discriminator = tiny_began()
    whole = training.train(generator, discriminator, NoiseImages(), config())
    path = str(tmp_path / "began.pt")
    first_g, first_d = tiny_began()
    training.train(first_g, first_d, NoiseImages(), config(steps=3, checkpoint=path))
    second_g, second_d = tiny_began(seed=99)  # other weights: the checkpoint must restore them
    resumed = training.train(second_g, second_d, NoiseImages(),
                             config(checkpoint=path, resume=True))
    assert resumed.extra == whole.extra and resumed.d_loss == whole.d_loss
    for a, b in zip(generator.parameters(), second_g.parameters()):
        assert torch.equal(a, b)
    assert torch.load(path, weights_only=True)["loss"]["k"] != 0.0


def test_a_loss_object_in_the_config_is_used_and_identifies_the_run(tmp_path):
    generator, discriminator = tiny_began()
    loss = losses.get("began", gamma=0.5, lambda_k=0.05)
    path = str(tmp_path / "began.pt")
    training.train(generator, discriminator, NoiseImages(),
                   config(steps=2, loss=loss, loss_params={}, checkpoint=path))
    assert loss.k != 0.0
    other = losses.get("began", gamma=0.7, lambda_k=0.05)
    with pytest.raises(training.CheckpointError, match="loss_params"):
        training.train(generator, discriminator, NoiseImages(),
                       config(loss=other, loss_params={}, checkpoint=path, resume=True))


def test_callbacks_see_the_optimisers_and_the_loss():
    seen = []

    def halve_d_rate_at_step_2(state: training.TrainState) -> None:
        seen.append((state.loss.k, state.opt_d.param_groups[0]["lr"]))
        if state.step == 2:
            for group in state.opt_d.param_groups:
                group["lr"] /= 2

    generator, discriminator = tiny_began()
    training.train(generator, discriminator, NoiseImages(), config(steps=3),
                   callbacks=(halve_d_rate_at_step_2,))
    assert [lr for _, lr in seen] == [1e-3, 1e-3, 5e-4]
    assert seen[0][0] > 0  # k after the first step's update


def test_the_rate_halves_when_m_stalls_and_a_resumed_run_keeps_the_schedule(tmp_path):
    def halved_run(**changes):
        generator, discriminator = tiny_began()
        rates = []
        schedule = training.halve_when_stalled("m_global", window=1, floor=2e-4)
        record = lambda state: rates.append(state.opt_g.param_groups[0]["lr"])  # noqa: E731
        history = training.train(generator, discriminator, NoiseImages(), config(**changes),
                                 callbacks=(schedule, record))
        return history, rates, generator

    whole, rates, generator = halved_run()
    assert rates[0] == 1e-3 and min(rates) >= 2e-4 and len(set(rates)) > 1
    m = whole.extra["m_global"]
    for step in range(2, 6):  # halved exactly where M did not fall
        stalled = m[step - 1] >= m[step - 2]
        expected = max(rates[step - 2] / 2, 2e-4) if stalled else rates[step - 2]
        assert rates[step - 1] == expected
    path = str(tmp_path / "scheduled.pt")
    halved_run(steps=3, checkpoint=path)
    resumed, resumed_rates, resumed_generator = halved_run(checkpoint=path, resume=True)
    assert resumed == whole and resumed_rates == rates[3:]
    for a, b in zip(generator.parameters(), resumed_generator.parameters()):
        assert torch.equal(a, b)


def test_the_schedule_names_the_series_it_needs():
    generator, discriminator = tiny_began()
    schedule = training.halve_when_stalled("m", window=1)
    with pytest.raises(ValueError, match=r"no series 'm'.*\['k', 'm_global'\]"):
        training.train(generator, discriminator, NoiseImages(), config(steps=1),
                       callbacks=(schedule,))


def test_the_control_law_settles_at_its_fixed_point_or_sticks_at_zero():
    real, base, gain = 0.2, 0.05, 0.2  # L(G) = 0.05 + 0.2 k: gamma L(x) = L(G) at k*
    ks, fakes = began.control_path(0.5, 0.01, real, lambda k: base + gain * k, 20_000)
    k_star = (0.5 * real - base) / gain
    assert ks[-1] == pytest.approx(k_star, rel=0.02)
    assert fakes[-1] / real == pytest.approx(0.5, rel=0.02)
    # fakes already worse than gamma L(x) at k = 0: the balance never turns positive
    stuck, _ = began.control_path(0.3, 0.01, real, lambda k: 0.08 + gain * k, 2_000)
    assert (stuck == 0).all()
    with pytest.raises(ValueError, match="gamma"):
        began.control_path(1.2, 0.01, real, lambda k: k, 10)


def test_embedding_finds_the_noise_of_a_generated_image():
    torch.manual_seed(0)
    generator = began.BEGANGenerator(z_dim=4, size=32, channels=1, n=4)
    targets = generator.sample(3, torch.Generator().manual_seed(5))
    start = (targets - generator.sample(3, torch.Generator().manual_seed(0))).abs()
    z, error = began.embed(generator, targets, steps=300, lr=0.05)
    assert z.shape == (3, 4) and bool((z.abs() <= 1).all())
    assert error.shape == (3,) and bool((error < 0.5 * start.flatten(1).mean(1)).all())
    assert all(p.requires_grad for p in generator.parameters())
    with pytest.raises(ValueError, match="images"):
        began.embed(generator, torch.zeros(2, 3, 32, 32))


def test_samples_are_clipped_to_the_data_range_and_training_outputs_are_not():
    torch.manual_seed(0)
    generator = began.BEGANGenerator(z_dim=4, size=32, channels=1, n=4)
    with torch.no_grad():
        generator.decoder.body[-1].bias.fill_(3.0)  # push every pixel past 1
    z = generator.noise(2, torch.Generator().manual_seed(0))
    assert generator(z).max() > 1.5
    assert generator.sample(2, torch.Generator().manual_seed(0)).max() == 1.0


def test_the_wasserstein_lower_bound_holds_and_is_tight_for_shifts():
    from scipy.stats import wasserstein_distance

    rng = np.random.default_rng(0)
    gaps = []
    for _ in range(200):
        a = rng.gamma(2.0, 0.05, size=rng.integers(5, 300))
        b = rng.lognormal(-2.5, 0.6, size=rng.integers(5, 300))
        gaps.append(wasserstein_distance(a, b) - abs(a.mean() - b.mean()))
    assert min(gaps) >= -1e-12 and max(gaps) > 0.01  # a bound, not an equality
    a = rng.gamma(2.0, 0.05, size=500)
    assert wasserstein_distance(a, a + 0.03) == pytest.approx(0.03, abs=1e-12)
