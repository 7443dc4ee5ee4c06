"""Run chapters as a Colab reader would: a fresh Python, the setup cell, data downloaded.

    python tools/colab_check.py chapters/01_gan_game.ipynb chapters/04_dcgan.ipynb

What it imitates, and how:

* a fresh virtual environment holding only torch and a Jupyter kernel (Colab brings its
  own torch; everything else must come from gan_core's declared dependencies);
* each chapter's own setup cell, unchanged: a stand-in ``google.colab`` module is imported
  at start-up so the cell believes it runs in Colab, and git is told to fetch the
  repository's URL from this clone, so it installs the commit it records from here;
* no system-wide data (``GAN_BOOK_SYSTEM_DATA=0``) and an empty cache: Fashion-MNIST is
  downloaded from a server on 127.0.0.1 holding the official files, rebuilt from
  Debian's package (``tools/data_server.py``);
* the smoke profile.

A chapter passes when every cell runs without an error. Last, with the server stopped and
an empty cache, a download must fail with gan_core's DownloadError and save nothing.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import data_server
import notebooks

TORCH_PIN = "torch==2.13.0"  # the CPU build the book's machines install from a local file
KERNEL = "colab-like"


def make_environment(folder: Path) -> Path:
    """A venv with only torch and ipykernel, registered as the Jupyter kernel KERNEL."""
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", TORCH_PIN, "ipykernel"], check=True)
    spec = folder / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}))
    return python


def fake_colab(folder: Path) -> Path:
    """A folder for PYTHONPATH whose sitecustomize imports a stand-in ``google.colab``."""
    package = folder / "fake_colab" / "google" / "colab"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text('"""Stands in for Colab\'s module in tools/colab_check.py."""\n')
    (package.parent.parent / "sitecustomize.py").write_text("import google.colab  # noqa: F401\n")
    return package.parent.parent


def git_redirect(folder: Path) -> Path:
    """A git config that fetches the book's repository URL from this clone."""
    config = folder / "gitconfig"
    config.write_text(f'[url "file://{notebooks.ROOT}"]\n\tinsteadOf = {notebooks.repository_url()}\n')
    return config


def run_chapter(path: Path, environment: dict) -> float:
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    os.environ.update(environment)  # the kernel inherits this process's environment
    NotebookClient(notebook, timeout=600, kernel_name=KERNEL,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - started


OFFLINE_CELL = """
from pathlib import Path
from gan_core.data import images
try:
    images.fashion_mnist(download=True)
    raise AssertionError("the download worked with the server stopped")
except images.DownloadError as error:
    print(error)
cached = Path(images.cache_dir(), "fashion-mnist")
assert not cached.exists() or not any(cached.iterdir()), sorted(cached.iterdir())
"""


def check_offline(environment: dict, url: str, folder: Path) -> str:
    """With the server stopped and an empty cache, the download fails clearly; returns its message."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(OFFLINE_CELL)])
    os.environ.update({**environment, "GAN_BOOK_MIRRORS": url, "XDG_CACHE_HOME": str(folder / "empty-cache")})
    NotebookClient(notebook, timeout=120, kernel_name=KERNEL).execute()
    return notebook.cells[0].outputs[0]["text"].strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="+", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="colab-check-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        make_environment(folder)
        print(f"fresh environment with {TORCH_PIN} and ipykernel: {time.perf_counter() - started:.0f} s", flush=True)
        served = folder / "served"
        data_server.rebuild_official_fashion_mnist(served)
        with data_server.serving(served) as url:
            environment = {
                "JUPYTER_PATH": str(folder / "jupyter"), "PYTHONPATH": str(fake_colab(folder)),
                "GIT_CONFIG_GLOBAL": str(git_redirect(folder)), "XDG_CACHE_HOME": str(folder / "cache"),
                "GAN_BOOK_PROFILE": "smoke", "GAN_BOOK_SYSTEM_DATA": "0", "GAN_BOOK_MIRRORS": url,
                "GAN_BOOK_DATA": "", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            }
            for path in args.chapters:
                print(f"{path}: ran in {run_chapter(path, environment):.0f} s, setup cell included", flush=True)
        downloaded = sorted(p.name for p in (folder / "cache" / "gan_book" / "fashion-mnist").glob("*.gz"))
        print(f"downloaded into the cache: {', '.join(downloaded) or 'nothing'}")
        print("server stopped, empty cache:", check_offline(environment, url, folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
