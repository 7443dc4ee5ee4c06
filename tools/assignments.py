"""Build the classroom assignments and grade submissions, with otter-grader, no server.

    python tools/assignments.py assign [OUT]        # every assignments/*.ipynb -> OUT/NAME/
    python tools/assignments.py publish             # ... and copy the student notebooks
    python tools/assignments.py grade FOLDER [OUT]  # every notebook in FOLDER -> FOLDER/scores.csv

`assign` runs `otter assign` on each master notebook (solutions, public and hidden tests).
Otter runs the tests against the solutions and fails if one does not pass. OUT/NAME/student
holds the notebook to hand out and its public tests; OUT/NAME/autograder the zip that grades it.

Student notebooks run in Colab as they are: their first cells install otter-grader and, in
Colab only, gan_core at the commit the assignment was built with and the public tests that
`grader.check` runs, from the repository (`repository.url` in _config.yml, the one place the
address is set). `publish` copies them to assignments/student/NAME/, where the Colab button
and that address point, so commit that folder after changing a master notebook or gan_core.

`grade` grades each submitted notebook with `otter run` against the autograder of the
assignment named in the notebook's metadata, and writes one row per submission: the points of
every automatically graded question and the total. Written questions are graded by hand.
"""

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import yaml
from notebooks import package_commit, recorded_commit, repository_address, setup_cell_source

ROOT = Path(__file__).resolve().parent.parent
MASTERS = ROOT / "assignments"
BUILT = ROOT / "_build" / "assignments"
PUBLISHED = MASTERS / "student"
OTTER = Path(sys.executable).parent / "otter"


def otter(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(OTTER), *arguments], capture_output=True, text=True)


def published_url(kind: str, name: str, file: str = "") -> str:
    """Where the published student notebook of assignment ``name`` is read from: ``kind`` is
    "colab" (the notebook opened in Colab) or "tests" (the raw public tests)."""
    folder = f"{PUBLISHED.relative_to(ROOT).as_posix()}/{name}"
    if kind == "colab":
        return repository_address("colab", f"{folder}/{name}.ipynb")
    if kind == "tests":
        return repository_address("raw", f"{folder}/tests/{file}")
    raise ValueError(f"kind must be 'colab' or 'tests', got {kind!r}")


def graded_questions(master: Path) -> dict[str, float]:
    """The points of each automatically graded question, as the master notebook sets them."""
    configs = [yaml.safe_load(c.source.removeprefix("# BEGIN QUESTION"))
               for c in nbformat.read(master, as_version=4).cells
               if c.cell_type == "raw" and c.source.startswith("# BEGIN QUESTION")]
    return {q["name"]: float(q["points"]) for q in configs if not q.get("manual")}


def fetch_tests_source(master: Path) -> str:
    """A cell that, in Colab, downloads the public tests grader.check runs; elsewhere the
    tests/ folder beside the notebook has them. (otter's own tests_url_prefix works only in
    JupyterLite.)"""
    head, _, tail = published_url("tests", master.stem).partition("/assignments/")
    return (
        "# Colab only: fetch the public tests that grader.check runs; elsewhere they are in\n"
        "# the tests folder beside this notebook.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import pathlib\n"
        "    import urllib.request\n"
        "\n"
        f'    address = (\n        "{head}/"\n        "assignments/{tail}"\n    )\n'
        '    pathlib.Path("tests").mkdir(exist_ok=True)\n'
        f"    for question in {list(graded_questions(master))}:\n"
        '        test = f"tests/{question}.py"\n'
        "        urllib.request.urlretrieve(address + f\"{question}.py\", test)"
    )


def for_colab(master: Path, commit: str) -> nbformat.NotebookNode:
    """The master notebook configured to run in Colab: a Colab button on the title,
    gan_core installed at ``commit``, the public tests fetched from the repository."""
    notebook = nbformat.read(master, as_version=4)
    config_cell = notebook.cells[0]
    config = yaml.safe_load(config_cell.source)
    config.update(runs_on="colab", show_question_points=True, tests={"files": True})
    config_cell.source = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)
    title = next(c for c in notebook.cells if c.cell_type == "markdown")
    title.source = f"**[Open in Colab]({published_url('colab', master.stem)})**\n\n" + title.source
    setup = [nbformat.v4.new_code_cell(setup_cell_source(commit=commit)),
             nbformat.v4.new_code_cell(fetch_tests_source(master))]
    at = notebook.cells.index(title) + 1
    notebook.cells[at:at] = setup
    return notebook


def otter_pin() -> str:
    pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.startswith("otter-grader==")]
    return pins[0]


def tidied(student: Path) -> None:
    """Title first, otter-grader pinned to the version the tests were written for, and cell
    ids numbered, so that a rebuild of an unchanged master gives the same file."""
    notebook = nbformat.read(student, as_version=4)
    title = next(c for c in notebook.cells if c.cell_type == "markdown")
    notebook.cells.remove(title)
    notebook.cells.insert(0, title)
    for cell in notebook.cells:
        if cell.source == "%pip install -q otter-grader":
            cell.source = f"%pip install -q {otter_pin()}"
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number:02d}"
    nbformat.write(notebook, student)


def assign(master: Path, out: Path, commit: str | None = None) -> Path:
    """Student notebook and autograder for one master notebook; returns OUT/NAME. Colab
    installs gan_core at ``commit``, by default the last commit that changed it."""
    target = out / master.stem
    with tempfile.TemporaryDirectory() as folder:
        configured = Path(folder) / master.name
        nbformat.write(for_colab(master, commit or package_commit()), configured)
        done = otter("assign", "--no-pdfs", str(configured), str(target.resolve()))
    if done.returncode != 0:
        raise RuntimeError(f"otter assign failed on {master.name}:\n{done.stdout}{done.stderr}")
    tidied(target / "student" / master.name)
    return target


def publish(built: Path, into: Path = PUBLISHED) -> list[Path]:
    """Copy every built student folder (notebook and public tests) to INTO/NAME."""
    shutil.rmtree(into, ignore_errors=True)
    copied = []
    for master in sorted(MASTERS.glob("*.ipynb")):
        copied.append(shutil.copytree(built / master.stem / "student", into / master.stem))
    return copied


def published_commit(name: str) -> str | None:
    """The gan_core commit the published student notebook of ``name`` installs in Colab."""
    path = PUBLISHED / name / f"{name}.ipynb"
    if not path.exists():
        return None
    cells = nbformat.read(path, as_version=4).cells
    return next((recorded_commit(c.source) for c in cells if recorded_commit(c.source)), None)


def autograder(assignment: str, built: Path) -> Path:
    zips = sorted((built / assignment / "autograder").glob("*-autograder_*.zip"))
    if not zips:
        names = sorted(p.name for p in built.iterdir()) if built.exists() else []
        raise FileNotFoundError(f"no autograder for {assignment!r} in {built} (built: {names}); "
                                "run `make assignments` first")
    return zips[-1]


def assignment_of(notebook: Path) -> str:
    name = nbformat.read(notebook, as_version=4).metadata.get("otter", {}).get("assignment_name")
    if not name:
        raise ValueError(f"{notebook.name} is not a student notebook of this book's assignments "
                         "(no otter assignment name in its metadata)")
    return name


def scores(notebook: Path, built: Path) -> dict[str, float]:
    """Points per automatically graded question, from `otter run`."""
    with tempfile.TemporaryDirectory() as results:
        done = otter("run", "--no-logo", "-a", str(autograder(assignment_of(notebook), built)),
                     "-o", results, str(notebook))
        if done.returncode != 0:
            raise RuntimeError(f"otter run failed on {notebook.name}:\n{done.stdout}{done.stderr}")
        tests = json.loads((Path(results) / "results.json").read_text())["tests"]
    return {t["name"]: float(t["score"]) for t in tests if t.get("max_score") is not None}


def grade(folder: Path, built: Path) -> Path:
    """FOLDER/scores.csv: one row per submitted notebook."""
    submissions = sorted(folder.glob("*.ipynb"))
    if not submissions:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {folder}")
    rows = [{"submission": s.name, "assignment": assignment_of(s), **scores(s, built)}
            for s in submissions]
    for row in rows:
        row["total"] = sum(v for k, v in row.items() if k.startswith("q"))
    columns = list(dict.fromkeys(key for row in rows for key in row))
    path = folder / "scores.csv"
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("assign").add_argument("out", nargs="?", type=Path, default=BUILT)
    sub.add_parser("publish")
    grading = sub.add_parser("grade")
    grading.add_argument("folder", type=Path)
    grading.add_argument("built", nargs="?", type=Path, default=BUILT)
    args = parser.parse_args(argv)
    try:
        if args.command in ("assign", "publish"):
            out = getattr(args, "out", BUILT)
            for master in sorted(MASTERS.glob("*.ipynb")):
                print(f"{master.name}: {assign(master, out)}")
        if args.command == "publish":
            for folder in publish(BUILT):
                print(f"published {folder.relative_to(ROOT)}")
        if args.command == "grade":
            print(f"scores: {grade(args.folder, args.built)}")
    except (RuntimeError, FileNotFoundError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
