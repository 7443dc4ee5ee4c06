from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from gan_core.evaluation import image_metrics
from gan_core.figures import image_plots, plots


def test_image_grid_places_each_image_and_pads_white():
    x = torch.stack([torch.full((1, 2, 2), v) for v in (-1.0, 0.0, 1.0)])  # black, grey, white
    grid = image_grid = image_plots.image_grid(x, nrow=2, pad=1)
    assert grid.shape == (1 + 2 * 3, 1 + 2 * 3)
    assert grid[1, 1] == 0.0 and grid[1, 4] == pytest.approx(0.5) and grid[4, 1] == 1.0
    assert grid[0, 0] == 1.0 and image_grid[4, 4] == 1.0  # padding and the empty cell are white


def test_rgb_grids_are_height_width_channels():
    assert image_plots.image_grid(torch.zeros(5, 3, 4, 4), nrow=5).shape == (6, 26, 3)


def test_plots_draw_without_error():
    probs = SimpleNamespace(step=[1, 2, 3], real=[0.5, 0.7, 0.9], fake=[0.5, 0.3, 0.1])
    ax = image_plots.plot_d_outputs(probs, smooth=2)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.6, 0.8], rtol=1e-12)  # drawn as given
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.4, 0.2], rtol=1e-12)
    score = image_metrics.ImageScores(10.0, 0.5, 0.4, 9, 10, 0.1)
    axes = image_plots.plot_scores([1, 2], [score, score], floor=score)
    assert len(axes) == 3 and list(axes[0].lines[0].get_ydata()) == [10.0, 10.0]
    assert axes[0].figure.get_figwidth() == plots.COLUMN_INCHES  # stacked, one per row
    image_plots.show_images(torch.zeros(4, 1, 3, 3), title="x")
    plt.close("all")


def test_d_outputs_must_be_probabilities_one_per_step():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):  # raw logits are not probabilities
        image_plots.plot_d_outputs(SimpleNamespace(step=[1, 2], real=[0.5, 2.0], fake=[0.5, 0.5]))
    with pytest.raises(ValueError, match="one value per step"):
        image_plots.plot_d_outputs(SimpleNamespace(step=[1, 2], real=[0.5], fake=[0.5, 0.5]))
    plt.close("all")


def test_image_table_labels_every_row_and_column_and_frames_marked_cells():
    images = torch.zeros(2, 3, 1, 4, 5)  # 2 rows, 3 columns of 4 x 5 images
    marked = torch.tensor([[False, True, False], [False, False, True]])
    ax = image_plots.show_image_table(images, ["a", "b"], ["x", "y", "z"], marked=marked)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y", "z"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    np.testing.assert_allclose(ax.get_xticks(), [3.0, 9.0, 15.0])  # centre of each 5-wide cell, padding 1
    np.testing.assert_allclose(ax.get_yticks(), [2.5, 7.5])
    frames = [(p.get_x(), p.get_y()) for p in ax.patches]
    assert frames == [(6.5, 0.5), (12.5, 5.5)]  # row 0 col 1, row 1 col 2
    with pytest.raises(ValueError, match="col_labels must hold 3"):
        image_plots.show_image_table(images, col_labels=["x"])
    with pytest.raises(ValueError, match="marked must be a bool"):
        image_plots.show_image_table(images, marked=marked.int())
    plt.close("all")


def test_transposed_convolution_stamps_add_up_to_torchs_transposed_convolution():
    x = torch.tensor([[1.0, 2.0], [3.0, -4.0]])
    kernel = torch.arange(16.0).reshape(4, 4)
    for stride, padding in ((2, 1), (1, 0), (3, 2)):
        stamps = image_plots.transposed_conv_stamps(x, kernel, stride, padding)
        expected = torch.nn.functional.conv_transpose2d(
            x[None, None], kernel[None, None], stride=stride, padding=padding)[0, 0]
        assert stamps.shape == (4, *expected.shape)
        torch.testing.assert_close(stamps.sum(dim=0), expected)
    # kernel 4, stride 2, padding 1 doubles the side; each pixel paints one 4 x 4 patch, cut at the border
    stamps = image_plots.transposed_conv_stamps(x, torch.ones(4, 4))
    assert stamps.shape == (4, 4, 4)
    assert [int((s != 0).sum()) for s in stamps] == [9, 9, 9, 9]
    fig = image_plots.plot_transposed_convolution(x, torch.ones(4, 4))
    assert len(fig.axes) == 6 and fig.get_figwidth() == plots.COLUMN_INCHES
    with pytest.raises(ValueError, match="padding must be an integer"):
        image_plots.transposed_conv_stamps(x, torch.ones(3, 3), padding=3)
    plt.close("all")


def test_study_curves_draw_every_run_and_the_median_of_each_setting():
    import matplotlib.pyplot as plt
    import pandas as pd

    from gan_core.evaluation.image_metrics import ImageScores

    def curve(*distances):
        return [(step, ImageScores(d, 0.5, 0.5, 10, 10, 0.1)) for step, d in zip((5, 10), distances)]

    table = pd.DataFrame(dict(setting=["A", "A", "A", "B"], curve=[curve(9, 3), curve(7, 5), curve(8), curve(1, 2)]))
    ax = image_plots.plot_study_curves(table, ["A"])
    thin, median = ax.lines[:3], ax.lines[3]
    assert [list(line.get_ydata()) for line in thin] == [[9, 3], [7, 5], [8]]
    assert list(median.get_xdata()) == [5, 10] and list(median.get_ydata()) == [8, 4]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A"]
    named = image_plots.plot_study_curves(table, ["A", "B"], labels=["first", "second"], ax=plt.figure().gca())
    assert [t.get_text() for t in named.get_legend().get_texts()] == ["first", "second"]
    with pytest.raises(ValueError, match="labels must name each of the 2 settings, got 1"):
        image_plots.plot_study_curves(table, ["A", "B"], labels=["first"])
    with pytest.raises(ValueError, match=r"settings must be settings of table \(A, B\); not \['C'\]"):
        image_plots.plot_study_curves(table, ["A", "C"])
    plt.close("all")


def test_image_table_draws_its_labels_in_the_font_it_is_given():
    from matplotlib.font_manager import FontProperties

    from gan_core.data import glyphs

    font = glyphs.label_font()
    ax = image_plots.show_image_table(torch.zeros(2, 3, 1, 4, 4), row_labels=["啊", "为"], label_font=font)
    assert [t.get_fontproperties().get_file() for t in ax.get_yticklabels()] == [font.get_file()] * 2
    assert isinstance(font, FontProperties) and font.get_file().endswith((".ttc", ".ttf", ".otf"))
    plt.close("all")
