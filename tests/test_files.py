"""gan_core.files: a file on disk is the old version or the new one, never half of each."""

import pytest

from gan_core import files


def test_writes_then_replaces_leaving_no_temporary_file(tmp_path):
    path = tmp_path / "sub" / "data.bin"
    files.write_atomically(path, lambda temporary: temporary.write_bytes(b"first"))
    files.write_atomically(path, lambda temporary: temporary.write_bytes(b"second"))
    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["data.bin"]


def test_a_failing_writer_keeps_the_old_file_and_leaves_nothing(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"old")

    def crash(temporary):
        temporary.write_bytes(b"half")
        raise KeyboardInterrupt  # what a user's "stop" looks like inside the write

    with pytest.raises(KeyboardInterrupt):
        files.write_atomically(path, crash)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


def test_stale_parts_of_this_file_are_removed_and_others_kept(tmp_path):
    (tmp_path / ".data.bin.k3j2.part").write_bytes(b"killed mid-write")
    (tmp_path / ".other.bin.x.part").write_bytes(b"not ours")
    files.write_atomically(tmp_path / "data.bin", lambda temporary: temporary.write_bytes(b"new"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.bin.x.part", "data.bin"]


def test_sha256_of_reads_a_file_in_chunks_and_matches_hashlib(tmp_path):
    import hashlib

    from gan_core.files import sha256_of

    payload = bytes(range(256)) * 9_000  # 2.2 MiB: three chunks
    path = tmp_path / "data.bin"
    path.write_bytes(payload)
    assert sha256_of(path) == hashlib.sha256(payload).hexdigest()
    assert sha256_of(str(path)) == sha256_of(path)
