"""CandidateSession: the queue of a case's candidate findings, its filters, progress and what a save refuses."""
from __future__ import annotations

from pathlib import Path

import pytest

from fulltext_cases import DISCHARGES, HUDDLES, PLACED, RECORDS, STAFF
from workbook.core.errors import ReviewError
from workbook.extract.findings import candidate_decisions_path
from workbook.pipeline.stages import resolve
from workbook.ui.candidate_session import MAX_STATEMENT, CandidateSession


def statements(session: CandidateSession) -> list[str]:
    """The statements of the queue, in order."""
    return [session.candidates[f].statement for f in session.queue]


def test_the_candidate_queue_steps_like_the_review_queue_and_names_the_filter_that_hides_a_sentence(westbrook):
    session = CandidateSession.load("westbrook", resolve(), "Jo")
    assert session.current_id == session.queue[0] and session.previous() is False
    assert [session.next() for _ in range(4)] == [True, True, True, False]
    assert session.current.statement == RECORDS
    hidden = next(f for f, c in session.candidates.items() if c.statement == PLACED)  # near the threshold only
    with pytest.raises(ReviewError, match="candidate .* is not in the current queue; tick Near the threshold"):
        session.go_to(hidden)
    assert session.current.statement == RECORDS


def test_the_near_threshold_filter_adds_rejected_sentences_in_source_order_and_progress_counts_both(westbrook):
    session = CandidateSession.load("westbrook", resolve(), "Jo")
    assert statements(session) == [STAFF, HUDDLES, DISCHARGES, RECORDS]
    assert session.progress().text == ("0 of 4 candidate findings decided (4 still undecided); 0 of 1 rejected "
                                       "sentences near the threshold decided; showing 1 of 4 in the queue")
    session.set_filters(near=True)
    assert statements(session) == [PLACED, STAFF, HUDDLES, DISCHARGES, RECORDS]
    assert session.current.statement == STAFF  # the shown candidate stays shown
    assert session.progress().text.endswith("showing 2 of 5 in the queue")


def test_what_a_save_refuses_writes_nothing_and_a_saved_decision_leaves_the_queue_until_revisited(westbrook):
    session = CandidateSession.load("westbrook", resolve())
    decisions: Path = candidate_decisions_path("westbrook", westbrook)
    with pytest.raises(ReviewError, match="type your name or initials in Reviewer"):
        session.save("accept")
    with pytest.raises(ReviewError, match="click Accept or Reject"):
        session.save("maybe", reviewer="Jo")
    with pytest.raises(ReviewError, match=f"shorten it to at most {MAX_STATEMENT}"):
        session.save("accept", text="word " * MAX_STATEMENT, reviewer="Jo")
    assert not decisions.exists() and session.current.statement == STAFF
    fid = session.current_id
    saved = session.save("accept", text=f"  {STAFF}  ", reviewer="Jo")  # same text: nothing corrected
    assert (saved.finding_id, saved.corrected, saved.path) == (fid, "", decisions)
    assert fid not in session.queue and session.current.statement == HUDDLES
    assert session.progress().decided == 1
    session.set_filters(decided=True)
    assert fid in session.queue and session.decision(fid).decision == "accept"
    session.go_to(fid)
    session.save("accept", text="Staff said the shared team cut referrals.")
    assert session.text(fid) == "Staff said the shared team cut referrals."  # the corrected text is the form's
