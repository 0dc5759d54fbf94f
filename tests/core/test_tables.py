"""Safe CSV export and round trips (atomic writes are tested in test_nothing_lost.py)."""
from pathlib import Path

import pandas as pd

from workbook.core.tables import export_safe, read_csv, write_csv


def test_formula_like_cells_are_neutralised_but_numbers_kept():
    df = pd.DataFrame({"text": ["=HYPERLINK(\"x\")", "+cmd", "-1.5", "@SUM(A1)", "plain", "\tx"], "n": range(6)})
    out = export_safe(df)
    assert out["text"].tolist() == ["'=HYPERLINK(\"x\")", "'+cmd", "-1.5", "'@SUM(A1)", "plain", "'\tx"]
    assert out["n"].tolist() == list(range(6))


def test_csv_round_trip_keeps_text(tmp_path: Path):
    df = pd.DataFrame({"a": ["007", "", "x,y"]})
    write_csv(df, tmp_path / "t.csv")
    assert read_csv(tmp_path / "t.csv")["a"].tolist() == ["007", "", "x,y"]
