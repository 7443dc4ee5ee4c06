"""Checks at the door (DESIGN.md rule 11): every bad input is a ValueError naming the argument,
the value and what is allowed; good inputs, numpy scalars included, still work.

One table: (id, the bad call, the exception, a regex its message must match).
"""

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import norm

from gan_core import experiments, training
from gan_core.data import images, mixtures
from gan_core.evaluation import image_metrics, modes, probes, theory
from gan_core.figures import frames, image_plots, plots, widgets
from gan_core.models import dcgan, mlp
from gan_core.training import losses

X = np.linspace(-8, 8, 1601)  # a grid for densities, dx = 0.01
DX = X[1] - X[0]
P, Q = norm.pdf(X, 0, 1), norm.pdf(X, 1, 1)
RING = mixtures.ring_of_gaussians(4, radius=1.0, std=0.1)


def pixels(n=3, value_max=255, shape=(1, 4, 4)):
    rng = torch.Generator().manual_seed(0)
    return torch.randint(0, value_max + 1, (n, *shape), generator=rng, dtype=torch.uint8)


def image_set(n=3, pixel_values=None, labels=None, classes=("a", "b"), max_value=255.0):
    pixel_values = pixels(n) if pixel_values is None else pixel_values
    labels = torch.arange(n) % 2 if labels is None else labels
    return images.ImageDataset(pixel_values, labels, classes, "tiny", max_value)


def mixture(centres, stds, weights):
    return mixtures.GaussianMixture(torch.tensor(centres), torch.tensor(stds), torch.tensor(weights))


def tiny_classifier():
    torch.manual_seed(0)
    return image_metrics.SmallClassifier(channels=1, n_classes=2, width=2, feature_dim=4)


def history(n):
    zeros = [0.0] * n
    return SimpleNamespace(step=list(range(1, n + 1)), d_loss=zeros, g_loss=zeros, d_real=zeros, d_fake=zeros)


NAN = float("nan")
INF = float("inf")

BAD_CALLS = [
    # --- data: sizes, parameters, values, shapes
    ("ring n_modes not an int",
     lambda: mixtures.ring_of_gaussians(n_modes=2.5),
     ValueError, r"^n_modes must be an integer >= 1, got 2\.5$"),
    ("ring n_modes a bool",
     lambda: mixtures.ring_of_gaussians(n_modes=True),
     ValueError, r"^n_modes must be an integer >= 1, got True \(a bool\)$"),
    ("grid n_per_side not an int",
     lambda: mixtures.grid_of_gaussians(n_per_side=2.5),
     ValueError, r"^n_per_side must be an integer >= 1, got 2\.5$"),
    ("ring radius infinite",
     lambda: mixtures.ring_of_gaussians(radius=INF),
     ValueError, r"^radius must be positive \(a finite number > 0\), got inf$"),
    ("grid spacing zero",
     lambda: mixtures.grid_of_gaussians(spacing=0),
     ValueError, r"^spacing must be positive \(a finite number > 0\), got 0$"),
    ("ring std nan",
     lambda: mixtures.ring_of_gaussians(std=NAN),
     ValueError, r"^std must be positive \(a finite number > 0\), got nan$"),
    ("mixture NaN centre",
     lambda: mixture([[0.0, NAN], [1.0, 1.0]], [1.0, 1.0], [0.5, 0.5]),
     ValueError, r"^centres must be finite, got 1 NaN or infinite value\(s\) in shape \(2, 2\)$"),
    ("mixture infinite std",
     lambda: mixture([[0.0], [1.0]], [1.0, INF], [0.5, 0.5]),
     ValueError, r"^stds must be finite, got 1 NaN or infinite value\(s\) in shape \(2,\)$"),
    ("mixture integer centres",
     lambda: mixture([[0, 1]], [1.0], [1.0]),
     ValueError, r"^centres must be a floating-point tensor, got dtype torch\.int64$"),
    ("mixture one std too many",
     lambda: mixture([[0.0], [1.0]], [1.0, 1.0, 1.0], [0.5, 0.5]),
     ValueError, r"^stds must have shape \(2,\), got shape \(3,\)$"),
    ("mixture_1d NaN mean",
     lambda: mixtures.mixture_1d([0.0, NAN], 1.0),
     ValueError, r"^means must be a non-empty list of finite numbers, got \[0\.0, nan\]$"),
    ("mixture_1d infinite weight",
     lambda: mixtures.mixture_1d([0.0, 1.0], 1.0, [INF, 0.5]),
     ValueError, r"^weights must be a non-empty list of finite numbers, got \[inf, 0\.5\]$"),
    ("mixture_1d two stds for three means",
     lambda: mixtures.mixture_1d([0, 1, 2], [1, 2]),
     ValueError, r"^stds must hold one std or one per mean \(3\), got 2$"),
    ("gaussian_1d infinite mean",
     lambda: mixtures.gaussian_1d(mean=INF),
     ValueError, r"^mean must be a finite number, got inf$"),
    ("point set NaN",
     lambda: mixtures.PointSet(torch.tensor([[0.0, NAN]])),
     ValueError, r"^points must be finite, got 1 NaN or infinite value\(s\) in shape \(1, 2\)$"),
    ("point set empty",
     lambda: mixtures.PointSet(torch.zeros(0, 2)),
     ValueError, r"^points must not be empty, got shape \(0, 2\)$"),
    ("point set sample n=2.0",
     lambda: mixtures.PointSet(torch.zeros(3, 2)).sample(2.0),
     ValueError, r"^n must be an integer >= 1, got 2\.0$"),
    ("mixture sample n=0",
     lambda: RING.sample(0),
     ValueError, r"^n must be an integer >= 1, got 0$"),
    ("log_prob of 3-D points",
     lambda: RING.log_prob(torch.zeros(4, 2, 1)),
     ValueError, r"^x must have shape \(n, 2\), got shape \(4, 2, 1\)$"),
    ("2-D density of a 1-D grid",
     lambda: RING.density(torch.zeros(4)),
     ValueError, r"^x must have shape \(n, 2\), got shape \(4,\)$"),
    ("log_prob of NaN",
     lambda: mixtures.gaussian_1d().log_prob(torch.tensor([NAN])),
     ValueError, r"^x must be finite, got 1 NaN or infinite value\(s\) in shape \(1,\)$"),
    # --- theory: normalisation, dx, codes
    ("kl of an unnormalised density",
     lambda: theory.kl(2 * P, Q, DX),
     ValueError, r"^p must be a density: sum\(p\) \* dx must lie in \[0\.5, 1\.05\], got 2 with dx = 0\.01; "
     r"is p normalised, and is dx the grid spacing\?$"),
    ("jsd with dx forgotten",
     lambda: theory.jsd(P, Q),
     ValueError, r"^p must be a density: sum\(p\) \* dx must lie in \[0\.5, 1\.05\], got 100 with dx = 1;"),
    ("criterion of an unnormalised p_g",
     lambda: theory.virtual_training_criterion(P, np.exp(-X**2 / 2), DX),
     ValueError, r"^p_g must be a density: sum\(p_g\) \* dx must lie in \[0\.5, 1\.05\], got 2\.50663 "),
    ("lsgan criterion with dx forgotten",
     lambda: theory.lsgan_criterion(P, Q, -1, 1, 0),
     ValueError, r"^p_data must be a density: .* got 100 with dx = 1;"),
    ("pearson chi2 of three densities",
     lambda: theory.pearson_chi2(3 * P, 2 * Q, DX),
     ValueError,
     r"^p must be a density or a sum of 2 densities: sum\(p\) \* dx must lie in \[0\.5, 2\.1\], got 3 "
     r""),
    ("dx a bool",
     lambda: theory.kl(P, Q, dx=True),
     ValueError, r"^dx must be positive \(a finite number > 0\), got True \(a bool\)$"),
    ("dx infinite",
     lambda: theory.jsd(P, Q, dx=INF),
     ValueError, r"^dx must be positive \(a finite number > 0\), got inf$"),
    ("densities on two grids",
     lambda: theory.optimal_discriminator(P, Q[:-1]),
     ValueError,
     r"^densities must share one grid \(one shape\), got shapes \{'p_data': \(1601,\), 'p_g': "
     r"\(1600,\)\}$"),
    ("negative density",
     lambda: theory.optimal_discriminator(P, -Q),
     ValueError, r"^p_g must be non-negative, got a minimum of -0\.398942$"),
    ("LSGAN code a bool",
     lambda: theory.lsgan_optimal_discriminator(P, Q, a=True, b=2.0),
     ValueError, r"^code a must be a finite number, got True \(a bool\)$"),
    ("LSGAN code c a string",
     lambda: theory.lsgan_criterion(P, Q, 0, 1, "1", DX),
     ValueError, r"^code c must be a finite number, got '1'$"),
    # --- losses
    ("least squares code a bool",
     lambda: losses.least_squares(a=True),
     ValueError, r"^code a must be a finite number, got True \(a bool\)$"),
    ("least squares a = b",
     lambda: losses.get("least_squares", a=np.float64(1), b=1),
     ValueError,
     r"^codes a and b must differ \(a != b: the fake and the real targets\), got a = b = "
     r"np\.float64\(1\.0\)$"),
    ("least squares code c infinite",
     lambda: losses.least_squares(c=-INF),
     ValueError, r"^code c must be a finite number, got -inf$"),
    # --- metrics
    ("mode coverage of no samples",
     lambda: modes.mode_coverage(torch.zeros(0, 2), RING.centres, 0.1),
     ValueError, r"^samples must not be empty, got shape \(0, 2\)$"),
    ("mode coverage of NaN samples",
     lambda: modes.mode_coverage(torch.full((5, 2), NAN), RING.centres, 0.1),
     ValueError, r"^samples must be finite, got 10 NaN or infinite value\(s\) in shape \(5, 2\)$"),
    ("mode coverage min_share > 1",
     lambda: modes.mode_coverage(torch.zeros(5, 2), RING.centres, 0.1, min_share=1.5),
     ValueError, r"^min_share must be a finite number in \(0, 1\], got 1\.5$"),
    ("mode coverage n_std = 0",
     lambda: modes.mode_coverage(torch.zeros(5, 2), RING.centres, 0.1, n_std=0),
     ValueError, r"^n_std must be positive \(a finite number > 0\), got 0$"),
    ("kl_to_uniform of negative counts",
     lambda: modes.kl_to_uniform(torch.tensor([3, -1])),
     ValueError, r"^counts must be non-negative, got \[3, -1\]$"),
    # --- image metrics
    ("class coverage label = n_classes",
     lambda: image_metrics.class_coverage(torch.tensor([0, 10, 3]), 10),
     ValueError, r"^predicted must have values in \[0, 9\], got values from 0 to 10$"),
    ("class coverage negative label",
     lambda: image_metrics.class_coverage(torch.tensor([-1, 2]), 10),
     ValueError, r"^predicted must have values in \[0, 9\], got values from -1 to 2$"),
    ("class coverage n_classes = 0",
     lambda: image_metrics.class_coverage(torch.tensor([0]), 0),
     ValueError, r"^n_classes must be an integer >= 1, got 0$"),
    ("class coverage float labels",
     lambda: image_metrics.class_coverage(torch.tensor([0.0, 1.0]), 2),
     ValueError, r"^predicted must be an integer tensor, got dtype torch\.float32$"),
    ("class coverage of nothing",
     lambda: image_metrics.class_coverage(torch.zeros(0, dtype=torch.long), 2),
     ValueError, r"^predicted must not be empty, got shape \(0,\)$"),
    ("precision/recall feature dims",
     lambda: image_metrics.precision_recall(torch.zeros(5, 3), torch.zeros(5, 4)),
     ValueError, r"^fake must have shape \(m, 3\), got shape \(5, 4\)$"),
    ("precision/recall k = 0",
     lambda: image_metrics.precision_recall(torch.zeros(5, 3), torch.zeros(5, 3), k=0),
     ValueError, r"^k must be an integer >= 1, got 0$"),
    ("frechet covariance size",
     lambda: image_metrics.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.eye(3)),
     ValueError, r"^sigma2 must have shape \(2, 2\), got shape \(3, 3\)$"),
    ("frechet of NaN features",
     lambda: image_metrics.frechet_distance_of(torch.full((4, 2), NAN), torch.zeros(4, 2)),
     ValueError, r"^a must be finite, got 8 NaN or infinite value\(s\) in shape \(4, 2\)$"),
    ("gaussian fit of one row",
     lambda: image_metrics.gaussian_fit(torch.zeros(1, 3)),
     ValueError, r"^features must hold at least 2 rows for a covariance, got shape \(1, 3\)$"),
    ("nearest neighbours image sizes",
     lambda: image_metrics.nearest_neighbours(torch.zeros(2, 1, 4, 4), torch.zeros(3, 1, 5, 5)),
     ValueError, r"^samples must have shape \(n, 1, 5, 5\), got shape \(2, 1, 4, 4\)$"),
    ("nearest neighbours k > train",
     lambda: image_metrics.nearest_neighbours(torch.zeros(2, 1, 5, 5), torch.zeros(3, 1, 5, 5), k=4),
     ValueError, r"^k must be an integer in \[1, 3\], got 4$"),
    ("classifier on RGB images",
     lambda: tiny_classifier()(torch.zeros(2, 3, 8, 8)),
     ValueError, r"^x must have shape \(B, 1, H, W\), got shape \(2, 3, 8, 8\)$"),
    ("classifier with no classes",
     lambda: image_metrics.SmallClassifier(n_classes=0),
     ValueError, r"^n_classes must be an integer >= 1, got 0$"),
    ("predict on nothing",
     lambda: image_metrics.predict(tiny_classifier(), torch.zeros(0, 1, 8, 8)),
     ValueError, r"^x must not be empty, got shape \(0, 1, 8, 8\)$"),
    ("feature space of 3 images, k = 3",
     lambda: image_metrics.FeatureSpace(tiny_classifier(), torch.zeros(3, 1, 8, 8), 2),
     ValueError, r"^real_images must hold more than k = 3 images, got 3$"),
    ("classifier key with a folder",
     lambda: image_metrics.cached_classifier(image_set(), "a/b"),
     ValueError, r"^key must be a non-empty file name \(no folders\), got 'a/b'$"),
    ("train classifier on a tensor",
     lambda: image_metrics.train_classifier(torch.zeros(3, 1, 8, 8)),
     ValueError, r"^data must be of type ImageDataset, got a tensor of shape \(3, 1, 8, 8\)$"),
    # --- nets
    ("MLP G z_dim = 0",
     lambda: mlp.MLPGenerator(z_dim=0),
     ValueError, r"^z_dim must be an integer >= 1, got 0$"),
    ("MLP G width a bool",
     lambda: mlp.MLPGenerator(width=True),
     ValueError, r"^width must be an integer >= 1, got True \(a bool\)$"),
    ("MLP G depth -1",
     lambda: mlp.MLPGenerator(depth=-1),
     ValueError, r"^depth must be an integer >= 0, got -1$"),
    ("MLP G out_dim 0",
     lambda: mlp.MLPGenerator(out_dim=0),
     ValueError, r"^out_dim must be an integer >= 1, got 0$"),
    ("MLP D in_dim a float",
     lambda: mlp.MLPDiscriminator(in_dim=2.0),
     ValueError, r"^in_dim must be an integer >= 1, got 2\.0$"),
    ("MLP G fed the wrong z size",
     lambda: mlp.MLPGenerator(z_dim=2, width=4, depth=1)(torch.zeros(4, 3)),
     ValueError, r"^z must have shape \(B, 2\), got shape \(4, 3\)$"),
    ("MLP D fed 1-D points",
     lambda: mlp.MLPDiscriminator(in_dim=2, width=4, depth=1)(torch.zeros(4)),
     ValueError, r"^x must have shape \(B, 2\), got shape \(4,\)$"),
    ("sample_latent n = 0",
     lambda: mlp.sample_latent(0, 2),
     ValueError, r"^n must be an integer >= 1, got 0$"),
    # --- DCGAN
    ("28-px D fed 32-px images",
     lambda: dcgan.DCGANDiscriminator(28, 1, 2)(torch.zeros(2, 1, 32, 32)),
     ValueError, r"^x must have shape \(B, 1, 28, 28\), got shape \(2, 1, 32, 32\)$"),
    ("grey D fed RGB images",
     lambda: dcgan.DCGANDiscriminator(28, 1, 2).features(torch.zeros(2, 3, 28, 28)),
     ValueError, r"^x must have shape \(B, 1, 28, 28\), got shape \(2, 3, 28, 28\)$"),
    ("DCGAN G fed a 4-D z",
     lambda: dcgan.DCGANGenerator(8, 28, 1, 2)(torch.zeros(2, 8, 1, 1)),
     ValueError, r"^z must have shape \(B, 8\), got shape \(2, 8, 1, 1\)$"),
    ("DCGAN size 28.0",
     lambda: dcgan.DCGANGenerator(size=28.0),
     ValueError, r"^size must be an integer, got 28\.0$"),
    ("DCGAN size 48",
     lambda: dcgan.DCGANDiscriminator(size=48),
     ValueError, r"^unknown DCGAN image size 48; choose one of: 28, 32, 64$"),
    ("DCGAN channels 0",
     lambda: dcgan.DCGANDiscriminator(channels=0),
     ValueError, r"^channels must be an integer >= 1, got 0$"),
    ("DCGAN z_dim numpy float",
     lambda: dcgan.DCGANGenerator(z_dim=np.float64(8)),
     ValueError, r"^z_dim must be an integer >= 1, got np\.float64\(8\.0\)$"),
    # --- image data
    ("float pixels",
     lambda: image_set(pixel_values=torch.zeros(3, 1, 4, 4)),
     ValueError, r"^pixels must be an integer tensor, got dtype torch\.float32$"),
    ("pixels without a channel axis",
     lambda: image_set(pixel_values=pixels()[:, 0]),
     ValueError, r"^pixels must have shape \(N, C, H, W\), got shape \(3, 4, 4\)$"),
    ("pixels above max_value",
     lambda: image_set(pixel_values=pixels() * 0 + 17, max_value=16.0),
     ValueError, r"^pixels must have values in \[0, 16\], got values from 17 to 17$"),
    ("label 2 of 2 classes",
     lambda: image_set(labels=torch.tensor([0, 1, 2])),
     ValueError, r"^labels must have values in \[0, 1\], got values from 0 to 2$"),
    ("float labels",
     lambda: image_set(labels=torch.tensor([0.0, 1.0, 1.0])),
     ValueError, r"^labels must be an integer tensor, got dtype torch\.float32$"),
    ("labels one short",
     lambda: image_set(labels=torch.tensor([0, 1])),
     ValueError, r"^labels must have shape \(3,\), got shape \(2,\)$"),
    ("image sample n = 0",
     lambda: image_set().sample(0),
     ValueError, r"^n must be an integer >= 1, got 0$"),
    ("image sample n = 1.5",
     lambda: image_set().sample_with_labels(1.5),
     ValueError, r"^n must be an integer >= 1, got 1\.5$"),
    ("subset of 0",
     lambda: image_set().subset(0),
     ValueError, r"^n must be an integer in \[1, 3\], got 0$"),
    ("subset larger than the set",
     lambda: image_set().subset(4),
     ValueError, r"^n must be an integer in \[1, 3\], got 4$"),
    ("resize to 28.5",
     lambda: images.resize(pixels(), 28.5),
     ValueError, r"^size must be an integer >= 1, got 28\.5$"),
    ("data set from float images",
     lambda: images.from_arrays(np.zeros((2, 4, 4)), np.zeros(2, dtype=int), ("a",), "x", None),
     ValueError, r"^images must be a uint8 numpy array, got float64$"),
    # --- probes
    ("point gradients of 1-D points",
     lambda: probes.point_gradients(mlp.MLPDiscriminator(2, 4, 1), torch.zeros(3),
                                    losses.non_saturating_g_loss),
     ValueError, r"^points must have shape \(n, dim\), got shape \(3,\)$"),
    ("density_on a 2-D mixture",
     lambda: probes.density_on(RING, X),
     ValueError, r"^distribution must be 1-D \(dim 1\), got dim 2$"),
    ("pointwise optimum max_iter 0",
     lambda: probes.pointwise_ls_optimum(P, Q, 0.0, 1.0, max_iter=0),
     ValueError, r"^max_iter must be an integer >= 1, got 0$"),
    ("criterion from a negative chi2",
     lambda: probes.criterion_from_chi2(-1.0, -1, 1, 0),
     ValueError, r"^chi2 must be a finite number >= 0, got -1\.0$"),
    # --- plots
    ("extent with x0 > x1",
     lambda: plots.grid_2d((1, -1, 0, 1)),
     ValueError,
     r"^extent must be 4 finite numbers \(x0, x1, y0, y1\) with x0 < x1 and y0 < y1, got \(1, -1, 0, "
     r"1\)$"),
    ("extent of 3 numbers",
     lambda: plots.plot_kde(torch.zeros(4, 2), (0, 1, 0)),
     ValueError, r"^extent must be 4 finite numbers .*got \(0, 1, 0\)$"),
    ("extent with NaN",
     lambda: plots.scores_on_grid(mlp.MLPDiscriminator(2, 4, 1), (0, 1, NAN, 1)),
     ValueError, r"^extent must be 4 finite numbers .*got \(0, 1, nan, 1\)$"),
    ("kde bandwidth 0",
     lambda: plots.kde_on_grid(torch.zeros(4, 2), (-1, 1, -1, 1), bandwidth=0.0),
     ValueError, r"^bandwidth must be positive \(a finite number > 0\), got 0\.0$"),
    ("kde_1d bandwidth -1",
     lambda: plots.kde_1d([0.0, 1.0], X, bandwidth=-1),
     ValueError, r"^bandwidth must be positive \(a finite number > 0\), got -1$"),
    ("kde of 3-D points",
     lambda: plots.kde_on_grid(torch.zeros(4, 3), (-1, 1, -1, 1)),
     ValueError, r"^points must have shape \(n, 2\), got shape \(4, 3\)$"),
    ("scatter 1-D points",
     lambda: plots.plot_samples(real=torch.zeros(5)),
     ValueError, r"^real must have shape \(n, 2\), got shape \(5,\)$"),
    ("history smoothed over more steps than it has",
     lambda: plots.plot_history(history(3), smooth=5),
     ValueError, r"^smooth must be an integer in \[1, 3\], got 5$"),
    ("game plot of a NaN density",
     lambda: plots.plot_game_1d(X, np.full_like(X, NAN)),
     ValueError, r"^p_data must be finite, got 1601 NaN or infinite value\(s\) in shape \(1601,\)$"),
    ("game plot of a 2-column p_g",
     lambda: plots.plot_game_1d(X[:4], P[:4], np.zeros((4, 2))),
     ValueError, r"^p_g must hold values of shape \(n,\) or \(n, 1\) with n >= 1, got shape \(4, 2\)$"),
    ("mapping with an empty z range",
     lambda: plots.plot_mapping_1d(X[:3], X[:3], plots._axes(None), z_range=(1, 1)),
     ValueError, r"^z_range must be 2 finite numbers \(low, high\) with low < high, got \(1, 1\)$"),
    ("five gradient curves",
     lambda: plots.plot_g_gradients(X[:3], {str(i): X[:3] for i in range(5)}),
     ValueError, r"^grads must map 1 to 4 labels to gradients, got 5$"),
    ("arrows and gradients differ",
     lambda: plots.plot_gradient_arrows(plots._axes(None), torch.zeros(3, 2), torch.zeros(2, 2), 1.0, "red"),
     ValueError, r"^gradients must have shape \(3, 2\), got shape \(2, 2\)$"),
    ("LSGAN optimum on a reversed grid",
     lambda: plots.plot_lsgan_optimum(plots._axes(None), 0, 1, 1, 0, X[::-1], None, None),
     ValueError, r"^x must be an increasing grid of at least 2 points, got 1601 points$"),
    ("KDE snapshots with different steps",
     lambda: plots.plot_kde_over_training({"a": {1: torch.zeros(2, 2)}, "b": {2: torch.zeros(2, 2)}},
                                          (-1, 1, -1, 1)),
     ValueError, r"^snapshots must map each run to \{step: points\} with the same, non-empty steps, got "
                 r"\{'a': \[1\], 'b': \[2\]\}$"),
    ("strips of an unknown column",
     lambda: plots.plot_strips(pd.DataFrame({"setting": ["A"], "x": [1]}), "modes"),
     ValueError, r"^metric must be a column of table \(setting, x\), got 'modes'$"),
    ("mode counts for too few steps",
     lambda: plots.plot_mode_counts([1, 2], [(1, 2)]),
     ValueError,
     r"^counts must hold one tuple of K counts per step \(2 steps, at least one\), got 1 tuples of "
     r"lengths \[2\]$"),
    # --- image plots
    ("image grid of 2-channel images",
     lambda: image_plots.image_grid(torch.zeros(2, 2, 4, 4)),
     ValueError,
     r"^images must have shape \(n, 1, H, W\) or \(n, 3, H, W\) or \(n, H, W\), got shape \(2, 2, 4, "
     r"4\)$"),
    ("image grid of uint8 pixels",
     lambda: image_plots.show_images(pixels()),
     ValueError, r"^images must have values in \[-1\.001, 1\.001\], got values from \d+ to \d+$"),
    ("image grid nrow 0",
     lambda: image_plots.image_grid(torch.zeros(2, 1, 4, 4), nrow=0),
     ValueError, r"^nrow must be an integer >= 1, got 0$"),
    ("D outputs smoothed over too many steps",
     lambda: image_plots.plot_d_outputs(history(2), smooth=3),
     ValueError, r"^smooth must be an integer in \[1, 2\], got 3$"),
    ("scores for the wrong epochs",
     lambda: image_plots.plot_scores([1, 2], [None]),
     ValueError, r"^scores must hold one score per epoch \(at least one\), got 1 scores for 2 epochs$"),
    # --- recipes and widgets
    ("toy GAN with an unknown loss",
     lambda: experiments.toy_gan(RING, loss="hinge", steps=1),
     ValueError, r"^unknown loss 'hinge'; choose one of: 'minimax', 'non_saturating', 'least_squares', 'began'$"),
    ("toy GAN with 0 steps",
     lambda: experiments.toy_gan(RING, steps=0),
     ValueError, r"^steps must be an integer >= 1, got 0$"),
    ("toy GAN with z_dim 0",
     lambda: experiments.toy_gan(RING, steps=1, z_dim=0),
     ValueError, r"^z_dim must be an integer >= 1, got 0$"),
    ("toy GAN with a negative learning rate",
     lambda: experiments.toy_gan(RING, steps=1, lr_d=-1e-3),
     ValueError, r"^lr_d must be positive \(a finite number > 0\), got -0\.001$"),
    ("toy GAN on a list of points",
     lambda: experiments.toy_gan([[0.0, 1.0]], steps=1),
     ValueError,
     r"^distribution must have sample, dim \(like gan_core\.data\.mixtures\.ring_of_gaussians\(\)\); a list "
     r"lacks sample, dim$"),
    ("coverage tracker every 0",
     lambda: experiments.CoverageTracker(RING, every=0),
     ValueError, r"^every must be an integer >= 1, got 0$"),
    ("frame recorder over a bad extent",
     lambda: frames.FrameRecorder(RING, "minimax", 1, (0, 0, 0, 1)),
     ValueError, r"^extent must be 4 finite numbers"),
    ("frame recorder of an unknown loss",
     lambda: frames.FrameRecorder(RING, "hinge", 1, (-1, 1, -1, 1)),
     ValueError, r"^unknown loss 'hinge'"),
    ("snapshots at step 0",
     lambda: experiments.SampleSnapshots([0, 10]),
     ValueError, r"^each of at_steps must be an integer >= 1, got 0$"),
    ("animation of size 0",
     lambda: widgets.animate_frames(lambda ax, f: None, [1], figsize=(0, 4)),
     ValueError, r"^figsize must be 2 positive numbers \(width, height\) in inches, got \(0, 4\)$"),
    ("live view with fewer steps than one redraw",
     lambda: widgets.training_view(RING, (-1, 1, -1, 1), steps_per_click=10, redraw_every=25),
     ValueError, r"^steps_per_click must be an integer in \[25, 500\], got 10$"),
    # --- training: the config, the data, checkpoints
    ("NaN in the training data",
     lambda: train_tiny(SimpleNamespace(sample=lambda n, generator=None: torch.full((n, 1), NAN))),
     training.NonFiniteData, r"^the real batch at step 1 contains NaN or infinite values; check the training data"),
    ("batch size a bool",
     lambda: train_tiny(mixtures.gaussian_1d(), batch_size=True),
     ValueError, r"^batch_size must be an integer >= 1, got True \(a bool\)$"),
    ("steps not an int",
     lambda: train_tiny(mixtures.gaussian_1d(), steps=2.5),
     ValueError, r"^steps must be an integer >= 0, got 2\.5$"),
    ("learning rate 0",
     lambda: train_tiny(mixtures.gaussian_1d(), lr_g=0.0),
     ValueError, r"^lr_g must be positive \(a finite number > 0\), got 0\.0$"),
    ("one beta",
     lambda: train_tiny(mixtures.gaussian_1d(), betas=(0.5,)),
     ValueError, r"^betas must be 2 numbers in \[0, 1\), got \(0\.5,\)$"),
    ("resume without a checkpoint file",
     lambda: train_tiny(mixtures.gaussian_1d(), resume=True),
     ValueError, r"^resume=True needs checkpoint"),
    ("a dict for a config",
     lambda: training.train(*tiny_nets(), mixtures.gaussian_1d(), {"steps": 3}),
     ValueError, r"^config must be of type TrainConfig, got dict"),
    ("a checkpoint that does not exist",
     lambda: training.read_checkpoint("/nonexistent/run.pt"),
     training.CheckpointError, r"^/nonexistent/run\.pt: no such checkpoint file$"),
    # --- image data sets: folders and options
    ("an explicit data folder that does not exist",
     lambda: images.fashion_mnist(root="/nonexistent/data"),
     images.MissingDataError, r"^root='/nonexistent/data' is not an existing folder"),
    ("a misspelt loader option",
     lambda: images.load("mnist", ful=True),
     ValueError, r"^load\('mnist'\) got unknown option\(s\) \['ful'\]; it accepts \['full', 'download', 'root'\]$"),
    ("an unknown data set",
     lambda: images.load("cifar10"),
     ValueError, r"^unknown image data set 'cifar10'; choose one of: 'fashion-mnist', 'mnist', 'glyphs'$"),
]


def tiny_nets():
    torch.manual_seed(0)
    return mlp.MLPGenerator(z_dim=1, out_dim=1, width=4, depth=1), mlp.MLPDiscriminator(in_dim=1, width=4, depth=1)


def train_tiny(sampler, **config):
    return training.train(*tiny_nets(), sampler, training.TrainConfig(**{"steps": 3, "batch_size": 4, **config}))


@pytest.mark.parametrize("call, error, message", [pytest.param(*row[1:], id=row[0]) for row in BAD_CALLS])
def test_bad_input_is_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_table_is_big_and_its_ids_unique():
    ids = [row[0] for row in BAD_CALLS]
    assert len(ids) == len(set(ids)) and len(ids) >= 40


# --- good inputs still work ------------------------------------------------------------


def test_numpy_scalars_are_accepted_and_give_the_same_results():
    ring = mixtures.ring_of_gaussians(np.int64(4), np.float64(1.0), np.float32(0.1))
    assert torch.equal(ring.centres, RING.centres) and torch.equal(ring.stds, RING.stds)
    assert mixtures.grid_of_gaussians(np.int32(3)).centres.shape == (9, 2)
    d_loss = losses.least_squares(a=np.float64(0.0), b=np.int64(1), c=np.float32(1.0)).d_loss
    assert d_loss(torch.ones(3), torch.zeros(3)).item() == 0.0
    torch.manual_seed(0)
    g = mlp.MLPGenerator(z_dim=np.int64(2), out_dim=np.int64(2), width=np.int64(4), depth=np.int64(1))
    assert g.sample(np.int64(3)).shape == (3, 2)
    g = dcgan.DCGANGenerator(z_dim=np.int64(4), size=np.int64(28), channels=1, width=2)
    assert g.sample(2).shape == (2, 1, 28, 28)
    coverage = modes.mode_coverage(RING.sample(200), RING.centres, np.float32(0.1),
                                     min_share=np.float64(0.5))
    assert coverage.n_modes == 4
    assert image_metrics.class_coverage(torch.tensor([0, 1, 1]), np.int64(2)).classes_generated == 2


def test_truncated_but_normalised_densities_pass():
    x = np.linspace(-4, 4, 801)  # the GAN-game chapter's grid; N(3, 1) loses 16% of its mass off it
    dx = x[1] - x[0]
    p, q = norm.pdf(x, 0, 1), norm.pdf(x, 3, 1)
    assert 0.8 < q.sum() * dx < 0.85
    assert 0 < theory.jsd(p, q, dx) < math.log(2)
    assert math.isfinite(theory.virtual_training_criterion(p, q, dx))
    assert math.isfinite(theory.kl(q, p, dx))
    assert math.isfinite(theory.pearson_chi2(2 * q, p + q, dx))  # masses about 1.7: a sum of two densities


def test_pmfs_with_dx_1_and_unnormalised_pointwise_inputs_pass():
    pmf_p, pmf_q = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])
    assert theory.jsd(pmf_p, pmf_q) == pytest.approx(theory.jsd(pmf_q, pmf_p))
    assert theory.lsgan_criterion(pmf_p, pmf_q, -1, 1, 0) >= 0
    # D* is pointwise: a common scale cancels, so unnormalised inputs are fine there
    scaled = theory.optimal_discriminator(10 * P, 10 * Q)
    np.testing.assert_allclose(scaled, theory.optimal_discriminator(P, Q))
    assert theory.lsgan_optimal_discriminator(3 * P, 3 * Q, 0, 1).shape == P.shape


def test_a_1d_mixture_takes_a_1d_grid_like_a_column():
    mix = mixtures.mixture_1d([-1.0, 2.0], 0.5)
    grid = torch.linspace(-3, 3, 7)
    assert torch.equal(mix.log_prob(grid), mix.log_prob(grid[:, None]))


def test_image_dataset_accepts_its_edge_values_and_none_subsets():
    dataset = image_set(pixel_values=torch.tensor([0, 255, 7], dtype=torch.uint8).reshape(3, 1, 1, 1))
    assert len(dataset.subset(None)) == 3 and len(dataset.subset(np.int64(3))) == 3
    assert dataset.images().min() == -1 and dataset.images().max() == 1


def test_image_dataset_sample_draws_every_example_the_last_included():
    dataset = image_set(pixel_values=torch.tensor([0, 1, 2], dtype=torch.uint8).reshape(3, 1, 1, 1),
                        max_value=2.0)  # pixel i becomes the value i - 1 in [-1, 1]
    drawn = dataset.sample(300, torch.Generator().manual_seed(0)).reshape(-1)
    assert set(drawn.tolist()) == {-1.0, 0.0, 1.0}
    _, labels = dataset.sample_with_labels(300, torch.Generator().manual_seed(1))
    assert set(labels.tolist()) == {0, 1}


def test_point_set_sample_draws_every_point_the_last_included():
    points = torch.tensor([[0.0], [1.0], [2.0]])
    drawn = mixtures.PointSet(points).sample(300, torch.Generator().manual_seed(0)).reshape(-1)
    assert set(drawn.tolist()) == {0.0, 1.0, 2.0}


def test_checks_leave_valid_results_bit_identical():
    torch.manual_seed(0)
    d = dcgan.DCGANDiscriminator(28, 1, 2).eval()
    x = torch.randn(3, 1, 28, 28)
    with torch.no_grad():
        reference = d.head(d.blocks(x)).reshape(-1)
        assert torch.equal(d(x), reference)
