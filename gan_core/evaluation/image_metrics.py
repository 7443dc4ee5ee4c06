"""Sample quality of image generators, measured with a small classifier
(chapter "DCGAN").

Published FIDs (Heusel et al., 2017) compare Inception-v3 features of real and generated
images. Inception weights are a large download trained on ImageNet photographs; this
book instead trains a small classifier per data set (seconds to minutes on a CPU, cached
with its SHA-256) and uses its penultimate layer. The numbers below are therefore
"classifier Fréchet distances": good for comparing runs on the same data set with the
same classifier, **not comparable with published FIDs**.

* ``frechet_distance``: the Fréchet (2-Wasserstein) distance between Gaussians fitted
  to the real and the generated features. Its floor is not 0: two halves of the real
  data differ by sampling noise; ``FeatureSpace.real_floor`` measures that floor.
* ``precision_recall``: Kynkäänniemi et al. (2019). Each set of features defines a
  manifold, the union of balls reaching each point's k-th nearest neighbour. Precision:
  the fraction of generated samples inside the real manifold (are samples realistic?).
  Recall: the fraction of real samples inside the generated manifold (is the variety
  covered?).
* ``class_coverage``: the classifier's verdict on generated images: how many classes
  appear, and KL(predicted-class histogram || uniform).
* ``nearest_neighbours``: the closest training images in pixel space, to check that a
  generator does not just copy its training set (the GAN paper's Figure 2).
"""

import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy import linalg
from torch import nn

from gan_core.checks import (
    check_finite,
    check_instance,
    check_int,
    check_number,
    check_positive,
    check_shape,
    check_tensor,
    check_values,
)
from gan_core.data.images import ImageDataset, cache_dir
from gan_core.evaluation.modes import kl_to_uniform
from gan_core.files import sha256_of, write_atomically

# ----------------------------------------------------------------- the classifier


class SmallClassifier(nn.Module):
    """Two conv blocks and a hidden layer;
    ``features`` is that hidden layer (penultimate)."""

    def __init__(
        self,
        channels: int = 1,
        n_classes: int = 10,
        width: int = 32,
        feature_dim: int = 128,
    ):
        super().__init__()
        for name, value in {
            "channels": channels,
            "n_classes": n_classes,
            "width": width,
            "feature_dim": feature_dim,
        }.items():
            check_int(name, value, minimum=1)
        self.channels = channels
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(7),
            nn.Flatten(),  # (B, 2 * width * 49) whatever the image size
            nn.Linear(2 * width * 49, feature_dim),
            nn.ReLU(),
        )
        self.head = nn.Linear(feature_dim, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        # any H, W: the body pools to 7 x 7
        check_tensor("x", x, ("B", self.channels, "H", "W"))
        return self.body(x)  # (B, feature_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # (B, n_classes) logits


def train_classifier(
    data: ImageDataset,
    epochs: int = 2,
    batch_size: int = 128,
    lr: float = 2e-3,
    width: int = 32,
    seed: int = 0,
) -> SmallClassifier:
    """Plain supervised training with Adam and cross-entropy
    (not a GAN: no game here)."""
    check_instance("data", data, ImageDataset)
    check_int("epochs", epochs, minimum=1)
    check_int("batch_size", batch_size, minimum=1)
    check_positive("lr", lr)
    check_int("seed", seed)
    torch.manual_seed(seed)
    model = SmallClassifier(data.image_shape[0], len(data.classes), width)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    rng = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        for index in torch.randperm(len(data), generator=rng).split(batch_size):
            loss = F.cross_entropy(model(data.images(index)), data.labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return model.eval()


def cached_classifier(
    data: ImageDataset,
    key: str,
    epochs: int = 2,
    width: int = 32,
    folder: Path | None = None,
    **train_options,
) -> SmallClassifier:
    """Train a classifier once and keep it in the cache, next to its SHA-256.

    ``key`` names the setting (data set, size, epochs, ...); a different key trains
    anew. On load the file's hash must match the recorded one, or a CorruptCacheError
    says which file to delete.
    """
    check_instance("data", data, ImageDataset)
    if not isinstance(key, str) or not key or os.sep in key or "/" in key:
        raise ValueError(f"key must be a non-empty file name (no folders), got {key!r}")
    check_int("epochs", epochs, minimum=1)
    folder = Path(folder) if folder is not None else cache_dir() / "classifiers"
    path, digest_path = folder / f"{key}.pt", folder / f"{key}.pt.sha256"
    model = SmallClassifier(data.image_shape[0], len(data.classes), width)
    if path.exists() and digest_path.exists():
        expected = digest_path.read_text().split()[0]
        if sha256_of(path) != expected:
            raise CorruptCacheError(
                f"{path} does not match its recorded SHA-256; delete it to retrain"
            )
        model.load_state_dict(torch.load(path, weights_only=True))
        return model.eval()
    model = train_classifier(data, epochs=epochs, width=width, **train_options)
    write_atomically(path, lambda temporary: torch.save(model.state_dict(), temporary))
    digest = sha256_of(path)
    write_atomically(
        digest_path, lambda temporary: temporary.write_text(f"{digest}  {path.name}\n")
    )
    return model


class CorruptCacheError(RuntimeError):
    """A cached model does not match its recorded hash."""


@torch.no_grad()
def predict(
    model: nn.Module, x: torch.Tensor, batch_size: int = 500
) -> tuple[torch.Tensor, torch.Tensor]:
    """Penultimate features ``(n, d)`` (float64)
    and predicted classes ``(n,)`` of images ``x``."""
    check_tensor("x", x, ("n", "C", "H", "W"), nonempty=True)
    check_int("batch_size", batch_size, minimum=1)
    feats, labels = [], []
    for chunk in x.split(batch_size):
        f = model.features(chunk)
        feats.append(f.double())
        labels.append(model.head(f).argmax(1))
    return torch.cat(feats), torch.cat(labels)


@torch.no_grad()
def classify(
    model: nn.Module, x: torch.Tensor, batch_size: int = 500
) -> tuple[torch.Tensor, torch.Tensor]:
    """Predicted classes ``(n,)`` of images ``x`` and the probability the classifier
    gives them ``(n,)``."""
    check_tensor("x", x, ("n", "C", "H", "W"), nonempty=True)
    check_int("batch_size", batch_size, minimum=1)
    probabilities = torch.cat(
        [model(chunk).softmax(1) for chunk in x.split(batch_size)]
    )
    confidence, labels = probabilities.max(1)
    return labels, confidence


def accuracy(model: nn.Module, data: ImageDataset) -> float:
    check_instance("data", data, ImageDataset)
    _, predicted = predict(model, data.images())
    return float((predicted == data.labels).double().mean())


def conditional_accuracy(
    generator: nn.Module,
    classifier: nn.Module,
    n_classes: int,
    per_class: int = 10,
    seed: int = 0,
) -> float:
    """How often a conditional generator's image is recognised as the class it was
    asked for: the top-1 accuracy of ``classifier`` on ``per_class`` images of each
    of ``n_classes`` classes from ``generator.sample_classes``. Compare it with the
    classifier's accuracy on real images, and with chance, 1 / ``n_classes``."""
    check_int("n_classes", n_classes, minimum=1)
    check_int("per_class", per_class, minimum=1)
    if not callable(getattr(generator, "sample_classes", None)):
        raise ValueError(
            "generator must be conditional, with sample_classes(labels, generator) "
            f"(e.g. lsgan.ConditionalGenerator), got {type(generator).__name__}"
        )
    labels = torch.arange(n_classes).repeat_interleave(per_class)
    pictures = generator.sample_classes(labels, torch.Generator().manual_seed(seed))
    predicted, _ = classify(classifier, pictures.cpu())
    return float((predicted == labels).double().mean())


# ----------------------------------------------------------------- distances


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||² + tr(S1 + S2 - 2 (S1 S2)^(1/2)):
    the Fréchet distance of two Gaussians."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = (
        np.atleast_2d(sigma1).astype(np.float64),
        np.atleast_2d(sigma2).astype(np.float64),
    )
    check_shape("mu1", mu1, ("d",))
    d = len(mu1)
    for name, value, shape in (
        ("mu1", mu1, (d,)),
        ("mu2", mu2, (d,)),
        ("sigma1", sigma1, (d, d)),
        ("sigma2", sigma2, (d, d)),
    ):
        check_shape(name, value, shape)
        check_finite(name, value)
    with warnings.catch_warnings():  # a nearly singular product is handled just below
        warnings.simplefilter("ignore")
        root = linalg.sqrtm(sigma1 @ sigma2)
        if not np.isfinite(root).all():
            # a singular product: nudge both covariances, as FID code does
            eps = 1e-6 * np.eye(len(sigma1))
            root = linalg.sqrtm((sigma1 + eps) @ (sigma2 + eps))
    root = root.real  # sqrtm returns tiny imaginary parts from rounding
    return float(((mu1 - mu2) ** 2).sum() + np.trace(sigma1 + sigma2 - 2 * root))


def gaussian_fit(features: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of ``features`` (n, d), n >= 2."""
    check_tensor("features", features, ("n", "d"), finite=True)
    if len(features) < 2:
        raise ValueError(
            f"features must hold at least 2 rows for a covariance, "
            f"got shape {tuple(features.shape)}"
        )
    f = features.double().cpu().numpy()
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_distance_of(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets
    ``(n, d)``, ``(m, d)``."""
    _check_feature_pair(a=a, b=b)
    return frechet_distance(*gaussian_fit(a), *gaussian_fit(b))


def _check_feature_pair(**features: torch.Tensor) -> None:
    """Two non-empty, finite feature sets (n, d) and (m, d) with the same d."""
    (first, x), (second, y) = features.items()
    check_tensor(first, x, ("n", "d"), nonempty=True, finite=True)
    check_tensor(second, y, ("m", x.shape[1]), nonempty=True, finite=True)


def _kth_neighbour_radius(x: torch.Tensor, k: int) -> torch.Tensor:
    distances = torch.cdist(x, x)  # (n, n); the 0 on the diagonal is the point itself
    return distances.kthvalue(k + 1, dim=1).values  # (n,)


def _inside(
    points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor
) -> torch.Tensor:
    return (torch.cdist(points, centres) <= radii[None, :]).any(dim=1)  # (n_points,)


def precision_recall(
    real: torch.Tensor, fake: torch.Tensor, k: int = 3
) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019) with k-NN manifolds."""
    _check_feature_pair(real=real, fake=fake)
    check_int("k", k, minimum=1)
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"need more than k = {k} points in each set")
    real, fake = real.double(), fake.double()
    precision = _inside(fake, real, _kth_neighbour_radius(real, k)).double().mean()
    recall = _inside(real, fake, _kth_neighbour_radius(fake, k)).double().mean()
    return float(precision), float(recall)


@dataclass(frozen=True)
class ClassCoverage:
    # classes predicted for at least min_share of a uniform share
    classes_generated: int
    n_classes: int
    # KL(predicted-class histogram || uniform); 0 is a perfectly even spread
    kl_to_uniform: float
    counts: tuple[int, ...]

    @property
    def fraction(self) -> float:
        return self.classes_generated / self.n_classes


def class_coverage(
    predicted: torch.Tensor, n_classes: int, min_share: float = 0.2
) -> ClassCoverage:
    """How many of ``n_classes`` the class labels ``predicted`` (n,)
    hold a fair share of."""
    check_int("n_classes", n_classes, minimum=1)
    check_tensor("predicted", predicted, ("n",), kind="integer", nonempty=True)
    check_values("predicted", predicted, 0, n_classes - 1)
    check_number("min_share", min_share, low=0, high=1, low_open=True)
    counts = torch.bincount(predicted.cpu(), minlength=n_classes)
    threshold = min_share * len(predicted) / n_classes
    return ClassCoverage(
        int((counts >= threshold).sum()),
        n_classes,
        kl_to_uniform(counts),
        tuple(int(c) for c in counts),
    )


def nearest_neighbours(
    samples: torch.Tensor, train: torch.Tensor, k: int = 1
) -> torch.Tensor:
    """Indices ``(n, k)`` of the ``k`` training images closest to each sample
    (pixel L2)."""
    check_tensor("train", train, nonempty=True)
    check_tensor("samples", samples, ("n", *train.shape[1:]), nonempty=True)
    check_int("k", k, minimum=1, maximum=len(train))
    flat = train.flatten(1)
    out = [
        torch.cdist(s.flatten(1), flat).topk(k, largest=False).indices
        for s in samples.split(64)
    ]
    return torch.cat(out)


# ----------------------------------------------------------------- all at once


@dataclass(frozen=True)
class ImageScores:
    frechet: float
    precision: float
    recall: float
    classes_generated: int
    n_classes: int
    kl_to_uniform: float

    def __str__(self) -> str:
        return (
            f"Fréchet {self.frechet:7.2f} | precision {self.precision:.3f} | "
            f"recall {self.recall:.3f} | "
            f"classes {self.classes_generated}/{self.n_classes} | "
            f"KL to uniform {self.kl_to_uniform:.3f}"
        )


class FeatureSpace:
    """A classifier with the real reference features computed once;
    scores any image batch."""

    def __init__(
        self,
        classifier: nn.Module,
        real_images: torch.Tensor,
        n_classes: int,
        k: int = 3,
    ):
        check_instance("classifier", classifier, nn.Module)
        check_int("n_classes", n_classes, minimum=1)
        check_int("k", k, minimum=1)
        check_tensor("real_images", real_images, ("n", "C", "H", "W"))
        if len(real_images) <= k:
            raise ValueError(
                f"real_images must hold more than k = {k} images, "
                f"got {len(real_images)}"
            )
        self.classifier, self.n_classes, self.k = classifier.eval(), n_classes, k
        self.real, self.real_labels = predict(classifier, real_images)
        self.real_fit = gaussian_fit(self.real)

    def score(self, images: torch.Tensor) -> ImageScores:
        check_tensor("images", images, ("n", "C", "H", "W"))
        feats, predicted = predict(self.classifier, images.float().cpu())
        precision, recall = precision_recall(self.real, feats, self.k)
        coverage = class_coverage(predicted, self.n_classes)
        return ImageScores(
            frechet_distance(*self.real_fit, *gaussian_fit(feats)),
            precision,
            recall,
            coverage.classes_generated,
            self.n_classes,
            coverage.kl_to_uniform,
        )

    def real_floor(self, other_real: torch.Tensor) -> ImageScores:
        """The same scores for another set of real images:
        what a perfect generator would get."""
        return self.score(other_real)


class EpochMonitor:
    """A callback for the training loop:
    after every epoch, score ``n`` samples and keep a snapshot.

    Sampling uses the monitor's own random generator (fixed noise for the snapshots), so
    watching a run does not change it. ``seconds`` holds each epoch's wall time, metrics
    excluded. ``scored`` picks the generator to score from the loop's state, e.g.
    ``lambda state: average.generator`` for a ``training.GeneratorAverage``; by default
    the one training.
    """

    def __init__(
        self,
        space: FeatureSpace,
        steps_per_epoch: int,
        n: int = 1000,
        n_snapshot: int = 36,
        seed: int = 1,
        scored=None,
    ):
        check_instance("space", space, FeatureSpace)
        check_int("steps_per_epoch", steps_per_epoch, minimum=1)
        # precision and recall need more than k samples
        check_int("n", n, minimum=space.k + 1)
        check_int("n_snapshot", n_snapshot, minimum=1, maximum=n)
        check_int("seed", seed)
        self.space, self.steps_per_epoch, self.n = space, steps_per_epoch, n
        self.seed, self.n_snapshot = seed, n_snapshot
        self.epochs, self.scores, self.snapshots, self.seconds = [], [], [], []
        self.scored = scored or (lambda state: state.generator)
        self._clock = time.perf_counter()

    def __call__(self, state) -> None:
        if state.step % self.steps_per_epoch:
            return
        self.seconds.append(time.perf_counter() - self._clock)
        # (n, C, H, W)
        generator = self.scored(state)
        fake = generator.sample(self.n, torch.Generator().manual_seed(self.seed))
        self.epochs.append(state.step // self.steps_per_epoch)
        self.scores.append(self.space.score(fake))
        self.snapshots.append(fake[: self.n_snapshot].cpu())
        self._clock = time.perf_counter()
