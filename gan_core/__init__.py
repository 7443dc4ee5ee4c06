"""gan_core: the small library behind the book's chapters.

Importing it has no side effects: nothing is downloaded, seeded or configured.
"""

# the book's version too: CHANGELOG.md, CITATION.cff (tests/test_publishing.py)
__version__ = "0.3.0"
