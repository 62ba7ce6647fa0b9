"""atomic_write names its unseen (O_TMPFILE) file by linking it: the picture is written once.

``os.link(src, dst, follow_symlinks=True)`` without a folder descriptor calls ``link()``, which
links the ``/proc/self/fd/N`` symlink itself and fails (EXDEV); the writer then wrote the whole
file again under a named temporary and synced it a second time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from maskrender import atomic


def _unnamed_supported(folder: Path) -> bool:
    fd = atomic._anonymous(folder)
    if fd is None:
        return False
    os.close(fd)
    return True


def test_the_unnamed_file_is_linked_not_written_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not _unnamed_supported(tmp_path):
        pytest.skip("this file system has no O_TMPFILE: the named temporary is the only way")
    written: list[int] = []
    real_write = os.write

    def counting(fd: int, data: bytes | memoryview) -> int:
        n = real_write(fd, data)
        written.append(n)
        return n

    def no_second_file(target: Path, limit: int) -> tuple[int, str]:
        raise AssertionError(f"the data was written a second time, to a named temporary beside {target}")

    monkeypatch.setattr(os, "write", counting)
    monkeypatch.setattr(atomic, "_named", no_second_file)
    data = bytes(range(256)) * 4096
    target = tmp_path / "o.png"
    atomic.atomic_write(target, data)
    assert target.read_bytes() == data
    assert sum(written) == len(data)
    assert os.listdir(tmp_path) == ["o.png"]


def test_an_existing_file_is_replaced_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "o.png"
    target.write_bytes(b"old")
    target.chmod(0o600)
    atomic.atomic_write(target, b"new picture")
    assert target.read_bytes() == b"new picture"
    assert target.stat().st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["o.png"]
