import matplotlib
import pytest

from gan_core.config import limit_cpu_threads

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def smoke_profile(monkeypatch):
    """Unit tests run in the smoke profile with one thread (torch and BLAS), as CI does."""
    monkeypatch.setenv("GAN_BOOK_PROFILE", "smoke")
    monkeypatch.delenv("GAN_BOOK_DRY_RUN", raising=False)
    limit_cpu_threads(1)

