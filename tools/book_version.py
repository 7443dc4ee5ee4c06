"""A local Sphinx extension: the book's pages can write {{ version }}, gan_core's version.

The version is set once, in gan_core/__init__.py; the landing page shows it, so a reader
knows which release of the book (and of the library its notebooks install) is on screen.
"""

import gan_core


def add_version(app, config) -> None:
    config.myst_substitutions = {**(config.myst_substitutions or {}), "version": gan_core.__version__}


def setup(app):
    app.connect("config-inited", add_version)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
