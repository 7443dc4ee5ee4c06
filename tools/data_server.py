"""Serve data files on the loopback address, as a download location for tests.

    python tools/data_server.py FOLDER [--port 0]   # prints the URL, serves until killed

The official Fashion-MNIST files can be rebuilt offline from Debian's package: Debian
ships the same gzip streams with the header's file name and time stripped (the MD5 sums
published by Zalando match once both are put back), so tests can serve the real files
without the internet.
"""

import argparse
import contextlib
import functools
import gzip
import hashlib
import http.server
import struct
import sys
import threading
from pathlib import Path

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
# gzip header fields of the official files: modification time (seconds since 1970), OS code 3 (Unix)
OFFICIAL_MTIME = {
    "train-images-idx3-ubyte.gz": 1504176606,
    "train-labels-idx1-ubyte.gz": 1504176606,
    "t10k-images-idx3-ubyte.gz": 1504176627,
    "t10k-labels-idx1-ubyte.gz": 1504176627,
}


def official_gzip(name: str, debian_copy: bytes) -> bytes:
    """The official file ``name`` from Debian's copy: a header with FNAME, then the same stream."""
    if debian_copy[:4] != b"\x1f\x8b\x08\x00":
        raise ValueError(f"{name}: not a gzip file without optional header fields")
    header = b"\x1f\x8b\x08\x08" + struct.pack("<I", OFFICIAL_MTIME[name]) + b"\x00\x03"
    return header + name.removesuffix(".gz").encode() + b"\x00" + debian_copy[10:]


def rebuild_official_fashion_mnist(out: Path, source: Path = DEBIAN_FASHION_MNIST) -> dict[str, str]:
    """Write the four official files into ``out``; returns their MD5 sums."""
    out.mkdir(parents=True, exist_ok=True)
    sums = {}
    for name in OFFICIAL_MTIME:
        payload = official_gzip(name, (source / name).read_bytes())
        gzip.decompress(payload)  # the stream must still be valid
        (out / name).write_bytes(payload)
        sums[name] = hashlib.md5(payload).hexdigest()
    return sums


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serving(folder: Path):
    """Serve ``folder`` on 127.0.0.1 at a free port; yields the base URL (ending in /)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    with serving(args.folder) as url:
        print(url, flush=True)
        threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
