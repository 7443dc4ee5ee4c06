"""A local Sphinx extension: a chapter writes {{ assignment_NAME }} (NAME as in
assignments/NAME.ipynb) for a link that opens its assignment's student notebook in Colab,
followed by the time the assignment states.

The address comes from `repository.url` in _config.yml and the time from the assignment's
title cell, so neither is written twice.
"""

import re

import nbformat
from assignments import MASTERS, published_url

TIME = re.compile(r"\*\*Time:\*\* (about \d+ minutes)")


def link(master) -> str:
    title = next(c for c in nbformat.read(master, as_version=4).cells if c.cell_type == "markdown")
    heading = title.source.splitlines()[0].removeprefix("# ")
    found = TIME.search(title.source)
    if not found:
        raise ValueError(f"{master.name}: its title cell must state '**Time:** about N minutes'")
    return f"[{heading}]({published_url('colab', master.stem)}) (opens in Colab; {found.group(1)})"


def add_links(app, config) -> None:
    links = {f"assignment_{master.stem}": link(master) for master in sorted(MASTERS.glob("*.ipynb"))}
    config.myst_substitutions = {**(config.myst_substitutions or {}), **links}


def setup(app):
    app.connect("config-inited", add_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
