"""Cross-case tables: the framework matrix (case by dimension), its cell summaries, and polarity by dimension.

Also the reader's matrix: the statements of each cell (short form, polarity, source, locator and who
decided the code), and the reviewers' own cell summaries from evidence/synthesis/cell_summaries.yaml.
"""
from __future__ import annotations

from collections import Counter, defaultdict

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbook.core.errors import EvidenceError, Problem, problem
from workbook.core.paths import evidence_dir
from workbook.core.yamlio import Located, load_yaml, optional_file_problems, schema_problems
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


def matrix_detail(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]",
                  summaries: "CellSummaries | None" = None) -> pd.DataFrame:
    """Case by dimension, long: findings, barriers, facilitators, neutral, how many of them people checked and the
    finding ids of each cell, plus the reviewer's summary of the cell (`reviewer_summary`) when `summaries` are given."""
    cells = _cells(long_codes(coded))
    people = {rec["finding_id"] for rec in coded.to_dict("records") if decided_by_person(rec)}
    rows = []
    for case in case_ids:
        for dim in framework.dimension_ids:
            pairs = cells.get((case, dim), [])
            counts = Counter(pol for _, pol in pairs)
            rows.append({"case": case, "dimension": dim, "findings": len(pairs),
                         "barriers": counts["barrier"], "facilitators": counts["facilitator"],
                         "neutral": counts["neutral"], "checked_by_people": sum(fid in people for fid, _ in pairs),
                         "finding_ids": ";".join(fid for fid, _ in pairs), "summary": _summary(pairs)})
    table = pd.DataFrame(rows, columns=["case", "dimension", "findings", "barriers", "facilitators", "neutral",
                                        "checked_by_people", "finding_ids", "summary"])  # no cases: the columns still exist
    if summaries is not None:
        table["reviewer_summary"] = [summaries.get(c, d) for c, d in zip(table["case"], table["dimension"])]
    return table


def _cells(codes: pd.DataFrame) -> "dict[tuple[str, str], list[tuple[str, str]]]":
    """(case, dimension) -> its (finding_id, polarity) pairs in table order, from long_codes (one pass)."""
    cells: "dict[tuple[str, str], list[tuple[str, str]]]" = defaultdict(list)
    for fid, case, dim, pol in codes[["finding_id", "case", "dimension", "polarity"]].itertuples(index=False):
        cells[(case, dim)].append((fid, pol))
    return cells


def cell_summary(cell: pd.DataFrame) -> str:
    """A one-line summary of a matrix cell naming its finding ids by polarity, e.g. 'facilitators: a, b; barrier: c'."""
    return _summary(list(zip(cell["finding_id"], cell["polarity"])))


def _summary(pairs: "list[tuple[str, str]]") -> str:
    """cell_summary() of a cell given as (finding_id, polarity) pairs."""
    if not pairs:
        return "no findings"
    parts = []
    for polarity, singular, plural in POLARITY_NAMES:
        ids = [fid for fid, pol in pairs if pol == polarity]
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
    cells = _cells(codes)
    by_dimension: "dict[str, list[tuple[str, str]]]" = defaultdict(list)
    for fid, dim, pol in codes[["finding_id", "dimension", "polarity"]].itertuples(index=False):
        by_dimension[dim].append((fid, pol))
    rows = []
    for dim in framework.dimension_ids:
        for case in [*case_ids, ALL_CASES]:
            pairs = by_dimension[dim] if case == ALL_CASES else cells.get((case, dim), [])
            bar = [fid for fid, pol in pairs if pol == "barrier"]
            fac = [fid for fid, pol in pairs if pol == "facilitator"]
            rows.append({"dimension": dim, "label": framework.dimension(dim).label, "case": case,
                         "barriers": len(bar), "facilitators": len(fac),
                         "neutral": sum(pol == "neutral" for _, pol in pairs),
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
                     "reviewed": people_checked(mine)})
    if not rows:  # no cases yet
        return pd.DataFrame(columns=["case", "name", "period", "programme", "sources", "findings", "coded", "reviewed"])
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- who decided a code

AUTOMATIC = "automatic"
"""How the report names a code that no person decided."""

_NOBODY = frozenset({"", "auto", "automatic", "nan", "none"})


def _text(value: object) -> str:
    """A cell as stripped text ('' for a missing value)."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def decided_by_person(record: "dict[str, Any] | pd.Series") -> bool:
    """Whether a person decided a coded finding's codes (`decided_by` names someone; `decision_source`, when
    present, is not automatic)."""
    if _text(record.get("decision_source", "")).lower() in ("auto", "automatic"):
        return False
    return _text(record.get("decided_by", "")).lower() not in _NOBODY


def decision_label(record: "dict[str, Any] | pd.Series") -> str:
    """Who decided a finding's codes: 'automatic', or the people in `decided_by` (';'-joined), with how they
    decided when `decision_source` says more than 'reviewer' (e.g. 'coder_a, coder_b (consensus)')."""
    if not decided_by_person(record):
        return AUTOMATIC
    who = ", ".join(p.strip() for p in _text(record.get("decided_by", "")).split(";") if p.strip())
    how = _text(record.get("decision_source", ""))
    return f"{who} ({how})" if how and how.lower() not in ("reviewer", "person", who.lower()) else who


def people_checked(coded: pd.DataFrame) -> int:
    """How many findings have codes a person decided."""
    return sum(decided_by_person(rec) for rec in coded.to_dict("records"))


def checked_sentence(coded: pd.DataFrame) -> str:
    """How many of the findings people checked, as a sentence ('60 of 123 findings were checked by people...')."""
    n, total = people_checked(coded), len(coded)
    if total == 0:
        return "There are no findings yet, so none has been checked by a person."
    if n == 0:
        return f"None of the {total} findings has been checked by a person yet: every code is automatic."
    if n == total:
        return f"All {total} findings were checked by people, whose decisions always win."
    return (f"{n} of {total} findings were checked by people, whose decisions always win; "
            f"the codes of the other {total - n} are automatic.")


# ---------------------------------------------------------------- the statements of each cell

SHORT_LIMIT = 110
"""A statement longer than this many characters is shortened in a matrix cell (in full when expanded)."""

POLARITY_ORDER: tuple[str, ...] = tuple(p for p, _, _ in POLARITY_NAMES)

STATEMENT_COLUMNS: tuple[str, ...] = ("case", "dimension", "dimension_label", "polarity", "statement",
                                      "short_statement", "finding_id", "source", "locator", "decided_by")


def short_statement(text: str, limit: int = SHORT_LIMIT) -> str:
    """A statement cut at a word boundary to at most `limit` characters, ending in '…' when cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–(") + "…"


def cell_statements(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]",
                    limit: int = SHORT_LIMIT) -> pd.DataFrame:
    """One row per statement in each matrix cell (case order, dimension order, facilitators, barriers, neutral):
    the statement in full and short, its finding id, source, locator and who decided the code."""
    rank = {p: i for i, p in enumerate(POLARITY_ORDER)}
    rows = []
    for position, rec in enumerate(coded.to_dict("records")):
        who = decision_label(rec)
        for dim in split_ids(rec.get("dimensions")):
            if rec["case"] not in case_ids or dim not in framework.dimension_ids:
                continue
            rows.append({"case": rec["case"], "dimension": dim, "dimension_label": framework.dimension(dim).label,
                         "polarity": rec["polarity"], "statement": " ".join(str(rec["statement"]).split()),
                         "short_statement": short_statement(rec["statement"], limit),
                         "finding_id": rec["finding_id"], "source": rec["source"], "locator": rec["locator"],
                         "decided_by": who,
                         "_order": (case_ids.index(rec["case"]), framework.dimension_ids.index(dim),
                                    rank.get(rec["polarity"], len(rank)), position)})
    table = pd.DataFrame(rows, columns=[*STATEMENT_COLUMNS, "_order"])
    return table.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


# ---------------------------------------------------------------- reviewers' cell summaries

CELL_SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["cell_summaries"], "additionalProperties": False,
    "properties": {
        "reviewer": {"type": "string", "minLength": 1},
        "cell_summaries": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": {"type": "string", "minLength": 1}}}}}
"""evidence/synthesis/cell_summaries.yaml: an optional `reviewer`, and `cell_summaries` as case -> dimension -> text."""

_FINDING_ID = re.compile(r"(?<![\w-])([a-z][a-z0-9_]*-[0-9a-f]{8})(?![\w-])")


@dataclass(frozen=True)
class CellSummaries:
    """The reviewers' own summaries of matrix cells, keyed by (case, dimension), and who wrote them."""

    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    reviewer: str = ""

    def get(self, case: str, dimension: str) -> str:
        """The summary of a cell ('' when the reviewer wrote none)."""
        return self.texts.get((case, dimension), "")

    def __len__(self) -> int:
        return len(self.texts)


def cell_summaries_path(evidence: "Path | None" = None) -> Path:
    """evidence/synthesis/cell_summaries.yaml."""
    return (evidence or evidence_dir()) / "synthesis" / "cell_summaries.yaml"


def parse_cell_summaries(doc: Located, case_ids: "list[str] | None" = None,
                         dimension_ids: "tuple[str, ...] | None" = None,
                         known_ids: "set[str] | None" = None) -> tuple[CellSummaries, list[Problem]]:
    """Cell summaries from a parsed YAML document, and every problem (schema, unknown case, dimension or finding)."""
    found = schema_problems(doc, CELL_SUMMARY_SCHEMA)
    if found:
        return CellSummaries(), found
    texts: dict[tuple[str, str], str] = {}
    for case, cells in doc.data["cell_summaries"].items():
        if case_ids is not None and case not in case_ids:
            found.append(problem(doc.source, f"unknown case id {case!r}.",
                                 f"use one of the ids in cases.yaml: {', '.join(case_ids) or 'none yet'}.",
                                 line=doc.line_of(("cell_summaries", case)), record=str(case)))
            continue
        for dim, text in cells.items():
            line = doc.line_of(("cell_summaries", case, dim))
            if dimension_ids is not None and dim not in dimension_ids:
                found.append(problem(doc.source, f"unknown dimension id {dim!r} under case {case!r}.",
                                     f"use one of: {', '.join(dimension_ids)}.", line=line, record=f"{case}/{dim}"))
                continue
            for fid in _FINDING_ID.findall(text):
                if known_ids is not None and fid not in known_ids:
                    found.append(problem(doc.source, f"names finding id {fid!r}, which no extracted finding has.",
                                         "copy the id from reports/findings/<case>.csv; a reworded bullet gets a "
                                         "new id.", line=line, record=f"{case}/{dim}"))
            texts[(str(case), str(dim))] = " ".join(text.split())
    return CellSummaries(texts, " ".join(str(doc.data.get("reviewer", "")).split())), found


def cell_summary_problems(path: "str | Path", case_ids: "list[str] | None" = None,
                          dimension_ids: "tuple[str, ...] | None" = None,
                          known_ids: "set[str] | None" = None) -> list[Problem]:
    """Every problem of a cell summaries file (none when it is absent)."""
    return optional_file_problems(path, lambda doc: parse_cell_summaries(doc, case_ids, dimension_ids, known_ids)[1])


def load_cell_summaries(path: "str | Path", case_ids: "list[str] | None" = None,
                        dimension_ids: "tuple[str, ...] | None" = None,
                        known_ids: "set[str] | None" = None) -> CellSummaries:
    """The reviewers' cell summaries (none when the file is absent), or an EvidenceError naming every problem."""
    if not Path(path).exists():
        return CellSummaries()
    summaries, found = parse_cell_summaries(load_yaml(path), case_ids, dimension_ids, known_ids)
    if found:
        raise EvidenceError(found)
    return summaries
