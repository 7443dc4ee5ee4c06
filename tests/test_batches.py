import numpy as np
import pytest
import torch
from torch import nn

from gan_core import training
from gan_core.batches import Labelled, WithLabels, on_device, random_labels
from gan_core.data import images
from gan_core.models.mlp import Generator


def tiny_images(n=12, classes=3):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(n, 8, 8), dtype=np.uint8)
    return images.from_arrays(pixels, np.arange(n) % classes, tuple("abc"[:classes]), "tiny", None)


class EchoGenerator(Generator):
    """Images that depend on the label: what the loop must deliver to D with them."""

    def __init__(self, n_classes=3):
        super().__init__(z_dim=4, prior="normal")
        self.n_classes = n_classes
        self.body, self.label = nn.Linear(4, 64), nn.Embedding(n_classes, 64)

    def noise(self, n, generator=None):
        return Labelled(super().noise(n, generator), random_labels(n, self.n_classes, generator))

    def forward(self, batch):
        pictures = torch.tanh(self.body(batch.values) + self.label(batch.labels))
        return Labelled(pictures.reshape(-1, 1, 8, 8), batch.labels)


class LabelReadingDiscriminator(nn.Module):
    def __init__(self, n_classes=3):
        super().__init__()
        self.body, self.label = nn.Linear(64, 1), nn.Embedding(n_classes, 1)
        self.seen = []

    def forward(self, batch):
        self.seen.append(batch)
        return (self.body(batch.values.flatten(1)) + self.label(batch.labels)).squeeze(1)


def test_a_labelled_batch_moves_lays_out_and_checks_its_values():
    batch = Labelled(torch.zeros(2, 1, 3, 3), torch.tensor([0, 2]))
    laid_out = batch.contiguous(memory_format=torch.channels_last)
    assert laid_out.values.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(laid_out.labels, batch.labels) and len(batch) == 2
    converted = batch.to(torch.float64)
    assert converted.values.dtype == torch.float64 and converted.labels.dtype == torch.int64
    assert batch.isfinite().all()
    assert not Labelled(torch.tensor([[float("nan")]]), torch.tensor([1])).isfinite().all()


@pytest.mark.parametrize(
    "labels, message",
    [(torch.tensor([0.0, 1.0]), "int64"), (torch.tensor([0, 1, 2]), "one entry per row")],
)
def test_labels_must_be_one_int64_per_row(labels, message):
    with pytest.raises(ValueError, match=message):
        Labelled(torch.zeros(2, 3), labels)


def test_with_labels_draws_images_with_their_own_labels():
    data = tiny_images()
    drawn = WithLabels(data).sample(20, torch.Generator().manual_seed(0))
    again = data.sample_with_labels(20, torch.Generator().manual_seed(0))
    assert torch.equal(drawn.values, again[0]) and torch.equal(drawn.labels, again[1])
    assert WithLabels(data).n_classes == 3 and len(WithLabels(data)) == 12


def test_with_labels_refuses_data_without_labels():
    with pytest.raises(TypeError, match="WithLabels needs a data set with 'sample_with_labels'"):
        WithLabels(torch.zeros(3, 2))


def test_random_labels_cover_the_classes_and_repeat_with_the_seed():
    labels = random_labels(300, 4, torch.Generator().manual_seed(1))
    assert set(labels.tolist()) == {0, 1, 2, 3}
    assert torch.equal(labels, random_labels(300, 4, torch.Generator().manual_seed(1)))


def test_the_loop_trains_a_conditional_pair_on_labelled_batches():
    torch.manual_seed(0)
    G, D = EchoGenerator(), LabelReadingDiscriminator()
    before = [p.detach().clone() for p in (*G.parameters(), *D.parameters())]
    settings = training.TrainConfig(steps=3, batch_size=5, loss="least_squares", channels_last=True)
    history = training.train(G, D, WithLabels(tiny_images()), settings)
    assert len(history.d_loss) == 3
    after = [*G.parameters(), *D.parameters()]
    assert all(not torch.equal(a, b) for a, b in zip(before, after))
    real, fake = D.seen[0], D.seen[1]  # the first D step: a real batch, then a fake one
    assert isinstance(real, Labelled) and isinstance(fake, Labelled)
    pixels = tiny_images().pixels.float() / 127.5 - 1
    rows = [int((pixels - x).flatten(1).abs().sum(1).argmin()) for x in real.values]
    assert real.labels.tolist() == [i % 3 for i in rows]  # each image kept its label
    assert fake.labels.tolist() != real.labels.tolist()  # G's own draw, not the real one


def test_a_non_finite_labelled_batch_stops_training():
    data = tiny_images()

    class Broken(WithLabels):
        def sample(self, n, generator=None):
            batch = super().sample(n, generator)
            return Labelled(batch.values * float("nan"), batch.labels)

    with pytest.raises(training.NonFiniteData, match="the real batch at step 1"):
        training.train(
            EchoGenerator(), LabelReadingDiscriminator(), Broken(data),
            training.TrainConfig(steps=2, batch_size=4, loss="least_squares"),
        )


def test_a_plain_tensor_where_a_labelled_batch_belongs_says_what_to_pass():
    from gan_core.batches import NotLabelled, check_labelled

    check_labelled(Labelled(torch.zeros(2, 3), torch.tensor([0, 1])), "anything")
    with pytest.raises(NotLabelled, match=r"must be a gan_core.batches.Labelled batch .*; pass Labelled\(z, y\)"):
        check_labelled(torch.zeros(2, 3), "Labelled(z, y)")


class MovableData:
    """A data set that records where it was moved and where each batch came from."""

    def __init__(self, data, log, device=None):
        self.data, self.log, self.device = data, log, device
        self.classes = data.classes

    def to(self, device):
        self.log.append(("moved to", torch.device(device)))
        return MovableData(self.data, self.log, torch.device(device))

    def sample_with_labels(self, n, generator=None):
        self.log.append(("drawn on", self.device))
        return self.data.sample_with_labels(n, generator)


def test_the_loop_moves_data_that_can_move_to_the_nets_device_once_and_draws_there():
    log = []
    settings = training.TrainConfig(steps=3, batch_size=5, loss="least_squares")
    training.train(EchoGenerator(), LabelReadingDiscriminator(), WithLabels(MovableData(tiny_images(), log)),
                   settings)
    assert log == [("moved to", torch.device("cpu"))] + [("drawn on", torch.device("cpu"))] * 3


def test_data_that_cannot_move_is_used_as_it_is():
    class Points:
        def sample(self, n, generator=None):
            return torch.randn(n, 64, generator=generator)

    data = Points()
    assert on_device(data, "cpu") is data
    moved = on_device(tiny_images(), "cpu")
    assert isinstance(moved, images.ImageDataset) and torch.equal(moved.pixels, tiny_images().pixels)
