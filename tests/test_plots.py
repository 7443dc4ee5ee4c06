import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from gan_core import data, nets, plots, training


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_grid_covers_the_extent_row_by_row():
    points = plots.grid_2d((-1, 1, 0, 2), resolution=3)
    assert points.shape == (9, 2)
    torch.testing.assert_close(points[:3], torch.tensor([[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]]))
    torch.testing.assert_close(points[-1], torch.tensor([1.0, 2.0]))


def test_plot_field_shows_the_function_values():
    ax = plots.plot_field(lambda p: p[:, 0] + 10 * p[:, 1], (0, 1, 0, 1), resolution=2)
    image = ax.get_images()[0].get_array()
    np.testing.assert_allclose(image, [[0, 1], [10, 11]])


def test_plot_discriminator_squashes_to_probabilities():
    d = nets.MLPDiscriminator(in_dim=2, width=4, depth=1)
    ax = plots.plot_discriminator(d, (-1, 1, -1, 1), resolution=5)
    image = ax.get_images()[0]
    assert image.get_clim() == (0.0, 1.0)
    assert 0 <= image.get_array().min() and image.get_array().max() <= 1


def test_plot_samples_draws_each_set():
    real, fake = torch.zeros(10, 2), torch.ones(7, 2)
    ax = plots.plot_samples(real, fake, centres=torch.zeros(3, 2))
    sizes = [len(c.get_offsets()) for c in ax.collections]
    assert sizes == [10, 7, 3]


def test_plot_mixture_uses_the_requested_extent():
    ax = plots.plot_mixture(data.ring_of_gaussians(4, 1.0, 0.1), n=50, extent=(-2, 2, -2, 2))
    assert ax.get_xlim() == (-2, 2)
    assert len(ax.collections[0].get_offsets()) == 50


def test_plot_history_draws_both_losses_with_smoothing():
    history = training.History()
    for step in range(1, 11):
        history.record(step=step, d_loss=1.0, g_loss=float(step), d_real=0.0, d_fake=0.0)
    ax = plots.plot_history(history, smooth=2)
    d_line, g_line = ax.get_lines()
    assert len(g_line.get_xdata()) == 9
    np.testing.assert_allclose(g_line.get_ydata(), np.arange(1, 10) + 0.5)
