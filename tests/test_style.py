"""The code the book shows is formatted for its column (CONTRIBUTING.md, "Readable in the book")."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).parent / "ruff"
SHOWN = ["gan_core", "chapters"]  # the chapters' cells, and the package they quote


def ruff(*arguments) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUFF), *arguments], cwd=ROOT, capture_output=True, text=True)


def test_the_shown_code_is_formatted_by_ruff():
    result = ruff("format", "--check", *SHOWN)
    assert result.returncode == 0, "run `make format`:\n" + result.stdout + result.stderr


def test_no_line_of_the_shown_code_is_longer_than_88_characters():
    result = ruff("check", "--select", "E501", "--output-format", "concise", *SHOWN)
    assert result.returncode == 0, "wrap these lines by hand:\n" + result.stdout + result.stderr


def test_the_line_length_is_the_one_the_book_column_fits(tmp_path):
    long_line = tmp_path / "long.py"
    long_line.write_text("x = '" + "a" * 84 + "'\n")  # 89 characters
    result = ruff("check", "--select", "E501", "--config", str(ROOT / "pyproject.toml"), str(long_line))
    assert result.returncode == 1 and "E501" in result.stdout


def test_figure_text_is_never_set_below_x_small():
    """x-small is 6.9 pt, 9.6 px at 100 dpi: the smallest text still readable in the column."""
    too_small = re.compile(r"\b(fontsize|labelsize)\s*=\s*(\"xx-small\"|'xx-small'|[0-6](\.\d+)?\b)")
    files = sorted((ROOT / "gan_core").rglob("*.py")) + sorted((ROOT / "chapters").glob("*.ipynb"))
    found = [f"{path.name}: {match.group(0)}" for path in files
             for match in too_small.finditer(path.read_text())]
    assert not found, found
