import pytest
import torch

from gan_core import experiments
from gan_core.data import mixtures
from gan_core.figures import frames

TINY = dict(z_dim=2, width=16, depth=1, batch_size=32)


def test_frame_recorder_keeps_field_points_and_the_generators_push():
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)
    recorder = frames.FrameRecorder(ring, "non_saturating", every=2, extent=(-2, 2, -2, 2), n=10, resolution=7)
    result = experiments.toy_gan(ring, loss="non_saturating", steps=4, callbacks=(recorder,), **TINY)
    assert [f.step for f in recorder.frames] == [2, 4]
    last = recorder.frames[-1]
    assert last.field.shape == (7, 7) and last.real.shape == last.fake.shape == last.push.shape == (10, 2)
    # -d/dx softplus(-D(x)) = sigmoid(-D(x)) dD/dx: check one point by hand
    x = torch.tensor(last.fake[:1], requires_grad=True)
    score = result.discriminator(x)
    (grad,) = torch.autograd.grad(score.sum(), x)
    expected = torch.sigmoid(-score.detach())[:, None] * grad
    torch.testing.assert_close(torch.tensor(last.push[:1]), expected)
    corner = result.discriminator(torch.tensor([[-2.0, 2.0]])).item()
    assert last.field[-1, 0] == pytest.approx(corner, abs=1e-5)  # rows = y, so the top-left corner


def test_frame_recorder_refuses_a_loss_without_an_undecided_output():
    ring = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)
    with pytest.raises(ValueError, match=r"^loss 'began': D has no undecided output"):
        frames.FrameRecorder(ring, "began", every=1, extent=(-2, 2, -2, 2))
