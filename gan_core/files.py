"""Files written whole or not at all, and checked by their SHA-256: downloads, cached
classifiers, checkpoints.

A reader's kernel can die at any moment (Colab disconnects, a laptop sleeps, a user
presses stop). Every file gan_core writes goes through ``write_atomically``, so a file
on disk is always either the old version or the new one, never half of each.
"""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable


def remove_stale_parts(path: Path) -> None:
    """Delete the temporary files a killed writer of ``path`` left behind
    (others' are kept)."""
    for stale in path.parent.glob(f".{path.name}.*.part"):
        stale.unlink(missing_ok=True)


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> None:
    """``write(temporary)`` into a file beside ``path``, then rename it over ``path``.

    If ``write`` fails (or is interrupted), the temporary file is removed and ``path``
    keeps its previous content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(path)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sha256_of(path: str | os.PathLike) -> str:
    """The SHA-256 of a file, read in chunks of 1 MiB."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
