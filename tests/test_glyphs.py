"""The Chinese-character data set rendered from fonts (gan_core/data/glyphs.py).

These tests need the fonts `make datasets` installs; a few classes and a few images
per class keep them fast.
"""

import inspect
import shutil
import subprocess

import numpy as np
import pytest
from fontTools.ttLib import TTFont

from gan_core.data import glyphs, images

SMALL = {"n_classes": 3, "per_class": 4}


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def pixels(dataset) -> np.ndarray:
    return dataset.pixels[:, 0].numpy()  # (N, H, W) uint8


def cached_files() -> list:
    return sorted((images.cache_dir() / "glyphs").glob("*.npz"))


def test_gb2312_level1_is_3755_characters_from_啊_to_座():
    characters = glyphs.gb2312_level1()
    assert len(characters) == 3755 == len(set(characters))
    assert characters[:3] == ("啊", "阿", "埃") and characters[-1] == "座"
    assert all("\u4e00" <= c <= "\u9fff" for c in characters)  # CJK Unified


def test_classes_are_evenly_spaced_through_the_list():
    characters = glyphs.gb2312_level1()
    assert glyphs.pick_classes(2) == ("啊", "座")
    assert glyphs.pick_classes(3755) == characters
    assert glyphs.pick_classes(4) == tuple(characters[i] for i in (0, 1251, 2502, 3754))


def test_every_face_of_the_table_is_installed_and_has_its_name():
    faces, missing = glyphs.installed_faces()
    assert missing == [] and len(faces) == len(glyphs.FACES)
    for installed in faces:
        with TTFont(installed.path, fontNumber=installed.face.index) as font:
            assert font["name"].getDebugName(4) == installed.face.name


def test_same_seed_same_bytes_another_seed_other_images(monkeypatch, tmp_path):
    first = pixels(glyphs.glyphs(**SMALL))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another cache"))
    again = pixels(glyphs.glyphs(**SMALL))
    assert first.tobytes() == again.tobytes()
    other_seed = pixels(glyphs.glyphs(**SMALL, seed=1))
    assert (first != other_seed).any(axis=(1, 2)).all()


def test_every_class_has_exactly_per_class_images():
    data = glyphs.glyphs(n_classes=5, per_class=3)
    assert len(data) == 15 and data.image_shape == (1, 28, 28)
    assert np.bincount(data.labels.numpy(), minlength=5).tolist() == [3] * 5


@pytest.mark.parametrize("split", ["train", "test"])
def test_labels_name_the_characters_drawn(split):
    """The images labelled c are those of class name c rendered on its own."""
    data = glyphs.glyphs(split, n_classes=5, per_class=3)
    assert data.classes == glyphs.pick_classes(5)
    faces, _ = glyphs.installed_faces()
    for label, character in enumerate(data.classes):
        alone = glyphs.render(
            [character], faces, 3, 28, seed=0, stream=glyphs.SPLIT_STREAMS[split]
        )
        np.testing.assert_array_equal(pixels(data)[data.labels.numpy() == label], alone)


def test_train_and_test_are_different_draws():
    train = pixels(glyphs.glyphs("train", **SMALL))
    test = pixels(glyphs.glyphs("test", **SMALL))
    train_images = {image.tobytes() for image in train}
    assert not any(image.tobytes() in train_images for image in test)


def test_images_are_white_ink_on_black():
    ink = pixels(glyphs.glyphs(n_classes=10, per_class=5))
    assert ink.max() == 255 and np.median(ink) == 0
    edges = np.concatenate([ink[:, [0, -1], :], ink[:, :, [0, -1]].transpose(0, 2, 1)])
    assert edges.mean() < 1 and ink.mean() > 20


NO_DISTORTION = glyphs.Distortion(
    rotation=0, shear=0, scale=(1, 1), aspect=0, shift=0, elastic_rms=0
)


@pytest.mark.parametrize("character", ["一", "啊", "座", "川"])
def test_undistorted_ink_is_centred_and_its_longer_side_fills_the_box(character):
    faces, _ = glyphs.installed_faces()
    rng = np.random.default_rng(0)
    image = glyphs.render_class(character, faces, 1, 40, rng, NO_DISTORTION)[0]
    rows, columns = np.nonzero(image > 64)
    height = rows.max() - rows.min() + 1
    width = columns.max() - columns.min() + 1
    assert max(height, width) == pytest.approx(0.7 * 40, abs=1.5)
    assert (rows.max() + rows.min()) / 2 == pytest.approx(19.5, abs=0.75)
    assert (columns.max() + columns.min()) / 2 == pytest.approx(19.5, abs=0.75)


@pytest.mark.parametrize("size", [8, 28, 64])
def test_elastic_displacements_have_the_stated_size(size):
    rng = np.random.default_rng(0)
    fields = glyphs._elastic_fields(rng, 400, size, glyphs.DISTORTION)
    rms = np.sqrt(np.mean(fields**2))
    assert rms == pytest.approx(glyphs.DISTORTION.elastic_rms * size, rel=0.05)


def test_size_sets_the_side():
    data = glyphs.glyphs(size=12, **SMALL)
    assert data.image_shape == (1, 12, 12)
    assert glyphs.glyphs(size=None, **SMALL).image_shape == (1, 28, 28)


def test_the_cache_is_read_back_without_rendering(monkeypatch):
    built = pixels(glyphs.glyphs(**SMALL))
    assert len(cached_files()) == 1

    def refuse(*arguments, **options):
        raise AssertionError("rendered although the cache holds the images")

    monkeypatch.setattr(glyphs, "render", refuse)
    assert pixels(glyphs.glyphs(**SMALL)).tobytes() == built.tobytes()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong shape"])
def test_a_damaged_cache_file_is_rebuilt(damage):
    built = pixels(glyphs.glyphs(**SMALL))
    (path,) = cached_files()
    if damage == "garbage":
        path.write_bytes(b"not an npz file")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-40])
    else:
        with open(path, "wb") as handle:
            np.savez_compressed(handle, images=built[:5])
    assert pixels(glyphs.glyphs(**SMALL)).tobytes() == built.tobytes()
    with np.load(path) as archive:  # and the cache holds the images again
        assert archive["images"].tobytes() == built.tobytes()


def test_the_cache_key_holds_every_parameter():
    glyphs.glyphs(**SMALL)
    glyphs.glyphs("test", **SMALL)
    glyphs.glyphs(**SMALL, seed=1)
    glyphs.glyphs(size=16, **SMALL)
    glyphs.glyphs(n_classes=4, per_class=4)
    glyphs.glyphs(n_classes=3, per_class=5)
    assert len(cached_files()) == 6


def test_no_font_installed_says_how_to_install_them(monkeypatch, tmp_path):
    monkeypatch.setattr(glyphs, "FONT_FOLDERS", (tmp_path / "no fonts",))
    with pytest.raises(images.MissingDataError, match="make datasets") as error:
        glyphs.glyphs(**SMALL)
    assert "fonts-noto-cjk" in str(error.value)
    with pytest.raises(images.MissingDataError, match="make datasets"):
        images.load("glyphs", **SMALL)


def test_some_fonts_missing_uses_the_others_and_says_which(monkeypatch, tmp_path):
    everything = pixels(glyphs.glyphs(**SMALL))
    folder = tmp_path / "some fonts"
    folder.mkdir()
    faces, _ = glyphs.installed_faces()
    ukai = next(f for f in faces if f.face.file == "ukai.ttc")
    shutil.copy(ukai.path, folder)
    monkeypatch.setattr(glyphs, "FONT_FOLDERS", (folder,))
    with pytest.warns(UserWarning, match="fonts-noto-cjk"):
        data = glyphs.glyphs(**SMALL)
    assert "AR PL UKai CN" in data.description
    assert "not installed: fonts-noto-cjk" in data.description
    assert "fonts-arphic-ukai" not in data.description.split("not installed")[1]
    assert pixels(data).tobytes() != everything.tobytes()
    assert len(cached_files()) == 2  # the font list is part of the cache key


@pytest.mark.parametrize(
    "options, message",
    [
        ({"n_classes": 1}, r"n_classes must be an integer in \[2, 3755\], got 1"),
        ({"n_classes": 3756}, r"n_classes must be an integer in \[2, 3755\]"),
        ({"n_classes": 2.0}, r"n_classes must be an integer in \[2, 3755\]"),
        ({"per_class": 0}, r"per_class must be an integer >= 1, got 0"),
        ({"size": 7}, r"size must be an integer in \[8, 128\], got 7"),
        ({"split": "valid"}, r"unknown split 'valid'; choose one of: 'train', 'test'"),
        ({"seed": -1}, r"seed must be an integer >= 0"),
    ],
)
def test_bad_arguments_name_what_is_allowed(options, message):
    with pytest.raises(ValueError, match=message):
        glyphs.glyphs(**options)


def test_load_gives_both_splits():
    split = images.load("glyphs", **SMALL)
    assert len(split.train) == len(split.test) == 12
    assert split.train.image_shape == (1, 28, 28)
    assert split.train.name == "glyphs/train" and split.test.name == "glyphs/test"
    assert pixels(split.train).tobytes() == pixels(glyphs.glyphs(**SMALL)).tobytes()
    with pytest.raises(ValueError, match="n_classes must be an integer"):
        images.load("glyphs", n_classes=1)


def test_the_registered_loader_has_the_same_options_and_defaults():
    registered = inspect.signature(images.LOADERS["glyphs"]).parameters
    own = inspect.signature(glyphs.glyphs).parameters
    assert list(registered) == list(own)
    assert all(registered[p].default == own[p].default for p in own if p != "size")


def test_by_default_40_training_and_10_test_images_per_class():
    assert len(glyphs.glyphs("train", n_classes=2)) == 2 * 40
    assert len(glyphs.glyphs("test", n_classes=2)) == 2 * 10


def test_install_fonts_installs_each_missing_package_alone_and_reports_what_is_left(monkeypatch):
    commands = []
    state = {"missing": ["fonts-noto-cjk", "fonts-lxgw-wenkai"]}

    def run(command, check, capture_output):
        commands.append(command)
        if command[-1] == "fonts-noto-cjk":  # the release has it; fonts-lxgw-wenkai it lacks
            state["missing"] = ["fonts-lxgw-wenkai"]
        return subprocess.CompletedProcess(command, 0 if command[-1] != "fonts-lxgw-wenkai" else 100)

    monkeypatch.setattr(glyphs.subprocess, "run", run)
    monkeypatch.setattr(glyphs, "installed_faces", lambda: ([], list(state["missing"])))
    with pytest.warns(UserWarning, match="could not install fonts-lxgw-wenkai"):
        assert glyphs.install_fonts() == ["fonts-lxgw-wenkai"]
    assert commands[0] == ["apt-get", "-qq", "update"]
    assert [c[-1] for c in commands[1:]] == ["fonts-noto-cjk", "fonts-lxgw-wenkai"]


def test_install_fonts_does_nothing_when_every_font_is_here(monkeypatch):
    monkeypatch.setattr(glyphs.subprocess, "run", lambda *a, **k: pytest.fail("ran apt-get"))
    monkeypatch.setattr(glyphs, "installed_faces", lambda: ([], []))
    assert glyphs.install_fonts() == []


def test_label_font_needs_a_font(monkeypatch):
    monkeypatch.setattr(glyphs, "installed_faces", lambda: ([], list(glyphs.PACKAGES)))
    with pytest.raises(images.MissingDataError, match="make datasets"):
        glyphs.label_font()


def test_load_accepts_download_for_every_set_and_the_glyphs_ignore_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    asked = images.load("glyphs", n_classes=3, per_class=2, download=True)
    plain = images.load("glyphs", n_classes=3, per_class=2)
    assert np.array_equal(asked.train.images().numpy(), plain.train.images().numpy())
