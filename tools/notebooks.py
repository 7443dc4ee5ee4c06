"""Maintain the chapters: keep the Colab setup cell in sync, and re-execute in place.

    python tools/notebooks.py sync chapters/*.ipynb      # (re)write each setup cell
    python tools/notebooks.py execute chapters/*.ipynb   # run in $GAN_BOOK_PROFILE

A notebook is only overwritten after it ran without error, so a failed run never
loses the outputs already committed.
"""

import argparse
import copy
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SETUP_TAGS = ["remove-cell"]  # hidden in the book; it matters in Colab only


def repository_url() -> str:
    """The book's repository, configured once: `repository.url` in _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"]


def setup_cell_source(url: str | None = None) -> str:
    url = url or repository_url()
    return (
        "# Colab only: install gan_core from the book's repository. Elsewhere this does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q",\n'
        f'                    "gan_core @ git+{url}"], check=True)'
    )


def sync_setup_cell(notebook: nbformat.NotebookNode) -> None:
    cell = nbformat.v4.new_code_cell(setup_cell_source(), metadata={"tags": list(SETUP_TAGS)})
    first = notebook.cells[0] if notebook.cells else None
    if first is not None and first.cell_type == "code" and "Colab only" in first.source:
        cell.execution_count, cell.outputs = first.execution_count, first.outputs
        notebook.cells[0] = cell
    else:
        notebook.cells.insert(0, cell)


def execute(path: Path, timeout: int) -> float:
    notebook = nbformat.read(path, as_version=4)
    ran = copy.deepcopy(notebook)
    started = time.perf_counter()
    NotebookClient(ran, timeout=timeout, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(ran, path)
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["sync", "execute"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args(argv)
    failed = 0
    for path in args.notebooks:
        if args.command == "sync":
            notebook = nbformat.read(path, as_version=4)
            sync_setup_cell(notebook)
            nbformat.write(notebook, path)
            continue
        try:
            print(f"{path}: ran in {execute(path, args.timeout):.0f} s, saved", flush=True)
        except Exception as error:  # keep going, report, and leave the file untouched
            failed += 1
            print(f"{path}: FAILED, left unchanged\n{error}", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
