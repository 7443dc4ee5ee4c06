"""Conditional LSGAN runs (the chapter "Conditional LSGAN").

``run_conditional`` trains the paper's conditional nets (``lsgan.ConditionalGenerator``
and ``ConditionalDiscriminator``) with the one training loop on labelled batches
(``batches.WithLabels``), one run per named setting, side by side in worker processes
(``workers.run_all``). Every ``eval_every`` steps an :class:`AccuracyMonitor` asks G for
``per_class`` images of every class and records how often the setup's classifier,
trained on the same data, names the class that was asked for
(``image_metrics.conditional_accuracy``).
"""

import dataclasses
import time
from dataclasses import dataclass
from typing import ClassVar

from gan_core import training
from gan_core.batches import WithLabels
from gan_core.checks import check_int
from gan_core.config import seed_everything
from gan_core.evaluation import image_metrics
from gan_core.image_studies import ScoringSetup, load_setup, load_split
from gan_core.models import lsgan
from gan_core.workers import run_all


@dataclass
class ConditionalSettings(training.TrainConfig):
    """A conditional run's settings: the loop's ``TrainConfig`` (with the least-squares
    loss and the code's batch of 64) and the conditional nets'."""

    loss: str = "least_squares"
    batch_size: int = 64  # train_chn.py
    width: int = 16  # the code's 64
    z_dim: int = lsgan.Z_DIM
    label_std: float = lsgan.INIT_STD  # the label maps' initial scale
    OWN_FIELDS: ClassVar[tuple[str, ...]] = ("progress",)


@dataclass
class ConditionalRun:
    """One trained conditional pair, and its accuracy over training."""

    name: str
    generator: lsgan.ConditionalGenerator
    steps: list[int]  # the steps the accuracy was measured at
    accuracy: list[float]  # the classifier's top-1 on G's images, per step
    real_accuracy: float  # ... and on real test images
    n_classes: int
    seconds: float  # training, accuracy checks included


class AccuracyMonitor:
    """A training-loop callback: every ``every`` steps, the top-1 accuracy of
    ``classifier`` on ``per_class`` images G makes of each of ``n_classes`` classes
    (the same noise each time, so the numbers follow G alone)."""

    def __init__(self, classifier, n_classes: int, every: int, per_class: int = 20):
        check_int("every", every, minimum=1)
        check_int("per_class", per_class, minimum=1)
        self.classifier, self.n_classes = classifier, n_classes
        self.every, self.per_class = every, per_class
        self.steps, self.accuracy = [], []

    def __call__(self, state) -> None:
        if state.step % self.every:
            return
        self.steps.append(state.step)
        self.accuracy.append(
            image_metrics.conditional_accuracy(
                state.generator, self.classifier, self.n_classes, self.per_class
            )
        )


def run_conditional(
    runs: dict[str, tuple[ScoringSetup, dict]],
    eval_every: int,
    per_class: int = 20,
    workers: int | None = None,
) -> dict[str, ConditionalRun]:
    """Train one conditional pair per name: ``runs`` maps a name to the data setup
    and the ``ConditionalSettings`` fields of that run (steps, seed, rates, width,
    label_std, ...). Returns the runs by name, their generators on the CPU."""
    if not runs:
        raise ValueError("runs must name at least one (setup, settings) pair")
    check_int("eval_every", eval_every, minimum=1)
    jobs = []
    for name, (setup, fields) in runs.items():
        settings = ConditionalSettings.with_overrides(**fields)
        training.check_config(settings)
        check_int("eval_every", eval_every, maximum=settings.steps)
        # trains and caches the classifier here, and a bad net setting fails here,
        # before the workers
        build_nets(settings, load_setup(setup)[0])
        job = dict(name=name, setup=setup, settings=settings)
        jobs.append(job | dict(real_accuracy=real_accuracy(setup)))
    shared = dict(eval_every=eval_every, per_class=per_class)
    done = run_all(_conditional_run, [{**job, **shared} for job in jobs], workers)
    return {run.name: run for run in done}


def real_accuracy(setup: ScoringSetup) -> float:
    """The top-1 accuracy of ``setup``'s classifier on its real test images."""
    _, space = load_setup(setup)
    return image_metrics.accuracy(space.classifier, load_split(setup).test)


def build_nets(settings: ConditionalSettings, data):
    """The conditional G and D of ``settings`` for the images and classes of
    ``data``."""
    channels, size, _ = data.image_shape
    nets = dict(n_classes=len(data.classes), size=size, channels=channels)
    nets |= dict(width=settings.width, label_std=settings.label_std)
    generator = lsgan.ConditionalGenerator(z_dim=settings.z_dim, **nets)
    return generator, lsgan.ConditionalDiscriminator(**nets)


def _conditional_run(job: dict) -> ConditionalRun:
    train_set, space = load_setup(job["setup"])
    settings = dataclasses.replace(job["settings"], progress=False)
    seed_everything(settings.seed)
    generator, discriminator = build_nets(settings, train_set)
    n_classes = generator.n_classes
    monitor = AccuracyMonitor(
        space.classifier, n_classes, job["eval_every"], job["per_class"]
    )
    started = time.perf_counter()
    training.train(
        generator, discriminator, WithLabels(train_set), settings, callbacks=(monitor,)
    )
    return ConditionalRun(
        name=job["name"],
        generator=generator.cpu(),
        steps=monitor.steps,
        accuracy=monitor.accuracy,
        real_accuracy=job["real_accuracy"],
        n_classes=n_classes,
        seconds=time.perf_counter() - started,
    )
