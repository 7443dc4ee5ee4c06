"""gan_core: the small library behind the book's chapters.

Importing it has no side effects: nothing is downloaded, seeded or configured.
"""

__version__ = "0.1.0"
