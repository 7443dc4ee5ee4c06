import ipywidgets
import matplotlib.pyplot as plt
import pytest

from gan_core import widgets


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
    with pytest.raises(ValueError, match="at least one value"):
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
