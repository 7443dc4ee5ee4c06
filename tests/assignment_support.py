"""What the assignment tests share: the masters, their typical wrong answers, and the
assignments built by `otter assign` (two test modules, so xdist runs them side by side)."""

import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import assignments  # noqa: E402

MASTERS = sorted((ROOT / "assignments").glob("*.ipynb"))
WRONG = yaml.safe_load((ROOT / "assignments" / "wrong_answers.yml").read_text())


def rounds(cases: list[dict]) -> list[list[dict]]:
    """The wrong answers in rounds of at most one per question: one graded notebook a round
    (otter starts a kernel for each), since the questions are graded independently."""
    by_question: dict[str, list[dict]] = {}
    for case in cases:
        by_question.setdefault(case["question"], []).append(case)
    depth = max(len(c) for c in by_question.values())
    return [[c[k] for c in by_question.values() if k < len(c)] for k in range(depth)]


WRONG_ROUNDS = [(name, k, round_) for name, cases in WRONG.items()
                for k, round_ in enumerate(rounds(cases))]


FIRST = "01_gan_game"  # the assignment of the tests that need one, any one


def assignment_of(item) -> str:
    """The assignment a test is about: its ``master`` or ``name`` parameter, else FIRST."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    return params["master"].stem if "master" in params else params.get("name", FIRST)


@pytest.fixture(scope="session")
def assigned(tmp_path_factory):
    """A folder of assignments built by `otter assign` when first needed, once per process;
    it fails if a solution fails a test. Each gets the gan_core commit its published
    notebook installs, so the two can be compared."""
    out = tmp_path_factory.mktemp("assignments")

    def build(name: str) -> Path:
        if not (out / name).exists():
            assignments.assign(ROOT / "assignments" / f"{name}.ipynb", out,
                               assignments.published_commit(name))
        return out

    return build


@pytest.fixture
def built(assigned, request) -> Path:
    """The folder of built assignments, holding the one this test is about."""
    return assigned(assignment_of(request.node))


def student(built: Path, name: str) -> nbformat.NotebookNode:
    return nbformat.read(built / name / "student" / f"{name}.ipynb", as_version=4)


def answered(notebook, question: str, code: str):
    """The notebook with the answer cell of ``question`` replaced by ``code``."""
    marker = f"# your answer to {question}\n"
    cells = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith(marker)]
    assert len(cells) == 1, f"one answer cell for {question}, found {len(cells)}"
    cells[0].source = marker + code
    return notebook


def grade_one(notebook, built: Path, tmp_path: Path, name: str) -> dict[str, float]:
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return assignments.scores(path, built)


def max_points(name: str) -> dict[str, float]:
    return assignments.graded_questions(ROOT / "assignments" / f"{name}.ipynb")
