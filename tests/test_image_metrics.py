import math

import numpy as np
import pytest
import torch

from gan_core.data import images
from gan_core.evaluation import image_metrics as im
from gan_core.files import sha256_of


def test_frechet_distance_of_identical_gaussians_is_zero():
    mu, sigma = np.array([1.0, -2.0, 0.5]), np.array([[2.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 0.5]])
    assert im.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_matches_the_closed_form_for_diagonal_covariances():
    mu1, mu2 = np.array([0.0, 1.0]), np.array([3.0, -1.0])
    v1, v2 = np.array([1.0, 4.0]), np.array([9.0, 0.25])
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(v1) - np.sqrt(v2)) ** 2).sum()  # 13 + 4 + 2.25
    assert im.frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)) == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(19.25)


def test_frechet_distance_in_one_dimension_is_the_wasserstein_2_formula():
    assert im.frechet_distance([0.0], [[4.0]], [1.0], [[1.0]]) == pytest.approx(1 + (2 - 1) ** 2)


def test_frechet_distance_of_samples_approaches_the_truth():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(20_000, 3, generator=g)
    b = torch.randn(20_000, 3, generator=g) * 2 + 1  # N(1, 4 I): distance 3 * 1 + 3 * (2 - 1)² = 6
    assert im.frechet_distance_of(a, b) == pytest.approx(6.0, rel=0.03)
    assert 0 < im.frechet_distance_of(a, torch.randn(20_000, 3, generator=g)) < 0.01


def test_precision_and_recall_of_identical_sets_are_one():
    x = torch.randn(300, 4, generator=torch.Generator().manual_seed(0))
    assert im.precision_recall(x, x.clone(), k=3) == (1.0, 1.0)


def test_precision_and_recall_of_far_apart_sets_are_zero():
    x = torch.randn(200, 2, generator=torch.Generator().manual_seed(0))
    assert im.precision_recall(x, x + 100, k=3) == (0.0, 0.0)


def test_a_generator_covering_half_the_data_has_full_precision_half_recall():
    g = torch.Generator().manual_seed(0)
    real = torch.rand(4000, 1, generator=g)  # U(0, 1)
    fake = torch.rand(2000, 1, generator=g) * 0.5  # U(0, 0.5): realistic, half the variety
    precision, recall = im.precision_recall(real, fake, k=3)
    assert precision == pytest.approx(1.0, abs=0.02)  # k-NN balls leave a few gaps
    assert recall == pytest.approx(0.5, abs=0.03)


def test_class_coverage_counts_and_kl():
    even = im.class_coverage(torch.arange(100) % 10, 10)
    assert even.classes_generated == 10 and even.kl_to_uniform == pytest.approx(0.0, abs=1e-12)
    collapsed = im.class_coverage(torch.full((50,), 3), 10)
    assert collapsed.classes_generated == 1 and collapsed.fraction == 0.1
    assert collapsed.kl_to_uniform == pytest.approx(math.log(10))


def test_nearest_neighbours_finds_exact_copies():
    train = torch.randn(40, 1, 5, 5, generator=torch.Generator().manual_seed(0))
    picks = torch.tensor([7, 0, 39])
    assert im.nearest_neighbours(train[picks] + 1e-3, train).squeeze(1).tolist() == picks.tolist()


@pytest.fixture
def digits():
    return images.sklearn_digits()


def test_classifier_learns_digits_and_is_cached_with_its_hash(digits, tmp_path, monkeypatch):
    train, test = digits.subset(1400, seed=0), images.ImageDataset(
        digits.subset(None, seed=0).pixels[1400:], digits.subset(None, seed=0).labels[1400:],
        digits.classes, "held out", 16.0)
    model = im.cached_classifier(train, "digits-test", epochs=8, width=8, lr=3e-3, folder=tmp_path)
    acc = im.accuracy(model, test)
    assert 0.9 < acc <= 1.0
    digest = (tmp_path / "digits-test.pt.sha256").read_text().split()[0]
    assert digest == sha256_of(tmp_path / "digits-test.pt")

    monkeypatch.setattr(im, "train_classifier", lambda *a, **k: pytest.fail("should load from the cache"))
    again = im.cached_classifier(train, "digits-test", epochs=8, width=8, lr=3e-3, folder=tmp_path)
    assert im.accuracy(again, test) == acc

    (tmp_path / "digits-test.pt").write_bytes(b"tampered")
    with pytest.raises(im.CorruptCacheError, match="delete it"):
        im.cached_classifier(train, "digits-test", epochs=8, width=8, lr=3e-3, folder=tmp_path)


def test_feature_space_scores_real_data_near_its_floor(digits):
    torch.manual_seed(0)
    model = im.train_classifier(digits, epochs=5, width=8, lr=3e-3)
    shuffled = digits.subset(None, seed=1)
    space = im.FeatureSpace(model, shuffled.images(torch.arange(0, 800)), n_classes=10)
    floor = space.real_floor(shuffled.images(torch.arange(800, 1600)))
    noise = space.score(torch.rand(800, 1, 8, 8) * 2 - 1)
    assert floor.classes_generated == 10 and floor.precision > 0.8 and floor.recall > 0.8
    assert noise.frechet > 5 * floor.frechet
    assert noise.precision < 0.5
    assert "precision" in str(floor)


def test_epoch_monitor_scores_once_per_epoch_without_touching_the_run(digits):
    from gan_core import training
    from gan_core.models import dcgan
    model = im.train_classifier(digits, epochs=1, width=4)
    space = im.FeatureSpace(model, digits.images()[:300], n_classes=10)
    monitor = im.EpochMonitor(space, steps_per_epoch=2, n=50, n_snapshot=4)

    class Resized:
        def sample(self, n, generator=None):
            return torch.nn.functional.interpolate(digits.sample(n, generator), size=28)

    def run(callbacks, steps=5):
        torch.manual_seed(0)
        g = dcgan.DCGANGenerator(z_dim=4, size=28, channels=1, width=4)
        d = dcgan.DCGANDiscriminator(size=28, channels=1, width=4)
        return training.train(g, d, Resized(), training.TrainConfig(steps=steps, batch_size=8), callbacks)

    assert run((monitor,)) == run(())
    assert monitor.epochs == [1, 2] and len(monitor.scores) == len(monitor.seconds) == 2
    assert monitor.snapshots[0].shape == (4, 1, 28, 28)
    # scoring another generator, here the average of G's weights
    average = training.GeneratorAverage(decay=0.5)
    of_average = im.EpochMonitor(space, steps_per_epoch=2, n=50, n_snapshot=4, scored=lambda s: average.generator)
    of_g = im.EpochMonitor(space, steps_per_epoch=2, n=50, n_snapshot=4)
    run((average, of_average, of_g), steps=4)
    fixed = torch.Generator().manual_seed(1)
    assert torch.equal(of_average.snapshots[-1], average.generator.sample(50, fixed)[:4])
    assert not torch.equal(of_average.snapshots[-1], of_g.snapshots[-1])


class FixedLogits(torch.nn.Module):
    """A 'classifier' whose logits are the first pixel of each channel."""
    def forward(self, x):
        return x[:, :, 0, 0]


def test_classify_returns_the_class_and_its_softmax_probability():
    x = torch.zeros(2, 3, 1, 1)
    x[0, :, 0, 0] = torch.tensor([0.0, 2.0, 0.0])
    x[1, :, 0, 0] = torch.tensor([5.0, 0.0, 5.0])  # a tie: the first class
    labels, confidence = im.classify(FixedLogits(), x, batch_size=1)
    assert labels.tolist() == [1, 0]
    e = math.exp(2.0)
    assert confidence.tolist() == pytest.approx([e / (e + 2), 0.5 / (1 + 0.5 * math.exp(-5))], rel=1e-6)
    with pytest.raises(ValueError, match="x"):
        im.classify(FixedLogits(), torch.zeros(2, 3))


class LabelInPixels(torch.nn.Module):
    """A stand-in classifier: the class is written in the first pixel."""

    def forward(self, x):
        return torch.nn.functional.one_hot(x[:, 0, 0, 0].round().long(), 5).float()


class Drawer:
    """A stand-in conditional generator that draws class (label + shift) % 5."""

    def __init__(self, shift):
        self.shift = shift

    def sample_classes(self, labels, generator=None):
        pictures = torch.zeros(len(labels), 1, 4, 4)
        pictures[:, 0, 0, 0] = ((labels + self.shift) % 5).float()
        pictures[::2, 0, 0, 0] = labels[::2].float()  # every other image is right
        return pictures


@pytest.mark.parametrize("shift, expected", [(0, 1.0), (1, 0.5)])
def test_conditional_accuracy_counts_images_recognised_as_their_class(shift, expected):
    assert im.conditional_accuracy(Drawer(shift), LabelInPixels(), 5, per_class=4) == expected


def test_conditional_accuracy_needs_a_conditional_generator():
    with pytest.raises(ValueError, match="generator must be conditional, with sample_classes"):
        im.conditional_accuracy(torch.nn.Linear(2, 2), LabelInPixels(), 5)


def test_conditional_accuracy_reads_the_lsgan_conditional_generator():
    from gan_core.models import lsgan

    torch.manual_seed(0)
    generator = lsgan.ConditionalGenerator(n_classes=3, width=2)
    classifier = im.SmallClassifier(1, 3, 4)
    accuracy = im.conditional_accuracy(generator, classifier, 3, per_class=5)
    assert 0 <= accuracy <= 1 and accuracy * 15 == round(accuracy * 15)
