"""The notebooks' stage functions: checked locations, files written, agreement inputs."""
from pathlib import Path

import pandas as pd
import pytest

from workbook import stages
from workbook.errors import ParameterError


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
