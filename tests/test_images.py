import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_core.data import images

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import data_server  # noqa: E402

REAL_FETCH = images.fetch


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_split(folder, split="train", n=6, side=28, seed=0):
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(n, side, side), dtype=np.uint8)
    labels = np.arange(n, dtype=np.uint8) % 10
    image_file, label_file = images.IDX_FILES[split]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / image_file).write_bytes(gzip.compress(idx_bytes(pixels)))
    (folder / label_file).write_bytes(gzip.compress(idx_bytes(labels)))
    return pixels, labels


@pytest.fixture(autouse=True)
def no_network_and_an_empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(images.DATA_VARIABLE, raising=False)
    monkeypatch.setattr(images, "DEBIAN_FASHION_MNIST", tmp_path / "not-installed")

    def refuse(url, timeout=60.0):
        raise AssertionError(f"tests never download ({url})")
    monkeypatch.setattr(images, "fetch", refuse)


def test_idx_round_trip_scales_to_minus_one_one(tmp_path):
    pixels, labels = write_split(tmp_path)
    data = images.fashion_mnist(root=tmp_path)
    assert len(data) == 6 and data.image_shape == (1, 28, 28)
    x, y = data[2]
    torch.testing.assert_close(x[0], torch.tensor(pixels[2] / 127.5 - 1, dtype=torch.float32))
    assert y == int(labels[2])
    batch = data.sample(5, torch.Generator().manual_seed(0))
    assert batch.shape == (5, 1, 28, 28) and batch.min() >= -1 and batch.max() <= 1


def test_search_order_root_then_environment_then_cache(tmp_path, monkeypatch):
    write_split(tmp_path / "env" / "fashion-mnist", n=4)
    monkeypatch.setenv(images.DATA_VARIABLE, str(tmp_path / "env"))
    assert len(images.fashion_mnist()) == 4
    write_split(tmp_path / "root", n=3)
    assert len(images.fashion_mnist(root=tmp_path / "root")) == 3


def test_missing_data_says_how_to_get_it():
    with pytest.raises(images.MissingDataError, match="apt-get install dataset-fashion-mnist"):
        images.fashion_mnist()
    with pytest.raises(images.MissingDataError, match="download=True"):
        images.mnist(full=True)


@pytest.mark.parametrize("damage, message", [
    (lambda raw: b"\x00\x01" + raw[2:], "bad magic number"),
    (lambda raw: raw[:-10], "truncated"),
    (lambda raw: raw + b"\x00", "truncated"),
])
def test_damaged_idx_is_rejected(damage, message):
    raw = idx_bytes(np.zeros((2, 3, 3)))
    assert images.parse_idx(raw).shape == (2, 3, 3)
    with pytest.raises(images.CorruptDataError, match=message):
        images.parse_idx(damage(raw))


def test_broken_gzip_is_rejected(tmp_path):
    write_split(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:40])  # cut short
    with pytest.raises(images.CorruptDataError, match="gzip"):
        images.fashion_mnist(root=tmp_path)


def fake_mnist_server(monkeypatch, files: dict[str, bytes], calls: list):
    def serve(url, timeout=60.0):
        calls.append(url)
        return files[url.rsplit("/", 1)[1]]
    monkeypatch.setattr(images, "fetch", serve)
    monkeypatch.setattr(images, "MNIST_FILES", known_files(files, md5=False))


def known_files(files: dict[str, bytes], md5: bool = True) -> dict:
    return {k: images.KnownFile(hashlib.sha256(v).hexdigest(), hashlib.md5(v).hexdigest() if md5 else None)
            for k, v in files.items()}


def idx_files(n=5, seed=1):
    """Both splits of a tiny MNIST-like data set: file name -> gzip bytes."""
    rng = np.random.default_rng(seed)
    out = {}
    for split in ("train", "test"):
        image_file, label_file = images.IDX_FILES[split]
        out[image_file] = gzip.compress(idx_bytes(rng.integers(0, 256, (n, 28, 28))))
        out[label_file] = gzip.compress(idx_bytes(np.arange(n) % 10))
    return out


def test_download_checks_caches_and_does_not_fetch_twice(monkeypatch):
    calls = []
    fake_mnist_server(monkeypatch, idx_files(), calls)
    data = images.mnist("train", download=True)
    assert len(data) == 5 and data.name == "mnist/train"
    assert len(calls) == 2
    assert len(images.mnist("train", full=True)) == 5  # now from the cache, offline
    images.mnist("train", download=True)
    assert len(calls) == 2
    cached = images.cache_dir() / "mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(images.IDX_FILES["train"])  # no .part files


def test_download_with_a_wrong_hash_is_refused_and_not_cached(monkeypatch):
    files = idx_files()
    calls = []
    fake_mnist_server(monkeypatch, files, calls)
    monkeypatch.setitem(images.MNIST_FILES, "train-images-idx3-ubyte.gz", images.KnownFile("0" * 64))
    with pytest.raises(images.CorruptDataError, match="SHA-256"):
        images.mnist("train", download=True)
    assert not (images.cache_dir() / "mnist" / "train-images-idx3-ubyte.gz").exists()
    assert len(calls) == len(images.MNIST_MIRRORS)  # every mirror tried once


def test_a_tampered_cached_file_is_detected(monkeypatch):
    fake_mnist_server(monkeypatch, idx_files(), [])
    images.mnist("train", download=True)
    path = images.cache_dir() / "mnist" / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(5))))  # valid IDX, but not the known file
    with pytest.raises(images.CorruptDataError, match="SHA-256"):
        images.mnist("train", full=True)


@pytest.mark.parametrize("table", [images.MNIST_FILES, images.FASHION_MNIST_FILES], ids=["mnist", "fashion"])
def test_official_hashes_are_well_formed(table):
    assert set(table) == {n for pair in images.IDX_FILES.values() for n in pair}
    assert all(len(k.sha256) == 64 and int(k.sha256, 16) >= 0 for k in table.values())


def test_fashion_mnist_hashes_are_the_published_md5_sums():
    published = {  # the table in github.com/zalandoresearch/fashion-mnist's README
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    assert {name: known.md5 for name, known in images.FASHION_MNIST_FILES.items()} == published


def test_official_fashion_mnist_rebuilt_from_debian_matches_both_checksums(tmp_path):
    if not data_server.DEBIAN_FASHION_MNIST.is_dir():
        pytest.fail("install Debian's dataset-fashion-mnist (make datasets)")
    data_server.rebuild_official_fashion_mnist(tmp_path)
    for name, known in images.FASHION_MNIST_FILES.items():
        assert images.checksum_problem((tmp_path / name).read_bytes(), known) is None, name


@pytest.fixture
def fashion_server(monkeypatch, tmp_path):
    """A local HTTP server with small Fashion-MNIST-like files, the only download location."""
    files = idx_files(n=4, seed=2)
    served = tmp_path / "served"
    served.mkdir()
    for name, payload in files.items():
        (served / name).write_bytes(payload)
    monkeypatch.setattr(images, "fetch", REAL_FETCH)
    monkeypatch.setattr(images, "FASHION_MNIST_FILES", known_files(files))
    with data_server.serving(served) as url:
        monkeypatch.setenv(images.MIRRORS_VARIABLE, url)
        yield served


def test_fashion_mnist_downloads_over_http_and_then_reads_the_cache(fashion_server):
    data = images.load("fashion-mnist", download=True)
    assert (len(data.train), len(data.test)) == (4, 4)
    cached = images.cache_dir() / "fashion-mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(images.FASHION_MNIST_FILES)
    for name in images.FASHION_MNIST_FILES:
        (fashion_server / name).unlink()  # the server no longer has them: the cache serves
    assert len(images.fashion_mnist("test", download=True)) == 4


def test_fashion_mnist_download_with_a_wrong_md5_is_refused(fashion_server, monkeypatch):
    name = "train-labels-idx1-ubyte.gz"
    known = images.FASHION_MNIST_FILES[name]
    monkeypatch.setitem(images.FASHION_MNIST_FILES, name, images.KnownFile(known.sha256, "0" * 32))
    with pytest.raises(images.CorruptDataError, match="MD5 .*published 0{32}"):
        images.fashion_mnist(download=True)
    assert not (images.cache_dir() / "fashion-mnist" / name).exists()


def test_offline_download_says_what_to_do_and_caches_nothing(fashion_server, monkeypatch):
    with data_server.serving(fashion_server) as url:
        pass  # the server is stopped: its port refuses connections
    monkeypatch.setenv(images.MIRRORS_VARIABLE, url)
    with pytest.raises(images.DownloadError, match="could not download .*internet connection"):
        images.fashion_mnist(download=True)
    assert not (images.cache_dir() / "fashion-mnist").exists() or not any((images.cache_dir() / "fashion-mnist").iterdir())


def test_system_data_can_be_turned_off(monkeypatch, tmp_path):
    monkeypatch.setattr(images, "DEBIAN_FASHION_MNIST", tmp_path)
    assert tmp_path in images.search_folders("fashion-mnist")
    monkeypatch.setenv(images.SYSTEM_DATA_VARIABLE, "0")
    assert tmp_path not in images.search_folders("fashion-mnist")
    monkeypatch.setenv(images.SYSTEM_DATA_VARIABLE, "no")
    with pytest.raises(ValueError, match="GAN_BOOK_SYSTEM_DATA must be 0 or 1, got 'no'"):
        images.search_folders("fashion-mnist")


def test_an_explicit_root_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    write_split(tmp_path / "env" / "fashion-mnist", n=4)
    monkeypatch.setenv(images.DATA_VARIABLE, str(tmp_path / "env"))  # would be found without root
    with pytest.raises(images.MissingDataError, match="root='.*missing' is not an existing folder"):
        images.fashion_mnist(root=tmp_path / "missing")


def test_an_explicit_root_is_the_only_place_searched(tmp_path, monkeypatch):
    write_split(tmp_path / "env" / "fashion-mnist", n=4)
    monkeypatch.setenv(images.DATA_VARIABLE, str(tmp_path / "env"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(images.MissingDataError, match="download=True"):
        images.fashion_mnist(root=tmp_path / "empty")


def test_load_names_its_valid_options():
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['downlaod'\]; it accepts \['root', 'download'\]"):
        images.load("fashion-mnist", downlaod=True)


def test_offline_mnist_subset_is_balanced_and_split():
    train, test = images.mnist("train"), images.mnist("test")
    assert (len(train), len(test)) == (4000, 1000)
    assert torch.bincount(test.labels).tolist() == [100] * 10


def test_resize_to_32_keeps_range_and_mean():
    data = images.mnist("test", size=32)
    small = images.mnist("test")
    assert data.image_shape == (1, 32, 32)
    assert data.images().mean().item() == pytest.approx(small.images().mean().item(), abs=0.01)
    with pytest.raises(ValueError, match="size"):
        images.mnist("test", size=30)


def test_sklearn_digits_scale_from_0_16():
    digits = images.sklearn_digits()
    x = digits.images()
    assert x.shape == (1797, 1, 8, 8)
    assert x.min().item() == -1.0 and x.max().item() == 1.0


def test_subset_is_reproducible_and_sampling_uses_the_generator():
    digits = images.sklearn_digits()
    assert torch.equal(digits.subset(50, seed=1).labels, digits.subset(50, seed=1).labels)
    a = digits.sample(8, torch.Generator().manual_seed(0))
    b = digits.sample(8, torch.Generator().manual_seed(0))
    c = digits.sample(8, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_a_data_set_moved_to_a_device_draws_its_batches_there_with_the_same_indices():
    pixels = torch.arange(5 * 4, dtype=torch.uint8).reshape(5, 1, 2, 2)
    data = images.ImageDataset(pixels, torch.arange(5) % 2, ("a", "b"), "tiny")
    here = data.to("cpu")
    assert here is not data and data.pixels.device.type == "cpu"
    assert torch.equal(here.sample(3, torch.Generator().manual_seed(0)), data.sample(3, torch.Generator().manual_seed(0)))
    elsewhere = data.to("meta")  # a device without data: only shapes and devices
    batch, labels = elsewhere.sample_with_labels(3, torch.Generator().manual_seed(0))
    assert batch.device.type == labels.device.type == "meta" and batch.shape == (3, 1, 2, 2)
    assert data.pixels.device.type == "cpu"  # the original stays where it was


def test_a_dry_run_stands_in_for_data_only_a_download_would_bring(monkeypatch):
    monkeypatch.setenv("GAN_BOOK_DRY_RUN", "1")
    digits = images.mnist("test", download=True, size=32)  # fetch refuses: no download
    assert digits.name == "mnist/test (dry-run stand-in)"
    torch.testing.assert_close(digits.pixels, images.mnist_subset("test", 32).pixels)
    clothes = images.load("fashion-mnist", download=True)
    assert clothes.train.name == "fashion-mnist/train (dry-run stand-in)"
    assert len(clothes.train) == 60_000 and len(clothes.test) == 10_000
    assert clothes.test.image_shape == (1, 28, 28)
    assert set(clothes.test.labels.tolist()) == set(range(10))
    assert not (images.cache_dir() / "mnist").exists()  # nothing saved


def test_a_dry_run_reads_data_that_are_here(tmp_path, monkeypatch):
    write_split(tmp_path / "env" / "fashion-mnist", n=4)
    monkeypatch.setenv(images.DATA_VARIABLE, str(tmp_path / "env"))
    monkeypatch.setenv("GAN_BOOK_DRY_RUN", "1")
    assert images.fashion_mnist(download=True).name == "fashion-mnist/train"


def test_without_a_dry_run_a_missing_download_is_still_fetched(monkeypatch):
    with pytest.raises(AssertionError, match="tests never download"):
        images.mnist("test", download=True)
