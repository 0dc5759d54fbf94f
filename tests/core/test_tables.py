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


def test_append_row_writes_the_header_once_and_keeps_earlier_bytes(tmp_path):
    from workbook.core.tables import append_row

    path = tmp_path / "decisions.csv"
    append_row(path, ("id", "note"), ["a", "one, two"], lock_name="workbook-test")
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # a hand edit that dropped the final newline
    append_row(path, ("id", "note"), ["b", 'say "x"'], lock_name="workbook-test")
    assert path.read_text(encoding="utf-8") == 'id,note\na,"one, two"\nb,"say ""x"""\n'
