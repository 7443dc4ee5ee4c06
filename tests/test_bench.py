"""The throughput benchmark (make bench) keeps running; its figures are read, not asserted."""

import subprocess
import sys
from pathlib import Path

import torch

from gan_core.models import dcgan

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_prints_both_loops_their_ratio_and_the_share_of_peak():
    done = subprocess.run(
        [sys.executable, "bench/throughput.py", "--models", "DCGAN-28", "--rounds", "1", "--steps", "1",
         "--flip", "channels_last"],  # compile's minute of compiling is left to make bench
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert "float32 matmul peak" in lines[0] and "% peak" in lines[1]
    rows = {line.split()[1]: line.split() for line in lines[2:] if line.startswith("DCGAN-28")}
    flipped = not dcgan.fast_settings(torch.device("cpu"))["channels_last"]
    assert set(rows) == {"reference", "gan_core", f"channels_last={flipped}", "updates=same_noise"}
    assert rows["reference"][3] == "1.00" and float(rows["gan_core"][2]) > 0
    assert all(row[5].endswith("%") and float(row[5][:-1]) > 0 for row in rows.values())
