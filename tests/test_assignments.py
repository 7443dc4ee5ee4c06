"""The classroom assignments grade what they should: full marks for the solutions, nothing
for an untouched student notebook, and a grading folder's table; the student notebooks
hold no solution and run in Colab."""

import ast
import csv
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from assignment_support import (  # noqa: F401 (fixtures)
    FIRST,
    MASTERS,
    ROOT,
    WRONG,
    answered,
    assigned,
    assignments,
    built,
    grade_one,
    max_points,
    student,
)


def test_every_chapter_with_exercises_so_far_has_an_assignment():
    assert [m.stem for m in MASTERS] == [
        "00_how_to_use", "01_gan_game", "02_lsgan_theory", "03_mixtures", "04_dcgan",
        "05_gan_mnist", "06_began", "07_lsgan_images",
        "08_conditional_lsgan"]
    assert sorted(WRONG) == [m.stem for m in MASTERS]


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_solutions_score_full_marks_and_untouched_notebooks_score_zero(built, master, tmp_path):
    solutions = built / master.stem / "autograder" / f"{master.stem}.ipynb"
    expected = max_points(master.stem)
    assert assignments.scores(solutions, built) == expected
    untouched = grade_one(student(built, master.stem), built, tmp_path, "untouched")
    assert untouched == {q: 0.0 for q in expected}


def test_grading_a_folder_writes_one_row_per_submission(built, tmp_path):
    name = FIRST
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copy(built / name / "autograder" / f"{name}.ipynb", folder / "full.ipynb")
    nbformat.write(student(built, name), folder / "empty.ipynb")
    case = WRONG[name][0]
    partial = answered(nbformat.read(folder / "full.ipynb", as_version=4), case["question"],
                       case["code"])
    nbformat.write(partial, folder / "partial.ipynb")
    with assignments.grade(folder, built).open() as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    total = sum(max_points(name).values())
    assert float(rows["full.ipynb"]["total"]) == total
    assert 0 < float(rows["partial.ipynb"]["total"]) < total
    assert float(rows["partial.ipynb"]["q1"]) < 3 and float(rows["partial.ipynb"]["q2"]) == 3
    assert float(rows["empty.ipynb"]["total"]) == 0
    assert {row["assignment"] for row in rows.values()} == {name}


def test_grading_says_what_is_wrong_with_the_input(built, tmp_path):
    with pytest.raises(FileNotFoundError, match="no notebooks"):
        assignments.grade(tmp_path, built)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "chapter.ipynb")
    with pytest.raises(ValueError, match="is not a student notebook"):
        assignments.grade(tmp_path, built)
    with pytest.raises(FileNotFoundError, match="run `make assignments` first"):
        assignments.autograder(FIRST, tmp_path / "nothing")


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_student_notebooks_hold_no_solution_line(built, master):
    import student_edition

    shown = "\n".join(c.source for c in student(built, master.stem).cells)
    lines = [line for line in student_edition.solution_lines(master) if len(line) >= 12]
    assert lines, "no solution lines found: the markers changed?"
    leaked = [line for line in lines if line in shown]
    assert not leaked, leaked


def test_the_student_edition_check_finds_solution_text(tmp_path):
    import student_edition

    # a chapter's solution with quotes, as Sphinx renders it: smart quotes, HTML entities
    line = next(t for t in student_edition.solution_texts() if "'" in t and '"' in t)
    shown = line.replace("'", "&#8217;").replace('"', "\u201c", 1).replace('"', "\u201d", 1)
    (tmp_path / "assignments" / "student").mkdir(parents=True)
    page = tmp_path / "chapter.html"
    page.write_text(f"<p>{shown}</p>")
    assert student_edition.check(tmp_path) == [
        f"solution text in the student edition: {line[:70]!r}"]
    page.write_text("<p>the exercise only</p>")
    assert student_edition.check(tmp_path) == []
    assert student_edition.check(tmp_path / "elsewhere")[0].startswith("no assignment pages")


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_the_published_student_notebooks_are_built_from_the_masters(built, master):
    published = ROOT / "assignments" / "student" / master.stem
    assert published.is_dir(), "run `make publish-assignments` and commit assignments/student"
    assert files(published) == files(built / master.stem / "student"), (
        f"assignments/student/{master.stem} is stale: run `make publish-assignments`")


def in_repository(url: str) -> Path:
    """The file of this repository that a GitHub, raw or Colab address names."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    owner_name = config["url"].removeprefix("https://github.com/")
    for prefix in (f"https://colab.research.google.com/github/{owner_name}/blob/",
                   f"https://raw.githubusercontent.com/{owner_name}/"):
        if url.startswith(prefix):
            branch, _, path = url.removeprefix(prefix).partition("/")
            assert branch == config["branch"], url
            return ROOT / path
    raise AssertionError(f"{url} is not in the repository {config['url']}")


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_a_student_notebook_runs_in_colab_from_the_repository(built, master):
    import re

    cells = student(built, master.stem).cells
    colab = re.search(r"\((https://colab.research.google.com/github/[^)]+)\)", cells[0].source).group(1)
    assert in_repository(colab) == ROOT / "assignments" / "student" / master.stem / master.name
    code = [c.source for c in cells if c.cell_type == "code"]
    pin = next(line for line in (ROOT / "requirements.txt").read_text().splitlines()
               if line.startswith("otter-grader=="))
    assert code[0] == f"%pip install -q {pin}"
    assert "Colab only: install gan_core" in code[2]
    fetch = {n.targets[0].id: ast.literal_eval(n.value)
             for n in ast.walk(ast.parse(code[3]))
             if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)}
    loop = next(n for n in ast.walk(ast.parse(code[3])) if isinstance(n, ast.For))
    questions = ast.literal_eval(loop.iter)
    assert questions == list(max_points(master.stem))
    for question in questions:
        public_test = in_repository(fetch["address"] + f"{question}.py")
        assert public_test.read_bytes() == (built / master.stem / "student" / "tests" /
                                            f"{question}.py").read_bytes()


@pytest.fixture(scope="module")
def repository_server():
    """This repository over HTTP, standing in for raw.githubusercontent.com."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_in_colab_grader_check_runs_the_public_tests_it_fetched(built, repository_server, tmp_path):
    """The published student notebook, answered with the solutions, run as in Colab from a
    folder without tests: each grader.check passes with the test the notebook downloaded."""
    from nbclient import NotebookClient

    name = FIRST
    notebook = nbformat.read(ROOT / "assignments" / "student" / name / f"{name}.ipynb", 4)
    solved = nbformat.read(built / name / "autograder" / f"{name}.ipynb", 4)
    answers = {c.source.splitlines()[0]: c.source for c in solved.cells
               if c.cell_type == "code" and c.source.startswith("# your answer to")}
    raw = "https://raw.githubusercontent.com/gan-book/gan-book/main/"
    for cell in notebook.cells:
        first = cell.source.splitlines()[0] if cell.source else ""
        cell.source = answers.get(first, cell.source).replace(raw, repository_server)
    # Colab, without installing anything: otter is here, and gan_core too
    notebook.cells = [c for c in notebook.cells if not c.source.startswith("%pip")
                      and "install gan_core" not in c.source]
    colab = 'import sys, types\nsys.modules["google.colab"] = types.ModuleType("google.colab")'
    notebook.cells.insert(0, nbformat.v4.new_code_cell(colab))
    NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    checks = [c for c in notebook.cells if c.source.startswith("grader.check(")]
    reports = ["".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                       for o in c.outputs) for c in checks]
    assert len(reports) == len(max_points(name))
    assert all("passed" in r for r in reports), reports
    assert sorted(p.name for p in (tmp_path / "tests").iterdir()) == [
        f"{q}.py" for q in sorted(max_points(name))]
