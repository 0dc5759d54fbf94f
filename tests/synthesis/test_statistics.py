"""Statistics on known tables: chi-square, the switch to a permutation test, Wilson intervals, co-occurrence."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from _synthesis_data import coded as small_coded
from workbook.synthesis import statistics as st

BIG = pd.DataFrame([[20, 30, 25], [35, 15, 30]], index=["a", "b"], columns=["x", "y", "z"])
SMALL = pd.DataFrame([[6, 0, 1], [0, 5, 1], [1, 1, 4]], index=["a", "b", "c"], columns=["x", "y", "z"])


def run(table: pd.DataFrame, **options) -> st.AssociationResult:
    groups, sets = st.table_to_findings(table)
    return st.association_test_findings(groups, sets, list(table.index), list(table.columns), **options)


def test_chi_square_used_and_equals_pearson_on_large_counts():
    result = run(BIG)
    stat, p, df, _ = chi2_contingency(BIG.to_numpy(), correction=False)
    assert result.method == "Pearson chi-square test of independence"
    assert result.statistic == pytest.approx(stat) and result.p_value == pytest.approx(p) and result.df == df == 2
    assert result.small_expected_share == 0.0 and result.n_pairs == 155
    assert result.cramers_v == pytest.approx(np.sqrt(stat / 155))
    assert "chi-square approximation was used" in result.describe()


def test_permutation_used_when_expected_counts_are_small():
    result = run(SMALL)
    expected = st.expected_counts(SMALL.to_numpy())
    assert (expected < 5).mean() > 0.2
    assert result.method == "Monte Carlo permutation test"
    assert result.seed == st.SEED and result.resamples == st.RESAMPLES
    assert result.statistic == pytest.approx(chi2_contingency(SMALL.to_numpy(), correction=False)[0])
    assert 1 / (st.RESAMPLES + 1) <= result.p_value < 0.01  # strong diagonal association
    assert "below 5" in result.reason and "seed" in result.describe()


def test_permutation_is_reproducible_and_near_one_without_association():
    flat = pd.DataFrame([[2, 2, 2], [2, 2, 2]], index=["a", "b"], columns=["x", "y", "z"])
    first, second = run(flat, resamples=999), run(flat, resamples=999)
    assert first.method == "Monte Carlo permutation test"
    assert first.statistic == 0 and first.p_value == 1.0 == second.p_value
    assert run(SMALL, resamples=999).p_value == run(SMALL, resamples=999).p_value


def test_permutation_matches_exact_test_on_2x2():
    from scipy.stats import fisher_exact

    t = pd.DataFrame([[7, 1], [1, 7]], index=["a", "b"], columns=["x", "y"])
    result = run(t, resamples=19999)
    # the two-sided exact p-value of this table is 0.0101; the Monte Carlo estimate is close to it
    assert result.p_value == pytest.approx(fisher_exact(t.to_numpy())[1], abs=0.006)


def test_empty_dimensions_are_dropped_and_named(framework):
    result = st.association_test(small_coded(), framework, ["alpha", "beta"], resamples=99)
    assert set(result.dropped) == {"local_context"}
    assert result.n_findings == 6 and result.n_pairs == 9
    assert "local_context" in result.describe()


def test_wilson_intervals_known_values(framework):
    p = st.wilson_proportions(small_coded(), framework, ["alpha", "beta"]).set_index(["case", "dimension"])
    row = p.loc[("alpha", "time")]  # 2 of alpha's 4 findings
    assert (row["findings"], row["case_findings"], row["proportion"]) == (2, 4, 0.5)
    assert row["ci_low"] == pytest.approx(0.1500, abs=1e-4) and row["ci_high"] == pytest.approx(0.8500, abs=1e-4)
    zero = p.loc[("beta", "vision")]  # 0 of 3
    assert zero["ci_low"] == 0 and zero["ci_high"] == pytest.approx(0.5615, abs=1e-4)


def test_cooccurrence_counts_findings_coded_with_both(framework):
    co = st.cooccurrence(small_coded(), framework)
    assert co.at["vision", "leadership"] == co.at["leadership", "vision"] == 1
    assert co.at["integrated_teams", "culture"] == 1 and co.at["integrated_teams", "time"] == 1
    assert co.at["integrated_teams", "integrated_teams"] == 2
    assert co.at["vision", "outcomes"] == 0
    pairs = st.cooccurrence_pairs(co)
    assert len(pairs) == 3 and set(pairs["findings"]) == {1}


def test_contingency_table_expected_counts(framework):
    t = st.contingency_table(small_coded(), framework, ["alpha", "beta"]).set_index(["case", "dimension"])
    # alpha has 6 pairs, beta 3, culture 2 of 9 -> expected alpha/culture = 6 * 2 / 9
    assert t.loc[("alpha", "culture"), "observed"] == 0
    assert t.loc[("alpha", "culture"), "expected"] == pytest.approx(round(6 * 2 / 9, 2))
    assert np.isnan(t.loc[("alpha", "local_context"), "expected"])


def test_shipped_association_test_states_method_and_limits(framework):
    import workbook.pipeline.stages as stages
    from workbook.evidence.cases import load_cases

    settings = stages.resolve()
    coded = stages.load_coded(settings)
    result = st.association_test(coded, framework, list(load_cases()))
    assert result.method in ("Pearson chi-square test of independence", "Monte Carlo permutation test")
    assert 0 < result.p_value <= 1 and result.df == (3 - 1) * (len(framework.dimension_ids) - len(result.dropped) - 1)
    assert "attention" in st.LIMITS and "not the size of an effect" in st.LIMITS


def test_the_permutation_tables_are_those_of_the_labels_reassigned():
    """Each resample's table equals the table built finding by finding from its shuffled labels (seeded)."""
    import numpy as np

    rng = np.random.default_rng(3)
    labels = rng.integers(0, 4, 60)
    indicators = (rng.random((60, 5)) < 0.4).astype(float)
    table = np.zeros((4, 5))
    for lab, row in zip(labels, indicators):
        table[lab] += row
    observed = st.chi_square_statistic(table)
    # the reference: the same seeded shuffles, each table summed finding by finding
    ref_rng, exceed = np.random.default_rng(st.SEED), 0
    for _ in range(300):
        shuffled = ref_rng.permutation(labels)
        t = np.zeros((4, 5))
        for lab, row in zip(shuffled, indicators):
            t[lab] += row
        exp = np.outer(t.sum(1), t.sum(0)) / t.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.where(exp > 0, (t - exp) ** 2 / exp, 0.0).sum()
        exceed += stat >= observed - 1e-9
    assert st.permutation_p_value(labels, indicators, 4, observed, resamples=300) == (exceed + 1) / 301


def test_permutation_refuses_indicators_other_than_0_and_1():
    with pytest.raises(ValueError, match="indicators of 0 and 1"):
        st.permutation_p_value(np.array([0, 1, 0, 1]), np.array([[1.0, 0.0], [2.0, 1.0], [0.0, 1.0], [1.0, 1.0]]),
                               2, 1.0, resamples=10)
