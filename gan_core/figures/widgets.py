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

from gan_core import config, experiments, training
from gan_core.checks import (
    check_callable,
    check_distribution,
    check_extent,
    check_figsize,
    check_int,
)
from gan_core.figures import frames, plots
from gan_core.training import losses


def interactive_figure(draw, figsize=(5, 4), **controls) -> ipywidgets.Widget:
    """Sliders for ``controls`` redrawing ``draw(ax, **values)``.

    ``controls`` are ipywidgets ``interact`` abbreviations.
    """
    check_callable("draw", draw)
    check_figsize("figsize", figsize)

    def redraw(**values):
        _, ax = plt.subplots(figsize=figsize)
        draw(ax, **values)
        plt.show()

    return ipywidgets.interactive(redraw, **controls)


def static_twin(
    draw, name: str, values, figsize=(5, 4), dpi: int = 100, **fixed
) -> HTML:
    """An HTML animation of ``draw(ax, name=value, **fixed)`` over ``values``."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"name must be the name of one of draw's arguments, got {name!r}"
        )

    def frame(ax, value):
        draw(ax, **{name: value}, **fixed)
        ax.set_title(
            f"{name} = {value:g}" if isinstance(value, float) else f"{name} = {value}"
        )

    return animate_frames(frame, values, figsize=figsize, dpi=dpi, interval=400)


def without_cdn_links(html: str) -> str:
    """Drop matplotlib's Font Awesome stylesheet link: the book's theme ships the icons,
    and a page of the book must load nothing from the network."""
    return re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)


def animate_frames(
    draw, frames, figsize=(5, 4), dpi: int = 100, interval: int = 300
) -> HTML:
    """An HTML animation of ``draw(ax, frame)`` over recorded ``frames``.

    The sibling of ``static_twin`` for data that is not one parameter's values (e.g. a
    training run): each frame is whatever ``draw`` needs. Like ``static_twin`` it plays
    without a kernel and loads nothing from the network.
    """
    check_callable("draw", draw)
    frames = list(frames)
    if not frames:
        raise ValueError("an animation needs at least one frame")
    check_figsize("figsize", figsize)
    check_int("dpi", dpi, minimum=1)
    check_int("interval", interval, minimum=1)
    fig = plt.figure(figsize=figsize, dpi=dpi)

    def show(frame):
        fig.clear()  # also drops the previous frame's colour bars
        draw(fig.add_subplot(), frame)

    animation = FuncAnimation(fig, show, frames=frames, interval=interval)
    html = animation.to_jshtml(default_mode="loop")
    plt.close(fig)
    return HTML(without_cdn_links(html))


def training_view(
    distribution,
    extent,
    steps_per_click: int = 100,
    redraw_every: int = 25,
    seed: int = 0,
    figsize=(5, 4.5),
    **overrides,
) -> ipywidgets.Widget:
    """Train a 2-D toy GAN live, GAN Lab style.

    Each click of "train" runs ``steps`` more steps. The view
    (``plots.plot_training_frame``) shows D's raw output, real and fake points and where
    the generator pushes each fake point. Loss, learning rates and k (d_steps) are read
    from the controls at every click. The nets carry on from click to click; the
    optimisers start afresh each time, since the controls may have changed their rates.
    ``overrides`` are ``experiments.ToySettings`` fields; those the controls do not set
    (optimizer, updates, betas, least squares' codes) go to every run.
    """
    settings = experiments.ToySettings.with_overrides(**overrides)
    check_extent("extent", extent)
    check_int("redraw_every", redraw_every, minimum=1)
    check_int(
        "steps_per_click",
        steps_per_click,
        minimum=redraw_every,
        maximum=20 * redraw_every,
    )
    check_figsize("figsize", figsize)
    check_distribution("distribution", distribution, dim=2)
    # the losses whose D has an undecided output, where a frame draws its boundary
    drawable = [n for n in losses.LOSSES if losses.get(n).undecided is not None]
    loss = ipywidgets.Dropdown(
        options=drawable, value="least_squares", description="loss"
    )
    lr_d = ipywidgets.FloatLogSlider(
        value=settings.lr_d, base=10, min=-5, max=-1, description="lr D"
    )
    lr_g = ipywidgets.FloatLogSlider(
        value=settings.lr_g, base=10, min=-5, max=-1, description="lr G"
    )
    d_steps = ipywidgets.IntSlider(
        value=settings.d_steps, min=1, max=10, description="k (D steps)"
    )
    steps = ipywidgets.IntSlider(
        value=steps_per_click,
        min=redraw_every,
        max=20 * redraw_every,
        step=redraw_every,
        description="steps",
    )
    go, reset, out = (
        ipywidgets.Button(description="train"),
        ipywidgets.Button(description="reset"),
        ipywidgets.Output(),
    )
    state = {"step": 0}

    def new_nets(_=None):
        config.seed_everything(seed)
        state["nets"], state["step"] = (
            experiments.build_nets(distribution.dim, settings),
            0,
        )
        show()

    def show():
        generator, discriminator = state["nets"]
        recorder = frames.FrameRecorder(distribution, loss.value, 1, extent, seed=seed)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=figsize)
            plots.plot_training_frame(
                recorder.frame(state["step"], generator, discriminator), ax=ax
            )
            plt.show()
            plt.close(
                fig
            )  # inline backends close on show; others would keep every frame open

    def train(_=None):
        generator, discriminator = state["nets"]
        run_config = settings.train_config(
            loss.value,
            steps.value,
            seed + state["step"],
            d_steps=d_steps.value,
            lr_d=lr_d.value,
            lr_g=lr_g.value,
            # the settings' parameters that this loss takes (least squares' codes)
            loss_params={
                name: value
                for name, value in settings.loss_params.items()
                if name in losses.get(loss.value).params
            },
            progress=False,
        )

        def redraw(train_state):
            state["step"] += redraw_every
            show()

        training.train(
            generator,
            discriminator,
            distribution,
            run_config,
            callbacks=(training.every(redraw_every, redraw),),
        )

    go.on_click(train)
    reset.on_click(new_nets)
    new_nets()
    controls = ipywidgets.VBox(
        [loss, lr_d, lr_g, d_steps, steps, ipywidgets.HBox([go, reset])]
    )
    return ipywidgets.HBox([controls, out])
