"""GRADE-CERQual: the overall rule, the Summary of Qualitative Findings, and validation of review_findings.yaml."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from _synthesis_data import coded as small_coded
from workbook.synthesis import confidence as cq
from workbook.core.errors import EvidenceError


def concerns(ml="no", co="no", ad="no", re="no") -> dict[str, str]:
    return dict(zip(cq.COMPONENTS, (ml, co, ad, re)))


@pytest.mark.parametrize("given,level,steps", [
    (concerns(), "high", 0),
    (concerns(ml="minor"), "high", 0),
    (concerns(ml="minor", co="minor"), "high", 0),
    (concerns(ml="minor", co="minor", ad="minor"), "moderate", 1),
    (concerns(ad="moderate"), "moderate", 1),
    (concerns(ad="moderate", re="moderate"), "low", 2),
    (concerns(ml="serious"), "low", 2),
    (concerns(ml="serious", ad="moderate"), "very low", 3),
    (concerns(ml="serious", co="serious", ad="serious", re="serious"), "very low", 3),
    (concerns(ml="minor", co="minor", ad="minor", re="moderate"), "low", 2),
])
def test_overall_rule(given, level, steps):
    assert cq.overall_confidence(given) == (level, steps)


def test_explanation_names_each_lowering_concern():
    text = cq.explain(concerns(ml="minor", ad="moderate"),
                      {c: f"reason for {c}" for c in cq.COMPONENTS})
    assert text.startswith("Moderate confidence. Started at high and lowered 1 level.")
    assert "Moderate concerns about adequacy (-1): reason for adequacy." in text
    assert "Minor concerns about methodological limitations (not lowering on their own)" in text
    assert "reason for coherence" not in text


YAML = """\
review_findings:
  - id: rf1
    statement: Shared purpose helped where it reached the front line.
    dimensions: [vision]
    finding_ids:
      - src_a-0000000a
      - src_c-0000000f
    cerqual:
      methodological_limitations: {concern: minor, explanation: Abstracts only were read.}
      coherence: {concern: no, explanation: The findings point the same way.}
      adequacy: {concern: moderate, explanation: Two findings from two sources.}
      relevance: {concern: no, explanation: Both cases are English integration programmes.}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "review_findings.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_soqf_counts_cases_sources_and_kinds(tmp_path):
    items = cq.load_review_findings(write(tmp_path, YAML), set(small_coded()["finding_id"]))
    table = cq.soqf_table(items, small_coded(), {"src_a": "primary", "src_c": "companion"})
    row = table.iloc[0].to_dict()
    assert (row["findings"], row["cases"], row["sources"]) == (2, 2, 2)
    assert row["findings_per_case"] == "alpha 1; beta 1"
    assert row["source_kinds"] == "primary 1; companion 1"
    assert row["basis"] == "2 findings from 2 case(s) (alpha 1; beta 1); 2 sources (primary 1; companion 1)"
    assert row["confidence"] == "moderate"
    assert row["explanation"].startswith("Moderate confidence.")
    assert row["adequacy"] == "moderate" and row["finding_ids"] == "src_a-0000000a;src_c-0000000f"
    judgements = cq.judgements_table(items)
    assert len(judgements) == 4 and judgements["concern"].tolist() == ["minor", "no", "moderate", "no"]


def test_unknown_finding_id_is_an_error_naming_its_line(tmp_path):
    path = write(tmp_path, YAML.replace("src_c-0000000f", "src_c-deadbeef"))
    with pytest.raises(EvidenceError) as err:
        cq.load_review_findings(path, set(small_coded()["finding_id"]))
    (p,) = err.value.problems
    assert p.line == 7 and p.record == "rf1"
    assert "unknown finding id 'src_c-deadbeef'" in p.message and "workbook extract" in p.fix


def test_schema_problems_name_their_line(tmp_path):
    bad = YAML.replace("{concern: moderate,", "{concern: huge,").replace("dimensions: [vision]", "dimensions: [visio]")
    found = cq.review_finding_problems(write(tmp_path, bad), None, ("vision", "culture"))
    assert len(found) == 1 and found[0].line == 11 and "'huge' is not one of" in found[0].message
    found = cq.review_finding_problems(write(tmp_path, YAML.replace("dimensions: [vision]", "dimensions: [visio]")),
                                       None, ("vision", "culture"))
    assert len(found) == 1 and found[0].line == 4 and "unknown dimension 'visio'" in found[0].message


def test_duplicate_ids_are_reported(tmp_path):
    doubled = YAML + textwrap.indent(YAML.split("\n", 1)[1], "")
    found = cq.review_finding_problems(write(tmp_path, doubled))
    assert any("duplicate review finding id 'rf1' (first on line 2)" in p.message and p.line == 13 for p in found)


def test_missing_file_gives_no_review_findings(tmp_path):
    assert cq.load_review_findings(tmp_path / "absent.yaml") == []


# ---------------------------------------------------------------- shipped evidence

def test_shipped_review_findings_rest_on_extracted_findings():
    """At least six review findings, every id an extracted finding, cross-case, with valid judgements."""
    import workbook.pipeline.stages as stages
    from workbook.evidence.cases import load_cases
    from workbook.extract.findings import load_case_sources

    settings = stages.resolve()
    coded = stages.load_coded(settings)
    path = cq.review_findings_path(settings.evidence)
    items = cq.load_review_findings(path, set(coded["finding_id"]), settings.framework.dimension_ids)
    assert len(items) >= 6
    kinds = {s.id: s.kind for c in load_cases(settings.evidence).values()
             for s in load_case_sources(c, settings.evidence)}
    table = cq.soqf_table(items, coded, kinds)
    assert (table["findings"] == [len(i.finding_ids) for i in items]).all()
    assert table["cases"].max() == 3 and (table["cases"] >= 1).all()
    assert set(table["confidence"]) <= set(cq.LEVELS)
    for rf, level in zip(items, table["confidence"]):
        assert level == cq.overall_confidence(rf.concerns)[0]


def test_validate_reports_unknown_review_finding_ids(evidence_copy):
    from workbook.pipeline.validate import validate_evidence

    path = cq.review_findings_path(evidence_copy)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = YAML.replace("src_a-0000000a", "thistlethwaite_2011-00000000")
    path.write_text(text, encoding="utf-8")
    found = [p for p in validate_evidence(evidence_copy) if p.file.endswith("review_findings.yaml")]
    assert {p.line for p in found} == {6, 7}
    assert all("unknown finding id" in p.message for p in found)
