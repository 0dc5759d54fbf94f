"""The directory swap that publishes a build, and recovery from an interrupted one."""
import os
from pathlib import Path

from workbook.pipeline.swap import old_path, recover, swap_in


def test_swap_replaces_the_directory_and_recover_restores_an_interrupted_swap(tmp_path: Path):
    target, new = tmp_path / "reports", tmp_path / "build"
    target.mkdir(); (target / "a").write_text("old")
    new.mkdir(); (new / "a").write_text("new")
    swap_in(new, target)
    assert (target / "a").read_text() == "new" and not new.exists()
    os.rename(target, old_path(target))          # as if killed between the two renames
    recover(target)
    assert (target / "a").read_text() == "new" and not old_path(target).exists()
