"""Cross-case tables: values on hand-made findings and on the shipped evidence."""
from __future__ import annotations

import pytest

from _synthesis_data import coded as small_coded
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
