"""ReviewApp, the review widgets, driven from Python without a browser: the blind form, keys, adjudication,
unreadable rows, and the Candidates mode on an invented full-text case."""
from __future__ import annotations

import csv

import pandas as pd

from fulltext_cases import DISCHARGES, HUDDLES, PLACED, RECORDS, STAFF
from review_helpers import coded_table, review_rows
from workbook.coding.reviews import load_reviews, record_decision, reviewer_path
from workbook.core.tables import write_csv
from workbook.pipeline.stages import coded_path, resolve
from workbook.ui.review import CANDIDATES, ReviewApp
from workbook.ui.review_session import ADJUDICATE, REVIEW
from workbook.ui.reviewer import remembered_reviewer


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


def candidate_app(reviewer: str = "Jo Reviewer", near: bool = False) -> ReviewApp:
    """A review widget on the westbrook case, switched to the Candidates mode."""
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
    app = ReviewApp(resolve(), "torbay", reviewer="AB")
    app.mode.value = CANDIDATES
    assert "has no full-text source" in app.candidate.value and app.cand_save.disabled
    assert app.save_candidate() is None and "the queue is empty" in app.status.value


def test_an_unreadable_candidate_decision_is_shown_with_its_line_and_switching_case_reloads(westbrook):
    from workbook.extract.findings import candidate_decisions_path

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
