"""ReviewSession (blind first pass, navigation, filters, progress, agreement, saving, adjudication) and the review
widgets, driven from Python without a browser."""
from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from project_helpers import add_fulltext_case
from workbook.core.errors import ReviewError
from workbook.ui.review import (ADJUDICATE, LEAST_CERTAIN, REVIEW, ReviewApp, ReviewSession, coded_findings,
                                remembered_reviewer)
from workbook.coding.reviews import consensus_path, load_reviews, record_decision, reviewer_path
from workbook.pipeline.stages import CODED_COLUMNS, coded_path, resolve
from workbook.core.tables import write_csv

AUTO = [  # finding id, auto dimensions, auto polarity
    ("t-1", "vision", "facilitator"),
    ("t-2", "culture;time", "barrier"),
    ("t-3", "", "neutral"),
    ("t-4", "outcomes", "facilitator"),
    ("t-5", "vision;leadership", "neutral"),
]


def coded_table(confidence: "list[float] | None" = None) -> pd.DataFrame:
    """A hand-made coded table in the shape of reports/coded/<case>.csv (with a coder confidence if given)."""
    rows = [{"finding_id": fid, "case": "torbay", "source": "src", "locator": f"p. {i}",
             "statement": f"Statement {i}.", "dimensions": dims, "polarity": pol, "auto_dimensions": dims,
             "auto_polarity": pol, "auto_reasons": f"reason {i}", "decision_source": "automatic", "decided_by": "auto",
             "review_date": "", "review_note": ""} for i, (fid, dims, pol) in enumerate(AUTO, 1)]
    table = pd.DataFrame(rows, columns=list(CODED_COLUMNS))
    if confidence is not None:
        table["confidence"] = [str(c) for c in confidence]
    return table


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private config directory, so the remembered reviewer name never touches the user's."""
    target = tmp_path / "config"
    monkeypatch.setenv("WORKBOOK_CONFIG", str(target))
    return target


@pytest.fixture
def evidence(evidence_copy: Path) -> Path:
    """A private evidence copy with no review files yet."""
    for path in (evidence_copy / "reviews").glob("*.csv"):
        path.unlink()
    return evidence_copy


@pytest.fixture
def session(evidence: Path, framework) -> ReviewSession:
    return ReviewSession("torbay", coded_table(), framework, evidence=evidence)


def review_rows(evidence: Path, reviewer: str = "AB") -> list[dict[str, str]]:
    with open(reviewer_path("torbay", reviewer, evidence), newline="", encoding="utf-8") as fh:
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


def test_blind_first_pass_starts_empty_and_hides_codes_reasons_and_other_decisions(session, evidence, framework):
    from workbook.ui.review import finding_html

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
    from workbook.ui.review import finding_html

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


def test_app_blind_form_save_and_next_and_the_remembered_name(evidence, reports_tmp, config):
    write_csv(coded_table(), coded_path(reports_tmp, "torbay"))
    app = ReviewApp(resolve(), "torbay")
    assert app.reviewer.value == ""
    assert not any(box.value for box in app.dims.values()) and app.polarity.value is None  # blind: empty
    assert "Statement 1." in app.finding.value and "reason 1" not in app.finding.value
    assert "no polarity chosen" in app.chosen.value
    app.dims["time"].value = True
    app.save_button.click()
    assert "Not saved" in app.status.value and "type your name or initials in Reviewer" in app.status.value
    app.reviewer.value = "AB"
    assert app.dims["time"].value is True  # typing a name never clears the ticks
    app.save_button.click()
    assert "choose a polarity" in app.status.value
    app.polarity.value = "barrier"
    assert "wb-chosen-barrier" in app.chosen.value  # the chosen polarity, clearly shown
    app.note.value = "about time"
    app.save_button.click()
    assert "Saved &ldquo;Statement 1.&rdquo;: Time" in app.status.value and "barrier" in app.status.value
    assert "now showing finding 2 of 5" in app.status.value
    assert "For comparison: automatic codes Vision" in app.status.value  # revealed once saved
    row = review_rows(evidence)[-1]
    assert (row["finding_id"], row["dimensions"], row["polarity"], row["note"]) == ("t-1", "time", "barrier",
                                                                                       "about time")
    assert app.session.current_id == "t-2" and not any(box.value for box in app.dims.values())
    assert "AB reviewed 1 of 5" in app.progress.value
    assert remembered_reviewer() == "AB" and (config / "review.json").exists()
    assert ReviewApp(resolve(), "torbay").reviewer.value == "AB"  # the next session remembers the name


def test_app_keys_labels_and_adjudication(evidence, reports_tmp, framework):
    write_csv(coded_table(), coded_path(reports_tmp, "torbay"))
    record_decision("torbay", "t-5", ["vision"], "neutral", "CD", framework, evidence=evidence)
    app = ReviewApp(resolve(), "torbay", reviewer="AB")
    app.press("j")
    assert app.session.current_id == "t-2"
    app.press("k")
    assert app.session.current_id == "t-1"
    app.keys.value = "36f"  # typed in the Keys box: Culture, Time, facilitator
    assert [d for d, box in app.dims.items() if box.value] == ["culture", "time"]
    assert app.polarity.value == "facilitator"
    app.keys.value = "36fs"  # one more key: only the new one acts (save and next)
    assert app.session.current_id == "t-2"
    app.session.go_to("t-5")
    app.render()
    app.press("2n")  # Leadership, neutral: disagrees with CD's Vision
    app.press("s")
    app.session.go_to("t-5")
    app.render()
    shown = app.finding.value
    assert "Vision, Leadership" in shown  # labels, never ids next to them
    for dim_id in framework.dimension_ids:
        assert f">{dim_id}<" not in shown and f"{dim_id};" not in shown
    assert "awaits adjudication" in shown
    app.mode.value = ADJUDICATE
    assert app.session.queue == ["t-5"] and app.save_button.description == "Save consensus and next"
    app.reviewer.value = "EF"
    app.press("12n")
    app.save_button.click()
    assert "Saved consensus on" in app.status.value
    assert sorted(load_reviews("torbay", framework, evidence).agreed()["participants"].iloc[0].split(";")) == [
        "AB", "CD", "EF"]


def test_app_shows_an_unreadable_row_with_its_file_and_line(evidence, reports_tmp):
    write_csv(coded_table(), coded_path(reports_tmp, "torbay"))
    path = reviewer_path("torbay", "AB", evidence)
    path.parent.mkdir(parents=True)
    path.write_text("finding_id,dimensions,polarity,reviewer,date,note\n"
                    "t-1,Leadership,barrier,AB,2026-01-01,typed by hand\n", encoding="utf-8")
    app = ReviewApp(resolve(), "torbay", reviewer="AB")
    shown = app.finding.value
    assert "A decision on this finding cannot be read" in shown
    assert "ab.csv:2 [t-1]: unknown dimension(s) &#x27;Leadership&#x27;" in shown
    app.next_button.click()
    assert "1 review row(s) of this case cannot be read" in app.finding.value


def test_the_agreement_table_names_dimensions_by_label_only(session, framework):
    session.save(["vision"], "facilitator", "AB")
    table = session.agreement().table(framework)
    assert table["dimension"].tolist()[:2] == ["Vision", "Leadership"] and table["dimension"].iloc[-1] == "Polarity"
    assert "label" not in table.columns


# ---------------------------------------------------------------- the Candidates mode (full-text sources)

WESTBROOK_CASE = """
  - id: westbrook
    name: Westbrook (fictional test case)
    setting: An invented district used only by the tests.
    period: "2016-2019"
    programme: Westbrook Connect (invented)
    summary: An invented case whose only source is a short hand-written full-text document.
    sources: [westbrook_2020]
"""

WESTBROOK_SOURCE = """---
id: westbrook_2020
case: westbrook
authors: ["Ames K"]
year: 2020
title: "Westbrook Connect: an invented evaluation"
publisher: "Test fixtures"
licence: "CC BY 4.0"
kind: fulltext
sha256: "{sha}"
original: documents/westbrook/westbrook_2020.pdf
---

## p. 1

Westbrook Connect: an invented evaluation

### Abstract

The programme placed district nurses and social workers in one team. Staff reported that the shared team
cut hospital referrals.

## p. 2

### Results

Managers said that weekly huddles helped the teams agree on priorities. Delayed discharges fell by 12% in the
first year.

The lack of shared records slowed joint working.

### References

Jones A (2016). Joining up care. Journal of Care 4:1-9.
"""
"""An invented full-text source: four sentences the classifier takes for findings, one abstract sentence just
below the threshold (0.6 < 1), a title and a reference that are never findings."""

PLACED = "The programme placed district nurses and social workers in one team."
STAFF = "Staff reported that the shared team cut hospital referrals."
HUDDLES = "Managers said that weekly huddles helped the teams agree on priorities."
DISCHARGES = "Delayed discharges fell by 12% in the first year."
RECORDS = "The lack of shared records slowed joint working."


@pytest.fixture
def westbrook(evidence_copy: Path, reports_tmp: Path) -> Path:
    """An evidence copy with the invented full-text case 'westbrook' added (and an empty reports directory)."""
    return add_fulltext_case(evidence_copy, WESTBROOK_CASE, "westbrook", "westbrook_2020", WESTBROOK_SOURCE)


def candidate_app(reviewer: str = "Jo Reviewer", near: bool = False) -> ReviewApp:
    """A review widget on the westbrook case, switched to the Candidates mode."""
    from workbook.ui.review import CANDIDATES

    app = ReviewApp(resolve(), "westbrook", reviewer=reviewer)
    app.mode.value = CANDIDATES
    app.cand_near.value = near
    return app


def show(app: ReviewApp, statement: str) -> str:
    """Step the candidate queue to the sentence given; returns its finding id."""
    session = app.candidates
    fid = next(f for f, c in session.candidates.items() if c.statement == statement)
    session.go_to(fid)
    app.render_candidates()
    return fid


def extracted(settings) -> "tuple[pd.DataFrame, pd.DataFrame]":
    """Regenerate the westbrook findings (as 01_extract does) and read both written tables back."""
    from workbook.pipeline import stages

    stages.run_extract("westbrook", settings)
    read = lambda p: pd.read_csv(p, dtype=str, keep_default_na=False).set_index("finding_id")  # noqa: E731
    return (read(stages.findings_path(settings.reports, "westbrook")),
            read(stages.rejected_path(settings.reports, "westbrook")))


def test_candidates_mode_shows_each_candidate_between_its_neighbours_with_page_score_and_reason(westbrook):
    app = candidate_app()
    assert app.candidate_box.layout.display == "" and app.coding_box.layout.display == "none"
    session = app.candidates
    assert [session.candidates[f].statement for f in session.queue] == [STAFF, HUDDLES, DISCHARGES, RECORDS]
    shown = app.candidate.value
    assert f"style='color:#777;font-size:0.95em'>{PLACED}</p>" in shown  # the sentence before, dimmed
    assert f"{STAFF}</p>" in shown and f"style='color:#777;font-size:0.95em'>{HUDDLES}</p>" in shown
    assert "<b>Page:</b> 1" in shown and "<b>Section:</b> Abstract" in shown and "p. 1, Abstract" in shown
    assert "candidate finding</b> (score 2.4, threshold 1)" in shown and "reporting verb &#x27;reported&#x27;" in shown
    assert app.cand_text.value == STAFF and app.cand_choice.value is None
    assert app.cand_progress.value.startswith("0 of 4 candidate findings decided (4 still undecided)")
    app.cand_near.value = True  # a rejected sentence scoring near the threshold joins the queue, in source order
    assert [session.candidates[f].statement for f in session.queue][:2] == [PLACED, STAFF]
    assert session.candidates[session.current_id].statement == STAFF  # the shown candidate stays shown
    show(app, PLACED)
    assert "judged <b>not a finding</b>, scoring near the threshold (score 0.6, threshold 1)" in app.candidate.value
    assert all(c.statement not in ("Westbrook Connect: an invented evaluation", "Jones A (2016).")
               for c in session.candidates.values())  # never-a-finding sentences are not offered
    app.mode.value = REVIEW
    assert app.candidate_box.layout.display == "none" and app.coding_box.layout.display == ""


def test_accepting_a_near_threshold_sentence_makes_it_a_finding_in_the_next_extraction(westbrook):
    app = candidate_app(near=True)
    fid = show(app, PLACED)
    found, rejected = extracted(resolve())
    assert fid in rejected.index and fid not in found.index  # the classifier's verdict, before any decision
    app.press_candidate("as")  # a: accept, s: save and next
    assert "Accepted &ldquo;The programme placed" in app.status.value and app.candidates.current_id != fid
    assert app.cand_progress.value.startswith("0 of 4 candidate findings decided")
    found, rejected = extracted(resolve())
    assert fid in found.index and fid not in rejected.index
    assert found.loc[fid, "statement"] == PLACED and found.loc[fid, "candidate_review"] == "accepted"
    assert found.loc[fid, "reason"].startswith("accepted by Jo Reviewer (")


def test_a_corrected_text_replaces_the_statement_and_keeps_the_id(westbrook):
    from workbook.pipeline import stages

    app = candidate_app()
    fid = show(app, RECORDS)
    corrected = "The lack of shared patient records slowed joint working between nurses and social workers."
    app.cand_choice.value = "accept"
    app.cand_text.value = corrected
    app.cand_note.value = "  the source names both professions  "
    saved = app.save_candidate()
    assert saved is not None and saved.corrected == corrected and saved.path.name == "candidates.csv"
    assert "with your corrected text" in app.status.value and "candidates.csv" not in app.status.value
    with open(saved.path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["finding_id"], r["decision"], r["statement"], r["reviewer"], r["note"]) for r in rows] == [
        (fid, "accept", corrected, "Jo Reviewer", "the source names both professions")]
    found, _ = extracted(resolve())
    assert found.loc[fid, "statement"] == corrected and "text corrected" in found.loc[fid, "reason"]
    coded, _ = stages.run_code("westbrook", resolve())
    assert coded.set_index("finding_id").loc[fid, "statement"] == corrected  # coding reads the corrected text


def test_rejecting_a_candidate_removes_it_from_the_findings(westbrook):
    app = candidate_app()
    fid = show(app, DISCHARGES)
    app.cand_choice.value = "reject"
    app.cand_text.value = "ignored: a rejected sentence keeps its own text"
    saved = app.save_candidate()
    assert saved is not None and (saved.decision, saved.corrected) == ("reject", "")
    assert app.candidates.current_id == show(app, RECORDS)  # moved on to the next undecided candidate
    found, rejected = extracted(resolve())
    assert fid not in found.index
    assert rejected.loc[fid, "statement"] == DISCHARGES
    assert rejected.loc[fid, "reason"].startswith("rejected by Jo Reviewer (")


def test_decisions_survive_regeneration_and_leave_the_queue_until_revisited(westbrook):
    app = candidate_app()
    staff, huddles = show(app, STAFF), show(app, HUDDLES)
    app.candidates.go_to(staff)
    app.render_candidates()
    app.cand_choice.value = "accept"
    app.cand_text.value = "Staff reported that the shared team cut hospital referrals from care homes."
    app.save_candidate()
    app.cand_choice.value = "reject"
    app.save_candidate()  # the next one: huddles
    path = westbrook / "sources" / "westbrook" / "westbrook_2020.md"
    path.write_text(path.read_text(encoding="utf-8").replace("the shared team\ncut", "the shared\nteam cut"),
                    encoding="utf-8")  # re-exported with other line breaks: same ids
    for _ in range(2):
        found, rejected = extracted(resolve())
        assert found.loc[staff, "statement"].endswith("referrals from care homes.")
        assert huddles in rejected.index and huddles not in found.index
    fresh = candidate_app()  # a new session: the decided ones are no longer offered
    assert staff not in fresh.candidates.queue and huddles not in fresh.candidates.queue
    assert fresh.cand_progress.value.startswith("2 of 4 candidate findings decided (2 still undecided)")
    fresh.cand_decided.value = True  # ...until revisited, where the form starts from the decision
    show(fresh, STAFF)
    assert fresh.cand_choice.value == "accept" and fresh.cand_text.value.endswith("from care homes.")
    assert "<b>Accepted</b> by Jo Reviewer" in fresh.candidate.value and "text corrected" in fresh.candidate.value
    fresh.cand_reset.click()
    assert fresh.cand_text.value == STAFF
    fresh.save_candidate()  # accepted again with the original text: the correction is withdrawn
    found, _ = extracted(resolve())
    assert found.loc[staff, "statement"] == STAFF


def test_what_cannot_be_saved_says_what_to_do_in_the_widget_and_writes_nothing(westbrook):
    from workbook.extract.findings import candidate_decisions_path

    app = candidate_app(reviewer="")
    app.reviewer.value = ""
    app.cand_choice.value = "accept"
    assert app.save_candidate() is None
    assert "type your name or initials in Reviewer" in app.status.value
    app.reviewer.value = "Jo"
    app.cand_choice.value = None
    assert app.save_candidate() is None and "click Accept or Reject" in app.status.value
    app.cand_choice.value = "accept"
    app.cand_text.value = "word " * 500
    assert app.save_candidate() is None and "shorten it to at most 2000" in app.status.value
    assert not candidate_decisions_path("westbrook", westbrook).exists()
    assert "/" not in app.status.value.replace("</span>", "")  # never a path
    app.cand_text.value = "<script>alert(1)</script> Staff reported fewer referrals."
    assert app.save_candidate() is not None  # a hostile text is stored as text and shown escaped
    app.cand_decided.value = True
    show(app, STAFF)
    assert "&lt;script&gt;" in app.candidate.value and "<script>" not in app.candidate.value


def test_a_case_without_full_text_sources_has_no_candidates_to_review(evidence, reports_tmp):
    from workbook.ui.review import CANDIDATES

    app = ReviewApp(resolve(), "torbay", reviewer="AB")
    app.mode.value = CANDIDATES
    assert "has no full-text source" in app.candidate.value and app.cand_save.disabled
    assert app.save_candidate() is None and "the queue is empty" in app.status.value


def test_an_unreadable_candidate_decision_is_shown_with_its_line_and_switching_case_reloads(westbrook):
    from workbook.extract.findings import candidate_decisions_path

    from workbook.ui.review import CANDIDATES

    app = ReviewApp(resolve(), "westbrook", reviewer="Jo")  # opened before the file went bad
    path = candidate_decisions_path("westbrook", westbrook)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("finding_id,decision,statement,reviewer,date,note\nwestbrook_2020-00000000,maybe,,Jo,,\n",
                    encoding="utf-8")
    app.mode.value = CANDIDATES
    assert app.candidates is None and app.candidate.value == "" and app.cand_save.disabled
    assert "candidates.csv:2" in app.status.value and "Fix: write accept or reject." in app.status.value
    assert app.save_candidate() is None
    path.write_text("finding_id,decision,statement,reviewer,date,note\n", encoding="utf-8")
    app.case.value = "torbay"
    assert "has no full-text source" in app.candidate.value
    app.case.value = "westbrook"  # corrected: the case loads, its candidates offered again
    assert app.candidates is not None and app.candidates.case_id == "westbrook"
    assert app.cand_text.value == STAFF and app.status.value == ""


def test_the_candidate_queue_steps_like_the_review_queue_and_names_the_filter_that_hides_a_sentence(westbrook):
    session = candidate_app().candidates
    assert session.current_id == session.queue[0] and session.previous() is False
    assert [session.next() for _ in range(4)] == [True, True, True, False]
    assert session.current.statement == RECORDS
    hidden = next(f for f, c in session.candidates.items() if c.statement == PLACED)  # near the threshold only
    with pytest.raises(ReviewError, match="candidate .* is not in the current queue; tick Near the threshold"):
        session.go_to(hidden)
    assert session.current.statement == RECORDS


def test_after_the_blind_pass_the_card_says_how_sure_the_coder_is(evidence, framework):
    from workbook.ui.review import confidence_html, finding_html

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
