"""Contained paths, safe CSV export and the directory swap (atomic writes are tested in test_nothing_lost.py)."""
import os
from pathlib import Path

import pandas as pd
import pytest

from workbook.errors import ParameterError
from workbook.paths import contained
from workbook.swap import old_path, recover, swap_in
from workbook.tables import export_safe, read_csv, write_csv


def test_paths_that_climb_out_are_refused(tmp_path: Path):
    base = tmp_path / "reports"
    base.mkdir()
    assert contained("tables/x.csv", base) == base / "tables" / "x.csv"
    for hostile in ("../evidence", "/etc", str(tmp_path)):
        with pytest.raises(ParameterError, match="leads outside"):
            contained(hostile, base)
    (base / "link").symlink_to(tmp_path)
    with pytest.raises(ParameterError, match="leads outside"):
        contained("link/other", base)


def test_formula_like_cells_are_neutralised_but_numbers_kept():
    df = pd.DataFrame({"text": ["=HYPERLINK(\"x\")", "+cmd", "-1.5", "@SUM(A1)", "plain", "\tx"], "n": range(6)})
    out = export_safe(df)
    assert out["text"].tolist() == ["'=HYPERLINK(\"x\")", "'+cmd", "-1.5", "'@SUM(A1)", "plain", "'\tx"]
    assert out["n"].tolist() == list(range(6))


def test_csv_round_trip_keeps_text(tmp_path: Path):
    df = pd.DataFrame({"a": ["007", "", "x,y"]})
    write_csv(df, tmp_path / "t.csv")
    assert read_csv(tmp_path / "t.csv")["a"].tolist() == ["007", "", "x,y"]


def test_swap_replaces_the_directory_and_recover_restores_an_interrupted_swap(tmp_path: Path):
    target, new = tmp_path / "reports", tmp_path / "build"
    target.mkdir(); (target / "a").write_text("old")
    new.mkdir(); (new / "a").write_text("new")
    swap_in(new, target)
    assert (target / "a").read_text() == "new" and not new.exists()
    os.rename(target, old_path(target))          # as if killed between the two renames
    recover(target)
    assert (target / "a").read_text() == "new" and not old_path(target).exists()
