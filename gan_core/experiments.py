"""One-call toy GANs and multi-seed studies (the chapter "Training on 2-D mixtures").

``toy_gan`` builds an MLP generator and discriminator and trains them with the one
training loop, ``gan_core.training.train``. Its defaults are the settings of the LSGAN
paper's official mixture-of-Gaussians code; any of them can be overridden by name.
``run_seeds`` repeats a few such settings over many seeds and measures each run with
``gan_core.evaluation.modes.mode_coverage``, one row per (setting, seed).
"""

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import ClassVar

import torch

from gan_core import training
from gan_core.checks import (
    check_callable,
    check_distribution,
    check_instance,
    check_int,
    check_positive,
)
from gan_core.config import get_device, seed_everything
from gan_core.evaluation import modes, seed_tests
from gan_core.models import mlp
from gan_core.registry import lookup
from gan_core.training import losses
from gan_core.workers import run_all

# The official LSGAN mixture code's training, as ToySettings overrides (chapter 03
# compares it with Algorithm 1 and PyTorch's initialisation, this module's defaults).
OFFICIAL_MIXTURE_CODE = {"updates": "simultaneous", "init": "orthogonal"}


@dataclass
class ToySettings(training.TrainConfig):
    """A toy GAN run's settings: the loop's ``TrainConfig``, with the training defaults
    of the LSGAN paper's mixture code where they differ from DCGAN's, and the nets'
    sizes, activation and initialisation. ``toy_gan`` sets the loss, steps and seed."""

    batch_size: int = 512  # LSGAN's mixture code
    lr_d: float = 1e-4  # LSGAN's mixture code: D learns ten times slower than G
    lr_g: float = 1e-3
    # The official mixture code also differs from Algorithm 1 with PyTorch's defaults
    # in its update order (updates="simultaneous") and in init, below.
    z_dim: int = 256  # LSGAN's mixture code: a 256-d Gaussian noise vector
    width: int = 128  # LSGAN's mixture code: 128 units per hidden layer, in G and in D
    depth: int = 2  # LSGAN's mixture code: two hidden layers
    activation: str = "tanh"  # LSGAN's mixture code uses tanh in both nets
    init: str = "pytorch"  # the code: "orthogonal" (gain 1.4, zero biases; mlp.INITS)
    # toy_gan's own arguments, which with_overrides refuses
    OWN_FIELDS: ClassVar[tuple[str, ...]] = ("loss", "steps", "seed", "progress")

    def __post_init__(self):
        training.check_config(self)
        for name in ("z_dim", "width"):
            check_int(name, getattr(self, name), minimum=1)
        check_int("depth", self.depth, minimum=0)
        lookup(mlp.ACTIVATIONS, self.activation, "activation")
        lookup(mlp.INITS, self.init, "init")
        if not isinstance(self.loss_params, dict):
            raise ValueError(f"loss_params must be a dict, got {self.loss_params!r}")

    def train_config(
        self, loss: str, steps: int, seed: int, **changes
    ) -> "ToySettings":
        """These settings for a run with ``loss``, ``steps`` and ``seed``; ``changes``
        replace any other field (the live view's sliders, ``progress``)."""
        return dataclasses.replace(self, loss=loss, steps=steps, seed=seed, **changes)


@dataclass
class ToyGAN:
    """What ``toy_gan`` returns:
    the trained nets, their history and how the run was set up."""

    generator: mlp.MLPGenerator
    discriminator: mlp.MLPDiscriminator
    history: training.History
    loss: str
    settings: ToySettings
    seconds: float  # wall time of the training loop
    callbacks: tuple = ()  # as they ended the run (copies, when it ran in a worker)


def build_nets(
    dim: int, settings: ToySettings
) -> tuple[mlp.MLPGenerator, mlp.MLPDiscriminator]:
    """G and D for ``dim``-dimensional toy data, sized by ``settings``
    (seed torch first)."""
    check_int("dim", dim, minimum=1)
    check_instance("settings", settings, ToySettings)
    generator = mlp.MLPGenerator(
        z_dim=settings.z_dim,
        out_dim=dim,
        width=settings.width,
        depth=settings.depth,
        activation=settings.activation,
    )
    discriminator = mlp.MLPDiscriminator(
        in_dim=dim,
        width=settings.width,
        depth=settings.depth,
        activation=settings.activation,
    )
    return (
        mlp.initialise(generator, settings.init),
        mlp.initialise(discriminator, settings.init),
    )


def toy_gan(
    distribution,
    loss: str = "least_squares",
    steps: int = 1_000,
    seed: int = 0,
    callbacks: tuple = (),
    progress: bool | None = False,
    **overrides,
) -> ToyGAN:
    """Train a toy GAN on ``distribution`` in one call;
    ``overrides`` are ``ToySettings`` fields.

    ``seed`` seeds the nets' initialisation and the loop's data and noise draws, so a
    run is repeatable.
    """
    check_distribution("distribution", distribution)
    check_int("steps", steps, minimum=1)
    check_int("seed", seed)
    for callback in callbacks:
        check_callable("each callback", callback)
    settings = ToySettings.with_overrides(**overrides)
    # a bad loss name or code is an error before any work
    losses.get(loss, **settings.loss_params)
    seed_everything(seed)
    generator, discriminator = (
        net.to(get_device()) for net in build_nets(distribution.dim, settings)
    )
    config = settings.train_config(loss, steps, seed, progress=progress)
    started = time.perf_counter()
    history = training.train(
        generator, discriminator, distribution, config, callbacks=tuple(callbacks)
    )
    seconds = time.perf_counter() - started
    return ToyGAN(
        generator, discriminator, history, loss, settings, seconds, tuple(callbacks)
    )


def _toy_gan(arguments: dict) -> ToyGAN:
    return toy_gan(**arguments)


def toy_gans(runs: dict[str, dict], workers: int | None = None) -> dict[str, ToyGAN]:
    """``toy_gan(**arguments)`` for every named run, side by side in ``workers``
    processes (``workers.run_all``). A run's callbacks come back in its
    ``ToyGAN.callbacks``, in the order given."""
    for name, arguments in runs.items():
        check_instance(f"runs[{name!r}]", arguments, dict)
    results = run_all(_toy_gan, list(runs.values()), workers, desc="toy GANs")
    return dict(zip(runs, results))


def evaluate(
    generator,
    distribution,
    n: int = 2_500,
    seed: int = 12_345,
    n_std: float = 3.0,
    min_share: float = 0.2,
) -> modes.ModeCoverage:
    """``mode_coverage`` of ``n`` generated points, with the distribution's own std."""
    check_distribution("distribution", distribution, "centres", "stds")
    check_int("n", n, minimum=1)
    fake = generator.sample(n, torch.Generator().manual_seed(seed)).cpu()
    return modes.mode_coverage(
        fake,
        distribution.centres,
        float(distribution.stds.max()),
        n_std=n_std,
        min_share=min_share,
    )


class CoverageTracker:
    """A callback recording ``evaluate`` every ``every`` steps:
    ``steps`` and ``results``."""

    def __init__(self, distribution, every: int, n: int = 2_500):
        check_distribution("distribution", distribution, "centres", "stds")
        check_int("every", every, minimum=1)
        check_int("n", n, minimum=1)
        self.distribution, self.every, self.n = distribution, every, n
        self.steps: list[int] = []
        self.results: list[modes.ModeCoverage] = []

    def __call__(self, state: training.TrainState) -> None:
        if state.step % self.every == 0:
            self.steps.append(state.step)
            self.results.append(evaluate(state.generator, self.distribution, self.n))


class SampleSnapshots:
    """A callback keeping ``n`` generated points (fixed noise)
    at each step in ``at_steps``."""

    def __init__(self, at_steps, n: int = 2_500, seed: int = 0):
        at_steps = list(at_steps)
        if not at_steps:
            raise ValueError("at_steps must name at least one step")
        for step in at_steps:
            check_int("each of at_steps", step, minimum=1)
        check_int("n", n, minimum=1)
        self.at_steps, self.n, self.seed = set(at_steps), n, seed
        self.samples: dict[int, torch.Tensor] = {}

    def __call__(self, state: training.TrainState) -> None:
        if state.step in self.at_steps:
            self.samples[state.step] = state.generator.sample(
                self.n, torch.Generator().manual_seed(self.seed)
            ).cpu()


RUN_COLUMNS = [
    "setting",
    "loss",
    "seed",
    "modes_recovered",
    "n_modes",
    "high_quality_fraction",
    "kl_to_uniform",
    "all_modes",
    "diverged",
    "seconds",
]


def run_seeds(
    settings: dict[str, dict],
    seeds,
    distribution,
    steps: int,
    n_eval: int = 2_500,
    on_run=None,
    judged_on=None,
    n_std: float = 3.0,
    workers: int | None = None,
):
    """Train every named setting with every seed; a pandas DataFrame, one row per run.

    ``settings`` maps a name to ``toy_gan`` keyword arguments (``loss`` and any
    overrides). Runs are measured against the modes of ``judged_on`` (default:
    ``distribution``), e.g. the 8 distinct modes of ``mixtures.lsgan_code_ring``, which
    has a doubled ninth component. A point counts for a mode within ``n_std`` of the
    modes' std (``evaluate``): 3 is the strict count of the literature; a larger value
    asks only where the mass went. Columns: setting, loss, seed, modes_recovered,
    n_modes, high_quality_fraction, kl_to_uniform, all_modes, diverged, seconds. A run
    whose loss becomes NaN is kept as a row with ``diverged=True`` and no metrics,
    rather than dropped. The runs go side by side in ``workers`` processes (default:
    one per CPU core; ``workers.run_all``), with the same rows as one after the other.
    ``on_run(row)`` is then called for each row, in the table's order.
    """
    import pandas as pd

    if not settings or not all(
        isinstance(kwargs, dict) for kwargs in settings.values()
    ):
        raise ValueError(
            f"settings must map at least one name to a dict of toy_gan arguments, "
            f"got {settings!r}"
        )
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    check_int("n_eval", n_eval, minimum=1)
    check_positive("n_std", n_std)
    judged_on = distribution if judged_on is None else judged_on
    check_distribution("judged_on", judged_on, "centres", "stds")
    jobs = []
    for name, kwargs in settings.items():
        kwargs = dict(kwargs)
        loss = kwargs.pop("loss", "least_squares")
        # a bad setting is an error here, before any run starts
        losses.get(loss, **ToySettings.with_overrides(**kwargs).loss_params)
        job = dict(name=name, loss=loss, kwargs=kwargs, distribution=distribution)
        job.update(steps=steps, judged_on=judged_on, n_eval=n_eval, n_std=n_std)
        jobs += [dict(job, seed=seed) for seed in seeds]
    rows = run_all(_seed_run, jobs, workers, desc="seeds")
    if on_run is not None:
        for row in rows:
            on_run(row)
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def _seed_run(job: dict) -> dict:
    """One row of ``run_seeds``: train one setting with one seed and measure it."""
    judged_on, started = job["judged_on"], time.perf_counter()
    try:
        result = toy_gan(
            job["distribution"],
            loss=job["loss"],
            steps=job["steps"],
            seed=job["seed"],
            **job["kwargs"],
        )
        coverage = evaluate(
            result.generator, judged_on, job["n_eval"], n_std=job["n_std"]
        )
        measured = dict(
            modes_recovered=coverage.modes_recovered,
            high_quality_fraction=coverage.high_quality_fraction,
            kl_to_uniform=coverage.kl_to_uniform,
            diverged=False,
        )
    except training.TrainingDiverged:
        measured = dict(
            modes_recovered=0,
            high_quality_fraction=math.nan,
            kl_to_uniform=math.nan,
            diverged=True,
        )
    row = dict(
        setting=job["name"],
        loss=job["loss"],
        seed=job["seed"],
        n_modes=len(judged_on.centres),
        **measured,
        seconds=time.perf_counter() - started,
    )
    row["all_modes"] = row["modes_recovered"] == row["n_modes"]
    return row


def _check_table(table, *columns: str) -> None:
    """A table like those ``run_seeds`` makes, with at least ``columns``."""
    missing = [c for c in columns if c not in getattr(table, "columns", ())]
    if missing:
        raise ValueError(
            "table must be a run_seeds table (a DataFrame); "
            f"it lacks the columns {missing}"
        )


def summarise(table):
    """Per setting: median and interquartile range of each metric,
    and counts of runs."""
    import pandas as pd

    _check_table(
        table,
        "setting",
        "all_modes",
        "diverged",
        "modes_recovered",
        "high_quality_fraction",
        "kl_to_uniform",
    )

    grouped = table.groupby("setting", sort=False)
    return pd.DataFrame(
        {
            "runs": grouped.size(),
            "all modes": grouped["all_modes"].sum(),
            "diverged": grouped["diverged"].sum(),
            "modes, median": grouped["modes_recovered"].median(),
            "modes, IQR": grouped["modes_recovered"].agg(seed_tests.iqr),
            "high quality, median": grouped["high_quality_fraction"].median(),
            "KL, median": grouped["kl_to_uniform"].median(),
            "KL, IQR": grouped["kl_to_uniform"].agg(seed_tests.iqr),
        }
    )


def compare_settings(table, first: str, second: str) -> dict:
    """Two-sided tests of two settings of a ``run_seeds`` table
    (``seed_tests.compare_runs``): Fisher's exact test on the counts of runs that
    found every mode, and the Mann-Whitney U test on modes recovered, both over the
    runs that did not diverge.
    """
    _check_table(table, "setting", "all_modes", "diverged", "modes_recovered")
    a, b = (
        rows[~rows.diverged]
        for rows in (
            seed_tests.rows_of(table, first, "first"),
            seed_tests.rows_of(table, second, "second"),
        )
    )
    if a.empty or b.empty:
        raise ValueError(f"no finished runs for {first!r} or {second!r}")
    tests = seed_tests.compare_runs(
        list(a.all_modes),
        list(b.all_modes),
        list(a.modes_recovered),
        list(b.modes_recovered),
    )
    return {"all modes": tests.pop("successes"), **tests}
