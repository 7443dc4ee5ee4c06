"""The image data set every loader returns (``gan_core.data.images``,
``gan_core.data.glyphs``), its errors and the cache folder.

An :class:`ImageDataset` is a ``torch.utils.data.Dataset`` of ``(image, label)`` pairs
whose images are float tensors ``(C, H, W)`` scaled to [-1, 1], the range of a Tanh
output layer. It also has ``sample(n, generator)``, so the one training loop draws
real batches from it exactly as it does from the toy distributions.
"""

import copy
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from gan_core.checks import (
    check_int,
    check_positive,
    check_shape,
    check_tensor,
    check_values,
    is_integer,
)

SIZES = (28, 32, 64)  # resolutions of the DCGAN nets; 8 for the 8 x 8 digits


class CorruptDataError(ValueError):
    """A data file is damaged or is not what its name says; it is never used."""


class MissingDataError(FileNotFoundError):
    """A data set is not on this machine; the message says how to get it."""


def cache_dir() -> Path:
    """Where downloads and trained helper models are kept: $XDG_CACHE_HOME/gan_book."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gan_book"


class ImageDataset(torch.utils.data.Dataset):
    """Images as uint8 ``(N, C, H, W)``,
    served as floats in [-1, 1] with integer labels."""

    def __init__(
        self,
        pixels: torch.Tensor,
        labels: torch.Tensor,
        classes: tuple[str, ...],
        name: str,
        max_value: float = 255.0,
    ):
        check_tensor(
            "pixels", pixels, ("N", "C", "H", "W"), kind="integer", nonempty=True
        )
        check_tensor("labels", labels, (len(pixels),), kind="integer")
        if (
            isinstance(classes, str)
            or not classes
            or not all(isinstance(c, str) for c in classes)
        ):
            raise ValueError(
                f"classes must be a non-empty sequence of class names, got {classes!r}"
            )
        if not isinstance(name, str):
            raise ValueError(f"name must be a string, got {name!r}")
        check_positive("max_value", max_value)
        check_values("pixels", pixels, 0, max_value)
        check_values("labels", labels, 0, len(classes) - 1)
        self.pixels, self.labels = pixels, labels.long()
        self.classes, self.name, self.max_value = tuple(classes), name, max_value

    def __len__(self) -> int:
        return len(self.pixels)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.pixels.shape[1:])

    def to_float(self, pixels: torch.Tensor) -> torch.Tensor:
        return pixels.float() * (2.0 / self.max_value) - 1.0  # [0, max] -> [-1, 1]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.to_float(self.pixels[index]), int(self.labels[index])

    def images(self, indices=None) -> torch.Tensor:
        """All images (or those at ``indices``) as one float tensor ``(n, C, H, W)``."""
        return self.to_float(self.pixels if indices is None else self.pixels[indices])

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        """``n`` indices drawn uniformly with replacement, from all examples,
        the last one included (on the CPU, with the loop's generator: indexing images
        on another device takes them as they are)."""
        check_int("n", n, minimum=1)
        return torch.randint(len(self), (n,), generator=generator)

    def to(self, device: torch.device | str) -> "ImageDataset":
        """The same data set with its images on ``device``: batches are then drawn
        there, with no copy per step (a GPU holds Fashion-MNIST's 47 MB of uint8
        pixels easily). The same indices give the same images on every device."""
        moved = copy.copy(self)
        moved.pixels, moved.labels = self.pixels.to(device), self.labels.to(device)
        return moved

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` images drawn uniformly with replacement:
        a real batch for the training loop."""
        return self.images(self._draw(n, generator))

    def sample_with_labels(self, n: int, generator: torch.Generator | None = None):
        index = self._draw(n, generator)
        return self.images(index), self.labels[index]

    def subset(self, n: int | None, seed: int = 0) -> "ImageDataset":
        """A random subset of ``n`` images (all of them, shuffled, if ``n`` is None)."""
        if n is not None:
            check_int("n", n, minimum=1, maximum=len(self))
        check_int("seed", seed)
        order = torch.randperm(
            len(self), generator=torch.Generator().manual_seed(seed)
        )[:n]
        return ImageDataset(
            self.pixels[order],
            self.labels[order],
            self.classes,
            self.name,
            self.max_value,
        )

    def __repr__(self) -> str:
        return (
            f"ImageDataset({self.name!r}, {len(self)} images of shape "
            f"{self.image_shape}, {len(self.classes)} classes)"
        )


def resize(pixels: torch.Tensor, size: int, max_value: float = 255.0) -> torch.Tensor:
    """Bilinear resize of uint8 images ``(N, C, H, W)`` to ``size`` x ``size``,
    in chunks."""
    check_tensor("pixels", pixels, ("N", "C", "H", "W"), kind="integer", nonempty=True)
    check_int("size", size, minimum=1)
    check_positive("max_value", max_value)
    # the resized values are clamped to that range
    check_values("pixels", pixels, 0, max_value)
    if pixels.shape[-1] == size and pixels.shape[-2] == size:
        return pixels
    chunks = []
    for chunk in pixels.split(4096):
        scaled = F.interpolate(
            chunk.float(), size=(size, size), mode="bilinear", align_corners=False
        )
        chunks.append(scaled.round().clamp(0, max_value).to(torch.uint8))
    return torch.cat(chunks)  # (N, C, size, size)


def from_arrays(
    images: np.ndarray,
    labels: np.ndarray,
    classes,
    name: str,
    size: int | None,
    max_value: float = 255.0,
) -> ImageDataset:
    """An ImageDataset from uint8 images ``(N, H, W)`` and integer labels ``(N,)``,
    resized to ``size`` x ``size`` unless ``size`` is None."""
    if size is not None and not (is_integer(size) and size in SIZES):
        raise ValueError(f"size must be None or one of {SIZES}, got {size!r}")
    # np.array(..., uint8) would wrap
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        raise ValueError(
            "images must be a uint8 numpy array, "
            f"got {getattr(images, 'dtype', type(images))}"
        )
    check_shape("images", images, ("N", "H", "W"))
    if not isinstance(labels, np.ndarray) or not np.issubdtype(
        labels.dtype, np.integer
    ):
        raise ValueError(
            f"labels must be an integer numpy array, "
            f"got {getattr(labels, 'dtype', type(labels))}"
        )
    check_shape("labels", labels, (len(images),))
    pixels = torch.from_numpy(np.array(images, dtype=np.uint8))[:, None]  # (N, 1, H, W)
    if size is not None:
        pixels = resize(pixels, size, max_value)
    return ImageDataset(
        pixels, torch.from_numpy(labels.astype(np.int64)), classes, name, max_value
    )
