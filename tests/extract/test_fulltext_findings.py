"""01_extract on a full-text source: every body sentence lands in the findings table or the rejected table,
with page, section, locator, origin, score and reason; 02_code still works on the result."""
from pathlib import Path

import pandas as pd
import pytest

from workbook.extract.findings import TABLE_COLUMNS, page_and_section
from workbook.pipeline import stages


def test_every_body_sentence_goes_to_one_of_the_two_tables(northvale: Path, reports_tmp: Path):
    settings = stages.resolve()
    found = stages.run_extract("northvale", settings)
    written = pd.read_csv(stages.findings_path(reports_tmp, "northvale"), dtype=str, keep_default_na=False)
    rejected = pd.read_csv(stages.rejected_path(reports_tmp, "northvale"), dtype=str, keep_default_na=False)
    assert list(written.columns) == list(TABLE_COLUMNS) == list(rejected.columns)
    assert list(written["finding_id"]) == list(found["finding_id"])
    findings = dict(zip(written["statement"], written["locator"]))
    assert findings == {
        "Results: emergency admissions fell by 14% and staff valued the shared teams.": "p. 1, Abstract",
        "Staff said that sharing an office with social workers helped them solve problems quickly.": "p. 2, Results",
        "Emergency admissions of people over 75 fell by 14% between 2015 and 2018.": "p. 2, Results",
        "The lack of a shared record system was the main barrier to joint working.": "p. 2, Results",
    }
    assert set(written["origin"]) == {"candidate"} and set(rejected["origin"]) == {"candidate"}
    assert (written["page"] + written["section"] != "").all()
    assert all(float(s) >= 1.0 for s in written["finding_score"])
    assert set(written["polarity"]) <= {"barrier", "facilitator", "neutral"}
    barrier = written[written["statement"].str.startswith("The lack of")].iloc[0]
    assert barrier["before"] == "Figure 1. Emergency admissions by quarter."
    assert barrier["after"].startswith("Staff said that sharing an office")
    assert barrier["polarity"] == "barrier" and "barrier or facilitator" in barrier["reason"]
    why = dict(zip(rejected["statement"], rejected["reason"]))
    assert why["Northvale Together: an invented evaluation"] == "front section: never a finding"
    assert "first-person method statement 'We interviewed'" in why["We interviewed 32 managers and front-line staff."]
    assert why["Figure 1. Emergency admissions by quarter."] == "caption: never a finding"
    assert why["Smith A, Jones B (2015)."] == "references section: never a finding"
    assert "citation '(Smith et al. 2015)'" in why["Background: joining up community services is a policy aim "
                                                  "(Smith et al. 2015)."]
    assert any(r.startswith("repeats the sentence at p. 2, Results (line ") for r in why.values())
    # every sentence of the body is in exactly one table, except the repeat, which is in both (same id)
    assert len(written) + len(rejected) == 13  # 1 title, 2 abstract, 2 methods, 5 results, 3 reference pieces
    assert set(written["finding_id"]) & set(rejected["finding_id"]) == {
        written[written["statement"].str.startswith("Staff said")]["finding_id"].iloc[0]}


def test_ids_survive_rewrapping_and_readding(northvale: Path, reports_tmp: Path, framework):
    settings = stages.resolve()
    before = stages.run_extract("northvale", settings)
    path = northvale / "sources" / "northvale" / "northvale_2019.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("emergency admissions\nfell by", "emergency\nadmissions fell  by")
                    .replace("sharing an office with social workers helped them solve problems quickly. Emergency",
                             "sharing an office with social workers\nhelped them solve problems quickly.\nEmergency"),
                    encoding="utf-8")
    after = stages.run_extract("northvale", settings)
    assert list(after["finding_id"]) == list(before["finding_id"])
    assert list(after["page"]) == list(before["page"])


def test_coding_works_on_candidate_findings(northvale: Path, reports_tmp: Path):
    settings = stages.resolve()
    found = stages.run_extract("northvale", settings)
    coded, orphans = stages.run_code("northvale", settings)
    assert list(coded["finding_id"]) == list(found["finding_id"]) and orphans.empty
    assert list(coded.columns) == list(stages.CODED_COLUMNS)


def test_curated_sources_keep_their_findings_and_gain_page_and_section(reports_tmp: Path):
    settings = stages.resolve()
    found = stages.run_extract("torbay", settings)
    assert set(found["origin"]) == {"curated"} and found["finding_score"].isna().all()
    assert found["finding_id"].is_unique
    rejected = pd.read_csv(stages.rejected_path(reports_tmp, "torbay"))
    assert rejected.empty and list(rejected.columns) == list(TABLE_COLUMNS)
    assert page_and_section("p. 1, Key messages") == ("1", "Key messages")
    assert page_and_section("Abstract, Results") == ("", "Abstract, Results")
    assert page_and_section("Pages overview") == ("", "Pages overview")


def test_a_reviewers_accept_reject_and_corrected_text_win_over_the_classifier(northvale: Path, reports_tmp: Path):
    from workbook.extract.findings import candidate_decisions_path, candidate_note, record_candidate_decision

    settings = stages.resolve()
    before = stages.run_extract("northvale", settings)
    rejected = pd.read_csv(stages.rejected_path(reports_tmp, "northvale"), dtype=str, keep_default_na=False)
    method = rejected[rejected["statement"] == "We interviewed 32 managers and front-line staff."].iloc[0]
    barrier = before[before["statement"].str.startswith("The lack of")].iloc[0]
    drop = before[before["statement"].str.startswith("Emergency admissions of people")].iloc[0]
    record_candidate_decision("northvale", method["finding_id"], "accept", "Jane Doe", date="2026-11-27")
    record_candidate_decision("northvale", drop["finding_id"], "accept", "Jane Doe", date="2026-11-27")
    record_candidate_decision("northvale", drop["finding_id"], "reject", "Jane Doe", note="a duplicate of the "
                              "abstract", date="2026-11-28")  # the latest decision wins
    record_candidate_decision("northvale", barrier["finding_id"], "accept", "Sam Roe", statement="The lack of a "
                              "shared record system was the main barrier to joint working in Northvale.")
    assert candidate_decisions_path("northvale", northvale).read_text(encoding="utf-8").startswith(
        "finding_id,decision,statement,reviewer,date,note\n")
    for _ in range(2):  # decisions survive regeneration
        after = stages.run_extract("northvale", settings)
        gone = pd.read_csv(stages.rejected_path(reports_tmp, "northvale"), dtype=str, keep_default_na=False)
        by_id = after.set_index("finding_id")
        assert method["finding_id"] in by_id.index
        assert by_id.loc[method["finding_id"], "reason"].startswith("accepted by Jane Doe (2026-11-27); classifier: ")
        assert drop["finding_id"] not in by_id.index
        assert gone.set_index("finding_id").loc[drop["finding_id"], "reason"].startswith(
            "rejected by Jane Doe (2026-11-28); classifier: ")
        assert by_id.loc[barrier["finding_id"], "statement"].endswith("joint working in Northvale.")
        assert "text corrected" in by_id.loc[barrier["finding_id"], "reason"]
    assert len(after) == len(before)
    note = candidate_note(after)
    assert note.startswith(f"{len(after)} of these findings are candidate findings")
    assert f"; {len(after) - 2} of them are still unreviewed" in note


def test_a_bad_candidate_decision_is_refused_with_its_line(northvale: Path, reports_tmp: Path):
    from workbook.core.errors import EvidenceError
    from workbook.extract.findings import candidate_decisions_path

    path = candidate_decisions_path("northvale", northvale)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("finding_id,decision,statement,reviewer,date,note\nnorthvale_2019-00000000,maybe,,Jo,,\n",
                    encoding="utf-8")
    with pytest.raises(EvidenceError, match=r"northvale/candidates.csv:2 \[northvale_2019-00000000\]: decision "
                                            r"'maybe' is not accept or reject. Fix: write accept or reject."):
        stages.run_extract("northvale", stages.resolve())
    assert not stages.findings_path(reports_tmp, "northvale").exists()


def test_regeneration_re_extracts_when_the_classifier_or_a_candidate_decision_changes():
    from workbook.pipeline.runner import plan

    extract = next(r for r in plan(["northvale"]) if r.name == "01_extract-northvale")
    assert {"extraction.yaml", "reviews/northvale/candidates.csv", "sources/northvale"} <= set(extract.inputs)
    assert {"findings/northvale.csv", "findings/northvale.rejected.csv"} <= set(extract.outputs)
