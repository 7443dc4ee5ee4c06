"""Every package the library and the chapters import is declared in pyproject.toml.

Colab installs gan_core with its declared dependencies only; a missing one is a
ModuleNotFoundError there, even when the pinned development environment has it.
"""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import nbformat
import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "gan_core").rglob("*.py"))
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def top_level_imports(code: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def chapter_code(path: Path) -> str:
    cells = nbformat.read(path, as_version=4).cells[1:]  # the Colab setup cell runs before the install
    lines = [line for c in cells if c.cell_type == "code" for line in c.source.splitlines()]
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {normalise(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def third_party(modules: set[str]) -> dict[str, set[str]]:
    """module -> the distributions that provide it, for modules outside the standard library."""
    providers = packages_distributions()
    out = {}
    for module in modules - set(sys.stdlib_module_names) - {"gan_core"}:
        if module not in providers:
            pytest.fail(f"{module} is imported but not installed in the test environment")
        out[module] = {normalise(d) for d in providers[module]}
    return out


def test_the_import_scan_sees_the_package_and_the_chapters():
    assert len(SOURCES) >= 10 and len(CHAPTERS) >= 5
    assert "torch" in top_level_imports((ROOT / "gan_core" / "training" / "loop.py").read_text())


def undeclared(code: str, dependencies: set[str]) -> dict[str, set[str]]:
    return {m: d for m, d in third_party(top_level_imports(code)).items() if not d & dependencies}


@pytest.mark.parametrize("path", SOURCES + CHAPTERS, ids=lambda p: p.name)
def test_every_import_is_a_declared_dependency(path):
    code = chapter_code(path) if path.suffix == ".ipynb" else path.read_text()
    missing = undeclared(code, declared())
    assert not missing, f"{path.name} imports {sorted(missing)}: add {sorted(set().union(*missing.values()))} to pyproject.toml"


def test_a_missing_declaration_is_caught():
    code = "import os\nfrom sklearn.linear_model import LogisticRegression\nimport numpy as np"
    assert undeclared(code, {"numpy"}) == {"sklearn": {"scikit-learn"}}
    assert undeclared(code, {"numpy", "scikit-learn"}) == {}
