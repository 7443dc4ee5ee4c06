"""Build the classroom assignments and grade submissions, with otter-grader, no server.

    python tools/assignments.py assign [OUT]        # every assignments/*.ipynb -> OUT/NAME/
    python tools/assignments.py grade FOLDER [OUT]  # every notebook in FOLDER -> FOLDER/scores.csv

`assign` runs `otter assign` on each master notebook (solutions, public and hidden tests).
Otter runs the tests against the solutions and fails if one does not pass. OUT/NAME/student
holds the notebook to hand out; OUT/NAME/autograder the zip that grades it.

`grade` grades each submitted notebook with `otter run` against the autograder of the
assignment named in the notebook's metadata, and writes one row per submission: the points of
every automatically graded question and the total. Written questions are graded by hand.
"""

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
MASTERS = ROOT / "assignments"
BUILT = ROOT / "_build" / "assignments"
OTTER = Path(sys.executable).parent / "otter"


def otter(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(OTTER), *arguments], capture_output=True, text=True)


def assign(master: Path, out: Path) -> Path:
    """Student notebook and autograder for one master notebook; returns OUT/NAME."""
    target = out / master.stem
    done = otter("assign", "--no-pdfs", str(master), str(target))
    if done.returncode != 0:
        raise RuntimeError(f"otter assign failed on {master.name}:\n{done.stdout}{done.stderr}")
    return target


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
    grading = sub.add_parser("grade")
    grading.add_argument("folder", type=Path)
    grading.add_argument("built", nargs="?", type=Path, default=BUILT)
    args = parser.parse_args(argv)
    try:
        if args.command == "assign":
            for master in sorted(MASTERS.glob("*.ipynb")):
                print(f"{master.name}: {assign(master, args.out)}")
        else:
            print(f"scores: {grade(args.folder, args.built)}")
    except (RuntimeError, FileNotFoundError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
