"""gan_core.figures.plots, 1-D part: KDE, the pointwise objective, Figure 1's panels, gradients."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.stats import norm  # noqa: E402

from gan_core.figures import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_kde_1d_integrates_to_one_and_finds_the_mean():
    samples = np.random.default_rng(0).normal(1.0, 0.5, 5000)
    x = np.linspace(-3, 5, 2001)
    density = plots.kde_1d(samples, x)
    assert density.sum() * (x[1] - x[0]) == pytest.approx(1.0, abs=1e-3)
    assert (x * density).sum() * (x[1] - x[0]) == pytest.approx(samples.mean(), abs=1e-3)
    assert np.abs(density - norm.pdf(x, 1.0, 0.5)).max() < 0.08  # peak 0.8


def test_kde_1d_rejects_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        plots.kde_1d([1.0], np.zeros(3))
    with pytest.raises(ValueError, match="bandwidth"):
        plots.kde_1d([0.0, 1.0], np.zeros(3), bandwidth=0.0)


def test_pointwise_objective_marks_each_maximum():
    ax = plots.plot_pointwise_objective([(1, 1), (3, 1)])
    markers = [line for line in ax.lines if line.get_marker() == "o"]
    assert [m.get_xdata()[0] for m in markers] == pytest.approx([0.5, 0.75])
    with pytest.raises(ValueError, match="a, b >= 0"):
        plots.plot_pointwise_objective([(-1, 1)])


def test_plot_game_1d_draws_what_it_is_given():
    x = np.linspace(-3, 3, 50)
    ax = plots.plot_game_1d(x, norm.pdf(x), norm.pdf(x, 1), d=np.full(50, 0.5))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["$p_{data}$", "$p_g$", "D(x)"]
    assert len(plots.plot_game_1d(x, norm.pdf(x)).lines) == 1


def test_plot_game_1d_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one length"):
        plots.plot_game_1d(np.zeros(5), np.zeros(5), p_g=np.zeros(4))


def test_plot_mapping_1d_draws_one_arrow_per_z():
    x = np.linspace(-3, 3, 50)
    ax = plots.plot_game_1d(x, norm.pdf(x))
    z = np.linspace(-1, 1, 7)
    plots.plot_mapping_1d(z, 0.5 * z, ax)
    assert len(ax.texts) == 7 + 2  # seven arrows and the two axis labels
    with pytest.raises(ValueError, match="one length"):
        plots.plot_mapping_1d(z, z[:3], ax)


def test_plot_g_gradients_plots_magnitudes():
    d = np.linspace(0.01, 0.99, 9)
    ax = plots.plot_g_gradients(d, {"minimax": -d, "non-saturating": -(1 - d)})
    np.testing.assert_allclose(ax.lines[0].get_ydata(), d)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 1 - d)
