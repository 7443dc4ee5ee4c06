"""Profiles, device choice and seeding (the "How to use this book" chapter).

A profile sets how big every experiment in the book is:

* ``smoke``: seconds per chapter; what CI runs to check the notebooks.
* ``cpu``: a few minutes per chapter on a laptop, with results worth looking at.
* ``gpu``: paper scale; the default when CUDA is available.

A chapter picks sizes (nets, batches, images, rates) with ``run.by_profile`` and
lengths (steps, epochs, seeds, sample counts, and the checks they allow) with
``run.by_length``. A dry run ($GAN_BOOK_DRY_RUN=1) keeps the profile's sizes and takes
the smoke profile's lengths, so CI can run the gpu profile's models on a CPU in minutes
(``make dry-run``).
"""

import os
import random
import time

import numpy as np
import threadpoolctl
import torch

import gan_core
from gan_core.registry import lookup

PROFILE_VARIABLE = "GAN_BOOK_PROFILE"
# torch CPU threads outside the gpu profile (default 1)
THREADS_VARIABLE = "GAN_BOOK_THREADS"
PROFILES = ("smoke", "cpu", "gpu")
# "1": the profile's sizes with the smoke profile's lengths (ChapterRun.by_length)
DRY_RUN_VARIABLE = "GAN_BOOK_DRY_RUN"


def get_profile(name: str | None = None) -> str:
    """The active profile: ``name`` if given, else $GAN_BOOK_PROFILE,
    else gpu or cpu."""
    source = "profile"
    if name is None:
        name, source = (
            os.environ.get(PROFILE_VARIABLE, "").strip(),
            f"profile (from ${PROFILE_VARIABLE})",
        )
    if not name:
        return "gpu" if torch.cuda.is_available() else "cpu"
    return lookup({p: p for p in PROFILES}, name, source)


def by_profile(smoke, cpu, gpu, profile: str | None = None):
    """Pick the value for the active profile, e.g.
    ``steps = by_profile(200, 5_000, 20_000)``."""
    return {"smoke": smoke, "cpu": cpu, "gpu": gpu}[get_profile(profile)]


def dry_run() -> bool:
    """Whether $GAN_BOOK_DRY_RUN asks for a dry run ("1"; "0" or unset: no)."""
    value = os.environ.get(DRY_RUN_VARIABLE, "").strip() or "0"
    if value not in ("0", "1"):
        raise ValueError(f"${DRY_RUN_VARIABLE} must be 0 or 1, got {value!r}")
    return value == "1"


def get_device(profile: str | None = None) -> torch.device:
    """CUDA in the gpu profile when it exists, the CPU otherwise."""
    if get_profile(profile) == "gpu" and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def cores() -> int:
    """The CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_threads(default: int = 1) -> int:
    """CPU threads outside the gpu profile: $GAN_BOOK_THREADS, else ``default``."""
    value = os.environ.get(THREADS_VARIABLE, "").strip() or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"${THREADS_VARIABLE} must be a positive integer, got {value!r}"
        )
    return int(value)


def limit_cpu_threads(n: int) -> None:
    """``n`` threads for torch and for the BLAS and OpenMP pools that NumPy, SciPy and
    scikit-learn use (threadpoolctl: their variables work only before they load)."""
    torch.set_num_threads(n)
    threadpoolctl.threadpool_limits(n)


def setup_threads(profile: str | None = None, all_cores: bool = False) -> None:
    """Use one CPU thread outside the gpu profile and in dry runs; with ``all_cores``,
    the cpu profile uses every core. $GAN_BOOK_THREADS, if set, wins.

    Small models gain nothing from a second thread, and when both cores of a small
    machine are busy, spinning threads made a toy GAN about ten times slower (and
    scikit-learn's fits in a dry run twenty times). A chapter that trains one
    convolutional net at a time would leave the other cores idle, so it asks for
    ``all_cores``.
    CI sets the variable to check that no checked output depends on the thread count.
    """
    profile = get_profile(profile)
    if profile == "gpu" and not dry_run():
        return
    lone = all_cores and profile == "cpu" and not dry_run()
    limit_cpu_threads(cpu_threads(default=cores() if lone else 1))


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch,
    and return a torch.Generator seeded with ``seed``."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


class ChapterRun:
    """A chapter's profile and device, the values it picks by profile,
    and what it prints first and last."""

    def __init__(self, profile: str | None = None, all_cores: bool = False):
        self.profile = get_profile(profile)
        self.dry_run = dry_run()
        self.device = get_device(self.profile)
        self.started = time.perf_counter()
        setup_threads(self.profile, all_cores)

    def by_profile(self, smoke, cpu, gpu):
        """A size: a net's width, a batch size, an image size, a learning rate."""
        return by_profile(smoke, cpu, gpu, self.profile)

    def by_length(self, smoke, cpu, gpu):
        """A length: steps, epochs, seeds, sample counts, and the checks on results
        that depend on them. A dry run takes the smoke value."""
        return by_profile(smoke, cpu, gpu, "smoke" if self.dry_run else self.profile)

    @property
    def short(self) -> bool:
        """Whether runs have the smoke profile's lengths, too short to judge results."""
        return self.profile == "smoke" or self.dry_run

    def profile_name(self) -> str:
        return f"{self.profile} (dry run)" if self.dry_run else self.profile

    def __str__(self) -> str:
        return (
            f"profile: {self.profile_name()} | device: {self.device} | "
            f"torch {torch.__version__} | gan_core {gan_core.__version__}"
        )

    def wall_time(self) -> str:
        seconds = time.perf_counter() - self.started
        return f"wall time: {seconds:.1f} s in the {self.profile_name()} profile"


def start_chapter(profile: str | None = None, all_cores: bool = False) -> ChapterRun:
    """Read the profile, set torch up for it, and print what the chapter runs on.
    ``all_cores``: the chapter trains one net at a time, on every core in the cpu
    profile (``setup_threads``)."""
    run = ChapterRun(profile, all_cores)
    print(run)
    return run
