"""The student edition of the book: no solutions, and an "Assignments" part.

    python tools/student_edition.py prepare
    python tools/student_edition.py check _build/student/_build/html

`prepare` writes _build/student/_config.yml (the book's, with sphinx-exercise's
hide_solutions on) and _build/student/_toc.yml (the book's, with an "Assignments" part
holding the published student notebooks, assignments/student/NAME/NAME.ipynb);
`make book-student` builds with them. `check` fails if any solution of the full edition, or
any line of an assignment's solution, appears in the built student edition.
"""

import re
import sys
from html import unescape
from pathlib import Path

import nbformat
import yaml
from assignments import MASTERS, PUBLISHED

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "_build" / "student"
SOLUTION = re.compile(r"````?\{solution\}[^\n]*\n(?::[^\n]*\n)*(.*?)\n````?", re.DOTALL)


def prepare() -> None:
    masters = sorted(MASTERS.glob("*.ipynb"))
    for master in masters:
        published = PUBLISHED / master.stem / master.name
        if not published.exists():
            raise FileNotFoundError(f"{published} is missing: run `make publish-assignments`")
    SETTINGS.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["title"] += " (student edition)"
    config["sphinx"]["config"]["hide_solutions"] = True
    # paths in the book's config are relative to it; this one lives in _build/student
    extensions = config["sphinx"]["local_extensions"]
    config["sphinx"]["local_extensions"] = {k: str(ROOT / v) for k, v in extensions.items()}
    (SETTINGS / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    part = {"caption": "Assignments", "numbered": False,
            "chapters": [{"file": f"{PUBLISHED.relative_to(ROOT).as_posix()}/{m.stem}/{m.stem}"}
                         for m in masters]}
    toc["parts"].insert(len(toc["parts"]) - 1, part)  # before the back matter
    (SETTINGS / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))


def solution_lines(master: Path) -> list[str]:
    """The lines between otter's solution markers in an assignment's master notebook."""
    lines = []
    for cell in nbformat.read(master, as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            marker = line.strip()
            if marker in ("# BEGIN SOLUTION", "# END SOLUTION"):
                inside = marker == "# BEGIN SOLUTION"
            elif inside and marker:
                lines.append(marker)
    return lines


def solution_texts() -> list[str]:
    """Lines that only a solution holds: of the chapters' {solution} blocks and of the
    assignments' solution cells (the lines otter removes from the student notebooks)."""
    lines = []
    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in nbformat.read(chapter, as_version=4).cells:
            if cell.cell_type == "markdown":
                for block in SOLUTION.findall(cell.source):
                    lines += [line.strip() for line in block.splitlines()]
    for master in sorted(MASTERS.glob("*.ipynb")):
        lines += solution_lines(master)
    # Long lines without math or inline code, which the page renders differently
    return [line for line in lines if len(line) >= 30 and not set("$`*") & set(line)]


SMART = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                       "\u2013": "--", "\u2014": "---"})


def shown_text(html: Path) -> str:
    """The text of every page, as a reader sees it (Sphinx's smart quotes undone)."""
    pages = [re.sub(r"<[^>]+>", "", path.read_text()) for path in html.rglob("*.html")]
    return unescape("\n".join(pages)).translate(SMART)


def solutions_shown(html: Path) -> list[str]:
    text = shown_text(html)
    return [line for line in solution_texts() if line in text]


def check(html: Path) -> list[str]:
    if not (html / PUBLISHED.relative_to(ROOT)).is_dir():
        return [f"no assignment pages in {html}"]
    return [f"solution text in the student edition: {line[:70]!r}"
            for line in solutions_shown(html)]


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"]:
        prepare()
        return 0
    if argv[:1] == ["check"] and len(argv) == 2:
        problems = check(Path(argv[1]))
        print("\n".join(problems) or f"no solution text in {argv[1]}")
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
