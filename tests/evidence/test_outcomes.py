"""Outcome figures: change computed only from two reported values, otherwise passed through; the file is validated."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from workbook.evidence import outcomes

HEADER = ",".join(outcomes.OUTCOME_COLUMNS)


def frame(*rows: dict) -> pd.DataFrame:
    base = {c: "" for c in outcomes.OUTCOME_COLUMNS}
    return pd.DataFrame([{**base, **r} for r in rows], columns=list(outcomes.OUTCOME_COLUMNS))


def test_change_from_both_values_absolute_and_percent():
    change, percent = outcomes.compute_change("750", "502")
    assert change == -248 and percent == -33.1


def test_table_computes_change_only_where_both_values_are_given():
    df = frame({"case": "torbay", "measure": "beds", "baseline": "750", "baseline_period": "1998/99",
                "follow_up": "502", "follow_up_period": "2009/10", "unit": "beds", "source": "s1", "locator": "p. 1"},
               {"case": "torbay", "measure": "bed days 75+", "baseline_period": "2003", "follow_up_period": "2008",
                "reported_change": "-24%", "unit": "percent change", "source": "s1", "locator": "p. 1"},
               {"case": "torbay", "measure": "zero base", "baseline": "0", "follow_up": "4", "unit": "n",
                "source": "s1", "locator": "p. 2"})
    t = outcomes.outcomes_table(df, {"s1": "Author 2011"})
    first, second, third = t.to_dict("records")
    assert first["change_abs"] == -248 and first["change_pct"] == -33.1
    assert first["change"] == "-248 beds (-33.1%)"
    assert first["baseline"] == "750 (1998/99)" and first["follow_up"] == "502 (2009/10)"
    assert first["change_basis"] == "computed from baseline and follow-up"
    assert first["citation"] == "Author 2011"
    # passed through as reported, nothing computed or invented
    assert second["change"] == "-24%" and second["change_basis"] == "as reported by the source"
    assert math.isnan(second["change_abs"]) and math.isnan(second["change_pct"])
    assert second["baseline"] == "(2003)" and second["follow_up"] == "(2008)"
    # a zero baseline has no percent change
    assert third["change_abs"] == 4 and math.isnan(third["change_pct"]) and third["change"] == "+4 n"


def test_shipped_outcomes_torbay_beds():
    t = outcomes.outcomes_table(outcomes.load_outcomes())
    beds = t[(t["case"] == "torbay") & (t["baseline"] == "750 (1998/99)") & (t["follow_up"] == "502 (2009/10)")]
    assert len(beds) == 1
    assert beds["change_abs"].iloc[0] == -248 and beds["change_pct"].iloc[0] == -33.1
    computed = t[t["change_basis"] == "computed from baseline and follow-up"]
    raw = outcomes.load_outcomes()
    assert len(computed) == int(((raw["baseline"] != "") & (raw["follow_up"] != "")).sum())
    # every other row shows exactly the reported change
    rest = t[t["change_basis"] != "computed from baseline and follow-up"]
    assert rest["change"].tolist() == raw.loc[rest.index, "reported_change"].tolist()


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "outcomes.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


CASES = {"torbay": ("s1", "s2"), "pilots": ("s3",)}


def test_problems_name_line_and_fix(tmp_path):
    path = write(tmp_path,
                 "torbay,beds,750,1998/99,502,2009/10,,beds,s1,p. 1,",          # line 2: fine
                 "torbay,beds,seven,1998/99,502,2009/10,,beds,s1,p. 1,",        # line 3: not a number
                 "nowhere,beds,1,,2,,,beds,s1,p. 1,",                           # line 4: unknown case
                 "torbay,beds,1,,2,,,beds,s3,p. 1,",                            # line 5: source of another case
                 "torbay,beds,1,,2,,,beds,s1,,",                                # line 6: empty locator
                 "torbay,beds,1,,,,,beds,s1,p. 1,",                             # line 7: only one value
                 "torbay,beds,,,,,,beds,s1,p. 1,")                              # line 8: no figure at all
    found = outcomes.outcome_problems(path, CASES)
    by_line = {p.line: str(p) for p in found}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert "baseline 'seven' is not a number" in by_line[3] and "Fix:" in by_line[3]
    assert "unknown case 'nowhere'" in by_line[4] and "torbay, pilots" in by_line[4]
    assert "source 's3' is not a source of case 'torbay'" in by_line[5]
    assert "locator is empty" in by_line[6]
    assert "only one of baseline and follow_up" in by_line[7]
    assert "no figure" in by_line[8]
    assert all(p.file.endswith("outcomes.csv") for p in found)


def test_locator_must_be_a_heading_when_headings_are_known(tmp_path):
    path = write(tmp_path, "torbay,beds,1,,2,,,beds,s1,p. 9,")
    found = outcomes.outcome_problems(path, CASES, {"s1": {"p. 1", "Abstract"}})
    assert len(found) == 1 and "'p. 9' is not a heading of source 's1'" in str(found[0])


def test_shipped_outcomes_pass_validation():
    from workbook.evidence.cases import load_cases
    from workbook.pipeline.checks import check_outcomes
    from workbook.core.paths import evidence_dir

    assert check_outcomes(evidence_dir(), None, load_cases()) == []


def test_validate_reports_broken_outcomes(evidence_copy):
    from workbook.pipeline.validate import validate_evidence

    path = evidence_copy / "outcomes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append("torbay,Broken row,12x,,5,,,beds,tsdft_torbay_model,Web page (opening),")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = [p for p in validate_evidence(evidence_copy) if p.file.endswith("outcomes.csv")]
    assert len(found) == 1
    assert found[0].line == len(lines) and "baseline '12x' is not a number" in found[0].message


@pytest.mark.parametrize("text,value", [("750", 750.0), ("-2.5", -2.5), ("", None)])
def test_parse_number(text, value):
    assert outcomes.parse_number(text) == value


@pytest.mark.parametrize("text", ["1,920", "12%", "n/a"])
def test_parse_number_refuses_non_numbers(text):
    with pytest.raises(ValueError):
        outcomes.parse_number(text)


def test_unreadable_csv_is_a_located_problem(tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text(HEADER + '\ntorbay,"open quote,1,,2,,,beds,s1,p. 1,\n' + "x" * 140_000, encoding="utf-8")
    found = outcomes.outcome_problems(path, CASES)
    assert len(found) == 1 and "cannot be read as CSV" in found[0].message and found[0].line


def test_old_mac_line_endings_are_read(tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_bytes((HEADER + "\rtorbay,beds,750,,502,,,beds,s1,p. 1,\r").encode("utf-8"))
    rows, found = outcomes.read_rows(path)
    assert found == [] and rows[0]["baseline"] == "750" and rows[0]["_line"] == "2"
