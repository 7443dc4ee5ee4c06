"""Name lookups with errors that list the valid choices."""

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def lookup(table: Mapping[str, T], name: str, what: str) -> T:
    """Return ``table[name]``, or raise a ValueError naming every valid choice."""
    try:
        return table[name]
    except (KeyError, TypeError):
        choices = ", ".join(repr(key) for key in table)
        raise ValueError(f"unknown {what} {name!r}; choose one of: {choices}") from None
