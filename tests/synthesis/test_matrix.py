"""Cross-case tables: values on hand-made findings and on the shipped evidence."""
from __future__ import annotations

from pathlib import Path

import pytest

from _synthesis_data import coded as small_coded
from workbook.core.errors import EvidenceError
from workbook.synthesis import matrix as synthesis

CASES = ["alpha", "beta"]


def test_matrix_counts_each_finding_dimension_pair(framework):
    m = synthesis.framework_matrix(small_coded(), framework, CASES)
    assert list(m.index) == CASES
    assert list(m.columns) == list(framework.dimension_ids)
    assert m.loc["alpha"].to_dict() == {"vision": 1, "leadership": 1, "culture": 0, "local_context": 0,
                                        "integrated_teams": 1, "time": 2, "outcomes": 1}
    assert m.loc["beta"].to_dict() == {"vision": 0, "leadership": 0, "culture": 2, "local_context": 0,
                                       "integrated_teams": 1, "time": 0, "outcomes": 0}
    assert int(m.to_numpy().sum()) == 9  # 2+2+1+1+1+2+0 (finding, dimension) pairs


def test_matrix_detail_counts_polarity_and_names_ids(framework):
    d = synthesis.matrix_detail(small_coded(), framework, CASES).set_index(["case", "dimension"])
    cell = d.loc[("beta", "culture")]
    assert (cell["findings"], cell["barriers"], cell["facilitators"], cell["neutral"]) == (2, 1, 1, 0)
    assert cell["finding_ids"] == "src_c-0000000e;src_c-0000000f"
    assert cell["summary"] == "1 facilitator (src_c-0000000f); 1 barrier (src_c-0000000e)"
    assert d.loc[("alpha", "time"), "summary"] == "1 barrier (src_a-0000000b); 1 neutral finding (src_a-0000000c)"
    assert d.loc[("beta", "vision"), "summary"] == "no findings"
    assert d["checked_by_people"].sum() == 0
    coded = small_coded()
    coded.loc[[1, 5], "decided_by"] = ["coder_a", "auto"]
    checked = synthesis.matrix_detail(coded, framework, CASES).set_index(["case", "dimension"])["checked_by_people"]
    assert checked[checked > 0].to_dict() == {("alpha", "integrated_teams"): 1, ("alpha", "time"): 1}


def test_barriers_facilitators_per_case_and_all(framework):
    t = synthesis.barriers_facilitators(small_coded(), framework, CASES).set_index(["dimension", "case"])
    assert t.loc[("integrated_teams", "alpha"), ["barriers", "facilitators"]].tolist() == [1, 0]
    assert t.loc[("integrated_teams", "beta"), ["barriers", "facilitators"]].tolist() == [0, 1]
    row = t.loc[("integrated_teams", synthesis.ALL_CASES)]
    assert (row["barriers"], row["facilitators"]) == (1, 1)
    assert row["barrier_ids"] == "src_a-0000000b" and row["facilitator_ids"] == "src_c-0000000f"
    assert len(t) == len(framework.dimension_ids) * 3


def test_findings_by_dimension_counts_cases(framework):
    t = synthesis.findings_by_dimension(small_coded(), framework).set_index("dimension")
    assert t.loc["integrated_teams", "cases"] == 2
    assert t.loc["culture", ["findings", "barriers", "facilitators"]].tolist() == [2, 1, 1]


def test_uncoded_lists_findings_without_dimension():
    assert synthesis.uncoded(small_coded())["finding_id"].tolist() == ["src_c-00000010"]


# ---------------------------------------------------------------- shipped evidence

@pytest.fixture(scope="module")
def shipped():
    import workbook.pipeline.stages as stages
    from workbook.evidence.cases import load_cases

    settings = stages.resolve()
    return stages.load_coded(settings), settings.framework, list(load_cases(settings.evidence))


def test_shipped_matrix_total_equals_finding_dimension_pairs(shipped):
    coded, fw, cases = shipped
    pairs = sum(len(synthesis.split_ids(d)) for d in coded["dimensions"])
    matrix = synthesis.framework_matrix(coded, fw, cases)
    assert int(matrix.to_numpy().sum()) == pairs > 0
    assert list(matrix.index) == ["torbay", "english_pilots", "east_london"]
    for case in cases:
        mine = coded[coded["case"] == case]
        assert int(matrix.loc[case].sum()) == sum(len(synthesis.split_ids(d)) for d in mine["dimensions"])


def test_shipped_detail_agrees_with_matrix_and_polarity(shipped):
    coded, fw, cases = shipped
    detail = synthesis.matrix_detail(coded, fw, cases)
    assert (detail["findings"] == detail["barriers"] + detail["facilitators"] + detail["neutral"]).all()
    matrix = synthesis.framework_matrix(coded, fw, cases)
    for rec in detail.to_dict("records"):
        assert matrix.at[rec["case"], rec["dimension"]] == rec["findings"]
        ids = [i for i in rec["finding_ids"].split(";") if i]
        assert len(ids) == rec["findings"]
        assert all(i in rec["summary"] for i in ids)


# ---------------------------------------------------------------- who decided, and how many people checked

def test_decision_label_names_people_and_tolerates_a_decision_source_column():
    assert synthesis.decision_label({"decided_by": "auto"}) == synthesis.AUTOMATIC
    assert synthesis.decision_label({"decided_by": float("nan")}) == synthesis.AUTOMATIC
    assert synthesis.decision_label({}) == synthesis.AUTOMATIC
    assert synthesis.decision_label({"decided_by": "coder_b"}) == "coder_b"
    assert synthesis.decision_label({"decided_by": "coder_b", "decision_source": "reviewer"}) == "coder_b"
    assert synthesis.decision_label({"decided_by": "coder_a;coder_b", "decision_source": "consensus"}) == \
        "coder_a, coder_b (consensus)"
    assert synthesis.decision_label({"decided_by": "", "decision_source": "automatic"}) == synthesis.AUTOMATIC
    # a stale name next to an automatic source is not a person's decision
    assert not synthesis.decided_by_person({"decided_by": "coder_a", "decision_source": "automatic"})


def test_people_checked_counts_findings_a_person_decided(framework):
    coded = small_coded()
    assert synthesis.people_checked(coded) == 0
    assert "None of the 7 findings" in synthesis.checked_sentence(coded)
    coded.loc[[1, 4], "decided_by"] = ["coder_a", "coder_a;coder_b"]
    coded["decision_source"] = ["automatic", "reviewer", "automatic", "automatic", "consensus", "automatic",
                                "automatic"]
    assert synthesis.people_checked(coded) == 2
    assert synthesis.checked_sentence(coded) == ("2 of 7 findings were checked by people, whose decisions always "
                                                 "win; the codes of the other 5 are automatic.")
    assert synthesis.case_overview(coded, {"alpha": _Case(), "beta": _Case()}, {})["reviewed"].tolist() == [1, 1]
    coded["decided_by"], coded["decision_source"] = "coder_a", "reviewer"
    assert synthesis.checked_sentence(coded).startswith("All 7 findings were checked by people")
    assert synthesis.checked_sentence(coded.iloc[0:0]).startswith("There are no findings yet")


class _Case:
    name, period, programme = "A case", "2001", "A programme"


# ---------------------------------------------------------------- the statements of each cell

def test_short_statement_cuts_at_a_word_and_marks_the_cut():
    assert synthesis.short_statement("Short  enough.") == "Short enough."
    long = "Integrated teams met weekly, " * 10
    short = synthesis.short_statement(long, limit=60)
    assert len(short) <= 60 and short.endswith("…") and long.startswith(short[:-1])
    assert not short[:-1].endswith((" ", ","))  # no dangling separator before the mark
    assert synthesis.short_statement("x" * 80, limit=20) == "x" * 19 + "…"  # one long word is still cut


def test_cell_statements_one_row_per_finding_and_dimension_in_reading_order(framework):
    coded = small_coded()
    coded.loc[1, "decided_by"] = "coder_a"
    table = synthesis.cell_statements(coded, framework, CASES, limit=25)
    assert list(table.columns) == list(synthesis.STATEMENT_COLUMNS)
    assert len(table) == sum(len(synthesis.split_ids(d)) for d in coded["dimensions"]) == 9
    culture = table[(table["case"] == "beta") & (table["dimension"] == "culture")]
    assert culture["finding_id"].tolist() == ["src_c-0000000f", "src_c-0000000e"]  # facilitators, then barriers
    time = table[(table["case"] == "alpha") & (table["dimension"] == "time")].iloc[0]
    assert (time["polarity"], time["decided_by"], time["locator"]) == ("barrier", "coder_a", "p. 1")
    assert time["statement"] == "Staff turnover hindered the team." and time["short_statement"] == "Staff turnover hindered…"
    assert table["case"].tolist() == ["alpha"] * 6 + ["beta"] * 3
    dims = list(framework.dimension_ids)
    alpha = table[table["case"] == "alpha"]["dimension"].map(dims.index).tolist()
    assert alpha == sorted(alpha)
    assert set(table["decided_by"]) == {"automatic", "coder_a"}


def test_cell_statements_leave_out_unknown_cases_and_handle_no_findings(framework):
    assert synthesis.cell_statements(small_coded(), framework, ["beta"])["case"].unique().tolist() == ["beta"]
    empty = synthesis.cell_statements(small_coded().iloc[0:0], framework, CASES)
    assert empty.empty and list(empty.columns) == list(synthesis.STATEMENT_COLUMNS)


# ---------------------------------------------------------------- reviewers' cell summaries

SUMMARIES = """\
reviewer: AB
cell_summaries:
  alpha:
    vision: >-
      The vision was shared
      with the board (src_a-0000000a).
    time: Turnover got in the way.
  beta:
    culture: Professions clashed.
"""


def _write(tmp_path, text: str):
    path = tmp_path / "cell_summaries.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cell_summaries_load_by_case_and_dimension(tmp_path, framework):
    known = set(small_coded()["finding_id"])
    summaries = synthesis.load_cell_summaries(_write(tmp_path, SUMMARIES), CASES, framework.dimension_ids, known)
    assert len(summaries) == 3 and summaries.reviewer == "AB"
    assert summaries.get("alpha", "vision") == "The vision was shared with the board (src_a-0000000a)."
    assert summaries.get("beta", "vision") == ""
    detail = synthesis.matrix_detail(small_coded(), framework, CASES, summaries).set_index(["case", "dimension"])
    assert detail.loc[("beta", "culture"), "reviewer_summary"] == "Professions clashed."
    assert detail.loc[("beta", "time"), "reviewer_summary"] == ""
    assert "reviewer_summary" not in synthesis.matrix_detail(small_coded(), framework, CASES).columns


def test_absent_cell_summaries_are_none(tmp_path, framework):
    path = tmp_path / "missing.yaml"
    assert len(synthesis.load_cell_summaries(path, CASES, framework.dimension_ids)) == 0
    assert synthesis.cell_summary_problems(path, CASES, framework.dimension_ids) == []
    assert synthesis.cell_summaries_path(tmp_path) == tmp_path / "synthesis" / "cell_summaries.yaml"


@pytest.mark.parametrize("text, line, words", [
    (SUMMARIES.replace("  beta:", "  gamma:"), 8, ["unknown case id 'gamma'", "alpha, beta"]),
    (SUMMARIES.replace("    time:", "    tempo:"), 7, ["unknown dimension id 'tempo' under case 'alpha'", "vision"]),
    (SUMMARIES.replace("src_a-0000000a", "src_a-deadbeef"), 4, ["finding id 'src_a-deadbeef'", "reports/findings"]),
    (SUMMARIES.replace("culture: Professions clashed.", "culture: ['a list']"), 9, ["is not of type 'string'"]),
    (SUMMARIES.replace("cell_summaries:", "cells:"), 1, ["unknown field(s)", "cells"]),
    ("cell_summaries:\n  alpha:\n    vision: ''\n", 3, ["should be non-empty"]),
])
def test_bad_cell_summaries_are_located(tmp_path, framework, text, line, words):
    path = _write(tmp_path, text)
    known = set(small_coded()["finding_id"])
    found = synthesis.cell_summary_problems(path, CASES, framework.dimension_ids, known)
    hits = [p for p in found if all(w in str(p) for w in words)]
    assert hits, [str(p) for p in found]
    assert hits[0].line == line and hits[0].file.endswith("cell_summaries.yaml") and hits[0].fix
    with pytest.raises(EvidenceError, match="cell_summaries.yaml"):
        synthesis.load_cell_summaries(path, CASES, framework.dimension_ids, known)


def test_malformed_cell_summaries_yaml_is_one_located_error(tmp_path, framework):
    path = _write(tmp_path, "cell_summaries:\n  alpha: [unclosed\n")
    with pytest.raises(EvidenceError) as err:
        synthesis.load_cell_summaries(path, CASES, framework.dimension_ids)
    assert err.value.problems[0].line is not None and "cell_summaries.yaml" in str(err.value)


def test_shipped_cell_statements_agree_with_the_matrix(shipped):
    coded, fw, cases = shipped
    table = synthesis.cell_statements(coded, fw, cases)
    matrix = synthesis.framework_matrix(coded, fw, cases)
    counts = table.groupby(["case", "dimension"]).size()
    for case in cases:
        for dim in fw.dimension_ids:
            assert counts.get((case, dim), 0) == matrix.at[case, dim]
    by_id = coded.set_index("finding_id")
    assert (table["statement"] == table["finding_id"].map(by_id["statement"]).map(lambda s: " ".join(s.split()))).all()
    assert (table["decided_by"] == synthesis.AUTOMATIC).sum() < len(table)


def test_the_documented_cell_summaries_example_is_valid(shipped):
    """The example in evidence/README.md loads against the shipped cases and framework."""
    from workbook.core.yamlio import parse_yaml

    readme = (Path(__file__).resolve().parents[2] / "evidence" / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## synthesis/cell_summaries.yaml"):]
    example = section[section.index("```yaml") + 7: section.index("```", section.index("```yaml") + 7)]
    _, fw, cases = shipped
    summaries, found = synthesis.parse_cell_summaries(parse_yaml(example, "README example"), cases, fw.dimension_ids)
    assert found == [] and len(summaries) == 2 and summaries.reviewer == "AB"
