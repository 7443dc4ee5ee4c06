"""A local Sphinx extension: bibliography labels that read like the citations in the text.

The text cites author and year ("Goodfellow et al. [2014]"); pybtex's default labels are
alphabetic codes ("[GPAM+14]"), so a reader could not match one with the other. This
registers a pybtex style, ``author_year``, whose labels are "Goodfellow et al., 2014".
"""

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


def surname(person) -> str:
    return " ".join(part.render_as("text") for part in person.rich_prelast_names + person.rich_last_names)


def author_year(entry) -> str:
    names = [surname(person) for person in entry.persons.get("author", [])]
    if len(names) > 2:
        who = f"{names[0]} et al."
    else:
        who = " and ".join(names)
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year(entry)


class AuthorYearStyle(UnsrtStyle):
    default_label_style = "author_year"
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
