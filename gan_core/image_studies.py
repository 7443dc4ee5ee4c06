"""Image GANs over many seeds, and how each run ends (chapter "LSGAN on images").

``run_image_seeds`` trains every named setting with every seed on an image data set,
scores each run every ``eval_every`` steps in a classifier's feature space
(``image_metrics.FeatureSpace``: Fréchet distance, precision, recall, class coverage)
and names its outcome:

* ``"diverged"``: a loss became NaN or infinite (the loop stops the run);
* ``"exploded"``: D's mean output on a batch left [-explode_at, explode_at], the
  runaway that precedes a divergence;
* ``"collapsed"``: the last samples hold a fair share of fewer than ``min_classes``
  classes;
* ``"trained"``: none of these.

``summarise`` and ``compare_settings`` read the table: outcome counts and medians per
setting, and the tests of ``evaluation.seed_tests`` between two settings.

The runs go side by side in worker processes (``workers.run_all``), one torch thread
each, with the same rows as one after the other. Each worker loads the data and the
classifier once, from a :class:`ScoringSetup` (the classifier is trained and cached
first, here).
"""

import dataclasses
import functools
import math
import time
from dataclasses import dataclass
from typing import ClassVar

import torch

from gan_core import training
from gan_core.checks import check_int, check_positive
from gan_core.config import seed_everything
from gan_core.data import images
from gan_core.evaluation import image_metrics, seed_tests
from gan_core.models import dcgan, lsgan
from gan_core.registry import lookup
from gan_core.workers import run_all

OUTCOMES = ("trained", "collapsed", "exploded", "diverged")
RUN_COLUMNS = [
    "setting",
    "seed",
    "outcome",
    "failed_at",
    "frechet",
    "precision",
    "recall",
    "classes_generated",
    "kl_to_uniform",
    "seconds",
    "curve",
    "snapshot",
]


@dataclass(frozen=True)
class ScoringSetup:
    """The data a study trains on and the classifier that scores its samples."""

    data: str = "fashion-mnist"
    size: int = 28
    n_train: int | None = None  # training images (None: all)
    classifier_epochs: int = 2
    classifier_width: int = 16
    n_eval: int = 1_000  # generated and real images per score
    # more arguments of images.load, as pairs: e.g. (("n_classes", 200),) for glyphs
    data_options: tuple[tuple[str, object], ...] = ()

    def classifier_key(self) -> str:
        options = "".join(f"-{name}{value}" for name, value in self.data_options)
        return (
            f"{self.data}{options}-{self.size}-w{self.classifier_width}"
            f"-e{self.classifier_epochs}-n{self.n_train}"
        )


@functools.cache
def load_split(setup: ScoringSetup):
    """The train and test images of ``setup``, once per process."""
    split = images.load(
        setup.data, size=setup.size, download=True, **dict(setup.data_options)
    )
    # more than k = 3 real images, and no more than the test split holds
    check_int("n_eval", setup.n_eval, minimum=4, maximum=len(split.test))
    return split


@functools.cache
def load_setup(setup: ScoringSetup):
    """The training images and the feature space of ``setup``, once per process."""
    split = load_split(setup)
    train_set = split.train.subset(setup.n_train, seed=0)
    classifier = image_metrics.cached_classifier(
        train_set,
        setup.classifier_key(),
        epochs=setup.classifier_epochs,
        width=setup.classifier_width,
    )
    reference = split.test.images(torch.arange(setup.n_eval))
    space = image_metrics.FeatureSpace(classifier, reference, len(split.test.classes))
    return train_set, space


@dataclass
class ImageSettings(training.TrainConfig):
    """An image run's settings: the loop's ``TrainConfig`` and the nets'."""

    net: str = "dcgan"  # "dcgan" or "lsgan" (the LSGAN paper's scene model)
    width: int = 32
    z_dim: int = 100
    batch_norm_g: bool = True
    batch_norm_d: bool = True
    # run_image_seeds sets these for every run
    OWN_FIELDS: ClassVar[tuple[str, ...]] = ("steps", "seed", "progress")


NETS = {
    "dcgan": (dcgan.DCGANGenerator, dcgan.DCGANDiscriminator),
    "lsgan": (lsgan.LSGANGenerator, lsgan.LSGANDiscriminator),
}


def build_image_nets(settings: ImageSettings, size: int, channels: int):
    """G and D of ``settings.net`` for images ``(channels, size, size)``."""
    make_g, make_d = lookup(NETS, settings.net, "image net")
    generator = make_g(
        z_dim=settings.z_dim,
        size=size,
        channels=channels,
        width=settings.width,
        batch_norm=settings.batch_norm_g,
    )
    discriminator = make_d(
        size=size,
        channels=channels,
        width=settings.width,
        batch_norm=settings.batch_norm_d,
    )
    return generator, discriminator


def outcome_of(
    history: training.History | None,
    last: image_metrics.ImageScores | None,
    min_classes: int,
    explode_at: float,
) -> str:
    """How a run ended (OUTCOMES); ``history`` is None when it diverged."""
    if history is None:
        return "diverged"
    means = [*history.d_real, *history.d_fake]
    if any(not abs(m) <= explode_at for m in means):
        return "exploded"
    if last is None or last.classes_generated < min_classes:
        return "collapsed"
    return "trained"


def run_image_seeds(
    settings: dict[str, dict],
    seeds,
    setup: ScoringSetup,
    steps: int,
    eval_every: int,
    min_classes: int = 5,
    explode_at: float = 1e3,
    workers: int | None = None,
):
    """Train every named setting with every seed; a pandas DataFrame, one row per run.

    ``settings`` maps a name to ``ImageSettings`` fields (loss, optimizer, rates, net,
    width, batch norm switches, ...). Columns: setting, seed, outcome (OUTCOMES),
    failed_at (the step a diverged run stopped at), the last scores (frechet,
    precision, recall, classes_generated, kl_to_uniform; NaN for a diverged run),
    seconds, curve (a list of (step, ImageScores)) and snapshot (the last 36
    samples).
    """
    import pandas as pd

    seeds = list(seeds)
    if not settings or not seeds:
        raise ValueError("need at least one setting and one seed")
    check_int("steps", steps, minimum=1)
    check_int("eval_every", eval_every, minimum=1, maximum=steps)
    check_int("min_classes", min_classes, minimum=1)
    check_positive("explode_at", explode_at)
    runs = {name: ImageSettings.with_overrides(**kw) for name, kw in settings.items()}
    # trains and caches the classifier once, before the workers
    train_set, _ = load_setup(setup)
    channels, size, _ = train_set.image_shape
    for config in runs.values():  # a bad setting fails here, before any run starts
        training.check_config(config)
        build_image_nets(config, size, channels)
    shared = {"setup": setup, "steps": steps, "eval_every": eval_every}
    shared |= {"min_classes": min_classes, "explode_at": explode_at}
    jobs = [
        {**shared, "name": name, "settings": config, "seed": seed}
        for name, config in runs.items()
        for seed in seeds
    ]
    rows = run_all(_image_run, jobs, workers, desc="image runs")
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def _image_run(job: dict) -> dict:
    """One row of ``run_image_seeds``."""
    train_set, space = load_setup(job["setup"])
    seed_everything(job["seed"])
    channels, size, _ = train_set.image_shape
    generator, discriminator = build_image_nets(job["settings"], size, channels)
    monitor = image_metrics.EpochMonitor(
        space, job["eval_every"], n=job["setup"].n_eval
    )
    reached = []  # the last step each callback saw
    config = dataclasses.replace(
        job["settings"], steps=job["steps"], seed=job["seed"], progress=False
    )
    started = time.perf_counter()
    try:
        history = training.train(
            generator,
            discriminator,
            train_set,
            config,
            callbacks=(monitor, lambda state: reached.append(state.step)),
        )
    except training.TrainingDiverged:
        history = None
    last = monitor.scores[-1] if monitor.scores and history is not None else None
    outcome = outcome_of(history, last, job["min_classes"], job["explode_at"])
    scores = dataclasses.asdict(last) if last else {}
    return {
        "setting": job["name"],
        "seed": job["seed"],
        "outcome": outcome,
        "failed_at": (reached[-1] + 1 if reached else 1) if history is None else None,
        **{k: scores.get(k, math.nan) for k in RUN_COLUMNS[4:9]},
        "seconds": time.perf_counter() - started,
        "curve": [
            (epoch * job["eval_every"], score)
            for epoch, score in zip(monitor.epochs, monitor.scores)
        ],
        "snapshot": monitor.snapshots[-1] if monitor.snapshots else None,
    }


def _check_table(table) -> None:
    missing = [c for c in RUN_COLUMNS if c not in getattr(table, "columns", ())]
    if missing:
        raise ValueError(
            f"table must be a run_image_seeds table (a DataFrame); it lacks {missing}"
        )


def summarise(table):
    """Per setting: how many runs ended each way (OUTCOMES), and the medians of the
    last scores of the runs that did not diverge (columns FD, classes, precision,
    recall; short, so the table fits a page), with the interquartile range of FD."""
    import pandas as pd

    _check_table(table)
    grouped = table.groupby("setting", sort=False)
    counts = {
        outcome: grouped["outcome"].agg(lambda s, o=outcome: int((s == o).sum()))
        for outcome in OUTCOMES
    }
    return pd.DataFrame(
        {
            "runs": grouped.size(),
            **counts,
            "FD": grouped["frechet"].median(),
            "FD IQR": grouped["frechet"].agg(seed_tests.iqr),
            "classes": grouped["classes_generated"].median(),
            "precision": grouped["precision"].median(),
            "recall": grouped["recall"].median(),
        }
    )


def compare_settings(table, first: str, second: str) -> dict:
    """Two-sided tests of two settings of a ``run_image_seeds`` table: Fisher's exact
    test on the counts of runs that ``"trained"`` and the Mann-Whitney U test on the
    last Fréchet distance, where a diverged run (no distance) ranks worst."""
    _check_table(table)
    a, b = (
        seed_tests.rows_of(table, first, "first"),
        seed_tests.rows_of(table, second, "second"),
    )
    tests = seed_tests.compare_runs(
        list(a.outcome == "trained"),
        list(b.outcome == "trained"),
        list(a.frechet.fillna(math.inf)),
        list(b.frechet.fillna(math.inf)),
    )
    return {"trained": tests.pop("successes"), **tests}


def typical_and_worst(table, setting: str):
    """Two runs of ``setting``: the typical one (the lower median of the last Fréchet
    distance) and the worst (the highest distance; a diverged run is worse still)."""
    _check_table(table)
    rows = seed_tests.rows_of(table, setting)
    ranked = rows.assign(rank_by=rows.frechet.fillna(math.inf)).sort_values(
        ["rank_by", "seed"], kind="stable"
    )
    return ranked.iloc[(len(ranked) - 1) // 2], ranked.iloc[-1]
