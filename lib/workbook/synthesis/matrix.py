"""Cross-case tables: the framework matrix (case by dimension), its cell summaries, and polarity by dimension."""
from __future__ import annotations

import pandas as pd

from workbook.evidence.framework import Framework


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
                         "neutral": int(counts.get("neutral", 0)), "finding_ids": ";".join(cell["finding_id"]),
                         "summary": cell_summary(cell)})
    return pd.DataFrame(rows, columns=["case", "dimension", "findings", "barriers", "facilitators", "neutral",
                                       "finding_ids", "summary"])  # no cases: the columns still exist


def cell_summary(cell: pd.DataFrame) -> str:
    """A one-line summary of a matrix cell naming its finding ids by polarity, e.g. 'facilitators: a, b; barrier: c'."""
    if cell.empty:
        return "no findings"
    parts = []
    for polarity, singular, plural in POLARITY_NAMES:
        ids = cell.loc[cell["polarity"] == polarity, "finding_id"].tolist()
        if ids:
            parts.append(f"{len(ids)} {singular if len(ids) == 1 else plural} ({', '.join(ids)})")
    return "; ".join(parts)


POLARITY_NAMES: tuple[tuple[str, str, str], ...] = (
    ("facilitator", "facilitator", "facilitators"), ("barrier", "barrier", "barriers"),
    ("neutral", "neutral finding", "neutral findings"))
"""Polarity values with their singular and plural names, in the order summaries list them."""


def barriers_facilitators(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]") -> pd.DataFrame:
    """Barriers and facilitators per dimension and case, plus an 'all cases' row per dimension, with finding ids."""
    codes = long_codes(coded)
    rows = []
    for dim in framework.dimension_ids:
        for case in [*case_ids, ALL_CASES]:
            cell = codes[codes["dimension"] == dim]
            if case != ALL_CASES:
                cell = cell[cell["case"] == case]
            bar = cell.loc[cell["polarity"] == "barrier", "finding_id"].tolist()
            fac = cell.loc[cell["polarity"] == "facilitator", "finding_id"].tolist()
            rows.append({"dimension": dim, "label": framework.dimension(dim).label, "case": case,
                         "barriers": len(bar), "facilitators": len(fac),
                         "neutral": int((cell["polarity"] == "neutral").sum()),
                         "barrier_ids": ";".join(bar), "facilitator_ids": ";".join(fac)})
    return pd.DataFrame(rows)


ALL_CASES = "all cases"
"""The case label of the rows that add up every case."""


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


def case_overview(coded: pd.DataFrame, cases: dict, sources: dict) -> pd.DataFrame:
    """Per case: name, period, programme, number of sources, findings, coded findings and reviewed findings."""
    rows = []
    for cid, case in cases.items():
        mine = coded[coded["case"] == cid]
        rows.append({"case": cid, "name": case.name, "period": case.period, "programme": case.programme,
                     "sources": sum(1 for s in sources.values() if getattr(s, "case", None) == cid),
                     "findings": len(mine), "coded": int((mine["dimensions"].fillna("") != "").sum()),
                     "reviewed": int((mine["decided_by"] != "auto").sum()) if "decided_by" in mine else 0})
    if not rows:  # no cases yet
        return pd.DataFrame(columns=["case", "name", "period", "programme", "sources", "findings", "coded", "reviewed"])
    return pd.DataFrame(rows)
