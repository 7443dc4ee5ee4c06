import matplotlib.pyplot as plt
import matplotlib.quiver
import numpy as np
import pytest
import torch

from gan_core import training
from gan_core.data import mixtures
from gan_core.figures import plots
from gan_core.models import mlp


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
    d = mlp.MLPDiscriminator(in_dim=2, width=4, depth=1)
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
    ax = plots.plot_mixture(mixtures.ring_of_gaussians(4, 1.0, 0.1), n=50, extent=(-2, 2, -2, 2))
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


def test_kde_integrates_to_one_and_peaks_at_the_points():
    points = torch.tensor([[0.5, 0.5]] * 3 + [[-0.5, -0.5]])
    density = plots.kde_on_grid(points, (-1, 1, -1, 1), resolution=101, bandwidth=0.1)
    cell = (2 / 100) ** 2
    assert float(density.sum()) * cell == pytest.approx(1.0, abs=0.01)
    row, col = divmod(int(density.argmax()), 101)
    assert (row, col) == (75, 75)  # y = 0.5, x = 0.5: three of the four points
    assert float(density[25, 25]) == pytest.approx(float(density[75, 75]) / 3, rel=1e-6)


def test_scott_bandwidth_is_scotts_rule_on_the_covariance():
    points = torch.randn(400, 2, generator=torch.Generator().manual_seed(0)) * torch.tensor([0.3, 0.1])
    density = plots.kde_on_grid(points, (-1, 1, -1, 1), resolution=41, bandwidth="scott")
    # By hand: kernel covariance = n^(-2/6) * the sample covariance, averaged over the points.
    cov = torch.cov(points.double().T) * 400 ** (-1 / 3)
    grid = plots.grid_2d((-1, 1, -1, 1), 41).double()
    kernel = torch.distributions.MultivariateNormal(points.double()[None], covariance_matrix=cov)
    expected = kernel.log_prob(grid[:, None]).exp().mean(dim=1).reshape(41, 41)
    torch.testing.assert_close(density, expected, rtol=1e-9, atol=0)
    with pytest.raises(ValueError, match=r"bandwidth must be a positive number or 'scott', got 'silverman'"):
        plots.kde_on_grid(points, (-1, 1, -1, 1), bandwidth="silverman")


def test_kde_over_training_has_one_row_per_run_and_one_column_per_step():
    points = torch.randn(50, 2)
    fig = plots.plot_kde_over_training({"GAN": {10: points, 20: points}, "LSGAN": {10: points, 20: points}},
                                       (-2, 2, -2, 2), centres=torch.zeros(1, 2))
    *panels, colour_bar = fig.axes
    axes = np.array(panels).reshape(2, 2)
    assert [ax.get_title() for ax in axes[0]] == ["step 10", "step 20"]
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["GAN", "LSGAN"]
    assert colour_bar.get_ylabel() == "density / panel maximum"
    assert fig.get_figwidth() == plots.COLUMN_INCHES
    for ax in panels:  # each panel scaled to its own maximum, as the colour bar says
        assert ax.images[0].get_array().max() == pytest.approx(1.0)
        assert ax.images[0].get_clim() == (0.0, 1.0)


def test_column_figures_fit_the_column_with_at_most_two_panels_per_row():
    fig, axes = plots.column_figure(2, 2, height=5)
    assert tuple(fig.get_size_inches()) == (plots.COLUMN_INCHES, 5) and axes.shape == (2, 2)
    with pytest.raises(ValueError, match=r"cols must be an integer in \[1, 2\], got 3"):
        plots.column_figure(1, 3)
    fig, axes = plots.column_mosaic([["map", "loss"], ["map", "."]], height=4)
    assert sorted(axes) == ["loss", "map"] and fig.get_figwidth() == plots.COLUMN_INCHES
    with pytest.raises(ValueError, match="layout must be a list of rows of 1 or 2 panel names"):
        plots.column_mosaic([["a", "b", "c"]])


def test_strips_show_every_run_of_every_group():
    import pandas as pd

    table = pd.DataFrame({"setting": ["A", "A", "B"], "modes": [1.0, 3.0, float("nan")]})
    ax = plots.plot_strips(table, "modes")
    dots = [c.get_offsets() for c in ax.collections]
    assert [len(d) for d in dots] == [2, 0]
    np.testing.assert_allclose(sorted(dots[0][:, 1]), [1.0, 3.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B"]


def test_training_frame_draws_field_points_and_arrows():
    from types import SimpleNamespace

    frame = SimpleNamespace(field=np.array([[-1.0, 2.0], [0.0, 1.0]]), level=0.5, extent=(-1, 1, -1, 1),
                            real=np.zeros((4, 2)), fake=np.ones((3, 2)) * 0.5, push=np.ones((3, 2)),
                            step=7, loss="least_squares")
    ax = plots.plot_training_frame(frame)
    image = ax.get_images()[0]
    assert image.get_clim() == (-1.0, 2.0)  # symmetric about the level, so white means undecided
    quiver = [c for c in ax.collections if isinstance(c, matplotlib.quiver.Quiver)][0]
    assert quiver.N == 3 and ax.get_title() == "least_squares, step 7"


def test_mode_counts_puts_modes_on_rows_and_checkpoints_on_columns():
    ax = plots.plot_mode_counts([100, 200, 300], [(5, 0), (0, 7), (1, 1)])
    np.testing.assert_allclose(ax.get_images()[0].get_array(), [[5, 0, 1], [0, 7, 1]])
    assert ax.get_xlabel() == "generator step"
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
