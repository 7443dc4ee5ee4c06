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
