"""ReviewSession: navigation, filters, queue order, progress, agreement with the coder, saving, loading."""
from __future__ import annotations

import math

import pytest

from review_helpers import coded_table, review_rows
from workbook.coding.reviews import load_reviews, record_decision
from workbook.core.errors import ReviewError
from workbook.core.tables import write_csv
from workbook.pipeline.stages import coded_path, resolve
from workbook.ui.review_session import LEAST_CERTAIN, ReviewSession, coded_findings


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


def test_while_blind_dimension_and_polarity_filters_see_only_the_reviewers_own_decisions(session):
    session.reviewer = "AB"
    assert session.set_filters(dimension="vision") == []  # the automatic codes stay hidden
    session.set_filters(dimension="")
    session.go_to("t-3")
    session.save(["vision"], "neutral", "AB")
    assert session.set_filters(dimension="vision") == ["t-3"]


def test_dimension_and_polarity_filters_select_on_current_codes(session):
    session.set_filters(blind=False)
    assert session.set_filters(dimension="vision") == ["t-1", "t-5"]
    assert session.set_filters(polarity="neutral") == ["t-5"]
    assert session.set_filters(dimension="", polarity="barrier") == ["t-2"]
    session.set_filters(polarity="")
    session.go_to("t-3")
    session.save(["outcomes"], "barrier", "AB")  # the decision, not the auto codes, now counts
    assert session.set_filters(dimension="outcomes") == ["t-3", "t-4"]
    assert session.set_filters(dimension="", polarity="barrier") == ["t-2", "t-3"]


def test_save_moves_to_the_next_finding_and_says_what_was_saved(session, evidence):
    saved = session.save(["vision"], "facilitator", "AB")
    assert (saved.finding_id, saved.codes.dimensions, saved.codes.polarity) == ("t-1", ("vision",), "facilitator")
    assert saved.path == evidence / "reviews" / "torbay" / "ab.csv"
    assert session.current_id == "t-2"
    session.go_to("t-5")
    session.save([], "neutral", "AB")
    assert session.current_id == "t-5"  # the last finding: nowhere further to go


def test_unreviewed_filter_drops_saved_findings_and_moves_on(session):
    session.set_filters(unreviewed=True)
    session.go_to("t-2")
    session.save(["culture", "time"], "barrier", "AB")
    assert session.queue == ["t-1", "t-3", "t-4", "t-5"]
    assert session.current_id == "t-3"  # the next unreviewed finding, not back to the start


def test_unreviewed_means_not_yet_reviewed_by_this_reviewer(session, evidence, framework):
    record_decision("torbay", "t-1", ["vision"], "barrier", "CD", framework, evidence=evidence)
    session.reload()
    session.reviewer = "AB"
    assert session.set_filters(unreviewed=True)[0] == "t-1"  # CD's decision does not count as AB's
    session.reviewer = ""
    assert session.set_filters(unreviewed=True)[0] == "t-2"  # nobody named: reviewed by anyone


def test_invalid_filters_and_orders_are_refused_with_the_choices(session):
    with pytest.raises(ReviewError, match="unknown dimension filter 'visions'.*vision, leadership"):
        session.set_filters(dimension="visions")
    with pytest.raises(ReviewError, match="unknown polarity filter 'good'"):
        session.set_filters(polarity="good")
    with pytest.raises(ReviewError, match="gives no confidence"):
        session.set_filters(order=LEAST_CERTAIN)


def test_the_queue_can_put_the_least_certain_findings_first(evidence, framework):
    s = ReviewSession("torbay", coded_table([0.9, 0.2, "", 0.5, 0.1]), framework, evidence=evidence)
    assert s.queue == ["t-1", "t-2", "t-3", "t-4", "t-5"]
    assert s.set_filters(order=LEAST_CERTAIN) == ["t-5", "t-2", "t-4", "t-1", "t-3"]  # unknown last


def test_progress_counts_reviewed_findings_and_the_queue_position(session):
    p = session.progress()
    assert (p.reviewed, p.total, p.position, p.queue) == (0, 5, 1, 5)
    session.save(["vision"], "facilitator", "AB")
    session.save(["culture"], "barrier", "AB")
    session.set_filters(blind=False, dimension="vision")  # t-3 is not vision: the next vision finding, t-5
    p = session.progress()
    assert (p.reviewed, p.total, p.position, p.queue) == (2, 5, 2, 2)
    assert p.text == "AB reviewed 2 of 5 findings (2 reviewed by anyone); showing 2 of 2 in the queue"
    session.set_filters(polarity="barrier")
    assert session.progress().text.endswith("the queue is empty")


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


def test_save_appends_the_decision_to_the_reviewers_own_file(session, evidence, framework):
    session.go_to("t-2")
    saved = session.save(["time", "culture"], "barrier", "  Ann  Smith ", note="turnover,  not culture",
                         date="2026-01-02")
    assert saved.path == evidence / "reviews" / "torbay" / "ann_smith.csv"
    assert review_rows(evidence, "Ann Smith") == [{"finding_id": "t-2", "dimensions": "culture;time",
                                                   "polarity": "barrier", "reviewer": "Ann Smith",
                                                   "date": "2026-01-02", "note": "turnover, not culture"}]
    assert load_reviews("torbay", framework, evidence).problems == []
    assert session.decision("t-2").dimensions == ("culture", "time")


def test_what_cannot_be_saved_is_refused_saying_what_to_do_and_nothing_is_written(session, evidence):
    with pytest.raises(ReviewError) as info:
        session.save(["visionary"], "facilitator", "AB")
    assert "unknown dimension(s) 'visionary'" in str(info.value)
    with pytest.raises(ReviewError, match="type your name or initials in Reviewer"):
        session.save(["vision"], "facilitator", "  ")
    with pytest.raises(ReviewError, match="choose a polarity .click barrier, facilitator or neutral"):
        session.save(["vision"], "", "AB")
    with pytest.raises(ReviewError, match="type your own name"):
        session.save(["vision"], "barrier", "consensus")
    assert not (evidence / "reviews" / "torbay").exists()
    assert session.decision("t-1") is None and session.current_id == "t-1"


def test_session_loads_earlier_decisions_from_every_reviewer_file(evidence, reports_tmp, framework):
    write_csv(coded_table(), coded_path(reports_tmp, "torbay"))
    first = ReviewSession.load("torbay", resolve())
    first.save(["vision"], "neutral", "AB", date="2026-01-01")
    first.go_to("t-1")
    first.save(["leadership"], "barrier", "CD", date="2026-01-03")  # same finding, later: wins
    again = ReviewSession.load("torbay", resolve(), "AB")
    assert again.decision("t-1").dimensions == ("leadership",) and again.decision("t-1").reviewer == "CD"
    assert again.mine("t-1").dimensions == ("vision",)
    assert again.progress().reviewed == 1


def test_coded_findings_are_coded_on_the_fly_when_reports_are_missing(evidence, reports_tmp):
    coded = coded_findings("torbay", resolve())
    assert len(coded) > 10
    assert {"auto_dimensions", "auto_polarity", "auto_reasons"} <= set(coded.columns)
    assert not coded_path(reports_tmp, "torbay").exists()  # nothing written


def test_the_agreement_table_names_dimensions_by_label_only(session, framework):
    session.save(["vision"], "facilitator", "AB")
    table = session.agreement().table(framework)
    assert table["dimension"].tolist()[:2] == ["Vision", "Leadership"] and table["dimension"].iloc[-1] == "Polarity"
    assert "label" not in table.columns
