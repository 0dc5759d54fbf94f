"""Reviewer decisions: validation by row, atomic recording, decisions win, orphans kept."""
from pathlib import Path

import pandas as pd
import pytest

from workbook.core.errors import ReviewError
from workbook.coding.reviews import REVIEW_COLUMNS, apply_decisions, load_reviews, record_decision, reviews_path


def _coded() -> pd.DataFrame:
    return pd.DataFrame({"finding_id": ["a-1", "a-2"], "case": ["torbay"] * 2, "dimensions": ["vision", "time"],
                         "polarity": ["neutral", "barrier"]})


def test_record_then_load_round_trips_and_orders_dimensions(tmp_path: Path, framework):
    record_decision("torbay", "a-1", ["outcomes", "vision"], "facilitator", "AB", framework,
                    note="clear, with a comma", date="2026-01-02", evidence=tmp_path)
    rs = load_reviews("torbay", framework, tmp_path)
    assert rs.problems == []
    row = rs.decisions.iloc[0]
    assert (row["finding_id"], row["dimensions"], row["polarity"], row["reviewer"], row["date"], row["note"]) == (
        "a-1", "vision;outcomes", "facilitator", "AB", "2026-01-02", "clear, with a comma")
    assert reviews_path("torbay", tmp_path).read_text().splitlines()[0] == ",".join(REVIEW_COLUMNS)


def test_an_unknown_dimension_or_polarity_is_refused_at_write_time(tmp_path: Path, framework):
    with pytest.raises(ReviewError, match="unknown dimension.*'visoin'"):
        record_decision("torbay", "a-1", ["visoin"], "barrier", "AB", framework, evidence=tmp_path)
    with pytest.raises(ReviewError, match="unknown polarity 'good'"):
        record_decision("torbay", "a-1", ["vision"], "good", "AB", framework, evidence=tmp_path)
    assert not reviews_path("torbay", tmp_path).exists()


def test_a_bad_row_is_reported_by_line_and_the_others_still_load(tmp_path: Path, framework):
    path = reviews_path("torbay", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("finding_id,dimensions,polarity,reviewer,date,note\n"
                    "a-1,vision,barrier,AB,2026-01-01,ok\n"
                    "a-2,nonsense,barrier,AB,2026-01-01,bad dim\n"
                    "a-3,time,facilitator,AB,2026-01-01,ok\n", encoding="utf-8")
    rs = load_reviews("torbay", framework, tmp_path)
    assert list(rs.decisions["finding_id"]) == ["a-1", "a-3"]
    assert len(rs.problems) == 1 and rs.problems[0].line == 3 and "nonsense" in str(rs.problems[0])


def test_a_decision_wins_and_an_orphan_is_kept(tmp_path: Path, framework):
    record_decision("torbay", "a-1", ["leadership"], "barrier", "AB", framework, date="2026-01-01", evidence=tmp_path)
    record_decision("torbay", "gone-9", ["culture"], "neutral", "AB", framework, date="2026-01-01", evidence=tmp_path)
    coded, orphans = apply_decisions(_coded(), load_reviews("torbay", framework, tmp_path))
    first = coded.set_index("finding_id").loc["a-1"]
    assert (first["dimensions"], first["polarity"], first["decided_by"]) == ("leadership", "barrier", "AB")
    assert coded.set_index("finding_id").loc["a-2", "decided_by"] == "auto"
    assert list(orphans["finding_id"]) == ["gone-9"]


def test_the_latest_decision_for_a_finding_wins(tmp_path: Path, framework):
    record_decision("torbay", "a-1", ["vision"], "barrier", "AB", framework, date="2026-02-01", evidence=tmp_path)
    record_decision("torbay", "a-1", ["time"], "neutral", "CD", framework, date="2026-01-01", evidence=tmp_path)
    record_decision("torbay", "a-1", ["culture"], "facilitator", "EF", framework, date="2026-02-01", evidence=tmp_path)
    effective = load_reviews("torbay", framework, tmp_path).effective()
    assert effective.iloc[0][["dimensions", "reviewer"]].tolist() == ["culture", "EF"]


def test_recording_keeps_every_earlier_row_byte_for_byte(tmp_path: Path, framework):
    record_decision("torbay", "a-1", ["vision"], "barrier", "AB", framework, date="2026-01-01", evidence=tmp_path)
    before = reviews_path("torbay", tmp_path).read_bytes()
    record_decision("torbay", "a-2", ["time"], "neutral", "AB", framework, date="2026-01-01", evidence=tmp_path)
    assert reviews_path("torbay", tmp_path).read_bytes().startswith(before)
