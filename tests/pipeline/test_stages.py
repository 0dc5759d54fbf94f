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


def test_agreement_codes_hold_the_coder_and_each_reviewers_first_decision_on_reviewed_findings_only():
    coded = pd.DataFrame({"finding_id": ["f1", "f2", "f3"], "auto_dimensions": ["vision", "time", ""],
                          "auto_polarity": ["barrier", "neutral", "neutral"]})
    decisions = pd.DataFrame({"finding_id": ["f1", "f1", "f2", "gone", "f1"], "reviewer": ["A", "B", "A", "A", "A"],
                              "dimensions": ["vision", "vision;time", "time", "culture", "outcomes"],
                              "polarity": ["barrier", "barrier", "facilitator", "neutral", "neutral"],
                              "when": ["2026-01-01T00:00:00"] * 4 + ["2026-01-02T00:00:00"], "row": range(5)})
    codes = stages.agreement_codes(coded, decisions)
    assert sorted(map(tuple, codes[["finding_id", "coder"]].to_numpy())) == [
        ("f1", "A"), ("f1", "B"), ("f1", "auto"), ("f2", "A"), ("f2", "auto")]
    first = codes[(codes["finding_id"] == "f1") & (codes["coder"] == "A")]
    assert first["dimensions"].tolist() == ["vision"]  # the later revision is not an independent decision


def test_agreement_table_is_empty_without_reviews(framework):
    coded = pd.DataFrame({"finding_id": ["f1"], "auto_dimensions": ["vision"], "auto_polarity": ["barrier"]})
    empty = pd.DataFrame(columns=["finding_id", "reviewer", "dimensions", "polarity"])
    assert stages.agreement_table(coded, empty, framework).empty


def test_agreement_table_compares_coder_and_reviewers_and_fleiss_leaves_the_coder_out(framework):
    ids = [f"f{i}" for i in range(10)]
    coded = pd.DataFrame({"finding_id": ids, "auto_dimensions": ["vision", "time"] * 5,
                          "auto_polarity": ["barrier", "neutral"] * 5})
    people = {"r1": ["vision;leadership", "time"] * 5, "r2": ["vision", "time"] * 5, "r3": ["vision", "time"] * 5}
    decisions = pd.DataFrame([{"finding_id": fid, "reviewer": r, "dimensions": dims[i], "polarity": "barrier",
                               "when": "2026-01-01T00:00:00"} for r, dims in people.items()
                              for i, fid in enumerate(ids)]).assign(row=range(30))
    table = stages.agreement_table(coded, decisions, framework)
    row = table[(table["coder_a"] == "auto") & (table["coder_b"] == "r1") & (table["dimension"] == "leadership")]
    assert (row["n"].iloc[0], row["percent_agreement"].iloc[0]) == (10, 0.5)
    fleiss = table[table["comparison"] == "fleiss"]
    assert not fleiss.empty and set(fleiss["coder_a"]) == {"r1+r2+r3"}
    alpha = table[table["comparison"] == "krippendorff"]
    assert set(alpha["coder_a"]) == {"r1+r2+r3"} and alpha["n"].eq(10).all()


def test_agreement_needs_ten_shared_findings_per_pair_and_says_how_many_each_pair_shares(framework):
    coded = pd.DataFrame({"finding_id": [f"f{i}" for i in range(12)], "auto_dimensions": ["vision"] * 12,
                          "auto_polarity": ["barrier"] * 12})
    decisions = pd.DataFrame({"finding_id": [f"f{i}" for i in range(12)] + ["f0", "f1"],
                              "reviewer": ["r1"] * 12 + ["r2"] * 2, "dimensions": ["vision"] * 14,
                              "polarity": ["barrier"] * 14, "when": ["2026-01-01T00:00:00"] * 14, "row": range(14)})
    table = stages.agreement_table(coded, decisions, framework)
    assert set(zip(table["coder_a"], table["coder_b"])) == {("auto", "r1")}  # r2 shares only 2 with anyone
    pairs = stages.agreement_pairs(coded, decisions).set_index(["coder_a", "coder_b"])
    assert pairs.loc[("auto", "r2"), "shared"] == 2 and not pairs.loc[("r1", "r2"), "kappa_shown"]
    assert pairs.loc[("auto", "r1"), "shared"] == 12 and pairs.loc[("auto", "r1"), "kappa_shown"]


def test_an_unreadable_review_row_stops_coding_unless_explicitly_allowed(evidence_copy: Path, reports_tmp: Path):
    from workbook.core.errors import EvidenceError

    settings = stages.resolve()
    stages.run_extract("east_london", settings)
    path = evidence_copy / "reviews" / "east_london.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")[0]
    lines[1] = lines[1].replace(",coder_a,", ",coder_a,", 1).replace("2026-11-23", "23/11/2026", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(EvidenceError) as err:
        stages.run_code("east_london", settings)
    assert f"east_london.csv:2 [{first}]: date '23/11/2026' is not YYYY-MM-DD" in str(err.value)
    assert "--allow-unreadable-reviews" in str(err.value)
    assert not stages.coded_path(reports_tmp, "east_london").exists()
    coded, _ = stages.run_code("east_london", settings, allow_unreadable_reviews=True)
    assert set(coded["decision_source"]) <= {"reviewer", "automatic"} and (coded["decision_source"] == "reviewer").any()


def test_the_report_flag_reaches_only_the_code_runs_and_review_folders_are_inputs():
    from workbook.pipeline.runner import plan

    strict = {r.name: r for r in plan(["torbay"])}
    lenient = {r.name: r for r in plan(["torbay"], allow_unreadable_reviews=True)}
    assert "allow_unreadable_reviews" not in strict["02_code-torbay"].parameters
    assert lenient["02_code-torbay"].parameters["allow_unreadable_reviews"] is True
    assert lenient["01_extract-torbay"].parameters == strict["01_extract-torbay"].parameters
    assert "reviews/torbay" in strict["02_code-torbay"].inputs


def test_the_training_table_keeps_each_reviewed_findings_section():
    table = stages.training_table(stages.resolve())
    assert list(table.columns) == list(stages.TRAINING_COLUMNS)
    assert len(table) > 0 and (table["section"].astype(str).str.strip() != "").mean() > 0.9
