"""Outcome figures reported by the cases (evidence/outcomes.csv): checked row by row, change computed when possible."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from workbook.core.errors import EvidenceError, Problem, problem
from workbook.core.paths import evidence_dir
from workbook.core.tables import read_records

OUTCOME_COLUMNS: tuple[str, ...] = (
    "case", "measure", "baseline", "baseline_period", "follow_up", "follow_up_period", "reported_change",
    "unit", "source", "locator", "note")
NUMERIC_COLUMNS: tuple[str, ...] = ("baseline", "follow_up")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$|^\[(.+)\]\s*$")


def outcomes_path(evidence: "Path | None" = None) -> Path:
    """evidence/outcomes.csv."""
    return (evidence or evidence_dir()) / "outcomes.csv"


def parse_number(text: str) -> float | None:
    """A plain number ('750', '-2.5'); '' gives None; anything else raises ValueError."""
    text = str(text).strip()
    if not text:
        return None
    if not _NUMBER.match(text):
        raise ValueError(text)
    return float(text)


def read_rows(path: "str | Path") -> tuple[list[dict[str, str]], list[Problem]]:
    """The rows of an outcomes file with their line numbers (key '_line'), and the problems of its shape."""
    return read_records(path, OUTCOME_COLUMNS)


def source_headings(path: "str | Path") -> set[str]:
    """The locators (section headings) of a source file, whitespace collapsed."""
    out = set()
    for raw in Path(path).read_text(encoding="utf-8-sig").splitlines():
        m = _HEADING.match(raw.strip())
        if m:
            out.add(" ".join((m.group(1) or m.group(2)).split()))
    return out


def outcome_problems(path: "str | Path", case_sources: "dict[str, tuple[str, ...]]",
                     headings: "dict[str, set[str]] | None" = None) -> list[Problem]:
    """Every problem of an outcomes file: numbers, known case and source, locator present (and a heading)."""
    rows, found = read_rows(path)
    for row in rows:
        line, rec = int(row["_line"]), row.get("measure") or None
        errors: list[tuple[str, str]] = []
        for col in NUMERIC_COLUMNS:
            try:
                parse_number(row[col])
            except ValueError:
                errors.append((f"{col} {row[col]!r} is not a number",
                               f"write the number only (no units, commas or words), or leave {col} empty and "
                               "give the figure as reported in reported_change"))
        if row["case"] not in case_sources:
            errors.append((f"unknown case {row['case']!r}", f"use one of: {', '.join(case_sources)}"))
        elif row["source"] not in case_sources[row["case"]]:
            errors.append((f"source {row['source']!r} is not a source of case {row['case']!r}",
                           f"use one of: {', '.join(case_sources[row['case']])}"))
        if not row["measure"]:
            errors.append(("measure is empty", "name what was measured"))
        if not row["locator"]:
            errors.append(("locator is empty", "give the section or page of the source the figure comes from"))
        elif headings is not None and row["source"] in headings and row["locator"] not in headings[row["source"]]:
            errors.append((f"locator {row['locator']!r} is not a heading of source {row['source']!r}",
                           f"use one of: {'; '.join(sorted(headings[row['source']]))}"))
        has_pair = bool(row["baseline"]) and bool(row["follow_up"])
        if bool(row["baseline"]) != bool(row["follow_up"]):
            errors.append(("only one of baseline and follow_up is given",
                           "give both numbers, or neither and put the figure as reported in reported_change"))
        elif not has_pair and not row["reported_change"]:
            errors.append(("no figure: baseline/follow_up and reported_change are all empty",
                           "give baseline and follow_up, or reported_change"))
        for message, fix in errors:
            found.append(problem(path, message + ".", fix + ".", line=line, record=rec))
    return sorted(found, key=lambda p: p.line or 0)


def load_outcomes(evidence: "Path | None" = None) -> pd.DataFrame:
    """The outcomes table as text columns in file order (empty with the right columns if the file is absent)."""
    rows, found = read_rows(outcomes_path(evidence))
    if found:
        raise EvidenceError(found)
    return pd.DataFrame([{c: r[c] for c in OUTCOME_COLUMNS} for r in rows], columns=list(OUTCOME_COLUMNS))


def compute_change(baseline: str, follow_up: str) -> tuple[float | None, float | None]:
    """(absolute change, percent change) when both values are numbers; percent is None for a zero baseline."""
    try:
        b, f = parse_number(baseline), parse_number(follow_up)
    except ValueError:
        return None, None
    if b is None or f is None:
        return None, None
    change = f - b
    percent = round(change / b * 100, 1) if b != 0 else None
    return change, percent


def format_number(value: float) -> str:
    """A number as a reader expects it: no trailing '.0', thousands separated."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def outcomes_table(outcomes: pd.DataFrame, citations: "dict[str, str] | None" = None) -> pd.DataFrame:
    """The outcomes with the change computed where both values are given, else the change as reported."""
    rows = []
    for rec in outcomes.to_dict("records"):
        change, percent = compute_change(rec["baseline"], rec["follow_up"])
        if change is not None:
            shown = f"{'+' if change > 0 else ''}{format_number(change)} {rec['unit']}".strip()
            if percent is not None:
                shown += f" ({'+' if percent > 0 else ''}{percent:.1f}%)"
            basis = "computed from baseline and follow-up"
        else:
            shown, basis = rec["reported_change"], "as reported by the source" if rec["reported_change"] else ""
        rows.append({
            "case": rec["case"], "measure": rec["measure"],
            "baseline": _with_period(rec["baseline"], rec["baseline_period"]),
            "follow_up": _with_period(rec["follow_up"], rec["follow_up_period"]),
            "unit": rec["unit"], "change": shown, "change_basis": basis,
            "change_abs": change if change is not None else math.nan,
            "change_pct": percent if percent is not None else math.nan,
            "source": rec["source"], "citation": (citations or {}).get(rec["source"], rec["source"]),
            "locator": rec["locator"], "note": rec["note"]})
    columns = ["case", "measure", "baseline", "follow_up", "unit", "change", "change_basis", "change_abs",
               "change_pct", "source", "citation", "locator", "note"]
    return pd.DataFrame(rows, columns=columns)


def _with_period(value: str, period: str) -> str:
    """'750 (1998/99)', '750', '(2003)' for a period without a value, or ''."""
    if value and period:
        return f"{value} ({period})"
    if period:
        return f"({period})"
    return value
