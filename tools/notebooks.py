"""Maintain the chapters: keep the Colab setup cell in sync, and re-execute in place.

    python tools/notebooks.py sync chapters/*.ipynb      # (re)write each setup cell
    python tools/notebooks.py execute chapters/*.ipynb   # run in $GAN_BOOK_PROFILE
    python tools/notebooks.py set-repository URL         # the book's address, then sync
    python tools/notebooks.py check-repository           # warn while it is the placeholder
    python tools/notebooks.py sized chapters/*.ipynb     # those a dry run runs (make dry-run)

The setup cell installs gan_core in Colab at the commit the chapter was executed with:
``execute`` records the last commit of the package (gan_core/ and pyproject.toml) and
refuses to run while the package has uncommitted changes; ``sync`` rewrites the cell
(after a change of the repository URL, say) and keeps the commit it recorded.

A notebook is only overwritten after it ran without error, so a failed run never
loses the outputs already committed.
"""

import argparse
import copy
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SETUP_TAGS = ["remove-cell"]  # hidden in the book; it matters in Colab only


PLACEHOLDER_URL = "https://github.com/gan-book/gan-book"
GITHUB_URL = re.compile(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
CONFIG_URL_LINE = re.compile(r'^(repository:\n  url: )"[^"]*"$', re.MULTILINE)


def repository_url(root: Path = ROOT) -> str:
    """The book's repository, configured once: `repository.url` in _config.yml."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    return config["repository"]["url"]


ADDRESSES = {  # how a file of the repository is reached, by what reads it
    "colab": "https://colab.research.google.com/github/{owner_name}/blob/{branch}/{path}",
    "raw": "https://raw.githubusercontent.com/{owner_name}/{branch}/{path}",
}


def repository_address(kind: str, path: str, root: Path = ROOT) -> str:
    """The address of ``path``, a file of the repository: "colab" opens a notebook in
    Colab, "raw" gives its bytes."""
    if kind not in ADDRESSES:
        raise ValueError(f"kind must be one of {sorted(ADDRESSES)}, got {kind!r}")
    config = yaml.safe_load((root / "_config.yml").read_text())["repository"]
    owner_name = config["url"].removeprefix("https://github.com/").rstrip("/")
    return ADDRESSES[kind].format(owner_name=owner_name, branch=config["branch"], path=path)


def set_repository(url: str, root: Path = ROOT) -> list[Path]:
    """Write ``url`` into _config.yml and every chapter's setup cell; returns the chapters."""
    if not GITHUB_URL.fullmatch(url):
        raise ValueError(f"the repository URL must look like https://github.com/OWNER/NAME (Colab opens "
                         f"notebooks from GitHub), got {url!r}")
    config = root / "_config.yml"
    text, found = CONFIG_URL_LINE.subn(f'\\1"{url}"', config.read_text())
    if found != 1:
        raise ValueError(f"{config}: no 'repository:' block with a 'url:' line to update")
    config.write_text(text)
    chapters = sorted((root / "chapters").glob("*.ipynb"))
    for path in chapters:
        notebook = nbformat.read(path, as_version=4)
        sync_setup_cell(notebook, url=url)
        nbformat.write(notebook, path)
    return chapters


def placeholder_warning(root: Path = ROOT) -> str | None:
    if repository_url(root) != PLACEHOLDER_URL:
        return None
    rule = "!" * 88
    return (f"{rule}\nWARNING: _config.yml still has the placeholder repository {PLACEHOLDER_URL}.\n"
            "Launch buttons and the chapters' Colab setup cells point nowhere until you run\n"
            "    make set-repository URL=https://github.com/OWNER/NAME\n" + rule)


PACKAGE_PATHS = ("gan_core", "pyproject.toml")  # what the setup cell installs


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def package_commit() -> str:
    """The last commit that changed the package; an error while it has uncommitted changes."""
    dirty = git("status", "--porcelain", "--", *PACKAGE_PATHS)
    if dirty:
        raise RuntimeError("commit the package first; a chapter's setup cell must name the commit "
                           f"its outputs come from. Uncommitted:\n{dirty}")
    return git("log", "-1", "--format=%H", "--", *PACKAGE_PATHS)


def setup_cell_source(url: str | None = None, commit: str | None = None) -> str:
    url, commit = url or repository_url(), commit or package_commit()
    return (
        "# Colab only: install gan_core at the commit this notebook ran with; elsewhere, nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "    from importlib.metadata import version\n"
        "\n"
        f'    repository = "{url}"\n'
        f'    commit = "{commit}"\n'
        "    keep_torch = f\"torch=={version('torch')}\"  # Colab's own CUDA build\n"
        '    package = f"gan_core @ git+{repository}@{commit}"\n'
        "    subprocess.run(\n"
        '        [sys.executable, "-m", "pip", "install", "-q", keep_torch, package], check=True\n'
        "    )"
    )


def recorded_commit(source: str) -> str | None:
    """The commit a setup cell installs, or None if it pins none."""
    found = re.search(r'^    commit = "([0-9a-f]{40})"$', source, re.MULTILINE)
    return found.group(1) if found else None


def is_setup_cell(cell) -> bool:
    return cell.cell_type == "code" and "Colab only" in cell.source


def sync_setup_cell(notebook: nbformat.NotebookNode, commit: str | None = None, url: str | None = None) -> None:
    """Write the setup cell: at ``commit``, else at the one it records, else the package's."""
    first = notebook.cells[0] if notebook.cells else None
    commit = commit or (recorded_commit(first.source) if first is not None and is_setup_cell(first) else None)
    cell = nbformat.v4.new_code_cell(setup_cell_source(url, commit), metadata={"tags": list(SETUP_TAGS)})
    if first is not None and is_setup_cell(first):
        cell.execution_count, cell.outputs = first.execution_count, first.outputs
        notebook.cells[0] = cell
    else:
        notebook.cells.insert(0, cell)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def without_widgets(notebook: nbformat.NotebookNode) -> None:
    """Drop widget outputs and their state: a stored widget needs a kernel to do anything,
    and its text is its first state (a progress bar at 0%). Sliders come back when the
    chapter runs in Jupyter or Colab; the book shows their static twins instead."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})]


SIZE_CHOICES = ("run.by_profile(", "run.profile")


def picks_sizes(path: Path) -> bool:
    """Whether a chapter's code picks anything but lengths by profile: a dry run (the
    profile's sizes, the smoke profile's lengths) of any other is its smoke run."""
    cells = nbformat.read(path, as_version=4).cells
    return any(c.cell_type == "code" and any(m in c.source for m in SIZE_CHOICES) for c in cells)


def execute(path: Path, timeout: int, commit: str) -> float:
    notebook = nbformat.read(path, as_version=4)
    ran = copy.deepcopy(notebook)
    sync_setup_cell(ran, commit)
    started = time.perf_counter()
    # Storing the widget state is on because nbclient fails on Output widgets without
    # it (a KeyError); without_widgets drops it afterwards.
    NotebookClient(ran, timeout=timeout, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    without_widgets(ran)
    nbformat.write(ran, path)
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["sync", "execute", "set-repository", "check-repository", "sized"])
    parser.add_argument("arguments", nargs="*", help="notebooks (sync, execute) or the URL (set-repository)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args(argv)
    if args.command == "check-repository":
        print(placeholder_warning() or f"repository: {repository_url()}")
        return 0
    if args.command == "set-repository":
        if len(args.arguments) != 1:
            parser.error("set-repository takes one URL")
        try:
            chapters = set_repository(args.arguments[0])
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        print(f"repository: {args.arguments[0]}; setup cells of {len(chapters)} chapters synced")
        return 0
    if args.command == "sized":
        print(" ".join(a for a in args.arguments if picks_sizes(Path(a))))
        return 0
    return run_on_notebooks(args.command, [Path(a) for a in args.arguments], args.timeout)


def run_on_notebooks(command: str, paths: list[Path], timeout: int) -> int:
    try:
        commit = package_commit() if command == "execute" else None
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        if command == "sync":
            notebook = nbformat.read(path, as_version=4)
            sync_setup_cell(notebook)
            nbformat.write(notebook, path)
            continue
        try:
            print(f"{path}: ran in {execute(path, timeout, commit):.0f} s, saved", flush=True)
        except Exception as error:  # keep going, report, and leave the file untouched
            failed += 1
            print(f"{path}: FAILED, left unchanged\n{error}", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
