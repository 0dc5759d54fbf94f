"""Atomic writes: a file holds its old content or its complete new content, never half, and no temporary
file is left behind."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from workbook.core.atomic import atomic_open, write_bytes, write_text


def leftovers(folder: Path) -> list[str]:
    """Temporary files of atomic_open left in a folder."""
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_write_text_creates_folders_replaces_content_and_keeps_newlines_as_given(tmp_path: Path):
    target = tmp_path / "a" / "b" / "out.csv"
    write_text(target, "x\r\ny\n")
    assert target.read_bytes() == b"x\r\ny\n"
    write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new" and leftovers(target.parent) == []


def test_a_failure_while_writing_keeps_the_old_content_and_leaves_no_temporary_file(tmp_path: Path):
    target = tmp_path / "decisions.csv"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as handle:
            handle.write("half of the new")
            raise RuntimeError("the disk filled up")
    assert target.read_text(encoding="utf-8") == "old\n" and leftovers(tmp_path) == []


def test_an_existing_file_keeps_its_permissions_and_a_new_one_is_readable_by_all(tmp_path: Path):
    private = tmp_path / "private.csv"
    private.write_text("x", encoding="utf-8")
    os.chmod(private, 0o600)
    write_bytes(private, b"y")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_bytes() == b"y"
    fresh = write_text(tmp_path / "fresh.csv", "z")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
