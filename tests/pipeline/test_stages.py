"""The notebooks' stage functions: checked locations, files written, agreement inputs."""
from pathlib import Path

import pandas as pd
import pytest

from workbook.pipeline import stages
from workbook.core.errors import ParameterError


def test_resolve_refuses_locations_outside_evidence_and_reports(tmp_path: Path):
    with pytest.raises(ParameterError, match="evidence_dir '../lib' leads outside"):
        stages.resolve(evidence="../lib")
    with pytest.raises(ParameterError, match="reports_dir '/etc' leads outside"):
        stages.resolve(reports="/etc")
    with pytest.raises(ParameterError, match="framework '../pyproject.toml' leads outside"):
        stages.resolve(framework="../pyproject.toml")


def test_extract_and_code_write_their_tables(reports_tmp: Path, framework):
    settings = stages.resolve()
    found = stages.run_extract("east_london", settings)
    coded, orphans = stages.run_code("east_london", settings)
    assert stages.findings_path(reports_tmp, "east_london").exists()
    written = pd.read_csv(stages.coded_path(reports_tmp, "east_london"), dtype=str, keep_default_na=False)
    assert list(written.columns) == list(stages.CODED_COLUMNS)
    assert list(written["finding_id"]) == list(found["finding_id"])
    assert orphans.empty
    reviewed = written[written["decided_by"] != "auto"]
    assert len(reviewed) == 20 and set(reviewed["decided_by"]) == {"coder_b"}


def test_agreement_codes_hold_the_coder_and_each_reviewer_on_reviewed_findings_only():
    coded = pd.DataFrame({"finding_id": ["f1", "f2", "f3"], "auto_dimensions": ["vision", "time", ""],
                          "auto_polarity": ["barrier", "neutral", "neutral"]})
    decisions = pd.DataFrame({"finding_id": ["f1", "f1", "f2", "gone"], "reviewer": ["A", "B", "A", "A"],
                              "dimensions": ["vision", "vision;time", "time", "culture"],
                              "polarity": ["barrier", "barrier", "facilitator", "neutral"]})
    codes = stages.agreement_codes(coded, decisions)
    assert sorted(map(tuple, codes[["finding_id", "coder"]].to_numpy())) == [
        ("f1", "A"), ("f1", "B"), ("f1", "auto"), ("f2", "A"), ("f2", "auto")]


def test_agreement_table_is_empty_without_reviews(framework):
    coded = pd.DataFrame({"finding_id": ["f1"], "auto_dimensions": ["vision"], "auto_polarity": ["barrier"]})
    empty = pd.DataFrame(columns=["finding_id", "reviewer", "dimensions", "polarity"])
    assert stages.agreement_table(coded, empty, framework).empty


def test_agreement_table_compares_coder_and_reviewers_and_fleiss_leaves_the_coder_out(framework):
    coded = pd.DataFrame({"finding_id": ["f1", "f2"], "auto_dimensions": ["vision", "time"],
                          "auto_polarity": ["barrier", "neutral"]})
    decisions = pd.DataFrame({"finding_id": ["f1", "f2", "f1", "f2", "f1", "f2"],
                              "reviewer": ["r1", "r1", "r2", "r2", "r3", "r3"],
                              "dimensions": ["vision;leadership", "time", "vision", "time", "vision", "time"],
                              "polarity": ["barrier"] * 6, "date": ["2026-01-01"] * 6, "row": range(6)})
    table = stages.agreement_table(coded, decisions, framework)
    row = table[(table["coder_a"] == "auto") & (table["coder_b"] == "r1") & (table["dimension"] == "leadership")]
    assert (row["n"].iloc[0], row["percent_agreement"].iloc[0]) == (2, 0.5)
    fleiss = table[table["comparison"] == "fleiss"]
    assert not fleiss.empty and set(fleiss["coder_a"]) == {"r1+r2+r3"}
