"""Checks of every chapter notebook and of the tool that maintains them."""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import notebooks  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def test_there_are_chapters():
    assert CHAPTERS, "no chapter notebooks found"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_starts_with_the_current_colab_setup_cell(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "code"
    assert first.source == notebooks.setup_cell_source(), "run: python tools/notebooks.py sync " + str(path)
    assert "remove-cell" in first.metadata.get("tags", [])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_is_committed_with_outputs_and_execution_counts(path):
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code[1:]]  # the setup cell prints nothing
    assert all(isinstance(n, int) for n in counts), "execute the chapter before committing it"
    assert counts == sorted(counts)
    assert any(c.outputs for c in code)


def test_setup_cell_installs_from_the_configured_repository():
    source = notebooks.setup_cell_source("https://example.org/book")
    assert '"gan_core @ git+https://example.org/book"' in source
    assert 'if "google.colab" in sys.modules:' in source
    assert notebooks.repository_url().startswith("https://")


def test_setup_cell_does_nothing_outside_colab():
    namespace = {}
    exec(notebooks.setup_cell_source(), namespace)  # would pip install if it thought it was in Colab
    assert "subprocess" not in namespace


def test_sync_inserts_once_then_updates_in_place():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
    notebooks.sync_setup_cell(notebook)
    notebook.cells[0].source = notebook.cells[0].source.replace("https", "http")  # an outdated cell
    notebooks.sync_setup_cell(notebook)
    assert len(notebook.cells) == 2
    assert notebook.cells[0].source == notebooks.setup_cell_source()


def test_failed_execution_leaves_the_notebook_untouched(tmp_path, capsys):
    path = tmp_path / "broken.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    notebook.cells[0].outputs = [nbformat.v4.new_output("stream", text="committed output")]
    nbformat.write(notebook, path)
    before = path.read_text()
    assert notebooks.main(["execute", str(path), "--timeout", "60"]) == 1
    assert path.read_text() == before
    assert "FAILED, left unchanged" in capsys.readouterr().err


def test_execution_saves_outputs_and_widget_state(tmp_path):
    path = tmp_path / "ok.ipynb"
    cells = [nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(value=3)")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    assert notebooks.main(["execute", str(path), "--timeout", "60"]) == 0
    ran = nbformat.read(path, as_version=4)
    assert ran.cells[0].execution_count == 1
    assert "application/vnd.jupyter.widget-state+json" in ran.metadata["widgets"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_nbval_checks_some_outputs_of_every_chapter(path):
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    checked = [c for c in code if c.outputs and "nbval-ignore-output" not in c.metadata.get("tags", [])]
    printed = [c for c in checked if any(o.get("output_type") == "stream" for o in c.outputs)]
    assert len(checked) >= 2 and printed, "tag only profile- or time-dependent cells nbval-ignore-output"
