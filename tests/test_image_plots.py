import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from gan_core import image_metrics, image_plots, training


def test_image_grid_places_each_image_and_pads_white():
    x = torch.stack([torch.full((1, 2, 2), v) for v in (-1.0, 0.0, 1.0)])  # black, grey, white
    grid = image_grid = image_plots.image_grid(x, nrow=2, pad=1)
    assert grid.shape == (1 + 2 * 3, 1 + 2 * 3)
    assert grid[1, 1] == 0.0 and grid[1, 4] == pytest.approx(0.5) and grid[4, 1] == 1.0
    assert grid[0, 0] == 1.0 and image_grid[4, 4] == 1.0  # padding and the empty cell are white


def test_rgb_grids_are_height_width_channels():
    assert image_plots.image_grid(torch.zeros(5, 3, 4, 4), nrow=5).shape == (6, 26, 3)


def test_plots_draw_without_error():
    history = training.History(step=[1, 2, 3], d_loss=[1.0] * 3, g_loss=[1.0] * 3,
                               d_real=[0.0, 1.0, 2.0], d_fake=[0.0, -1.0, -2.0])
    ax = image_plots.plot_d_outputs(history, smooth=2)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [(0.5 + 0.7310586) / 2, (0.7310586 + 0.8807971) / 2],
                               rtol=1e-6)
    score = image_metrics.ImageScores(10.0, 0.5, 0.4, 9, 10, 0.1)
    axes = image_plots.plot_scores([1, 2], [score, score], floor=score)
    assert len(axes) == 3 and list(axes[0].lines[0].get_ydata()) == [10.0, 10.0]
    image_plots.show_images(torch.zeros(4, 1, 3, 3), title="x")
    plt.close("all")
