"""The review card: what a blind first pass hides, the adjudication view, the coder's confidence."""
from __future__ import annotations

from review_helpers import coded_table
from workbook.coding.reviews import consensus_path, load_reviews, record_decision
from workbook.ui.cards import confidence_html, finding_html
from workbook.ui.review_session import ADJUDICATE, REVIEW, ReviewSession


def test_blind_first_pass_starts_empty_and_hides_codes_reasons_and_other_decisions(session, evidence, framework):
    record_decision("torbay", "t-1", ["culture"], "barrier", "CD", framework, note="CD's secret note",
                    evidence=evidence)
    session.reload()
    session.reviewer = "AB"
    assert session.hidden("t-1") and session.form("t-1").dimensions == () and session.form("t-1").polarity == ""
    shown = finding_html(session)
    assert "Statement 1." in shown and "Blind first pass" in shown
    for secret in ("reason 1", "Automatic codes", "CD", "secret note", "Culture"):
        assert secret not in shown
    session.save(["time"], "neutral", "AB")
    session.go_to("t-1")
    shown = finding_html(session)
    assert not session.hidden("t-1") and "reason 1" in shown and "CD&#x27;s secret note" in shown
    assert sorted(d.reviewer for d in session.everyone("t-1")) == ["AB", "CD"]  # every decision kept and shown
    assert session.form("t-1").dimensions == ("time",)  # the form now starts from this reviewer's decision
    session.set_filters(blind=False)
    assert session.form("t-2").dimensions == ("culture", "time")  # not blind: starts from the current codes


def test_disagreements_go_to_adjudication_side_by_side_and_the_consensus_wins(session, evidence, framework):
    session.save(["culture", "time"], "barrier", "AB")           # t-1
    session.save(["culture"], "barrier", "AB")                   # t-2
    session.reviewer = "CD"
    session.go_to("t-1")
    session.save(["culture", "time"], "barrier", "CD")           # t-1: agrees with AB
    session.save(["time"], "neutral", "CD")                      # t-2: disagrees
    assert session.set_filters(disagreement=True) == ["t-2"]
    assert session.set_filters(disagreement=False, mode=ADJUDICATE) == ["t-2"]
    assert session.form("t-2").dimensions == () and session.form("t-2").polarity == ""
    side = finding_html(session)
    assert "Decisions side by side" in side and "AB" in side and "CD" in side and "awaits adjudication" in side
    saved = session.save(["culture", "time"], "barrier", "EF", note="both apply")
    assert saved.consensus and saved.path == consensus_path("torbay", evidence)
    assert session.queue == []  # nothing left to adjudicate
    agreed = load_reviews("torbay", framework, evidence).agreed().iloc[0]
    assert (agreed["finding_id"], sorted(agreed["participants"].split(";")), agreed["reviewer"]) == (
        "t-2", ["AB", "CD", "EF"], "EF")
    session.set_filters(mode=REVIEW)
    assert session.current("t-2").dimensions == ("culture", "time")
    session.reviewer = "AB"  # EF has not coded t-2 blind yet, AB has: AB sees the consensus
    session.go_to("t-2")
    assert "Consensus" in finding_html(session)


def test_after_the_blind_pass_the_card_says_how_sure_the_coder_is(evidence, framework):
    s = ReviewSession("torbay", coded_table([0.81, 0.25, float("nan"), 0.5, 0.1]), framework, evidence=evidence)
    s.reviewer = "AB"
    assert "How sure the coder is" not in finding_html(s)  # blind: nothing of the coder shown
    s.save(["time"], "neutral", "AB")
    s.go_to("t-1")
    shown = finding_html(s)
    assert "How sure the coder is:</b> 81% (high)" in shown and "about 8 in 10" in shown
    s.set_filters(blind=False)
    s.go_to("t-2")
    assert "How sure the coder is:</b> 25% (low)" in finding_html(s)
    s.go_to("t-3")
    assert "Automatic codes" in finding_html(s) and "How sure the coder is" not in finding_html(s)  # none given
    assert "25% (low)" in confidence_html(0.25) and "50% (moderate)" in confidence_html(0.5)
    assert confidence_html(float("nan")) == ""
