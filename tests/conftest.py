import matplotlib
import pytest
import torch

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def smoke_profile(monkeypatch):
    """Unit tests run in the smoke profile with one torch thread, as CI does."""
    monkeypatch.setenv("GAN_BOOK_PROFILE", "smoke")
    monkeypatch.delenv("GAN_BOOK_DRY_RUN", raising=False)
    torch.set_num_threads(1)
