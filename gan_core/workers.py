"""Independent runs side by side, one process per CPU core (multi-seed studies).

Small models gain nothing from a second thread (``config.setup_threads``), so on an
n-core CPU n runs in n processes of one thread each finish about n times sooner than
one after the other. Every run seeds itself, so the results are the same either way,
in the same order.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Sequence

from tqdm.auto import tqdm

from gan_core.checks import check_int
from gan_core.config import cores, get_device, get_profile, limit_cpu_threads


def default_workers() -> int:
    """One process per core on a CPU; one on a GPU, which one process keeps busy."""
    return cores() if get_device().type == "cpu" else 1


def _one_thread() -> None:
    limit_cpu_threads(1)


def run_all(
    function: Callable, jobs: Sequence, workers: int | None = None, desc: str = "runs"
) -> list:
    """``[function(job) for job in jobs]`` in ``workers`` processes (default: one per
    core on a CPU), each with one torch thread, and a progress bar across the jobs
    (none in the smoke profile). ``function`` and the jobs must pickle: a module-level
    function and plain data, distributions, nets or callbacks. With one worker the jobs
    run here, in order."""
    workers = default_workers() if workers is None else workers
    check_int("workers", workers, minimum=1)
    jobs = list(jobs)
    with tqdm(total=len(jobs), desc=desc, disable=get_profile() == "smoke") as bar:
        if workers == 1 or len(jobs) <= 1:
            results = []
            for job in jobs:
                results.append(function(job))
                bar.update()
            return results
        spawn = multiprocessing.get_context("spawn")  # fork may copy a busy torch
        with ProcessPoolExecutor(
            min(workers, len(jobs)), mp_context=spawn, initializer=_one_thread
        ) as pool:
            futures = [pool.submit(function, job) for job in jobs]
            for _ in as_completed(futures):
                bar.update()
            return [future.result() for future in futures]
