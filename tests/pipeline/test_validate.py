"""validate_evidence: every problem in evidence/ at once, each with its file and fix; nothing for good evidence."""
from __future__ import annotations

from pathlib import Path

from workbook.pipeline.validate import validate_evidence


def messages(evidence: Path) -> list[str]:
    """The problems found, as the command prints them."""
    return [str(p) for p in validate_evidence(evidence)]


def test_the_shipped_evidence_has_no_problem(evidence_copy: Path):
    assert messages(evidence_copy) == []


def test_a_source_no_case_lists_is_reported_with_the_fix(evidence_copy: Path):
    stray = evidence_copy / "sources" / "torbay" / "forgotten_2020.md"
    stray.write_text("---\nid: forgotten_2020\n---\n", encoding="utf-8")
    found = [m for m in messages(evidence_copy) if "forgotten_2020" in m]
    assert len(found) == 1 and "is not listed under any case in cases.yaml" in found[0]
    assert "Fix: add 'forgotten_2020' to the sources of case 'torbay', or remove it." in found[0]


def test_review_files_and_folders_of_unknown_cases_are_reported(evidence_copy: Path):
    reviews = evidence_copy / "reviews"
    (reviews / "leeds").mkdir(parents=True)
    (reviews / "leeds.csv").write_text("finding_id,dimensions,polarity\n", encoding="utf-8")
    found = messages(evidence_copy)
    assert any("leeds.csv: names no known case (torbay" in m and "Fix: rename it <case_id>.csv." in m for m in found)
    assert any("leeds: is a review folder that names no known case" in m for m in found)


def test_a_broken_cases_file_is_reported_once_not_as_every_source_being_unlisted(evidence_copy: Path):
    (evidence_copy / "cases.yaml").write_text("cases: [unclosed\n", encoding="utf-8")
    found = messages(evidence_copy)
    assert len(found) == 1 and "cases.yaml:2:1: expected ',' or ']'" in found[0] and "Fix: correct the YAML" in found[0]
