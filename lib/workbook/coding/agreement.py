"""Agreement between coders: per-dimension and polarity Cohen's kappa with 95% CI, percent agreement,
Fleiss' kappa when three or more coders coded the same findings, and Krippendorff's alpha (the maintained
`krippendorff` package) for two or more coders with missing decisions.

Input is a long table of codes: one row per (finding id, coder) with `dimensions` (ids joined by ';')
and `polarity`. Output is a tidy DataFrame, one row per comparison and dimension (or "polarity").
Undefined statistics (e.g. everyone used one category, so expected agreement is 1) are NaN with a note.
Pairs of coders with no finding in common get no rows, and neither do pairs sharing fewer than
`min_shared` findings (shared_findings says how many each pair shares).
"""
from __future__ import annotations

import itertools
import math
import warnings
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

from workbook.core.errors import ParameterError
from workbook.evidence.framework import PETCH_DIMENSIONS, POLARITIES

COLUMNS: tuple[str, ...] = ("comparison", "coder_a", "coder_b", "dimension", "n", "percent_agreement",
                            "kappa", "ci_low", "ci_high", "fleiss_kappa", "alpha", "note")
"""Columns of every agreement table."""


def _dims(cell: object) -> set[str]:
    """Dimension ids of a ';'-joined cell."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return set()
    return {d.strip() for d in str(cell).split(";") if d.strip()}


def long_codes(tables: Mapping[str, pd.DataFrame], id_column: str = "id") -> pd.DataFrame:
    """Stack per-coder tables (each with id, dimensions, polarity) into one long table with a coder column."""
    frames = []
    for coder, df in tables.items():
        missing = [c for c in (id_column, "dimensions") if c not in df.columns]
        if missing:
            raise ParameterError(f"codes of coder {coder!r} lack column(s) {', '.join(missing)}; they have: "
                                 f"{', '.join(map(str, df.columns))}. Fix: give {id_column} and dimensions.")
        part = pd.DataFrame({"finding_id": df[id_column].astype(str), "coder": coder,
                             "dimensions": df["dimensions"],
                             "polarity": df["polarity"] if "polarity" in df.columns else np.nan})
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=["finding_id", "coder", "dimensions", "polarity"])
    return pd.concat(frames, ignore_index=True)


def kappa_from_table(table: np.ndarray) -> tuple[float, float, float, str]:
    """Cohen's kappa and its 95% CI from a square contingency table; NaN with a note when undefined."""
    table = np.asarray(table, dtype=float)
    n = table.sum()
    if n == 0:
        return math.nan, math.nan, math.nan, "no findings coded by both"
    pe = float((table.sum(axis=0) * table.sum(axis=1)).sum() / n ** 2)
    if pe >= 1 - 1e-12:
        return math.nan, math.nan, math.nan, "kappa undefined: both coders used a single category"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cohens_kappa(table, return_results=True)
    kappa = float(res.kappa)
    low, high = max(-1.0, float(res.kappa_low)), min(1.0, float(res.kappa_upp))
    note = ""
    if not math.isfinite(low):
        low = high = math.nan
        note = "confidence interval undefined"
    return kappa, low, high, note


def _binary_table(a: Sequence[bool], b: Sequence[bool]) -> np.ndarray:
    """2x2 table of two coders' yes/no codes."""
    t = np.zeros((2, 2))
    for x, y in zip(a, b):
        t[int(x), int(y)] += 1
    return t


def _category_table(a: Sequence[str], b: Sequence[str], categories: Sequence[str]) -> np.ndarray:
    """Square table of two coders' categorical codes."""
    index = {c: i for i, c in enumerate(categories)}
    t = np.zeros((len(categories), len(categories)))
    for x, y in zip(a, b):
        t[index[x], index[y]] += 1
    return t


def _row(comparison: str, a: str, b: str, dim: str, n: int, pa: float, k: float, lo: float, hi: float,
         fk: float = math.nan, note: str = "", alpha: float = math.nan) -> dict[str, object]:
    """One tidy result row."""
    return dict(zip(COLUMNS, (comparison, a, b, dim, n, pa, k, lo, hi, fk, alpha, note)))


def shared_findings(codes: pd.DataFrame, min_shared: int = 10) -> pd.DataFrame:
    """For every pair of coders: how many findings both coded, and whether that is enough for a kappa."""
    codes = _check(codes)
    coders = sorted(codes["coder"].astype(str).unique())
    sets = {c: set(codes.loc[codes["coder"].astype(str) == c, "finding_id"].astype(str)) for c in coders}
    rows = []
    for a, b in itertools.combinations(coders, 2):
        n = len(sets[a] & sets[b])
        note = ("no finding coded by both" if n == 0 else
                f"too few shared findings for a kappa (fewer than {min_shared})" if n < min_shared else "")
        rows.append({"coder_a": a, "coder_b": b, "shared": n, "kappa_shown": n > 0 and n >= min_shared,
                     "note": note})
    return pd.DataFrame(rows, columns=["coder_a", "coder_b", "shared", "kappa_shown", "note"])


def pairwise_agreement(codes: pd.DataFrame, dimensions: Sequence[str] = PETCH_DIMENSIONS,
                       polarity: bool = True, min_shared: int = 1) -> pd.DataFrame:
    """Cohen's kappa (95% CI) and percent agreement per dimension and polarity, for every pair of coders
    sharing at least `min_shared` findings (and at least one)."""
    codes = _check(codes)
    coders = sorted(codes["coder"].astype(str).unique())
    rows = []
    decided = _decisions(codes)
    coded_by = _coded_by(decided)
    for a, b in itertools.combinations(coders, 2):
        ids = sorted(coded_by.get(a, set()) & coded_by.get(b, set()))
        if not ids or len(ids) < min_shared:
            continue
        da = [decided[(i, a)][0] for i in ids]
        db = [decided[(i, b)][0] for i in ids]
        for dim in dimensions:
            xa = [dim in s for s in da]
            xb = [dim in s for s in db]
            pa = float(np.mean([x == y for x, y in zip(xa, xb)])) if ids else math.nan
            k, lo, hi, note = kappa_from_table(_binary_table(xa, xb))
            rows.append(_row("pairwise", a, b, dim, len(ids), pa, k, lo, hi, note=note))
        if polarity:
            pa_list = [decided[(i, a)][1] for i in ids]
            pb_list = [decided[(i, b)][1] for i in ids]
            cats = list(POLARITIES) + sorted(set(pa_list + pb_list) - set(POLARITIES))
            pa = float(np.mean([x == y for x, y in zip(pa_list, pb_list)])) if ids else math.nan
            k, lo, hi, note = kappa_from_table(_category_table(pa_list, pb_list, cats))
            rows.append(_row("pairwise", a, b, "polarity", len(ids), pa, k, lo, hi, note=note))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def fleiss_agreement(codes: pd.DataFrame, dimensions: Sequence[str] = PETCH_DIMENSIONS,
                     polarity: bool = True, min_shared: int = 1) -> pd.DataFrame:
    """Fleiss' kappa over the findings coded by every coder (needs three or more coders sharing at least
    `min_shared` findings)."""
    codes = _check(codes)
    coders = sorted(codes["coder"].astype(str).unique())
    if len(coders) < 3:
        return pd.DataFrame(columns=list(COLUMNS))
    decided = _decisions(codes)
    coded_by = _coded_by(decided)
    ids = sorted(set.intersection(*(coded_by.get(c, set()) for c in coders)))
    if not ids or len(ids) < min_shared:
        return pd.DataFrame(columns=list(COLUMNS))
    rows = []
    label = "+".join(coders)
    items: list[tuple[str, list[list[str]], list[str]]] = []
    for dim in dimensions:
        items.append((dim, [["yes" if dim in decided[(i, c)][0] else "no" for c in coders]
                            for i in ids], ["no", "yes"]))
    if polarity:
        items.append(("polarity", [[decided[(i, c)][1] for c in coders] for i in ids],
                      list(POLARITIES)))
    for dim, ratings, cats in items:
        cats = cats + sorted({r for row in ratings for r in row} - set(cats))
        counts = np.array([[row.count(cat) for cat in cats] for row in ratings], dtype=float)
        pa = float(np.mean([len(set(row)) == 1 for row in ratings])) if ids else math.nan
        fk, note = math.nan, ""
        if not ids:
            note = "no findings coded by every coder"
        else:
            p = counts.sum(axis=0) / counts.sum()
            if (p ** 2).sum() >= 1 - 1e-12:
                note = "kappa undefined: all coders used a single category"
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fk = float(fleiss_kappa(counts, method="fleiss"))
        rows.append(_row("fleiss", label, "", dim, len(ids), pa, math.nan, math.nan, math.nan, fk, note))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def krippendorff_agreement(codes: pd.DataFrame, dimensions: Sequence[str] = PETCH_DIMENSIONS,
                           polarity: bool = True, min_shared: int = 1) -> pd.DataFrame:
    """Krippendorff's alpha (nominal) among all coders, missing decisions allowed: per dimension and polarity,
    over the findings coded by two or more coders (at least `min_shared` of them)."""
    import krippendorff

    codes = _check(codes)
    coders = sorted(codes["coder"].astype(str).unique())
    if len(coders) < 2:
        return pd.DataFrame(columns=list(COLUMNS))
    wide = codes.drop_duplicates(["finding_id", "coder"], keep="last")
    counts = wide.groupby("finding_id")["coder"].nunique()
    ids = sorted(counts[counts >= 2].index.astype(str))
    if not ids or len(ids) < min_shared:
        return pd.DataFrame(columns=list(COLUMNS))
    decided = _decisions(codes)
    label = "+".join(coders)

    def value(i: str, c: str, dim: str) -> "str | None":
        if (i, c) not in decided:
            return None
        dims, pol = decided[(i, c)]
        if dim == "polarity":
            return pol
        return "yes" if dim in dims else "no"

    rows = []
    for dim in [*dimensions, *(["polarity"] if polarity else [])]:
        grid = [[value(i, c, dim) for i in ids] for c in coders]
        cats = sorted({v for row in grid for v in row if v is not None})
        data = np.array([[np.nan if v is None else cats.index(v) for v in row] for row in grid], dtype=float)
        pairs = [[v for v in (row[j] for row in grid) if v is not None] for j in range(len(ids))]
        pa = float(np.mean([len(set(p)) == 1 for p in pairs]))
        alpha, note = math.nan, ""
        if len(cats) < 2:
            note = "alpha undefined: all coders used a single category"
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                alpha = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
        rows.append(_row("krippendorff", label, "", dim, len(ids), pa, math.nan, math.nan, math.nan,
                         note=note, alpha=alpha))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def agreement(codes: pd.DataFrame, dimensions: Sequence[str] = PETCH_DIMENSIONS,
              polarity: bool = True, min_shared: int = 1) -> pd.DataFrame:
    """Pairwise Cohen's kappa rows, Fleiss' kappa rows when there are three or more coders, and Krippendorff's
    alpha rows; pairs and groups sharing fewer than `min_shared` findings are left out."""
    parts = [pairwise_agreement(codes, dimensions, polarity, min_shared),
             fleiss_agreement(codes, dimensions, polarity, min_shared),
             krippendorff_agreement(codes, dimensions, polarity, min_shared)]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(COLUMNS))


def _decisions(codes: pd.DataFrame) -> "dict[tuple[str, str], tuple[set[str], str]]":
    """(finding_id, coder) -> (dimension ids, polarity) of each coder's last row for each finding."""
    wide = codes.drop_duplicates(["finding_id", "coder"], keep="last")
    return {(str(f), str(c)): (_dims(d), str(p))
            for f, c, d, p in wide[["finding_id", "coder", "dimensions", "polarity"]].itertuples(index=False)}


def _coded_by(decisions: "dict[tuple[str, str], tuple[set[str], str]]") -> "dict[str, set[str]]":
    """coder -> the finding ids they decided."""
    out: "dict[str, set[str]]" = {}
    for fid, coder in decisions:
        out.setdefault(coder, set()).add(fid)
    return out


def _check(codes: pd.DataFrame) -> pd.DataFrame:
    """Refuse a codes table without the needed columns."""
    missing = [c for c in ("finding_id", "coder", "dimensions") if c not in codes.columns]
    if missing:
        raise ParameterError(f"codes table lacks column(s) {', '.join(missing)}; it has: "
                             f"{', '.join(map(str, codes.columns))}. Fix: give finding_id, coder, dimensions "
                             f"(and polarity), one row per finding and coder (see agreement.long_codes).")
    if "polarity" not in codes.columns:
        codes = codes.assign(polarity="neutral")
    return codes
