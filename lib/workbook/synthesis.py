"""Cross-case tables: the framework matrix (case by dimension) and findings by dimension."""
from __future__ import annotations

import pandas as pd

from .framework import Framework


def split_ids(value: object) -> list[str]:
    """Dimension ids from a ';'-joined cell ('' or NaN -> [])."""
    if not isinstance(value, str):
        return []
    return [part for part in value.split(";") if part]


def long_codes(coded: pd.DataFrame) -> pd.DataFrame:
    """One row per (finding, dimension) pair: finding_id, case, dimension, polarity."""
    rows = [(fid, case, dim, pol)
            for fid, case, dims, pol in coded[["finding_id", "case", "dimensions", "polarity"]].itertuples(index=False)
            for dim in split_ids(dims)]
    return pd.DataFrame(rows, columns=["finding_id", "case", "dimension", "polarity"])


def matrix_detail(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]") -> pd.DataFrame:
    """Case by dimension, long: findings, barriers, facilitators, neutral and the finding ids of each cell."""
    codes = long_codes(coded)
    rows = []
    for case in case_ids:
        for dim in framework.dimension_ids:
            cell = codes[(codes["case"] == case) & (codes["dimension"] == dim)]
            counts = cell["polarity"].value_counts()
            rows.append({"case": case, "dimension": dim, "findings": len(cell),
                         "barriers": int(counts.get("barrier", 0)), "facilitators": int(counts.get("facilitator", 0)),
                         "neutral": int(counts.get("neutral", 0)), "finding_ids": ";".join(cell["finding_id"])})
    return pd.DataFrame(rows)


def framework_matrix(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]",
                     value: str = "findings") -> pd.DataFrame:
    """Case by dimension matrix of `value` (findings, barriers, facilitators or neutral), rows in case order."""
    detail = matrix_detail(coded, framework, case_ids)
    wide = detail.pivot(index="case", columns="dimension", values=value)
    wide = wide.reindex(index=case_ids, columns=list(framework.dimension_ids)).fillna(0).astype(int)
    wide.index.name, wide.columns.name = "case", None
    return wide


def findings_by_dimension(coded: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """For each dimension: findings, barriers, facilitators, neutral, and how many cases speak to it."""
    codes = long_codes(coded)
    rows = []
    for dim in framework.dimension_ids:
        cell = codes[codes["dimension"] == dim]
        counts = cell["polarity"].value_counts()
        rows.append({"dimension": dim, "label": framework.dimension(dim).label, "findings": len(cell),
                     "barriers": int(counts.get("barrier", 0)), "facilitators": int(counts.get("facilitator", 0)),
                     "neutral": int(counts.get("neutral", 0)), "cases": int(cell["case"].nunique())})
    return pd.DataFrame(rows)


def uncoded(coded: pd.DataFrame) -> pd.DataFrame:
    """Findings that speak to no dimension (a reviewer should look at them)."""
    return coded[coded["dimensions"].fillna("") == ""]
