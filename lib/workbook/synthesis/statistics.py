"""Cross-case statistics on coded findings, each with its limits: association test, Wilson proportions, co-occurrence.

Counts of coded findings measure how much attention the sources give a dimension, not how large an
effect is; a finding can speak to several dimensions, so (finding, dimension) pairs are not
independent observations. The permutation test therefore shuffles case labels between whole
findings, which keeps each finding's set of dimensions together.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.proportion import proportion_confint

from workbook.evidence.framework import Framework
from workbook.synthesis.matrix import framework_matrix, split_ids

SEED = 20140203
"""Fixed seed of the Monte Carlo permutation test (the framework's publication date)."""
RESAMPLES = 9999
SMALL_EXPECTED = 5.0
SMALL_SHARE = 0.20
"""Chi-square is used unless more than this share of cells has an expected count below SMALL_EXPECTED."""

LIMITS = ("Counts of coded findings measure the attention the sources give each dimension, not the size of "
          "an effect: a dimension with more findings was written about more, not shown to matter more. The "
          "sources differ in length and in how much of them was read, and one finding can speak to several "
          "dimensions.")


NOT_TESTED = "not tested"
"""The method of an AssociationResult when there was too little to test."""


@dataclass(frozen=True)
class AssociationResult:
    """The outcome of testing whether the spread of findings over dimensions differs between cases."""

    method: str
    reason: str
    statistic: float
    df: int
    p_value: float
    n_pairs: int
    n_findings: int
    small_expected_share: float
    min_expected: float
    cramers_v: float
    dropped: tuple[str, ...] = ()
    seed: int | None = None
    resamples: int | None = None

    @classmethod
    def not_tested(cls, reason: str, n_findings: int = 0) -> "AssociationResult":
        """No test: too few cases or dimensions with coded findings; `reason` says what is missing."""
        nan = float("nan")
        return cls(NOT_TESTED, reason, nan, 0, nan, 0, n_findings, nan, nan, nan)

    def as_frame(self) -> pd.DataFrame:
        """The result as a one-row table."""
        return pd.DataFrame([{
            "method": self.method, "statistic": round(self.statistic, 4), "df": self.df,
            "p_value": round(self.p_value, 4), "cramers_v": round(self.cramers_v, 3),
            "finding_dimension_pairs": self.n_pairs, "findings": self.n_findings,
            "cells_expected_below_5": f"{self.small_expected_share:.0%}",
            "min_expected": round(self.min_expected, 2), "seed": self.seed if self.seed is not None else "",
            "resamples": self.resamples if self.resamples is not None else "",
            "dropped_empty": ";".join(self.dropped), "reason": self.reason}])

    def describe(self) -> str:
        """A plain-language statement of the test, its result and why that test was used."""
        if self.method == NOT_TESTED:
            return self.reason
        p = "p < 0.0001" if self.p_value < 0.0001 else f"p = {self.p_value:.4f}"
        text = (f"{self.method}: chi-square statistic {self.statistic:.2f} on {self.df} degrees of freedom, {p}, "
                f"Cramér's V {self.cramers_v:.2f}, from {self.n_pairs} (finding, dimension) pairs of "
                f"{self.n_findings} findings. {self.reason}")
        if self.dropped:
            text += f" Left out because no finding speaks to them: {', '.join(self.dropped)}."
        return text + (" A small p-value means the cases' sources spread their attention over the dimensions "
                       "differently; it says nothing about how well integration worked in any case.")


def expected_counts(table: np.ndarray) -> np.ndarray:
    """Expected cell counts under independence of rows and columns."""
    table = np.asarray(table, dtype=float)
    return np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()


def chi_square_statistic(table: np.ndarray) -> float:
    """Pearson's chi-square statistic of a table with no empty row or column."""
    table = np.asarray(table, dtype=float)
    expected = expected_counts(table)
    return float(((table - expected) ** 2 / expected).sum())


def choose_method(expected: np.ndarray) -> tuple[str, str]:
    """'chi-square' or 'permutation', with the reason, from the share of expected counts below 5."""
    share = float((np.asarray(expected) < SMALL_EXPECTED).mean())
    if share > SMALL_SHARE:
        return "permutation", (f"{share:.0%} of the cells have an expected count below {SMALL_EXPECTED:g} (more "
                               f"than {SMALL_SHARE:.0%}), so the chi-square approximation is unreliable and a "
                               "Monte Carlo permutation test was used instead.")
    return "chi-square", (f"{share:.0%} of the cells have an expected count below {SMALL_EXPECTED:g} (at most "
                          f"{SMALL_SHARE:.0%}), so the chi-square approximation was used.")


def permutation_p_value(labels: np.ndarray, indicators: np.ndarray, n_groups: int, observed: float,
                        resamples: int = RESAMPLES, seed: int = SEED) -> float:
    """Monte Carlo p-value: shuffle group labels between findings and recompute the chi-square statistic
    (indicators: a finding-by-dimension matrix of 0 and 1)."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels, dtype=np.intp)
    indicators = np.asarray(indicators, dtype=float)
    n, k = indicators.shape
    if not np.isin(indicators, (0.0, 1.0)).all():
        raise ValueError("permutation_p_value needs indicators of 0 and 1 (is a finding coded with a dimension).")
    # the (finding, dimension) pairs a finding is coded with; indicators are 0/1, so a table counts these pairs
    pair_finding, pair_dim = np.nonzero(indicators)
    exceed = 0
    batch = 500
    done = 0
    while done < resamples:
        size = min(batch, resamples - done)
        perms = np.stack([rng.permutation(labels) for _ in range(size)])  # (size, n_findings)
        # each resample's (group x dimension) table: one bincount of every pair's (resample, shuffled group,
        # dimension) cell; integer counts, so exact
        first_cell = (perms + (np.arange(size, dtype=np.intp) * n_groups)[:, None]) * k  # (size, n_findings)
        cell = np.take(first_cell, pair_finding, axis=1)
        cell += pair_dim
        tables = np.bincount(cell.ravel(), minlength=size * n_groups * k).astype(float).reshape(size, n_groups, k)
        rows, cols = tables.sum(axis=2, keepdims=True), tables.sum(axis=1, keepdims=True)
        expected = rows * cols / tables.sum(axis=(1, 2), keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            stats = np.where(expected > 0, (tables - expected) ** 2 / expected, 0.0).sum(axis=(1, 2))
        exceed += int((stats >= observed - 1e-9).sum())
        done += size
    return (exceed + 1) / (resamples + 1)


def association_test_findings(groups: "list[str]", dimension_sets: "list[list[str]]", group_order: "list[str]",
                              dimension_order: "list[str]", *, resamples: int = RESAMPLES,
                              seed: int = SEED, method: str = "auto") -> AssociationResult:
    """Test whether findings' dimensions spread differently across groups (chi-square or permutation)."""
    dims_used = [d for d in dimension_order if any(d in s for s in dimension_sets)]
    groups_used = [g for g in group_order if any(gr == g and s for gr, s in zip(groups, dimension_sets))]
    dropped = tuple(d for d in dimension_order if d not in dims_used)
    keep = [i for i, (g, s) in enumerate(zip(groups, dimension_sets)) if g in groups_used and s]
    labels = np.array([groups_used.index(groups[i]) for i in keep], dtype=int)
    indicators = np.array([[1.0 if d in dimension_sets[i] else 0.0 for d in dims_used] for i in keep])
    if len(groups_used) < 2 or len(dims_used) < 2:
        raise ValueError("an association test needs at least two groups and two dimensions with findings.")
    table = np.zeros((len(groups_used), len(dims_used)))
    for lab, row in zip(labels, indicators):
        table[lab] += row
    expected = expected_counts(table)
    chosen, reason = choose_method(expected) if method == "auto" else (method, f"{method} requested.")
    statistic = chi_square_statistic(table)
    df = (table.shape[0] - 1) * (table.shape[1] - 1)
    n = int(table.sum())
    v = float(np.sqrt(statistic / (n * (min(table.shape) - 1))))
    share, min_exp = float((expected < SMALL_EXPECTED).mean()), float(expected.min())
    if chosen == "chi-square":
        res = Table(table, shift_zeros=False).test_nominal_association()
        return AssociationResult("Pearson chi-square test of independence", reason, float(res.statistic),
                                 int(res.df), float(res.pvalue), n, len(keep), share, min_exp, v, dropped)
    p = permutation_p_value(labels, indicators, len(groups_used), statistic, resamples, seed)
    reason += (f" The p-value is the share of {resamples:,} random reassignments of case labels to whole findings "
               f"(seed {seed}) whose chi-square statistic is at least the observed one.")
    return AssociationResult("Monte Carlo permutation test", reason, statistic, df, p, n, len(keep), share,
                             min_exp, v, dropped, seed, resamples)


def association_test(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]", **options) -> AssociationResult:
    """Does the spread of coded findings over the dimensions differ between the cases?"""
    groups = coded["case"].tolist()
    sets = [split_ids(d) for d in coded["dimensions"]]
    cases_used = {g for g, s in zip(groups, sets) if s and g in case_ids}
    dims_used = {d for s in sets for d in s if d in framework.dimension_ids}
    if len(cases_used) < 2 or len(dims_used) < 2:
        return AssociationResult.not_tested(
            f"Not tested: comparing how cases spread their findings needs at least two cases and two dimensions "
            f"with coded findings; there are {len(cases_used)} case(s) and {len(dims_used)} dimension(s).",
            sum(1 for s in sets if s))
    return association_test_findings(groups, sets, list(case_ids), list(framework.dimension_ids), **options)


def table_to_findings(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Expand a count table (rows groups, columns dimensions) into one single-dimension finding per count."""
    groups, sets = [], []
    for g, row in table.iterrows():
        for d, count in row.items():
            groups += [str(g)] * int(count)
            sets += [[str(d)]] * int(count)
    return groups, sets


def contingency_table(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]") -> pd.DataFrame:
    """Case by dimension counts of (finding, dimension) pairs, with expected counts under independence."""
    observed = framework_matrix(coded, framework, case_ids)
    nonzero = observed.loc[observed.sum(axis=1) > 0, observed.sum(axis=0) > 0]
    exp = pd.DataFrame(expected_counts(nonzero.to_numpy()) if nonzero.size else np.zeros(nonzero.shape),
                       index=nonzero.index, columns=nonzero.columns)
    rows = []
    for case in observed.index:
        for dim in observed.columns:
            e = exp.at[case, dim] if case in exp.index and dim in exp.columns else float("nan")
            rows.append({"case": case, "dimension": dim, "observed": int(observed.at[case, dim]),
                         "expected": round(float(e), 2)})
    return pd.DataFrame(rows, columns=["case", "dimension", "observed", "expected"])


def wilson_proportions(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]",
                       alpha: float = 0.05) -> pd.DataFrame:
    """Per case and dimension: share of the case's findings coded with the dimension, Wilson 95% interval."""
    rows = []
    for case in case_ids:
        sets = [split_ids(d) for d in coded.loc[coded["case"] == case, "dimensions"]]
        n = len(sets)
        for dim in framework.dimension_ids:
            k = sum(dim in s for s in sets)
            low, high = proportion_confint(k, n, alpha=alpha, method="wilson") if n else (float("nan"),) * 2
            rows.append({"case": case, "dimension": dim, "findings": k, "case_findings": n,
                         "proportion": round(k / n, 4) if n else float("nan"),
                         "ci_low": round(float(low), 4), "ci_high": round(float(high), 4)})
    return pd.DataFrame(rows, columns=["case", "dimension", "findings", "case_findings", "proportion", "ci_low",
                                       "ci_high"])


def cooccurrence(coded: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Dimension by dimension: findings coded with both (diagonal: findings coded with the dimension)."""
    dims = list(framework.dimension_ids)
    out = pd.DataFrame(0, index=dims, columns=dims, dtype=int)
    for value in coded["dimensions"]:
        present = [d for d in split_ids(value) if d in out.index]
        for a in present:
            for b in present:
                out.at[a, b] += 1
    out.index.name = "dimension"
    return out


def cooccurrence_pairs(matrix: pd.DataFrame) -> pd.DataFrame:
    """The off-diagonal pairs of a co-occurrence matrix with at least one shared finding, most frequent first."""
    dims = list(matrix.index)
    rows = [{"dimension_a": a, "dimension_b": b, "findings": int(matrix.at[a, b])}
            for i, a in enumerate(dims) for b in dims[i + 1:] if matrix.at[a, b] > 0]
    out = pd.DataFrame(rows, columns=["dimension_a", "dimension_b", "findings"])
    return out.sort_values("findings", ascending=False, kind="stable").reset_index(drop=True)
