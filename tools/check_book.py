"""Check the built book in headless Chromium, page by page.

    python tools/check_book.py _build/html

For every page in the table of contents, in a 1280-px window: the math is typeset (no raw
TeX left) and every display equation fits the column; every image loads, none is squeezed
below 60% of its natural width, and every image shown smaller than it is can be enlarged
(book_static/enlarge.js); no code block scrolls sideways (book_static/book.css sets the
font so 88 columns fit); no ipywidgets control is rendered (it would be inert without a
kernel: the chapters hide widget outputs and show a static animation); no script fails and
nothing is fetched from the network. Chapter pages also show at least one figure and a
Colab button that opens the chapter from the repository set in _config.yml. Screenshots
go to _build/screenshots/.
"""

import os
import sys
from pathlib import Path

import yaml
from notebooks import repository_address
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # e.g. /usr/bin/google-chrome on GitHub's runners
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# MathJax is loaded with "defer", so by the load event it exists where a page has math.
TYPESET = "() => window.MathJax && MathJax.startup && MathJax.startup.promise ? MathJax.startup.promise : null"

SQUEEZED = 0.6  # an image shown below 60% of its natural width is unreadable, enlargeable or not
WIDGETS = ".jupyter-widgets, .widget-inline-hbox, .widget-slider, .widget-button"

# Measured after MathJax has typeset the page; only what is shown (hidden elements measure 0).
PAGE_FACTS = """([squeezed, widgets]) => {
  const article = document.querySelector("article") || document.body;
  const right = article.getBoundingClientRect().right;
  const shown = e => e.getClientRects().length > 0;
  const text = article.innerText;
  const images = [...article.querySelectorAll("img")];
  const sizes = images.filter(i => shown(i) && i.naturalWidth > 0).map(i => ({
    src: i.src.split("/").pop().slice(0, 60), natural: i.naturalWidth,
    width: Math.round(i.getBoundingClientRect().width), marked: i.classList.contains("gb-zoomable")}));
  const code = [...article.querySelectorAll("div.highlight pre")].filter(shown);
  const longest = pre => pre.textContent.split("\\n").reduce((a, b) => b.length > a.length ? b : a, "");
  const tex = new Map(window.MathJax && MathJax.startup && MathJax.startup.document
    ? [...MathJax.startup.document.math].map(m => [m.typesetRoot, m.math]) : []);
  const equations = [...article.querySelectorAll('mjx-container[display="true"]')].filter(shown);
  const wide = e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > right + 1;
  const controls = [...document.querySelectorAll(widgets)].filter(w => !w.parentElement.closest(widgets));
  return {
    rawTex: ["\\\\(", "\\\\[", "$$"].filter(t => text.includes(t)),
    mathTotal: article.querySelectorAll(".math").length,
    mathTypeset: article.querySelectorAll(".math mjx-container").length,
    images: images.length,
    brokenImages: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80)),
    squeezed: sizes.filter(i => i.width < squeezed * i.natural),
    notEnlargeable: sizes.filter(i => i.width < i.natural - 1 && !i.marked),
    codeBlocks: code.length,
    scrollingCode: code.filter(pre => pre.scrollWidth > pre.clientWidth + 1).map(longest),
    equations: equations.length,
    wideEquations: equations.filter(wide)
      .map(e => ({tex: (tex.get(e) || "").trim().slice(0, 60), width: e.scrollWidth, room: e.clientWidth})),
    widgetViews: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
    widgetControls: controls.length,
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
  };
}"""


def toc_pages(html_root: Path, toc_file: Path = ROOT / "_toc.yml") -> list[Path]:
    toc = yaml.safe_load(toc_file.read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
    return [html_root / f"{name}.html" for name in files]


def colab_link(notebook: Path) -> str:
    """Where a notebook page's Colab button must point: ``notebook`` (a path in the
    repository) in the configured repository."""
    return repository_address("colab", notebook.as_posix())


def is_chapter(path: Path) -> bool:
    return "chapters" in path.parts and path.stem[:2].isdigit()


def problems_of(page, path: Path, screenshots: Path, notebook: Path | None = None
                ) -> tuple[list[str], dict]:
    """What is wrong with the built page ``path``; ``notebook``: its source notebook's path
    in the repository, if it has one (its page must have a Colab button to it)."""
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    page.evaluate(TYPESET)
    page.wait_for_timeout(500)  # widget views render asynchronously
    facts = page.evaluate(PAGE_FACTS, [SQUEEZED, WIDGETS])
    page.screenshot(path=str(screenshots / f"{path.stem}.png"), full_page=False)
    problems = [f"network request to {url}" for url in requests if not url.startswith(LOCAL_SCHEMES)]
    problems += [f"script error: {e}" for e in errors]
    problems += [f"raw TeX left on the page: {t}" for t in facts["rawTex"]]
    if facts["mathTypeset"] < facts["mathTotal"]:
        problems.append(f"only {facts['mathTypeset']} of {facts['mathTotal']} formulas typeset")
    problems += [f"image did not load: {src}" for src in facts["brokenImages"]]
    problems += [f"squeezed figure: {i['natural']} px wide, shown at {i['width']} px "
                 f"({i['width'] / i['natural']:.0%}): {i['src']}" for i in facts["squeezed"]]
    problems += [f"shrunk but not enlargeable: {i['natural']} px wide, shown at {i['width']} px, "
                 f"not marked gb-zoomable: {i['src']}" for i in facts["notEnlargeable"]]
    problems += [f"scrolling code block: its longest line has {len(line)} characters: {line[:50]!r}"
                 for line in facts["scrollingCode"]]
    problems += [f"overflowing equation: {e['width']} px in {e['room']} px: {e['tex']}"
                 for e in facts["wideEquations"]]
    if facts["widgetControls"] or facts["widgetViews"]:
        problems.append(f"inert widget control: {facts['widgetControls']} ipywidgets controls rendered "
                        f"from {facts['widgetViews']} stored views (they need a kernel: tag the cell "
                        "remove-output and show a static animation)")
    if is_chapter(path) and facts["images"] == 0:
        problems.append("a chapter page without any figure")
    if notebook is not None and colab_link(notebook) not in facts["links"]:
        problems.append(f"no Colab button to {colab_link(notebook)}")
    return problems, facts


def source_notebook(page: Path, html_root: Path) -> Path | None:
    notebook = page.relative_to(html_root).with_suffix(".ipynb")
    return notebook if (ROOT / notebook).exists() else None


def main(html_root: str, toc_file: str | None = None) -> int:
    root = Path(html_root).resolve()
    screenshots = root.parent / "screenshots"
    screenshots.mkdir(exist_ok=True)
    passed = failed = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in toc_pages(root, Path(toc_file) if toc_file else ROOT / "_toc.yml"):
            page = browser.new_page(viewport={"width": 1280, "height": 2000})
            notebook = source_notebook(path, root)
            problems, facts = (problems_of(page, path, screenshots, notebook) if path.exists()
                               else (["page not built"], {}))
            page.close()
            name = path.relative_to(root)
            if problems:
                failed += 1
                print(f"FAIL {name}\n  " + "\n  ".join(problems))
            else:
                passed += 1
                print(f"ok   {name}: {facts['mathTypeset']} formulas ({facts['equations']} displayed), "
                      f"{facts['images']} images, {facts['codeBlocks']} code blocks checked")
        browser.close()
    print(f"pages: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]) if len(sys.argv) > 1 else main("_build/html"))
