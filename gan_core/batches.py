"""Batches whose rows carry class labels, for conditional GANs (chapter "LSGAN on
images").

The training loop does three things to a real batch and to a batch of noise without
looking inside: it moves them to the device (``.to``), lays them out
(``.contiguous``) and checks that they are finite (``.isfinite``). A
:class:`Labelled` batch does the same to its values and keeps the labels beside
them. So a conditional generator takes ``Labelled(z, y)`` and returns
``Labelled(G(z, y), y)``, a conditional discriminator reads the labels of whatever it
judges, and the loop is the same for both kinds of GAN.
"""

import copy
from dataclasses import dataclass

import torch

from gan_core.checks import check_int, check_tensor, shown


@dataclass(frozen=True)
class Labelled:
    """``values`` (images or noise, one row per example) and their class ``labels``."""

    values: torch.Tensor
    labels: torch.Tensor  # (n,) int64 class indices

    def __post_init__(self):
        check_tensor("values", self.values)
        check_tensor("labels", self.labels)
        if (
            self.labels.dtype != torch.int64
            or self.labels.shape != self.values.shape[:1]
        ):
            raise ValueError(
                "labels must be an int64 tensor with one entry per row of values, "
                f"got {self.labels.dtype} of shape {tuple(self.labels.shape)} for "
                f"values of shape {tuple(self.values.shape)}"
            )

    def __len__(self) -> int:
        return len(self.values)

    def to(self, *args, **kwargs) -> "Labelled":
        """The values as ``Tensor.to`` makes them; the labels on their device."""
        values = self.values.to(*args, **kwargs)
        return Labelled(values, self.labels.to(values.device))

    def contiguous(self, memory_format=torch.contiguous_format) -> "Labelled":
        return Labelled(
            self.values.contiguous(memory_format=memory_format), self.labels
        )

    def isfinite(self) -> torch.Tensor:
        return self.values.isfinite()


class NotLabelled(TypeError, ValueError):
    """A plain tensor where a conditional net needs a :class:`Labelled` batch.

    A TypeError, as Python reports a wrong type; a ValueError too, so that the one
    ``except ValueError`` of ``gan_core.checks``' policy catches it as well.
    """


def check_labelled(batch, what: str) -> None:
    """Raise NotLabelled unless ``batch`` is Labelled; ``what`` says what to pass."""
    if not isinstance(batch, Labelled):
        got = shown(batch)
        if not isinstance(batch, torch.Tensor):
            got = f"{type(batch).__name__} {got}"
        raise NotLabelled(
            "batch must be a gan_core.batches.Labelled batch (values and their "
            f"class labels), got {got}; pass {what}"
        )


class WithLabels:
    """``data`` drawing :class:`Labelled` batches: the real side of a conditional
    GAN. ``data`` is anything with ``sample_with_labels(n, generator)`` and
    ``classes``, such as an ``ImageDataset``."""

    def __init__(self, data):
        for needed in ("sample_with_labels", "classes"):
            if not hasattr(data, needed):
                raise TypeError(
                    f"WithLabels needs a data set with {needed!r} "
                    f"(an ImageDataset, say), got {type(data).__name__}"
                )
        self.data = data
        self.n_classes = len(data.classes)

    def __len__(self) -> int:
        return len(self.data)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Labelled:
        return Labelled(*self.data.sample_with_labels(n, generator))

    def to(self, device: torch.device | str) -> "WithLabels":
        moved = copy.copy(self)  # keeps a subclass's own sample
        moved.data = on_device(self.data, device)
        return moved


def on_device(data, device: torch.device | str):
    """``data`` moved to ``device`` if it can move (``ImageDataset.to``), so that its
    batches are drawn there with no copy per step; any other data set as it is."""
    return data.to(device) if hasattr(data, "to") else data


def random_labels(
    n: int, n_classes: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """``n`` class indices drawn uniformly: the classes a conditional generator is
    asked for during training."""
    check_int("n", n, minimum=1)
    check_int("n_classes", n_classes, minimum=1)
    return torch.randint(n_classes, (n,), generator=generator)
