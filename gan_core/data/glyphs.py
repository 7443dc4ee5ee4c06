"""Chinese characters rendered from fonts: the book's stand-in for HWDB1.0
(chapter "LSGAN", whose conditional model the paper trains on 3,740 handwritten
classes).

HWDB1.0 cannot be downloaded freely, so this data set is built offline from the CJK
fonts Debian ships (``make datasets`` installs them): Noto Sans and Noto Serif CJK SC
(regular and bold), AR PL UKai and UMing, WenQuanYi Zen Hei and Micro Hei, and LXGW
WenKai (light, regular, bold); the table ``FACES`` lists the files and faces. The
classes are GB2312 level-1 characters (3,755 common hanzi; the paper's 3,740 HWDB
classes are among them). Each image is one character in one randomly drawn face,
centred by its ink, then given a random affine distortion (rotation, shear, scale,
shift) and a smooth elastic one, and reduced to ``size`` x ``size`` pixels, white ink
on black as in MNIST.

How it differs from HWDB: these are printed typefaces with synthetic distortions, not
handwriting. Every image of a class is one of at most eleven typefaces, tilted and
bent; what writers vary (joined or dropped strokes, pressure along a stroke, the
proportions between a character's parts) is absent.

Everything is deterministic given the seed and the installed fonts: the images are
cached under ``image_sets.cache_dir()``, keyed by every parameter and the font files.
"""

import functools
import hashlib
import json
import os
import subprocess
import warnings
import zipfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import PIL
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features
from scipy import ndimage

from gan_core.checks import check_int
from gan_core.data.image_sets import (
    ImageDataset,
    MissingDataError,
    cache_dir,
    from_arrays,
)
from gan_core.files import write_atomically
from gan_core.registry import lookup

# GB2312 level 1: rows 0xB0..0xD7 of the two-byte codes, columns 0xA1..0xFE, except
# that the last row ends at 0xF9. Ordered by pinyin.
LEVEL1_ROWS = range(0xB0, 0xD8)
LAST_ROW_END = 0xF9
N_LEVEL1 = 3755

DEFAULT_SIZE = 28  # MNIST's side, and the 28-px DCGAN nets'
# the paper uses 3,740; 200 classes (8,000 training images) train on a CPU
DEFAULT_CLASSES = 200
# images per class: enough to learn a class's variation; the test split for metrics
DEFAULT_PER_CLASS = {"train": 40, "test": 10}
SPLIT_STREAMS = {"train": 0, "test": 1}  # different random streams: disjoint draws
MIN_SIZE, MAX_SIZE = 8, 128
SUPERSAMPLE = 2  # each output pixel averages 2 x 2 warped samples (anti-aliasing)
CACHE_VERSION = 1  # raise when the rendering changes, so old caches are not reused

FONT_FOLDERS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local" / "share" / "fonts",
)


@dataclass(frozen=True)
class FontFace:
    """One face of a font file that a Debian package installs."""

    package: str
    file: str  # the file's name, searched for under FONT_FOLDERS
    index: int  # the face within a .ttc collection (0 for a .ttf)
    name: str  # its full name in the font's name table


# The SC faces of the Noto collections: GB2312 is simplified Chinese, and the JP, KR
# and TC faces draw some components differently. UKai, UMing and the WenQuanYi fonts
# have one face per region or spacing; the first is the mainland (or proportional) one.
FACES = (
    FontFace("fonts-noto-cjk", "NotoSansCJK-Regular.ttc", 2, "Noto Sans CJK SC"),
    FontFace("fonts-noto-cjk", "NotoSansCJK-Bold.ttc", 2, "Noto Sans CJK SC Bold"),
    FontFace("fonts-noto-cjk", "NotoSerifCJK-Regular.ttc", 2, "Noto Serif CJK SC"),
    FontFace("fonts-noto-cjk", "NotoSerifCJK-Bold.ttc", 2, "Noto Serif CJK SC Bold"),
    FontFace("fonts-arphic-ukai", "ukai.ttc", 0, "AR PL UKai CN"),
    FontFace("fonts-arphic-uming", "uming.ttc", 0, "AR PL UMing CN"),
    FontFace("fonts-wqy-zenhei", "wqy-zenhei.ttc", 0, "WenQuanYi Zen Hei"),
    FontFace("fonts-wqy-microhei", "wqy-microhei.ttc", 0, "WenQuanYi Micro Hei"),
    FontFace("fonts-lxgw-wenkai", "LXGWWenKai-Light.ttf", 0, "LXGW WenKai Light"),
    FontFace("fonts-lxgw-wenkai", "LXGWWenKai-Regular.ttf", 0, "LXGW WenKai"),
    FontFace("fonts-lxgw-wenkai", "LXGWWenKai-Bold.ttf", 0, "LXGW WenKai Bold"),
)
PACKAGES = tuple(dict.fromkeys(face.package for face in FACES))


@dataclass(frozen=True)
class Distortion:
    """Ranges of the random distortions; each image draws its values uniformly.

    Lengths are fractions of the image side, so any ``size`` looks the same.
    """

    # the ink box's longer side before distortion, as MNIST's digits fill 20 of
    # 28 px: room for the distortions (at 0.75, 2% of the images lost ink at the edge)
    fill: float = 0.7
    rotation: float = 8.0  # up to ± degrees: a line of handwriting tilts a little
    shear: float = 0.15  # up to ± x += shear * y: slanted vertical strokes
    scale: tuple[float, float] = (0.85, 1.05)  # overall size
    aspect: float = 0.1  # width / height changes by a factor within 1 ± aspect
    shift: float = 0.05  # up to ± this much of the side, in x and in y
    # the elastic displacement field: smooth over about a radical's width, so strokes
    # bend rather than jitter
    elastic_smoothness: float = 0.2  # the Gaussian filter's sigma
    elastic_rms: float = 0.03  # root mean square displacement (0.84 px at 28 px)


DISTORTION = Distortion()


@dataclass(frozen=True)
class InstalledFace:
    face: FontFace
    path: Path

    def key(self) -> list:
        """What identifies the face in the cache key: a new package version of the
        file almost always changes its length."""
        return [self.face.file, self.face.index, self.path.stat().st_size]


# ----------------------------------------------------------------- characters


def gb2312_level1() -> tuple[str, ...]:
    """The 3,755 GB2312 level-1 hanzi in GB2312 (pinyin) order, from Python's codec."""
    return tuple(
        bytes([row, column]).decode("gb2312")
        for row in LEVEL1_ROWS
        for column in range(0xA1, (LAST_ROW_END if row == 0xD7 else 0xFE) + 1)
    )


def pick_classes(n_classes: int) -> tuple[str, ...]:
    """``n_classes`` characters evenly spaced through GB2312 level 1, the first and
    the last included: always the same ones (the seed does not choose them)."""
    check_int("n_classes", n_classes, minimum=2, maximum=N_LEVEL1)
    characters = gb2312_level1()
    # Level 1 is in pinyin order, which puts characters sharing a phonetic part side
    # by side (板 版, 拌 伴 半, 苞 胞 包): a prefix would repeat a few parts and
    # readings, evenly spaced ones span the whole set.
    step_numerator = len(characters) - 1
    return tuple(
        characters[i * step_numerator // (n_classes - 1)] for i in range(n_classes)
    )


# ----------------------------------------------------------------- fonts


def _font_files(folders) -> dict[str, Path]:
    """Every font file under ``folders`` by name; the first folder (then the first
    path in sorted order) wins, so the choice does not depend on the file system."""
    found = {}
    for folder in folders:
        for directory, subfolders, files in sorted(os.walk(folder)):
            subfolders.sort()
            for name in sorted(files):
                found.setdefault(name, Path(directory) / name)
    return found


def installed_faces() -> tuple[list[InstalledFace], list[str]]:
    """The faces of ``FACES`` found under ``FONT_FOLDERS``,
    and the packages with a file missing."""
    files = _font_files(FONT_FOLDERS)
    present = [InstalledFace(f, files[f.file]) for f in FACES if f.file in files]
    missing = [
        p for p in PACKAGES if any(f.file not in files for f in FACES if f.package == p)
    ]
    return present, missing


def install_fonts() -> list[str]:
    """Install the missing font packages with apt-get, one at a time (in Colab, or as
    root on Debian or Ubuntu), so that a package the system's release lacks does not
    stop the others. Returns the packages still missing afterwards."""
    _, missing = installed_faces()
    if missing:
        apt = ["apt-get", "-qq"]
        subprocess.run([*apt, "update"], check=False, capture_output=True)
        for package in missing:
            command = [*apt, "install", "-y", "--no-install-recommends", package]
            subprocess.run(command, check=False, capture_output=True)
    still_missing = installed_faces()[1]
    if still_missing:
        warnings.warn(
            f"glyphs: could not install {', '.join(still_missing)}; the images use "
            "the other fonts",
            stacklevel=2,
        )
    return still_missing


def label_font():
    """A matplotlib font that draws the characters (the first installed face), for
    labelling figures with them: matplotlib's default font has no CJK glyphs."""
    from matplotlib.font_manager import FontProperties

    faces, _ = installed_faces()
    if not faces:
        raise _missing_fonts_error()
    return FontProperties(fname=faces[0].path)


def _missing_fonts_error() -> MissingDataError:
    folders = ", ".join(map(str, FONT_FOLDERS))
    return MissingDataError(
        f"no font of the glyph data set was found under {folders}. Install them with "
        "`make datasets`, or `sudo apt-get install --no-install-recommends "
        f"{' '.join(PACKAGES)}` (Debian/Ubuntu)."
    )


@functools.cache
def _codepoints(path: Path, index: int) -> frozenset[int]:
    """The characters face ``index`` of ``path`` has a glyph for (its cmap)."""
    with TTFont(path, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap())


@functools.cache
def _font(path: Path, index: int, pixels_per_em: int) -> ImageFont.FreeTypeFont:
    # the basic layout: one character needs no shaping, and it does not depend on
    # whether Pillow was built with libraqm
    return ImageFont.truetype(
        str(path), pixels_per_em, index=index, layout_engine=ImageFont.Layout.BASIC
    )


def ink(character: str, face: InstalledFace, pixels_per_em: int) -> np.ndarray:
    """``character`` drawn in ``face``, cropped to its ink: float32 ``(h, w)``,
    0 to 255."""
    font = _font(face.path, face.face.index, pixels_per_em)
    side = 2 * pixels_per_em  # room for glyphs that reach beyond their em box
    canvas = Image.new("L", (side, side))
    ImageDraw.Draw(canvas).text(
        (side / 2, side / 2), character, fill=255, font=font, anchor="mm"
    )
    box = canvas.getbbox()
    if box is None:
        raise ValueError(f"{face.face.name} draws {character!r} without ink")
    return np.asarray(canvas.crop(box), dtype=np.float32)


# ----------------------------------------------------------------- distortions


def _centred_samples(size: int) -> np.ndarray:
    """Where the supersampled output pixels lie, in output pixels from the image
    centre: ``(2, S, S)`` as (y, x), S = SUPERSAMPLE * size."""
    steps = (np.arange(SUPERSAMPLE * size) + 0.5) / SUPERSAMPLE - 0.5 - (size - 1) / 2
    return np.stack(np.meshgrid(steps, steps, indexing="ij"))


def _inverse_affines(
    rng: np.random.Generator, n: int, size: int, d: Distortion
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random affine maps as the inverse matrices ``(n, 2, 2)``, acting on
    (y, x), and their shifts ``(n, 2)`` in output pixels."""
    angle = np.deg2rad(rng.uniform(-d.rotation, d.rotation, n))
    shear = rng.uniform(-d.shear, d.shear, n)
    scale = rng.uniform(*d.scale, n)
    aspect = rng.uniform(1 - d.aspect, 1 + d.aspect, n)
    shift = rng.uniform(-d.shift, d.shift, (n, 2)) * size
    cos, sin, zero, one = np.cos(angle), np.sin(angle), np.zeros(n), np.ones(n)
    rotate = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    slant = np.stack([np.stack([one, zero], -1), np.stack([shear, one], -1)], -2)
    stretch = np.stack([scale / np.sqrt(aspect), scale * np.sqrt(aspect)], -1)
    forward = rotate @ slant * stretch[:, None, :]  # (n, 2, 2), scales (y, x) first
    return np.linalg.inv(forward), shift


def _elastic_fields(
    rng: np.random.Generator, n: int, size: int, d: Distortion
) -> np.ndarray:
    """``n`` smooth random displacement fields ``(n, 2, size, size)`` in output
    pixels: white noise through a Gaussian filter, rescaled to ``elastic_rms``."""
    sigma = d.elastic_smoothness * size
    noise = rng.standard_normal((n, 2, size, size))
    fields = ndimage.gaussian_filter(
        noise, sigma=(0, 0, sigma, sigma), mode="wrap", truncate=3.0
    )
    # The standard deviation the filter leaves to unit white noise: the root of the
    # 2-D kernel's sum of squares, i.e. the 1-D kernel's sum of squares, once the
    # kernel is folded onto the periodic axis (it is longer than the image).
    radius = int(3.0 * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    folded = np.bincount(offsets % size, weights=kernel / kernel.sum())
    spread = np.sum(folded**2)
    return fields * (d.elastic_rms * size / spread)


def _padded(templates: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The templates on one zero canvas each, ``(k, T, T)``, and each one's ink
    centre ``(k, 2)`` in its canvas."""
    side = max(max(t.shape) for t in templates) + 2  # a zero border all round
    stack = np.zeros((len(templates), side, side), dtype=np.float32)
    centres = np.empty((len(templates), 2))
    for i, template in enumerate(templates):
        h, w = template.shape
        top, left = (side - h) // 2, (side - w) // 2
        stack[i, top : top + h, left : left + w] = template
        centres[i] = top + (h - 1) / 2, left + (w - 1) / 2
    return stack, centres


def render_class(
    character: str,
    faces: list[InstalledFace],
    n: int,
    size: int,
    rng: np.random.Generator,
    distortion: Distortion = DISTORTION,
) -> np.ndarray:
    """``n`` distorted images of ``character``, uint8 ``(n, size, size)``, each in
    one of the ``faces`` that has a glyph for it."""
    usable = [f for f in faces if ord(character) in _codepoints(f.path, f.face.index)]
    if not usable:
        raise MissingDataError(
            f"none of the installed fonts has {character!r}; install the others with "
            "`make datasets`"
        )
    drawn = rng.integers(len(usable), size=n)
    used, which = np.unique(drawn, return_inverse=True)
    pixels_per_em = round(distortion.fill * SUPERSAMPLE * size)
    templates = [ink(character, usable[i], pixels_per_em) for i in used]
    stack, centres = _padded(templates)
    # output pixels per template pixel, so the ink box's longer side fills `fill`
    fit = distortion.fill * size / np.array([max(t.shape) for t in templates])
    inverse, shift = _inverse_affines(rng, n, size, distortion)
    fields = _elastic_fields(rng, n, size, distortion)
    fields = fields.repeat(SUPERSAMPLE, axis=2).repeat(SUPERSAMPLE, axis=3)
    # output position -> undistorted position -> template pixel, all (n, 2, S, S)
    moved = _centred_samples(size)[None] + fields - shift[:, :, None, None]
    source = np.einsum("nij,njhw->nihw", inverse, moved)
    source = source / fit[which, None, None, None] + centres[which, :, None, None]
    # The canvases stacked into one tall image, so each sample reads 4 pixels, not
    # 8; clipped to its own canvas, whose zero border is what lies outside it.
    side = stack.shape[-1]
    rows = np.clip(source[:, 0], 0, side - 1) + (which * side)[:, None, None]
    columns = np.clip(source[:, 1], 0, side - 1)
    warped = ndimage.map_coordinates(
        stack.reshape(-1, side), [rows, columns], order=1, output=np.float32
    )  # (n, S, S)
    blocks = warped.reshape(n, size, SUPERSAMPLE, size, SUPERSAMPLE)
    return np.rint(np.clip(blocks.mean(axis=(2, 4)), 0, 255)).astype(np.uint8)


def render(
    characters,
    faces: list[InstalledFace],
    per_class: int,
    size: int,
    seed: int,
    stream: int = 0,
) -> np.ndarray:
    """``per_class`` images of each character, class after class:
    uint8 ``(len(characters) * per_class, size, size)``.

    Each character has its own random stream (seed, stream, code point), so its
    images do not depend on which other characters are drawn.
    """
    return np.concatenate(
        [
            render_class(
                c,
                faces,
                per_class,
                size,
                np.random.default_rng([seed, stream, ord(c)]),
            )
            for c in characters
        ]
    )


# ----------------------------------------------------------------- the data set


def _cache_path(
    split: str,
    size: int,
    n_classes: int,
    per_class: int,
    seed: int,
    faces: list[InstalledFace],
) -> Path:
    settings = {
        "version": CACHE_VERSION,
        "split": split,
        "size": size,
        "n_classes": n_classes,
        "per_class": per_class,
        "seed": seed,
        "supersample": SUPERSAMPLE,
        "distortion": asdict(DISTORTION),
        "fonts": [face.key() for face in faces],
        "pillow": PIL.__version__,
        "freetype": features.version("freetype2"),
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    name = f"{split}-{size}px-{n_classes}x{per_class}-seed{seed}-{digest[:16]}.npz"
    return cache_dir() / "glyphs" / name


def _read_cached(path: Path, shape: tuple[int, int, int]) -> np.ndarray | None:
    """The cached images, or None if the file is absent, damaged or not of
    ``shape``."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            images = archive["images"]
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error):
        return None
    if images.shape != shape or images.dtype != np.uint8:
        return None
    return images


def _write_cached(path: Path, images: np.ndarray) -> None:
    def write(temporary: Path) -> None:
        with open(temporary, "wb") as handle:  # a handle: savez would add ".npz"
            np.savez_compressed(handle, images=images)

    write_atomically(path, write)


def _description(
    n_classes: int, per_class: int, size: int, faces, missing: list[str]
) -> str:
    names = ", ".join(f.face.name for f in faces)
    text = (
        f"{n_classes} GB2312 level-1 characters x {per_class} images, "
        f"{size} x {size} px, rendered from {len(faces)} font faces ({names}) "
        "with random affine and elastic distortions"
    )
    if missing:
        text += f"; not installed: {', '.join(missing)} (`make datasets`)"
    return text


def glyphs(
    split: str = "train",
    size: int | None = DEFAULT_SIZE,
    n_classes: int = DEFAULT_CLASSES,
    per_class: int | None = None,
    seed: int = 0,
) -> ImageDataset:
    """Chinese characters rendered from fonts with random distortions: a stand-in
    for HWDB1.0 (see the module's docstring for what differs).

    ``n_classes`` characters evenly spaced through GB2312 level 1 (labels 0 to
    ``n_classes - 1``, class names the characters), ``per_class`` images of each
    (by default 40 in "train", 10 in "test"), ``size`` x ``size`` pixels (None: 28).
    Train and test are different random draws. The images depend only on the
    arguments and the installed fonts; they are cached as a compressed .npz, and a
    damaged cache file is built again. The data set's ``description`` names the
    font faces used and the font packages that are missing.
    """
    stream = lookup(SPLIT_STREAMS, split, "split")
    size = DEFAULT_SIZE if size is None else size
    check_int("size", size, minimum=MIN_SIZE, maximum=MAX_SIZE)
    check_int("n_classes", n_classes, minimum=2, maximum=N_LEVEL1)
    per_class = DEFAULT_PER_CLASS[split] if per_class is None else per_class
    check_int("per_class", per_class, minimum=1)
    check_int("seed", seed, minimum=0)
    faces, missing = installed_faces()
    if not faces:
        raise _missing_fonts_error()
    if missing:
        warnings.warn(
            f"glyphs: font packages not installed: {', '.join(missing)}; the images "
            "use the others (`make datasets` installs them all)",
            stacklevel=2,
        )
    classes = pick_classes(n_classes)
    path = _cache_path(split, size, n_classes, per_class, seed, faces)
    images = _read_cached(path, (n_classes * per_class, size, size))
    if images is None:
        images = render(classes, faces, per_class, size, seed, stream)
        _write_cached(path, images)
    labels = np.repeat(np.arange(n_classes), per_class)
    dataset = from_arrays(images, labels, classes, f"glyphs/{split}", None)
    dataset.description = _description(n_classes, per_class, size, faces, missing)
    return dataset
