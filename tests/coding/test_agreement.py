"""Tests of agreement statistics on hand-computable examples."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbook.coding.agreement import (agreement, fleiss_agreement, kappa_from_table, krippendorff_agreement,
                                      long_codes, pairwise_agreement, shared_findings)
from workbook.core.errors import ParameterError

DIMS = ("vision", "time")


def codes(**coders: list[tuple[str, str]]) -> pd.DataFrame:
    tables = {name: pd.DataFrame({"id": [str(i) for i in range(len(rows))],
                                  "dimensions": [d for d, _ in rows], "polarity": [p for _, p in rows]})
              for name, rows in coders.items()}
    return long_codes(tables)


def test_perfect_agreement_is_kappa_one():
    rows = [("vision", "barrier"), ("", "neutral"), ("vision;time", "facilitator"), ("time", "neutral")]
    out = pairwise_agreement(codes(a=rows, b=rows), DIMS)
    assert out["kappa"].tolist() == [1.0, 1.0, 1.0]
    assert out["percent_agreement"].tolist() == [1.0, 1.0, 1.0]
    assert out["n"].tolist() == [4, 4, 4]
    assert out["dimension"].tolist() == ["vision", "time", "polarity"]


def test_known_two_by_two_table():
    # po = 35/50 = 0.7; pe = (25*30 + 25*20)/2500 = 0.5; kappa = 0.4
    kappa, low, high, note = kappa_from_table(np.array([[20, 5], [10, 15]]))
    assert kappa == pytest.approx(0.4)
    assert low < 0.4 < high and note == ""


def test_known_table_through_codes():
    a = [("vision", "neutral")] * 20 + [("vision", "neutral")] * 5 + [("", "neutral")] * 10 + [("", "neutral")] * 15
    b = [("vision", "neutral")] * 20 + [("", "neutral")] * 5 + [("vision", "neutral")] * 10 + [("", "neutral")] * 15
    out = pairwise_agreement(codes(x=a, y=b), ("vision",), polarity=False)
    row = out.iloc[0]
    assert row["kappa"] == pytest.approx(0.4) and row["percent_agreement"] == pytest.approx(0.7)
    assert row["coder_a"] == "x" and row["coder_b"] == "y" and row["comparison"] == "pairwise"


def test_single_category_is_nan_with_note():
    rows = [("", "neutral")] * 5
    out = pairwise_agreement(codes(a=rows, b=rows), DIMS)
    assert all(math.isnan(k) for k in out["kappa"])
    assert out["note"].str.contains("undefined").all()
    assert out["percent_agreement"].tolist() == [1.0, 1.0, 1.0]


def test_a_pair_with_no_shared_finding_gets_no_rows_and_is_counted_as_sharing_none():
    a = long_codes({"a": pd.DataFrame({"id": ["1"], "dimensions": ["vision"], "polarity": ["neutral"]}),
                    "b": pd.DataFrame({"id": ["2"], "dimensions": ["vision"], "polarity": ["neutral"]})})
    assert pairwise_agreement(a, DIMS).empty
    pairs = shared_findings(a)
    assert pairs[["coder_a", "coder_b", "shared", "kappa_shown"]].values.tolist() == [["a", "b", 0, False]]
    assert pairs["note"].iloc[0] == "no finding coded by both"


def test_pairs_sharing_fewer_than_the_minimum_get_no_kappa_rows():
    rows = [("vision", "barrier"), ("", "neutral")] * 6  # 12 findings
    few = codes(a=rows, b=rows[:9])
    assert pairwise_agreement(few, DIMS, min_shared=10).empty
    assert len(pairwise_agreement(codes(a=rows, b=rows[:10]), DIMS, min_shared=10)) == 3
    assert shared_findings(few, 10)[["shared", "kappa_shown"]].values.tolist() == [[9, False]]
    assert "fewer than 10" in shared_findings(few, 10)["note"].iloc[0]
    assert agreement(few, DIMS, min_shared=10).empty


def test_krippendorff_alpha_matches_a_hand_computed_value_and_takes_missing_decisions():
    a = [("vision", "barrier"), ("", "barrier"), ("vision", "barrier"), ("", "barrier")]
    b = [("vision", "barrier"), ("", "barrier"), ("", "barrier"), ("", "barrier")]
    # coincidences o00=4, o11=2, o01=o10=1; n0=5, n1=3, n=8: alpha = 1 - 7*2/(2*5*3) = 8/15
    two = krippendorff_agreement(codes(a=a, b=b), ("vision",), polarity=False).iloc[0]
    assert two["alpha"] == pytest.approx(8 / 15) and two["n"] == 4 and two["comparison"] == "krippendorff"
    # a third coder who coded only the first finding: o11=3, n1=4, n=9: alpha = 1 - 8*2/(2*5*4) = 0.6
    three = krippendorff_agreement(codes(a=a, b=b, c=a[:1]), ("vision",)).set_index("dimension")
    assert three.loc["vision", "alpha"] == pytest.approx(0.6) and three.loc["vision", "coder_a"] == "a+b+c"
    assert math.isnan(three.loc["polarity", "alpha"]) and "single category" in three.loc["polarity", "note"]
    assert krippendorff_agreement(codes(a=a), ("vision",)).empty


def test_fleiss_three_coders():
    rows = [("vision", "barrier"), ("", "neutral"), ("vision", "neutral"), ("", "facilitator")]
    other = [("vision", "barrier"), ("", "neutral"), ("", "neutral"), ("", "facilitator")]
    out = fleiss_agreement(codes(a=rows, b=rows, c=other), ("vision",))
    vision = out[out["dimension"] == "vision"].iloc[0]
    # subjects' yes counts: 3,0,2,0 of 3 raters -> p_yes = 5/12; P_i = 1,1,1/3,1 -> P = 5/6
    pe = (5 / 12) ** 2 + (7 / 12) ** 2
    assert vision["fleiss_kappa"] == pytest.approx((5 / 6 - pe) / (1 - pe))
    assert vision["coder_a"] == "a+b+c" and vision["comparison"] == "fleiss"
    both = agreement(codes(a=rows, b=rows, c=other), ("vision",))
    assert set(both["comparison"]) == {"pairwise", "fleiss", "krippendorff"}
    assert fleiss_agreement(codes(a=rows, b=rows), ("vision",)).empty


def test_missing_columns_refused():
    with pytest.raises(ParameterError, match="finding_id"):
        pairwise_agreement(pd.DataFrame({"coder": ["a"], "dimensions": [""]}))
