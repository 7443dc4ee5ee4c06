"""The book online: licences, one version, one repository address, publishing and the workflow."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import tomllib
import yaml

import gan_core

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import book_version  # noqa: E402
import notebooks  # noqa: E402

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def run(*command, cwd=ROOT, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, check=check, capture_output=True, text=True)


# ----------------------------------------------------------------------------- licences and version

def test_licences_are_there_and_named_in_pyproject_readme_and_footer():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "Creative Commons Attribution 4.0 International" in (ROOT / "LICENSE-CONTENT").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == {"text": "MIT"}
    readme = (ROOT / "README.md").read_text()
    assert "MIT" in readme and "CC BY 4.0" in readme
    footer = yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["extra_footer"]
    assert "CC BY 4.0" in footer and "MIT" in footer


def test_the_version_is_the_same_everywhere():
    version = gan_core.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["version"] == version
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(r"^## (\S+)", changelog, re.MULTILINE).group(1) == version  # the newest entry
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dynamic"] == ["version"]
    from importlib.metadata import version as installed
    assert installed("gan_core") == version


def test_the_landing_page_and_start_chapter_show_the_version(capsys):
    from types import SimpleNamespace

    config = SimpleNamespace(myst_substitutions={"other": "x"})
    book_version.add_version(None, config)
    assert config.myst_substitutions == {"other": "x", "version": gan_core.__version__}
    assert "{{ version }}" in (ROOT / "intro.md").read_text()
    from gan_core.config import start_chapter
    start_chapter("smoke")
    assert f"gan_core {gan_core.__version__}" in capsys.readouterr().out


def test_citation_file_is_valid_cff():
    run(str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.citation-file-format", "CITATION.cff")


# ----------------------------------------------------------------------------- the repository address

def copy_of_the_book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    (root / "chapters").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", root)
    for path in sorted((ROOT / "chapters").glob("*.ipynb"))[:2]:
        shutil.copy(path, root / "chapters")
    return root


def test_set_repository_updates_the_config_and_every_setup_cell_keeping_their_commits(tmp_path):
    root = copy_of_the_book(tmp_path)
    before = {p.name: notebooks.recorded_commit(nbformat.read(p, as_version=4).cells[0].source)
              for p in (root / "chapters").glob("*.ipynb")}
    url = "https://github.com/someone/gan-lectures"
    assert len(notebooks.set_repository(url, root)) == 2
    assert notebooks.repository_url(root) == url
    assert "# The one place the repository's address is set" in (root / "_config.yml").read_text()
    for path in (root / "chapters").glob("*.ipynb"):
        first = nbformat.read(path, as_version=4).cells[0]
        assert f'repository = "{url}"' in first.source
        assert notebooks.recorded_commit(first.source) == before[path.name]
    assert notebooks.placeholder_warning(root) is None


@pytest.mark.parametrize("url", ["github.com/a/b", "https://gitlab.com/a/b", "https://github.com/a", ""])
def test_set_repository_refuses_what_colab_cannot_open(tmp_path, url):
    root = copy_of_the_book(tmp_path)
    config = (root / "_config.yml").read_text()
    with pytest.raises(ValueError, match=r"must look like https://github.com/OWNER/NAME"):
        notebooks.set_repository(url, root)
    assert (root / "_config.yml").read_text() == config


def test_the_placeholder_address_is_a_loud_warning():
    result = run(sys.executable, "tools/notebooks.py", "check-repository")
    if notebooks.repository_url() == notebooks.PLACEHOLDER_URL:
        assert "WARNING: _config.yml still has the placeholder repository" in result.stdout
        assert "make set-repository URL=" in result.stdout
    else:
        assert result.stdout.strip() == f"repository: {notebooks.repository_url()}"


# ----------------------------------------------------------------------------- publishing

def test_make_publish_html_pushes_the_built_book_to_gh_pages(tmp_path):
    remote = tmp_path / "remote.git"
    run("git", "init", "-q", "--bare", str(remote))
    html = tmp_path / "html"
    (html / "chapters").mkdir(parents=True)
    (html / "index.html").write_text("<html>the book</html>")
    (html / "chapters" / "01.html").write_text("<html>a chapter</html>")
    run("make", "--no-print-directory", "publish-html", f"REMOTE={remote}", f"HTML={html}")
    files = run("git", "--git-dir", str(remote), "ls-tree", "-r", "--name-only", "gh-pages").stdout.split()
    assert sorted(files) == [".nojekyll", "chapters/01.html", "index.html"]
    page = run("git", "--git-dir", str(remote), "show", "gh-pages:index.html").stdout
    assert page == "<html>the book</html>"


def workflow_commands() -> list[str]:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return [step["run"] for job in jobs.values() for step in job["steps"] if "run" in step]


def test_the_workflow_is_a_valid_github_workflow():
    run(str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW))


def test_a_broken_workflow_fails_the_schema_check(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04", 1))
    assert run(str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(broken),
               check=False).returncode != 0


def test_the_workflow_runs_only_make_targets_that_ci_runs():
    ci_targets = set(re.findall(r"^make (\S+)", (ROOT / ".ci" / "run").read_text(), re.MULTILINE))
    commands = workflow_commands()
    assert commands, "the workflow runs nothing"
    for command in commands:
        assert re.fullmatch(r"make [\w-]+", command.strip()), command
        assert command.split()[1] in ci_targets, f"{command}: CI (.ci/run) does not run it"
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    uploads = [s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"


# ----------------------------------------------------------------------------- bibliography
def test_the_bibliography_lists_the_four_papers_apart_and_every_other_entry_once():
    page = (ROOT / "chapters" / "bibliography.md").read_text()
    filters = re.findall(r'^:filter: (.*)$', page, re.MULTILINE)
    assert len(filters) == 2
    papers = re.fullmatch(r'key % "(.*)"', filters[0]).group(1)
    assert filters[1] == f'not (key % "{papers}")'
    keys = re.findall(r"^@\w+\{(\w+),", (ROOT / "references.bib").read_text(), re.MULTILINE)
    first = [key for key in keys if re.search(papers, key)]
    assert sorted(first) == ["berthelot2017", "goodfellow2014", "mao2017", "radford2016"]
    assert len(keys) > len(first)  # the second list is not empty


def test_bibliography_labels_read_like_the_author_year_citations():
    import bib_labels
    from pybtex.database import parse_file

    entries = parse_file(ROOT / "references.bib").entries
    assert bib_labels.author_year(entries["goodfellow2014"]) == "Goodfellow et al., 2014"
    assert bib_labels.author_year(entries["kynkaanniemi2019"]) == "Kynkäänniemi et al., 2019"
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"]["bibtex_default_style"] == "author_year"
    assert config["sphinx"]["local_extensions"]["bib_labels"] == "tools/"


def test_exercises_are_titled_and_numbered_within_their_chapter():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    assert toc["defaults"]["numbered"] is True  # chapter n's exercises are n.1, n.2, ...
    unnumbered = {part["caption"] for part in toc["parts"] if part.get("numbered") is False}
    assert unnumbered == {"Getting started", "Back matter"}
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                         if c.cell_type == "markdown")
        for header in re.findall(r"^```\{exercise\}(.*)\n((?::\w+:.*\n)*)", text, re.MULTILINE):
            assert header[0].strip(), f"{path.name}: an exercise without a title"
            assert ":nonumber:" not in header[1], f"{path.name}: {header[0].strip()} is unnumbered"
