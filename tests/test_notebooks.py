"""Checks of every chapter notebook and of the tool that maintains them."""

import base64
import re
import struct
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import notebooks  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
FAKE_COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def clean_package(monkeypatch):
    """Execution tests run while the package may be mid-edit: pretend it is committed."""
    monkeypatch.setattr(notebooks, "package_commit", lambda: FAKE_COMMIT)


def test_there_are_chapters():
    assert CHAPTERS, "no chapter notebooks found"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_starts_with_the_current_colab_setup_cell(path):
    first = nbformat.read(path, as_version=4).cells[0]
    commit = notebooks.recorded_commit(first.source)
    assert commit, f"the setup cell pins no commit; re-execute {path.name} with tools/notebooks.py execute"
    assert first.source == notebooks.setup_cell_source(commit=commit), "run: python tools/notebooks.py sync " + str(path)
    assert "remove-cell" in first.metadata.get("tags", [])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_setup_cell_pins_a_commit_of_this_repository_that_changed_the_package(path):
    commit = notebooks.recorded_commit(nbformat.read(path, as_version=4).cells[0].source)
    subprocess.run(["git", "merge-base", "--is-ancestor", commit, "HEAD"], cwd=ROOT, check=True)
    assert notebooks.git("log", "-1", "--format=%H", commit, "--", *notebooks.PACKAGE_PATHS) == commit


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_is_committed_with_outputs_and_execution_counts(path):
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code[1:]]  # the setup cell prints nothing
    assert all(isinstance(n, int) for n in counts), "execute the chapter before committing it"
    assert counts == sorted(counts)
    assert any(c.outputs for c in code)


def test_setup_cell_installs_the_recorded_commit_and_keeps_colabs_torch():
    source = notebooks.setup_cell_source("https://example.org/book", FAKE_COMMIT)
    namespace = {}
    exec(source.replace('"google.colab" in sys.modules', "False"), namespace)  # defines nothing outside Colab
    assert 'repository = "https://example.org/book"' in source and f'commit = "{FAKE_COMMIT}"' in source
    assert 'package = f"gan_core @ git+{repository}@{commit}"' in source
    assert 'if "google.colab" in sys.modules:' in source
    assert "f\"torch=={version('torch')}\"" in source
    assert notebooks.recorded_commit(source) == FAKE_COMMIT
    assert notebooks.repository_url().startswith("https://")
    assert max(len(line) for line in source.splitlines()) <= 88


def test_execute_refuses_while_the_package_has_uncommitted_changes(monkeypatch, tmp_path, capsys):
    real_git = notebooks.git
    monkeypatch.setattr(notebooks, "git", lambda *a: " M gan_core/x.py" if a[0] == "status" else real_git(*a))
    path = tmp_path / "ok.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), path)
    before = path.read_text()
    assert notebooks.main(["execute", str(path)]) == 2
    assert "commit the package first" in capsys.readouterr().err
    assert path.read_text() == before


def test_setup_cell_does_nothing_outside_colab():
    namespace = {}
    exec(notebooks.setup_cell_source(commit=FAKE_COMMIT), namespace)  # would pip install if it thought it was in Colab
    assert "subprocess" not in namespace


def test_sync_inserts_once_then_updates_in_place_keeping_the_commit(clean_package):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
    notebooks.sync_setup_cell(notebook, "f" * 40)
    notebook.cells[0].source = notebook.cells[0].source.replace("https", "http")  # an outdated cell
    notebooks.sync_setup_cell(notebook)
    assert len(notebook.cells) == 2
    assert notebook.cells[0].source == notebooks.setup_cell_source(commit="f" * 40)


def test_failed_execution_leaves_the_notebook_untouched(tmp_path, capsys, clean_package):
    path = tmp_path / "broken.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    notebook.cells[0].outputs = [nbformat.v4.new_output("stream", text="committed output")]
    nbformat.write(notebook, path)
    before = path.read_text()
    assert notebooks.main(["execute", str(path), "--timeout", "60"]) == 1
    assert path.read_text() == before
    assert "FAILED, left unchanged" in capsys.readouterr().err


def test_execution_saves_outputs_and_the_package_commit_but_no_widget_state(tmp_path, clean_package):
    path = tmp_path / "ok.ipynb"
    widget = "import ipywidgets\nipywidgets.interactive(lambda x: print(x), x=(0, 3))"  # has an Output
    cells = [nbformat.v4.new_code_cell(widget)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    assert notebooks.main(["execute", str(path), "--timeout", "60"]) == 0
    ran = nbformat.read(path, as_version=4)
    assert notebooks.recorded_commit(ran.cells[0].source) == FAKE_COMMIT
    assert ran.cells[1].execution_count == 2
    assert "widgets" not in ran.metadata  # the book hides widgets: their state would be dead weight
    assert ran.cells[1].outputs == []  # nor the widget: it would need a kernel


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_nbval_checks_some_outputs_of_every_chapter(path):
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    checked = [c for c in code if c.outputs and "nbval-ignore-output" not in c.metadata.get("tags", [])]
    printed = [c for c in checked if any(o.get("output_type") == "stream" for o in c.outputs)]
    assert len(checked) >= 2 and printed, "tag only profile- or time-dependent cells nbval-ignore-output"


# ----------------------------------------------------------------------------- readable in the book

WIDGET_CALL = re.compile(r"\b(interactive_figure|training_view)\(")
TWIN_CALL = re.compile(r"\b(static_twin|animate_frames)\(")


def code_and_next(cells):
    """Each code cell with the next markdown cell and the next code cell after it."""
    for i, cell in enumerate(cells):
        if cell.cell_type == "code":
            after = cells[i + 1:]
            markdown = next((c for c in after[:1] if c.cell_type == "markdown"), None)
            code = next((c for c in after if c.cell_type == "code"), None)
            yield cell, markdown, code


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_widgets_are_hidden_in_the_book_and_followed_by_a_line_and_their_static_twin(path):
    notebook = nbformat.read(path, as_version=4)
    assert "widgets" not in notebook.metadata, "re-execute with tools/notebooks.py execute"
    views = [c.source[:60] for c in notebook.cells for o in c.get("outputs", []) if notebooks.WIDGET_VIEW in o.get("data", {})]
    assert not views, f"widget views without a kernel: {views}"
    for cell, markdown, code in code_and_next(notebook.cells):
        if WIDGET_CALL.search(cell.source):
            assert "remove-output" in cell.metadata.get("tags", []), cell.source[:80]
            assert markdown is not None and "need Colab or Jupyter" in markdown.source, cell.source[:80]
            assert code is not None and TWIN_CALL.search(code.source), cell.source[:80]


def png_widths(notebook):
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                png = base64.b64decode(output["data"]["image/png"])
                yield cell.source.split("\n")[0], struct.unpack(">I", png[16:20])[0]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_figures_fit_the_column_with_at_most_two_panels_per_row(path):
    """Figures are as wide as the column at most, so the page shows them at their natural
    size (tools/check_book.py measures it); gan_core.figures.plots.column_figure makes such figures."""
    from gan_core.figures import plots

    notebook = nbformat.read(path, as_version=4)
    column_px = plots.COLUMN_INCHES * 100 + 32  # 100 dpi, and the slack of a tight bounding box
    wide = [(first, width) for first, width in png_widths(notebook) if width > column_px]
    assert not wide, f"figures wider than the column: {wide}"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not re.search(r"plt\.subplots\(\s*\d+\s*,\s*([3-9]|\d\d)", cell.source), cell.source[:80]


def glance_box(notebook) -> str:
    boxes = [c.source for c in notebook.cells[1:4] if c.cell_type == "markdown" and "At a glance" in c.source]
    assert boxes, "open the chapter with the 'At a glance' box (see CONTRIBUTING.md)"
    return boxes[0]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_links_its_assignment(path):
    import assignment_links

    box = glance_box(nbformat.read(path, as_version=4))
    assert f"**Assignment:** {{{{ assignment_{path.stem} }}}}" in box
    link = assignment_links.link(ROOT / "assignments" / path.name)
    assert f"/assignments/student/{path.stem}/{path.name})" in link
    assert re.search(r"about \d+ minutes\)$", link), link


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_opens_with_objectives_prerequisites_and_times(path):
    notebook = nbformat.read(path, as_version=4)
    box = glance_box(notebook)
    assert re.search(r"\*\*You will learn to\*\*\n\n(- .+\n){3,}", box), "at least three objectives"
    assert "**Before you start:**" in box
    words = sum(len(re.findall(r"\w+", c.source)) for c in notebook.cells if c.cell_type == "markdown")
    minutes = int(re.search(r"\*\*Reading time:\*\* about (\d+) minutes", box).group(1))
    assert words / 200 <= minutes <= max(words / 100, 10), f"{words} words read in {minutes} minutes?"
    stated = re.search(r"`cpu` (?:(\d+) s|about (\d+) minutes) \(the outputs on this page\)", box)
    assert stated and "`smoke` " in box and "`gpu` " in box, "a run time for each profile"
    stated_s = int(stated.group(1)) if stated.group(1) else 60 * int(stated.group(2))
    closing = "".join(o.get("text", "") for o in notebook.cells[-1].get("outputs", []))
    measured = float(re.search(r"wall time: ([\d.]+) s in the cpu profile", closing).group(1))
    assert abs(stated_s - measured) <= 0.1 * measured + 30, f"the box says {stated_s} s, the run took {measured} s"


def test_a_dry_run_runs_the_chapters_whose_code_picks_a_size(tmp_path, capsys):
    def chapter(name, *cells):
        path = tmp_path / name
        nbformat.write(nbformat.v4.new_notebook(cells=list(cells)), path)
        return str(path)

    code, text = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    lengths = chapter("lengths.ipynb", text("`run.by_profile(...)` picks sizes"),
                      code("STEPS = run.by_length(smoke=1, cpu=2, gpu=3)"))
    sized = chapter("sized.ipynb", code("WIDTH = run.by_profile(smoke=8, cpu=16, gpu=64)"))
    branches = chapter("branches.ipynb", code('FULL = run.profile == "gpu"'))
    assert notebooks.main(["sized", lengths, sized, branches]) == 0
    assert capsys.readouterr().out.split() == [sized, branches]
    listed = subprocess.run([sys.executable, str(ROOT / "tools" / "notebooks.py"), "sized",
                             *sorted(map(str, (ROOT / "chapters").glob("*.ipynb")))],
                            capture_output=True, text=True, check=True).stdout.split()
    assert [Path(p).name[:2] for p in listed] == ["03", "04", "05", "06", "07", "08"]
