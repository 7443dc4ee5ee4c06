"""tools/check_book.py on tiny pages: each check fails where it should and passes otherwise.

The pages mimic the book: a 752-px article whose column is 688 px, the theme's code
blocks (16 px padding, a border) and the book's own book.css and enlarge.js, in the same
headless Chromium and 1280-px window as the check itself.
"""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from check_book import CHROMIUM, CHROMIUM_ARGS, problems_of

STATIC = ROOT / "book_static"
ASSETS = ROOT / "book_assets"  # MathJax and the widget manager (make setup)
THEME = """
  article { width: 752px; padding: 0 32px; box-sizing: border-box; }
  img { max-width: 100%; }
  ul { padding-left: 32px; }
  pre { padding: 16px; border: 1px solid #ccc; overflow: auto; font-size: 0.875em;
        font-family: ui-monospace, "Cascadia Code", "Source Code Pro", Menlo, Consolas,
                     "DejaVu Sans Mono", monospace; }
  mjx-container { overflow: auto; }
"""
BOOK = (f'<link rel="stylesheet" href="{(STATIC / "book.css").as_uri()}">'
        f'<script src="{(STATIC / "enlarge.js").as_uri()}"></script>')


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make chromium`, or set CHROMIUM to a Chrome")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def check(browser, tmp_path):
    """The problems check_book finds on a page with this article (and head)."""

    def problems(article: str, head: str = BOOK, notebook: Path | None = None) -> list[str]:
        path = tmp_path / "page.html"
        path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{THEME}</style>"
                        f"{head}</head><body><article>{article}</article></body></html>")
        page = browser.new_page(viewport={"width": 1280, "height": 2000})
        try:
            return problems_of(page, path, tmp_path, notebook)[0]
        finally:
            page.close()

    return problems


def image(tmp_path: Path, width: int) -> str:
    from PIL import Image

    path = tmp_path / f"figure_{width}.png"
    Image.new("RGB", (width, 200), "white").save(path)
    return f'<img src="{path.as_uri()}" alt="figure">'


def code(*lines: str) -> str:
    return '<div class="highlight"><pre>' + "\n".join(lines) + "</pre></div>"


def test_a_page_without_problems_passes(check, tmp_path):
    """A plain page: the chapter-only checks (Colab button, a figure) do not apply."""
    assert check(f"<p>Text.</p>{image(tmp_path, 600)}{code('x = 1')}") == []


def test_a_notebook_page_needs_its_colab_button(check, tmp_path):
    import check_book

    notebook = Path("assignments/student/01_gan_game/01_gan_game.ipynb")
    link = check_book.colab_link(notebook)
    assert link.endswith("/blob/main/assignments/student/01_gan_game/01_gan_game.ipynb")
    assert check("<p>Text.</p>", notebook=notebook) == [f"no Colab button to {link}"]
    assert check(f'<p><a href="{link}">Colab</a></p>', notebook=notebook) == []
    built = tmp_path / "html"
    assert check_book.source_notebook(built / notebook.with_suffix(".html"), built) == notebook
    assert check_book.source_notebook(built / "chapters" / "instructors.html", built) is None


# ----------------------------------------------------------------------------- figures

def test_a_figure_at_its_natural_size_passes(check, tmp_path):
    assert check(image(tmp_path, 600)) == []


def test_a_squeezed_figure_fails_even_if_it_can_be_enlarged(check, tmp_path):
    problems = check(image(tmp_path, 1600))
    assert problems == ["squeezed figure: 1600 px wide, shown at 688 px (43%): figure_1600.png"]


def test_a_shrunk_figure_passes_only_when_it_can_be_enlarged(check, tmp_path):
    figure = image(tmp_path, 900)  # shown at 688 px, 76%: not squeezed
    assert check(figure) == []
    without_the_script = check(figure, head="")
    assert len(without_the_script) == 1
    assert without_the_script[0].startswith("shrunk but not enlargeable: 900 px wide, shown at 688 px")


def test_a_click_enlarges_a_shrunk_figure_and_escape_closes_it(browser, tmp_path):
    path = tmp_path / "page.html"
    path.write_text(f"<html><head><style>{THEME}</style>{BOOK}</head>"
                    f"<body><article>{image(tmp_path, 900)}{image(tmp_path, 600)}</article></body></html>")
    page = browser.new_page(viewport={"width": 1280, "height": 2000})
    page.goto(path.as_uri(), wait_until="load")
    shrunk, natural = page.locator("article img").all()
    assert shrunk.get_attribute("title") == "Click to enlarge" and natural.get_attribute("title") is None
    natural.click()
    assert page.locator(".gb-overlay").count() == 0
    shrunk.click()
    assert page.locator(".gb-overlay img").evaluate("i => i.getBoundingClientRect().width") == 900
    page.keyboard.press("Escape")
    assert page.locator(".gb-overlay").count() == 0
    shrunk.click()
    page.locator(".gb-overlay").click()
    assert page.locator(".gb-overlay").count() == 0
    page.close()


# ----------------------------------------------------------------------------- code blocks

def test_88_columns_of_code_fit_with_the_books_font(check):
    line = "x = " + "1" * 84
    assert len(line) == 88
    assert check(code(line)) == []
    assert check(f"<ul><li>{code(line)}</li></ul>") == []  # lists narrow the column
    assert check(code(line), head="")[0].startswith("scrolling code block"), "the theme's 14 px font"


def test_a_120_column_line_of_code_fails(check):
    line = "long_name = " + "2" * 108
    assert check(code("short = 1", line)) == [
        f"scrolling code block: its longest line has 120 characters: {line[:50]!r}"]


# ----------------------------------------------------------------------------- equations

MATHJAX = (f"<script>window.MathJax = {{options: {{processHtmlClass: 'math'}}}}</script>"
           f'<script defer src="{(ASSETS / "mathjax" / "tex-chtml.js").as_uri()}"></script>')


def equation(terms: int) -> str:
    return '<div class="math">\\[' + " + ".join(f"x_{{{i}}}^2" for i in range(terms)) + "\\]</div>"


def test_an_equation_wider_than_the_column_fails(check):
    assert (ASSETS / "mathjax" / "tex-chtml.js").exists(), "run `make setup` to fill book_assets/"
    assert check(equation(5), head=MATHJAX) == []
    problems = check(equation(60), head=MATHJAX)
    assert len(problems) == 1
    assert problems[0].startswith("overflowing equation: ") and "in 688 px: x_{0}^2 + x_{1}^2" in problems[0]


# ----------------------------------------------------------------------------- widgets

def test_a_rendered_widget_control_fails(check):
    import ipywidgets
    from ipywidgets.embed import embed_data

    data = embed_data(views=[ipywidgets.IntSlider(description="steps")])
    state, view = json.dumps(data["manager_state"]), json.dumps(data["view_specs"][0])
    head = (f'<script type="application/vnd.jupyter.widget-state+json">{state}</script>'
            f'<script src="{(ASSETS / "require.js").as_uri()}"></script>'
            f'<script data-jupyter-widgets-cdn="about:blank" src="{(ASSETS / "embed-amd.js").as_uri()}">'
            "</script>")  # as the book loads them (_config.yml: nb_ipywidgets_js)
    view = f'<script type="application/vnd.jupyter.widget-view+json">{view}</script>'
    problems = check(view, head=head)
    assert len(problems) == 1
    assert problems[0].startswith("inert widget control: 1 ipywidgets controls rendered from 1 stored views")
