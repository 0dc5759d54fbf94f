"""Reviewers' decisions: evidence/reviews/<case>.csv, validated row by row, applied over automatic codes."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from filelock import FileLock

from workbook.core.atomic import write_text
from workbook.core.errors import EvidenceError, Problem, ReviewError, problem
from workbook.core.paths import check_id, evidence_dir
from workbook.core.tables import read_records
from workbook.evidence.framework import POLARITIES, Framework

REVIEW_COLUMNS: tuple[str, ...] = ("finding_id", "dimensions", "polarity", "reviewer", "date", "note")


@dataclass
class ReviewSet:
    """The valid decisions of a review file, and the problems of the rows that were set aside."""

    decisions: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    path: str = ""

    def effective(self) -> pd.DataFrame:
        """One decision per finding: the latest by date, then by position in the file."""
        if self.decisions.empty:
            return self.decisions.copy()
        ordered = self.decisions.sort_values(["date", "row"], kind="stable")
        return ordered.drop_duplicates("finding_id", keep="last").sort_values("row").reset_index(drop=True)


def reviews_path(case_id: str, evidence: "Path | None" = None) -> Path:
    """evidence/reviews/<case>.csv."""
    return (evidence or evidence_dir()) / "reviews" / f"{check_id(case_id, 'case_id')}.csv"


def parse_dimensions(value: str, framework: Framework) -> tuple[tuple[str, ...], list[str]]:
    """Dimension ids from a ';'-joined cell, in framework order, and any unknown ids."""
    ids = [part.strip() for part in str(value).replace(",", ";").split(";") if part.strip()]
    known = set(framework.dimension_ids)
    unknown = [i for i in ids if i not in known]
    return framework.order([i for i in ids if i in known]), unknown


def check_decision(finding_id: str, dimensions: "str | list[str] | tuple[str, ...]", polarity: str,
                   reviewer: str, date: str, framework: Framework) -> tuple[tuple[str, ...], list[str]]:
    """Validate one decision; returns the ordered dimensions and a list of what is wrong (empty if fine)."""
    errors = []
    text = ";".join(dimensions) if isinstance(dimensions, (list, tuple)) else str(dimensions or "")
    dims, unknown = parse_dimensions(text, framework)
    if not str(finding_id).strip():
        errors.append("finding_id is empty")
    if unknown:
        errors.append(f"unknown dimension(s) {', '.join(map(repr, unknown))}; use: {', '.join(framework.dimension_ids)}")
    if polarity not in POLARITIES:
        errors.append(f"unknown polarity {polarity!r}; use: {', '.join(POLARITIES)}")
    if not str(reviewer).strip():
        errors.append("reviewer is empty; give the reviewer's name or initials")
    try:
        dt.date.fromisoformat(str(date))
    except ValueError:
        errors.append(f"date {date!r} is not YYYY-MM-DD")
    return dims, errors


def load_reviews(case_id: str, framework: Framework, evidence: "Path | None" = None) -> ReviewSet:
    """Load a case's review file; bad rows are reported by line and set aside, the others load."""
    path = reviews_path(case_id, evidence)
    empty = pd.DataFrame(columns=[*REVIEW_COLUMNS, "row", "line"])
    records, problems = read_records(path, REVIEW_COLUMNS)
    rows = []
    for rec in records:
        line = int(rec["_line"])
        dims, errors = check_decision(rec["finding_id"], rec["dimensions"], rec["polarity"], rec["reviewer"],
                                      rec["date"], framework)
        if errors:
            problems.append(problem(path, "; ".join(errors) + ".", "correct the row; the other rows still load.",
                                    line=line, record=rec.get("finding_id") or None))
            continue
        rows.append({**{c: rec[c] for c in REVIEW_COLUMNS}, "dimensions": ";".join(dims), "row": int(rec["_row"]),
                     "line": line})
    problems.sort(key=lambda p: p.line or 0)
    return ReviewSet(pd.DataFrame(rows, columns=[*REVIEW_COLUMNS, "row", "line"]) if rows else empty, problems, str(path))


def _lock_for(path: Path) -> FileLock:
    """A lock serialising writers of one review file (kept outside evidence/)."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    return FileLock(Path(tempfile.gettempdir()) / f"workbook-review-{digest}.lock", timeout=30)


def record_decision(case_id: str, finding_id: str, dimensions: "list[str] | tuple[str, ...] | str", polarity: str,
                    reviewer: str, framework: Framework, note: str = "", date: "str | None" = None,
                    evidence: "Path | None" = None) -> Path:
    """Append a reviewer's decision to evidence/reviews/<case>.csv atomically; invalid decisions are refused."""
    date = date or dt.date.today().isoformat()
    dims, errors = check_decision(finding_id, dimensions, polarity, reviewer, date, framework)
    if errors:
        raise ReviewError(problem(reviews_path(case_id, evidence), f"decision for {finding_id!r} refused: "
                                  + "; ".join(errors) + ".", "correct the decision and save again."))
    path = reviews_path(case_id, evidence)
    with _lock_for(path):
        existing = path.read_text(encoding="utf-8-sig") if path.exists() else ""
        if existing and not existing.endswith("\n"):
            existing += "\n"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if not existing.strip():
            writer.writerow(REVIEW_COLUMNS)
        writer.writerow([finding_id, ";".join(dims), polarity, " ".join(str(reviewer).split()), date,
                         " ".join(str(note).split())])
        write_text(path, existing + buffer.getvalue())
    return path


def apply_decisions(coded: pd.DataFrame, reviews: ReviewSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Final codes (a reviewer's decision always wins) and the orphaned decisions whose finding is gone."""
    out = coded.copy()
    out["decided_by"] = "auto"
    out["review_date"] = ""
    out["review_note"] = ""
    effective = reviews.effective()
    if effective.empty:
        return out, effective.drop(columns=["row"], errors="ignore")
    by_id = effective.set_index("finding_id")
    hit = out["finding_id"].isin(by_id.index)
    ids = out.loc[hit, "finding_id"]
    out.loc[hit, "dimensions"] = ids.map(by_id["dimensions"]).to_numpy()
    out.loc[hit, "polarity"] = ids.map(by_id["polarity"]).to_numpy()
    out.loc[hit, "decided_by"] = ids.map(by_id["reviewer"]).to_numpy()
    out.loc[hit, "review_date"] = ids.map(by_id["date"]).to_numpy()
    out.loc[hit, "review_note"] = ids.map(by_id["note"]).to_numpy()
    orphans = effective[~effective["finding_id"].isin(out["finding_id"])].drop(columns=["row"])
    return out, orphans.reset_index(drop=True)


def all_reviews(case_ids: "list[str]", framework: Framework, evidence: "Path | None" = None) -> pd.DataFrame:
    """Every valid decision of the given cases, with a `case` column (all reviewers, not only the effective one)."""
    frames = []
    for cid in case_ids:
        rs = load_reviews(cid, framework, evidence)
        if not rs.decisions.empty:
            frames.append(rs.decisions.assign(case=cid))
    if not frames:
        return pd.DataFrame(columns=[*REVIEW_COLUMNS, "row", "line", "case"])
    return pd.concat(frames, ignore_index=True)


def raise_problems(reviews: ReviewSet) -> None:
    """Raise the problems of a review set as one EvidenceError (for strict validation)."""
    if reviews.problems:
        raise EvidenceError(reviews.problems)
