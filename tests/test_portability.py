"""The portable nbval pass really runs on other CPU code paths and another thread count."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, torch
from numpy._core._multiarray_umath import __cpu_features__ as features
from gan_core.config import setup_threads
setup_threads("cpu")
print(json.dumps({"aten": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(),
                  "numpy_features": sorted(name for name, on in features.items() if on)}))
"""


def other_cpu_environment() -> dict:
    lines = (ROOT / "tools" / "other_cpu.env").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {key: value for key, value in pairs}


def probe(extra: dict) -> str:
    env = {**os.environ, **extra}
    return subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, capture_output=True,
                          text=True, cwd=ROOT).stdout


def test_the_environment_file_sets_every_library_switch():
    assert set(other_cpu_environment()) >= {"ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS",
                                              "NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE", "GAN_BOOK_THREADS"}


def test_torch_and_numpy_take_the_other_code_paths_and_two_threads():
    import json

    normal, other = json.loads(probe({})), json.loads(probe(other_cpu_environment()))
    assert other["aten"] == "DEFAULT" and other["threads"] == 2
    assert normal["threads"] == 1
    assert "X86_V3" in normal["numpy_features"]  # AVX2 loops, unless disabled
    assert not {"X86_V3", "X86_V4", "AVX512_ICL"} & set(other["numpy_features"])
