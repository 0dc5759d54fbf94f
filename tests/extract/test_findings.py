"""Extraction: stable ids, duplicates refused, and the shipped evidence base's coverage."""
from pathlib import Path

import pytest

from workbook.evidence.cases import get_case, load_cases
from workbook.core.errors import EvidenceError
from workbook.extract.findings import finding_id, normalise
from workbook.pipeline.stages import extract_case


def test_ids_ignore_case_spacing_and_punctuation_but_not_words():
    a = finding_id("ling_2012", "Leadership  mattered, a lot.")
    assert a == finding_id("ling_2012", "leadership mattered a lot")
    assert a != finding_id("ling_2012", "Leadership mattered little.")
    assert a != finding_id("roland_2012", "Leadership mattered, a lot.")
    assert a.startswith("ling_2012-") and len(a.split("-")[1]) == 8
    assert normalise("Co-location   HELPED!") == "co location helped"


def test_ids_survive_reordering_of_a_source(evidence_copy: Path, framework):
    case = get_case("torbay", evidence_copy)
    before = extract_case(case, framework, evidence_copy)
    path = evidence_copy / "sources" / "torbay" / f"{case.sources[0]}.md"
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n---\n")
    lines = body.splitlines()
    bullets = [i for i, line in enumerate(lines) if line.startswith("- ")]
    i, j = bullets[0], bullets[-1]
    lines[i], lines[j] = lines[j], lines[i]
    path.write_text(head + "\n---\n" + "\n".join(lines) + "\n", encoding="utf-8")
    after = extract_case(case, framework, evidence_copy)
    assert sorted(before["finding_id"]) == sorted(after["finding_id"])
    assert list(before["finding_id"]) != list(after["finding_id"])


def test_a_duplicate_statement_is_refused_naming_both_lines(evidence_copy: Path, framework):
    case = get_case("torbay", evidence_copy)
    path = evidence_copy / "sources" / "torbay" / f"{case.sources[0]}.md"
    text = path.read_text(encoding="utf-8")
    first_bullet = next(line for line in text.splitlines() if line.startswith("- "))
    path.write_text(text + "\n" + first_bullet.upper() + "\n", encoding="utf-8")
    with pytest.raises(EvidenceError, match="duplicate finding: the statement repeats line"):
        extract_case(case, framework, evidence_copy)


def test_a_missing_source_file_names_the_file_and_the_fix(evidence_copy: Path, framework):
    case = get_case("east_london", evidence_copy)
    (evidence_copy / "sources" / "east_london" / f"{case.sources[-1]}.md").unlink()
    with pytest.raises(EvidenceError) as err:
        extract_case(case, framework, evidence_copy)
    assert f"{case.sources[-1]}.md" in str(err.value) and "cases.yaml" in str(err.value)


def test_the_shipped_cases_each_yield_at_least_15_findings_of_every_polarity_kind(framework):
    for case in load_cases().values():
        table = extract_case(case, framework)
        assert len(table) >= 15, case.id
        assert table["finding_id"].is_unique
        assert set(table["polarity"]) <= {"barrier", "facilitator", "neutral"}
        assert (table["locator"] != "").all() and (table["source"] != "").all()


def test_extraction_is_deterministic(framework):
    case = get_case("english_pilots")
    a, b = extract_case(case, framework), extract_case(case, framework)
    assert a.equals(b)
