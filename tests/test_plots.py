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


def linear_d():
    d = torch.nn.Linear(2, 1)
    with torch.no_grad():
        d.weight.copy_(torch.tensor([[0.0, 1.0]]))
        d.bias.zero_()
    return lambda x: d(x).squeeze(-1)  # D(x) = x_2: the boundary at level 0 is the x axis


def test_scores_on_grid_rows_follow_y():
    scores = plots.scores_on_grid(linear_d(), (-1, 1, -2, 2), resolution=5)
    np.testing.assert_allclose(scores[:, 0], [-2, -1, 0, 1, 2], atol=1e-6)


def test_plot_boundary_draws_the_level_set():
    _, ax = plt.subplots()
    contour = plots.plot_boundary(ax, linear_d(), 0.0, (-1, 1, -1, 1), "tab:blue", "LS", heat=True)
    (path,) = [p for p in contour.get_paths() if len(p.vertices)]
    np.testing.assert_allclose(path.vertices[:, 1], 0.0, atol=1e-6)
    assert len(ax.get_images()) == 1 and ax.get_lines()[-1].get_label() == "LS"


def test_gradient_arrows_point_against_the_gradient_and_are_capped():
    _, ax = plt.subplots()
    points, gradients = torch.zeros(2, 2), torch.tensor([[0.0, 1.0], [-100.0, 0.0]])
    plots.plot_gradient_arrows(ax, points, gradients, scale=1.0, colour="red", max_length=2.0)
    quiver = ax.collections[-1]
    np.testing.assert_allclose(np.c_[quiver.U, quiver.V], [[0.0, -1.0], [2.0, 0.0]], atol=1e-6)


def test_plot_fixed_points_and_lsgan_optimum_draw_their_parts():
    _, ax = plt.subplots()
    plots.plot_fixed_points(ax, torch.zeros(4, 2), torch.ones(3, 2), probes=torch.ones(1, 2))
    assert [len(c.get_offsets()) for c in ax.collections] == [4, 3, 1]
    x = np.linspace(-4, 4, 101)
    density = lambda mean: (lambda t: np.exp(-(t - mean) ** 2 / 2) / np.sqrt(2 * np.pi))  # noqa: E731
    _, ax = plt.subplots()
    plots.plot_lsgan_optimum(ax, -1.0, 1.0, 0.0, 0.0, x, density(0.0), density)
    assert "conditions hold" in ax.texts[0].get_text()
    _, ax = plt.subplots()
    plots.plot_lsgan_optimum(ax, 1.0, 1.0, 0.0, 0.0, x, density(0.0), density)
    assert "choose a ≠ b" in ax.texts[0].get_text()
