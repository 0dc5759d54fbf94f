"""End to end: `workbook report` regenerates everything; the matrix adds up; unchanged runs are reused."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbook.evidence.framework import PETCH_DIMENSIONS

pytestmark = pytest.mark.slow


def test_the_framework_matrix_has_three_cases_seven_dimensions_and_adds_up(built_reports: Path):
    matrix = pd.read_csv(built_reports / "tables" / "framework_matrix.csv", index_col="case")
    assert list(matrix.index) == ["torbay", "english_pilots", "east_london"]
    assert list(matrix.columns)[:7] == list(PETCH_DIMENSIONS)
    pairs = 0
    for case in matrix.index:
        coded = pd.read_csv(built_reports / "coded" / f"{case}.csv", dtype=str, keep_default_na=False)
        per_dim = {d: int(coded["dimensions"].str.split(";").apply(lambda ds, d=d: d in ds).sum())
                   for d in PETCH_DIMENSIONS}
        assert matrix.loc[case, list(PETCH_DIMENSIONS)].to_dict() == per_dim
        pairs += sum(per_dim.values())
    assert int(matrix[list(PETCH_DIMENSIONS)].to_numpy().sum()) == pairs


def test_every_dimension_has_evidence_in_at_least_two_cases(built_reports: Path):
    matrix = pd.read_csv(built_reports / "tables" / "framework_matrix.csv", index_col="case")
    for dim in PETCH_DIMENSIONS:
        assert (matrix[dim] > 0).sum() >= 2, dim


def test_each_case_has_barriers_facilitators_and_15_findings(built_reports: Path):
    for case in ("torbay", "english_pilots", "east_london"):
        coded = pd.read_csv(built_reports / "coded" / f"{case}.csv", dtype=str, keep_default_na=False)
        assert len(coded) >= 15
        assert {"barrier", "facilitator"} <= set(coded["polarity"]), case
        assert (coded["dimensions"].str.contains("outcomes") | coded["dimensions"].str.contains("local_context")).any()


def test_reviewer_decisions_are_applied_in_the_coded_tables(built_reports: Path):
    reviews = pd.read_csv(Path(__file__).resolve().parents[1] / "evidence" / "reviews" / "torbay.csv", dtype=str,
                          keep_default_na=False)
    last = reviews.drop_duplicates("finding_id", keep="last").set_index("finding_id")
    coded = pd.read_csv(built_reports / "coded" / "torbay.csv", dtype=str, keep_default_na=False).set_index("finding_id")
    for fid, row in last.iterrows():
        assert coded.loc[fid, "dimensions"] == row["dimensions"]
        assert coded.loc[fid, "polarity"] == row["polarity"]
        assert coded.loc[fid, "decided_by"] == row["reviewer"]


def test_the_report_and_executed_notebooks_are_written(built_reports: Path):
    html = (built_reports / "synthesis.html").read_text(encoding="utf-8")
    assert "framework" in html.lower() and "<table" in html
    assert "import workbook" not in html and "settings = stages.resolve" not in html
    names = sorted(p.name for p in (built_reports / "notebooks").glob("*.ipynb"))
    assert names == ["01_extract-east_london.ipynb", "01_extract-english_pilots.ipynb", "01_extract-torbay.ipynb",
                     "02_code-east_london.ipynb", "02_code-english_pilots.ipynb", "02_code-torbay.ipynb",
                     "03_synthesis.ipynb"]
    record = json.loads((built_reports / "build.json").read_text())
    assert [r["status"] for r in record] == ["executed"] * 7


def test_a_second_regeneration_with_nothing_changed_reuses_every_run(built_reports: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    import shutil

    from workbook.evidence.cases import load_cases
    from workbook.pipeline.runner import regenerate

    reports = tmp_path / "reports"
    shutil.copytree(built_reports, reports)
    monkeypatch.setenv("WORKBOOK_REPORTS", str(reports))
    before = (reports / "tables" / "framework_matrix.csv").read_bytes()
    outcomes = regenerate(list(load_cases()), progress=False)
    assert [o.status for o in outcomes] == ["reused"] * 7
    assert (reports / "tables" / "framework_matrix.csv").read_bytes() == before
    assert (reports / "synthesis.html").exists()


def test_the_command_line_regenerates_and_says_what_it_did(tmp_path: Path):
    env = {**__import__("os").environ, "WORKBOOK_REPORTS": str(tmp_path / "reports")}
    done = subprocess.run([sys.executable, "-m", "workbook", "report", "--no-progress"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "7 notebook run(s) executed, 0 reused" in done.stdout
    assert (tmp_path / "reports" / "tables" / "framework_matrix.csv").exists()
