"""Sliders around ``plots`` functions, each with a static twin for the rendered book.

Widgets need a live kernel; the built book has none. So every widget comes with
``static_twin``, an animation of the same figure over precomputed values, which
still moves in a browser without Python.
"""

import re

import ipywidgets
import matplotlib.pyplot as plt
from IPython.display import HTML
from matplotlib.animation import FuncAnimation


def interactive_figure(draw, figsize=(5, 4), **controls) -> ipywidgets.Widget:
    """Sliders for ``controls`` (ipywidgets ``interact`` abbreviations) redrawing ``draw(ax, **values)``."""
    def redraw(**values):
        _, ax = plt.subplots(figsize=figsize)
        draw(ax, **values)
        plt.show()

    return ipywidgets.interactive(redraw, **controls)


def static_twin(draw, name: str, values, figsize=(5, 4), dpi: int = 72, **fixed) -> HTML:
    """An HTML animation of ``draw(ax, name=value, **fixed)`` over ``values``."""
    values = list(values)
    if not values:
        raise ValueError("static_twin needs at least one value to animate over")
    fig = plt.figure(figsize=figsize, dpi=dpi)

    def frame(value):
        fig.clear()  # also drops the previous frame's colour bars
        ax = fig.add_subplot()
        draw(ax, **{name: value}, **fixed)
        ax.set_title(f"{name} = {value:g}" if isinstance(value, float) else f"{name} = {value}")

    animation = FuncAnimation(fig, frame, frames=values, interval=400)
    html = animation.to_jshtml(default_mode="loop")
    plt.close(fig)
    return HTML(without_cdn_links(html))


def without_cdn_links(html: str) -> str:
    """Drop matplotlib's Font Awesome stylesheet link: the book's theme ships the icons,
    and a page of the book must load nothing from the network."""
    return re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)
