import dataclasses

import ipywidgets
import matplotlib.pyplot as plt
import pytest

from gan_core.figures import widgets


def draw_line(ax, slope, offset=0.0):
    ax.plot([0, 1], [offset, offset + slope])


def test_interactive_figure_makes_one_slider_per_control():
    widget = widgets.interactive_figure(draw_line, slope=(0.0, 2.0, 0.5), offset=(0.0, 1.0))
    sliders = [c for c in widget.children if isinstance(c, ipywidgets.FloatSlider)]
    assert [s.description for s in sliders] == ["slope", "offset"]


def test_static_twin_has_one_frame_per_value():
    plt.close("all")
    html = widgets.static_twin(draw_line, "slope", [0.0, 1.0, 2.0], offset=0.5).data
    assert html.count("frames[") >= 3
    assert "<script" in html
    assert plt.get_fignums() == []  # the animation's figure is closed, not shown twice


def test_static_twin_needs_values():
    with pytest.raises(ValueError, match="at least one frame"):
        widgets.static_twin(draw_line, "slope", [])


def test_animate_frames_draws_each_recorded_frame_without_cdn_links():
    plt.close("all")
    drawn = []

    def draw(ax, frame):
        drawn.append(frame["slope"])
        draw_line(ax, frame["slope"])

    html = widgets.animate_frames(draw, [{"slope": 0.0}, {"slope": 1.0}]).data
    assert html.count("frames[") >= 2 and "font-awesome" not in html
    assert sorted(set(drawn)) == [0.0, 1.0]
    assert plt.get_fignums() == []


def test_animate_frames_needs_frames():
    with pytest.raises(ValueError, match="at least one frame"):
        widgets.animate_frames(lambda ax, f: None, [])


def test_training_view_passes_on_the_settings_the_controls_do_not_set(monkeypatch):
    from gan_core import training
    from gan_core.data import mixtures

    configs = []
    monkeypatch.setattr(training, "train", lambda g, d, dist, config, callbacks=(): configs.append(config))
    plt.close("all")
    view = widgets.training_view(mixtures.ring_of_gaussians(4, radius=1.0, std=0.1), (-2, 2, -2, 2),
                                 steps_per_click=4, redraw_every=2, z_dim=2, width=8, depth=1,
                                 optimizer="sgd", updates="simultaneous",
                                 loss_params={"a": -1, "b": 1, "c": 0})
    controls, _ = view.children
    loss, *_, buttons = controls.children
    buttons.children[0].click()
    loss.value = "minimax"
    buttons.children[0].click()
    first, second = configs
    assert (first.optimizer, first.updates, first.loss_params) == (
        "sgd", "simultaneous", {"a": -1, "b": 1, "c": 0})
    assert (second.optimizer, second.loss, second.loss_params) == ("sgd", "minimax", {})


def test_toy_settings_are_the_loops_config_with_the_nets_added():
    from gan_core import experiments, training

    settings = experiments.ToySettings.with_overrides(optimizer="rmsprop", d_steps=2, lr_g=3e-3)
    config = settings.train_config("least_squares", 10, seed=5)
    assert isinstance(config, training.TrainConfig)  # no field is written twice
    toy_only = {f.name for f in dataclasses.fields(experiments.ToySettings)} - {
        f.name for f in dataclasses.fields(training.TrainConfig)}
    assert toy_only == {"z_dim", "width", "depth", "activation", "init"}
    assert (config.optimizer, config.d_steps, config.lr_g, config.width) == ("rmsprop", 2, 3e-3, 128)
    assert (config.loss, config.steps, config.seed) == ("least_squares", 10, 5)
    assert settings.train_config("minimax", 1, 0, lr_d=0.5).lr_d == 0.5


def test_training_view_trains_the_same_nets_click_after_click_with_the_controls(monkeypatch):
    from gan_core import training
    from gan_core.data import mixtures

    calls = []
    real_train = training.train

    def spy(generator, discriminator, distribution, config, callbacks=()):
        calls.append((generator, discriminator, config))
        return real_train(generator, discriminator, distribution, config, callbacks)

    monkeypatch.setattr(training, "train", spy)
    plt.close("all")
    view = widgets.training_view(mixtures.ring_of_gaussians(4, radius=1.0, std=0.1), (-2, 2, -2, 2),
                                 steps_per_click=4, redraw_every=2, z_dim=2, width=8, depth=1, batch_size=16)
    controls, output = view.children
    loss, lr_d, lr_g, d_steps, steps, buttons = controls.children
    train, reset = buttons.children
    assert [loss.value, d_steps.value, steps.value] == ["least_squares", 1, 4]
    # the losses whose D has an undecided output to draw; BEGAN's has none
    assert sorted(loss.options) == ["least_squares", "minimax", "non_saturating"]
    assert lr_d.value == pytest.approx(1e-4) and lr_g.value == pytest.approx(1e-3)
    train.click()
    loss.value, d_steps.value, lr_g.value = "minimax", 3, 1e-2
    train.click()
    (g1, d1, first), (g2, d2, second) = calls
    assert g1 is g2 and d1 is d2  # the nets carry on
    assert (first.loss, first.d_steps, first.steps) == ("least_squares", 1, 4)
    assert (second.loss, second.d_steps) == ("minimax", 3) and second.lr_g == pytest.approx(1e-2)
    reset.click()
    train.click()
    assert calls[2][0] is not g1  # reset builds new nets
    assert plt.get_fignums() == []
