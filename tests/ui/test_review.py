"""ReviewSession (navigation, filters, progress, agreement, saving) and the review widgets, without a browser."""
from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from workbook.core.errors import ReviewError
from workbook.ui.review import ReviewApp, ReviewSession, coded_findings
from workbook.coding.reviews import load_reviews
from workbook.pipeline.stages import CODED_COLUMNS, coded_path, resolve
from workbook.core.tables import write_csv

AUTO = [  # finding id, auto dimensions, auto polarity
    ("t-1", "vision", "facilitator"),
    ("t-2", "culture;time", "barrier"),
    ("t-3", "", "neutral"),
    ("t-4", "outcomes", "facilitator"),
    ("t-5", "vision;leadership", "neutral"),
]


def coded_table() -> pd.DataFrame:
    """A hand-made coded table in the shape of reports/coded/<case>.csv."""
    rows = [{"finding_id": fid, "case": "torbay", "source": "src", "locator": f"p. {i}",
             "statement": f"Statement {i}.", "dimensions": dims, "polarity": pol, "auto_dimensions": dims,
             "auto_polarity": pol, "auto_reasons": f"reason {i}", "decided_by": "auto", "review_date": "",
             "review_note": ""} for i, (fid, dims, pol) in enumerate(AUTO, 1)]
    return pd.DataFrame(rows, columns=list(CODED_COLUMNS))


@pytest.fixture
def evidence(evidence_copy: Path) -> Path:
    """A private evidence copy with no review files yet."""
    for path in (evidence_copy / "reviews").glob("*.csv"):
        path.unlink()
    return evidence_copy


@pytest.fixture
def session(evidence: Path, framework) -> ReviewSession:
    return ReviewSession("torbay", coded_table(), framework, evidence=evidence)


def review_rows(evidence: Path) -> list[dict[str, str]]:
    with open(evidence / "reviews" / "torbay.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_navigation_steps_through_the_queue_and_stops_at_the_ends(session):
    assert session.current_id == "t-1"
    assert session.previous() is False and session.current_id == "t-1"
    assert [session.next() for _ in range(5)] == [True, True, True, True, False]
    assert session.current_id == "t-5"
    assert session.previous() is True and session.current_id == "t-4"
    session.go_to("t-2")
    assert session.position == 1
    with pytest.raises(ReviewError, match="not in the current queue"):
        session.go_to("nope")


def test_dimension_and_polarity_filters_select_on_current_codes(session):
    assert session.set_filters(dimension="vision") == ["t-1", "t-5"]
    assert session.set_filters(polarity="neutral") == ["t-5"]
    assert session.set_filters(dimension="", polarity="barrier") == ["t-2"]
    session.set_filters(polarity="")
    session.go_to("t-3")
    session.save(["outcomes"], "barrier", "AB")  # the decision, not the auto codes, now counts
    assert session.set_filters(dimension="outcomes") == ["t-3", "t-4"]
    assert session.set_filters(dimension="", polarity="barrier") == ["t-2", "t-3"]


def test_unreviewed_filter_drops_saved_findings_and_moves_on(session):
    session.set_filters(unreviewed=True)
    session.go_to("t-2")
    session.save(["culture", "time"], "barrier", "AB")
    assert session.queue == ["t-1", "t-3", "t-4", "t-5"]
    assert session.current_id == "t-3"  # the next unreviewed finding, not back to the start


def test_disagreement_filter_keeps_reviewed_findings_that_differ_from_the_coder(session):
    session.save(["vision"], "facilitator", "AB")  # t-1: same as auto
    session.next()
    session.save(["culture"], "barrier", "AB")  # t-2: drops time
    assert session.set_filters(disagreement=True) == ["t-2"]
    assert session.set_filters(disagreement=False, unreviewed=True) == ["t-3", "t-4", "t-5"]


def test_invalid_filters_are_refused_with_the_choices(session):
    with pytest.raises(ReviewError, match="unknown dimension filter 'visions'.*vision, leadership"):
        session.set_filters(dimension="visions")
    with pytest.raises(ReviewError, match="unknown polarity filter 'good'"):
        session.set_filters(polarity="good")


def test_progress_counts_reviewed_findings_and_the_queue_position(session):
    p = session.progress()
    assert (p.reviewed, p.total, p.position, p.queue) == (0, 5, 1, 5)
    session.save(["vision"], "facilitator", "AB")
    session.next()
    session.save(["culture"], "barrier", "AB")
    session.set_filters(dimension="vision")  # t-2 drops out: the next vision finding, t-5, is shown
    p = session.progress()
    assert (p.reviewed, p.total, p.position, p.queue) == (2, 5, 2, 2)
    assert p.text == "reviewed 2 of 5 findings; showing 2 of 2 in the queue"
    session.set_filters(polarity="barrier")
    assert session.progress().text == "reviewed 2 of 5 findings; the queue is empty"


def test_agreement_with_the_coder_over_reviewed_findings(session):
    assert session.agreement().reviewed == 0
    decisions = {"t-1": (["vision"], "facilitator"),      # exactly the auto codes
                 "t-2": (["culture"], "barrier"),         # drops time
                 "t-3": (["outcomes"], "neutral"),        # adds outcomes
                 "t-4": (["outcomes"], "barrier")}        # flips polarity
    for fid, (dims, pol) in decisions.items():
        session.go_to(fid)
        session.save(dims, pol, "AB")
    a = session.agreement()
    assert a.reviewed == 4
    assert a.exact == pytest.approx(1 / 4)
    assert a.dimension_agreement == pytest.approx(26 / 28)
    assert a.polarity_agreement == pytest.approx(3 / 4)
    assert a.polarity_kappa == pytest.approx(7 / 11)   # po 3/4, pe 5/16
    assert a.dimension_kappa["vision"] == pytest.approx(1.0)
    assert a.dimension_kappa["outcomes"] == pytest.approx(0.5)  # po 3/4, pe 1/2
    assert a.dimension_kappa["time"] == pytest.approx(0.0)      # po 3/4, pe 3/4
    assert math.isnan(a.dimension_kappa["leadership"])          # nobody used it: undefined
    assert a.mean_kappa == pytest.approx((1 + 1 + 0 + 0.5) / 4)


def test_save_appends_the_decision_to_the_case_review_file(session, evidence, framework):
    session.go_to("t-2")
    path = session.save(["time", "culture"], "barrier", "  Ann  Smith ", note="turnover,  not culture",
                        date="2026-01-02")
    assert path == evidence / "reviews" / "torbay.csv"
    assert review_rows(evidence) == [{"finding_id": "t-2", "dimensions": "culture;time", "polarity": "barrier",
                                           "reviewer": "Ann Smith", "date": "2026-01-02",
                                           "note": "turnover, not culture"}]
    assert load_reviews("torbay", framework, evidence).problems == []
    assert session.decision("t-2").dimensions == ("culture", "time")


def test_invalid_dimension_is_refused_with_a_clear_message_and_nothing_written(session, evidence):
    with pytest.raises(ReviewError) as info:
        session.save(["visionary"], "facilitator", "AB")
    message = str(info.value)
    assert "unknown dimension(s) 'visionary'" in message
    assert "vision, leadership, culture, local_context, integrated_teams, time, outcomes" in message
    assert not (evidence / "reviews" / "torbay.csv").exists()
    assert session.decision("t-1") is None
    with pytest.raises(ReviewError, match="reviewer is empty"):
        session.save(["vision"], "facilitator", "  ")


def test_session_loads_earlier_decisions_from_the_review_file(evidence, reports_tmp, framework):
    write_csv(coded_table(), coded_path(reports_tmp, "torbay"))
    first = ReviewSession.load("torbay", resolve())
    first.save(["vision"], "neutral", "AB", date="2026-01-01")
    first.save(["leadership"], "barrier", "CD", date="2026-01-03")  # same finding, later: wins
    again = ReviewSession.load("torbay", resolve())
    assert again.decision("t-1").dimensions == ("leadership",)
    assert again.decision("t-1").reviewer == "CD"
    assert again.progress().reviewed == 1


def test_coded_findings_are_coded_on_the_fly_when_reports_are_missing(evidence, reports_tmp):
    coded = coded_findings("torbay", resolve())
    assert len(coded) > 10
    assert {"auto_dimensions", "auto_polarity", "auto_reasons"} <= set(coded.columns)
    assert not coded_path(reports_tmp, "torbay").exists()  # nothing written


def test_app_saves_what_the_widgets_show(evidence, reports_tmp):
    write_csv(coded_table(), coded_path(reports_tmp, "torbay"))
    app = ReviewApp(resolve(), "torbay")
    assert app.dims["vision"].value is True and app.polarity.value == "facilitator"  # pre-filled from auto
    assert "Statement 1." in app.finding.value and "reason 1" in app.finding.value
    app.dims["vision"].value = False
    app.dims["time"].value = True
    app.polarity.value = "barrier"
    app.save_button.click()
    assert "Not saved" in app.status.value and "reviewer is empty" in app.status.value
    app.reviewer.value = "AB"
    app.note.value = "about time"
    app.save_button.click()
    assert "Saved t-1" in app.status.value
    row = review_rows(evidence)[-1]
    assert (row["finding_id"], row["dimensions"], row["polarity"], row["note"]) == ("t-1", "time", "barrier",
                                                                                       "about time")
    assert "reviewed 1 of 5" in app.progress.value
    app.disagreement.value = True
    assert app.session.queue == ["t-1"]
    app.disagreement.value = False
    app.next_button.click()
    assert app.session.current_id == "t-2" and app.dims["time"].value is True and app.dims["vision"].value is False
