"""Reviewers' decisions: one append-only file per reviewer and case, consensus decisions, validated row by row,
applied over automatic codes (consensus, then the latest decision, then the automatic codes).

Layout in evidence/reviews/ (every file a UTF-8 CSV):

- ``<case>/<reviewer_id>.csv``: one reviewer's decisions on a case (``finding_id,dimensions,polarity,reviewer,
  date,note``), only ever appended to, so reviewers on separate copies of the project merge with git without
  conflicts (each writes only their own file);
- ``<case>/consensus.csv``: adjudicated decisions (``finding_id,dimensions,polarity,participants,reviewer,date,
  note``; ``participants`` names everyone who took part, ``reviewer`` the adjudicator who recorded it);
- ``<case>/sample.csv``: the findings drawn for double coding (``finding_id,source,share,seed``);
- ``<case>.csv``: the single shared file of earlier versions (same columns as a reviewer file), still read.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbook.core.atomic import write_text
from workbook.core.errors import EvidenceError, ParameterError, Problem, ReviewError, problem
from workbook.core.paths import ID_PATTERN, check_id, evidence_dir
from workbook.core.tables import append_row, read_records
from workbook.evidence.framework import POLARITIES, Framework

REVIEW_COLUMNS: tuple[str, ...] = ("finding_id", "dimensions", "polarity", "reviewer", "date", "note")
CONSENSUS_COLUMNS: tuple[str, ...] = ("finding_id", "dimensions", "polarity", "participants", "reviewer", "date",
                                      "note")
SAMPLE_COLUMNS: tuple[str, ...] = ("finding_id", "source", "share", "seed")
RESERVED: tuple[str, ...] = ("consensus", "sample", "candidates")
"""File names in evidence/reviews/<case>/ that are not reviewers (candidates.csv: accept/reject decisions on
candidate findings of full-text sources, workbook.extract.findings)."""
DECISION_SOURCES: tuple[str, ...] = ("consensus", "reviewer", "automatic")
"""Where a finding's final codes come from, in order of precedence."""
LOADED_COLUMNS: tuple[str, ...] = (*REVIEW_COLUMNS, "file", "row", "line", "when", "reviewer_key")
CONSENSUS_LOADED: tuple[str, ...] = (*CONSENSUS_COLUMNS, "file", "row", "line", "when", "reviewer_key")
FINAL_COLUMNS: tuple[str, ...] = ("finding_id", "dimensions", "polarity", "decision_source", "decided_by", "date",
                                  "note")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?)?")


# ---------------------------------------------------------------- where decisions live

def reviews_path(case_id: str, evidence: "Path | None" = None) -> Path:
    """evidence/reviews/<case>.csv: the shared file of earlier versions (read, never written)."""
    return (evidence or evidence_dir()) / "reviews" / f"{check_id(case_id, 'case_id')}.csv"


def case_dir(case_id: str, evidence: "Path | None" = None) -> Path:
    """evidence/reviews/<case>/: one file per reviewer, consensus.csv and sample.csv."""
    return (evidence or evidence_dir()) / "reviews" / check_id(case_id, "case_id")


def reviewer_id(name: str) -> str:
    """The file-safe id of a reviewer's name (lower-case letters, digits, underscores): 'Jane Doe' -> 'jane_doe'."""
    text = " ".join(str(name or "").split())
    if not text:
        raise ReviewError("the reviewer's name is empty. Fix: type your name or initials in Reviewer.")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")
    if not slug:  # a name in a script with no ASCII letters: a stable id from its bytes
        slug = "r_" + hashlib.sha1(text.encode()).hexdigest()[:10]
    if not slug[0].isalpha():
        slug = "r_" + slug
    slug = slug[:64].rstrip("_")
    if slug in RESERVED:
        raise ReviewError(f"{text!r} cannot be a reviewer's name (it names the {slug} file). "
                          "Fix: type your own name or initials in Reviewer.")
    return slug


def reviewer_path(case_id: str, reviewer: str, evidence: "Path | None" = None) -> Path:
    """evidence/reviews/<case>/<reviewer_id>.csv."""
    return case_dir(case_id, evidence) / f"{reviewer_id(reviewer)}.csv"


def consensus_path(case_id: str, evidence: "Path | None" = None) -> Path:
    """evidence/reviews/<case>/consensus.csv."""
    return case_dir(case_id, evidence) / "consensus.csv"


def sample_path(case_id: str, evidence: "Path | None" = None) -> Path:
    """evidence/reviews/<case>/sample.csv."""
    return case_dir(case_id, evidence) / "sample.csv"


def reviewer_files(case_id: str, evidence: "Path | None" = None) -> list[Path]:
    """The case's decision files: the earlier shared file (if any), then each reviewer's file by name."""
    legacy = reviews_path(case_id, evidence)
    folder = case_dir(case_id, evidence)
    own = sorted(p for p in folder.glob("*.csv") if p.stem not in RESERVED and p.is_file()) if folder.is_dir() else []
    return ([legacy] if legacy.is_file() else []) + own


# ---------------------------------------------------------------- checking one decision

def parse_dimensions(value: str, framework: Framework) -> tuple[tuple[str, ...], list[str]]:
    """Dimension ids from a ';'-joined cell, in framework order, and any unknown ids."""
    ids = [part.strip() for part in str(value).replace(",", ";").split(";") if part.strip()]
    known = set(framework.dimension_ids)
    unknown = [i for i in ids if i not in known]
    return framework.order([i for i in ids if i in known]), unknown


def parse_when(value: str) -> "str | None":
    """A decision's date or timestamp as sortable UTC text 'YYYY-MM-DDTHH:MM:SS', or None when not ISO 8601."""
    text = str(value or "").strip()
    if not _DATE.fullmatch(text):
        return None
    try:
        if "T" not in text:
            return dt.date.fromisoformat(text).isoformat() + "T00:00:00"
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def now() -> str:
    """The current UTC time as a decision's date: 'YYYY-MM-DDTHH:MM:SSZ'."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    if parse_when(date) is None:
        errors.append(f"date {date!r} is not YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SSZ)")
    return dims, errors


def split_people(value: str) -> list[str]:
    """Names from a ';'-joined participants cell, whitespace tidied, in order, without repeats."""
    out: list[str] = []
    for part in str(value or "").split(";"):
        name = " ".join(part.split())
        if name and name not in out:
            out.append(name)
    return out


# ---------------------------------------------------------------- reading

@dataclass
class ReviewSet:
    """Every valid decision of a case (all reviewers, consensus apart) and the problems of the rows set aside."""

    decisions: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    path: str = ""
    consensus: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(CONSENSUS_LOADED)))

    def _ordered(self, table: pd.DataFrame) -> pd.DataFrame:
        return table.sort_values(["when", "row"], kind="stable")

    def effective(self) -> pd.DataFrame:
        """One reviewer decision per finding: the latest by date, then by position (consensus not included)."""
        if self.decisions.empty:
            return self.decisions.copy()
        latest = self._ordered(self.decisions).drop_duplicates("finding_id", keep="last")
        return latest.sort_values("row").reset_index(drop=True)

    def latest_by_reviewer(self) -> pd.DataFrame:
        """Each reviewer's latest decision on each finding, earliest first."""
        if self.decisions.empty:
            return self.decisions.copy()
        latest = self._ordered(self.decisions).drop_duplicates(["finding_id", "reviewer_key"], keep="last")
        return latest.reset_index(drop=True)

    def independent(self) -> pd.DataFrame:
        """Each reviewer's first decision on each finding: the one made before seeing anyone else's."""
        if self.decisions.empty:
            return self.decisions.copy()
        first = self._ordered(self.decisions).drop_duplicates(["finding_id", "reviewer_key"], keep="first")
        return first.sort_values("row").reset_index(drop=True)

    def agreed(self) -> pd.DataFrame:
        """The latest consensus decision per finding."""
        if self.consensus.empty:
            return self.consensus.copy()
        latest = self._ordered(self.consensus).drop_duplicates("finding_id", keep="last")
        return latest.sort_values("row").reset_index(drop=True)

    def final(self) -> pd.DataFrame:
        """One decision per decided finding: consensus where there is one, else the latest reviewer decision."""
        agreed = self.agreed()
        latest = self.effective()
        rows = [{"finding_id": r.finding_id, "dimensions": r.dimensions, "polarity": r.polarity,
                 "decision_source": "consensus", "decided_by": ";".join(split_people(r.participants)),
                 "date": r.date, "note": r.note} for r in agreed.itertuples(index=False)]
        done = set(agreed["finding_id"])
        rows += [{"finding_id": r.finding_id, "dimensions": r.dimensions, "polarity": r.polarity,
                  "decision_source": "reviewer", "decided_by": r.reviewer, "date": r.date, "note": r.note}
                 for r in latest.itertuples(index=False) if r.finding_id not in done]
        return pd.DataFrame(rows, columns=list(FINAL_COLUMNS))

    def disagreements(self) -> list[str]:
        """Findings whose reviewers' latest decisions differ (dimensions or polarity) and have no consensus yet."""
        latest = self.latest_by_reviewer()
        if latest.empty:
            return []
        codes = latest.assign(codes=latest["dimensions"] + "|" + latest["polarity"])
        counts = codes.groupby("finding_id", sort=False).agg(people=("reviewer_key", "nunique"),
                                                              variants=("codes", "nunique"))
        agreed = set(self.consensus["finding_id"])
        return [str(f) for f, row in counts.iterrows()
                if row["people"] >= 2 and row["variants"] > 1 and f not in agreed]

    def by_finding(self, finding_id: str) -> pd.DataFrame:
        """Every reviewer's latest decision on one finding (one row per reviewer)."""
        latest = self.latest_by_reviewer()
        return latest[latest["finding_id"] == finding_id].reset_index(drop=True)

    def problems_for(self, finding_id: str) -> list[Problem]:
        """The unreadable rows that name a finding."""
        return [p for p in self.problems if p.record == finding_id]


def _key(name: str) -> str:
    """The id a reviewer's decisions are grouped by ('AB' and 'ab' are one reviewer)."""
    try:
        return reviewer_id(name)
    except ReviewError:
        return " ".join(str(name).split()).lower()


def _load_rows(path: Path, columns: tuple[str, ...], framework: Framework, start: int,
               owner: "str | None" = None, consensus: bool = False) -> tuple[list[dict], list[Problem]]:
    """The valid rows of one decision file (with file, row, line and when) and the problems of the others."""
    records, problems = read_records(path, columns)
    rows = []
    shown = problem(path, "").file
    for n, rec in enumerate(records):
        line = int(rec["_line"])
        dims, errors = check_decision(rec["finding_id"], rec["dimensions"], rec["polarity"], rec["reviewer"],
                                      rec["date"], framework)
        fix = "correct the row; the other rows still load."
        if owner is not None and str(rec["reviewer"]).strip() and not errors:
            try:
                mine = reviewer_id(rec["reviewer"])
            except ReviewError as exc:
                errors.append(str(exc).split(". Fix:")[0])
            else:
                if mine != owner:
                    errors.append(f"reviewer {rec['reviewer']!r} does not own this file (it is {owner!r}'s)")
                    fix = f"move the row to {mine}.csv beside this file; the other rows still load."
        if consensus and len(split_people(rec["participants"])) < 2:
            errors.append(f"participants {rec['participants']!r} name fewer than two people")
            fix = "list everyone who took part, separated by ';'; the other rows still load."
        if errors:
            problems.append(problem(path, "; ".join(errors) + ".", fix, line=line,
                                    record=rec.get("finding_id") or None))
            continue
        rows.append({**{c: rec[c] for c in columns}, "dimensions": ";".join(dims), "file": shown,
                     "row": start + n, "line": line, "when": parse_when(rec["date"]),
                     "reviewer_key": owner or _key(rec["reviewer"])})
    problems.sort(key=lambda p: p.line or 0)
    return rows, problems


def load_reviews(case_id: str, framework: Framework, evidence: "Path | None" = None) -> ReviewSet:
    """Load every decision file of a case; bad rows are reported by file and line and set aside, the others load."""
    rows: list[dict] = []
    problems: list[Problem] = []
    legacy = reviews_path(case_id, evidence)
    folder = case_dir(case_id, evidence)
    for path in reviewer_files(case_id, evidence):
        owner = None if path == legacy else path.stem
        if owner is not None and not ID_PATTERN.fullmatch(owner):
            problems.append(problem(path, "is not named after a reviewer id (lower-case letters, digits, "
                                    "underscores).", f"rename it {_key(owner) or 'your_name'}.csv "
                                    "(the id of the reviewer column's name).", line=1))
            continue
        found, bad = _load_rows(path, REVIEW_COLUMNS, framework, len(rows), owner)
        rows += found
        problems += bad
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if (path.is_dir() or path.suffix != ".csv") and not path.name.startswith("."):
                problems.append(problem(path, "is not a CSV of decisions, so it is never read.",
                                        "remove it, or save it as <reviewer_id>.csv."))
    agreed, bad = _load_rows(consensus_path(case_id, evidence), CONSENSUS_COLUMNS, framework, len(rows),
                             consensus=True)
    problems += bad
    problems += load_sample(case_id, evidence)[1]
    decisions = pd.DataFrame(rows, columns=list(LOADED_COLUMNS))
    consensus = pd.DataFrame(agreed, columns=list(CONSENSUS_LOADED))
    return ReviewSet(decisions, problems, str(folder), consensus)


# ---------------------------------------------------------------- writing

def _append(path: Path, columns: tuple[str, ...], values: list[str]) -> Path:
    """Append one row to a review CSV atomically under its lock (header first when the file is new)."""
    return append_row(path, columns, values, lock_name="workbook-review")


def record_decision(case_id: str, finding_id: str, dimensions: "list[str] | tuple[str, ...] | str", polarity: str,
                    reviewer: str, framework: Framework, note: str = "", date: "str | None" = None,
                    evidence: "Path | None" = None) -> Path:
    """Append a reviewer's decision to evidence/reviews/<case>/<reviewer_id>.csv; invalid decisions are refused."""
    date = date or now()
    dims, errors = check_decision(finding_id, dimensions, polarity, reviewer, date, framework)
    if errors:
        where = reviewer_path(case_id, reviewer, evidence) if str(reviewer).strip() else case_dir(case_id, evidence)
        raise ReviewError(problem(where, f"decision for {finding_id!r} refused: " + "; ".join(errors) + ".",
                                  "correct the decision and save again."))
    path = reviewer_path(case_id, reviewer, evidence)
    return _append(path, REVIEW_COLUMNS, [finding_id, ";".join(dims), polarity, " ".join(str(reviewer).split()),
                                          date, " ".join(str(note).split())])


def record_consensus(case_id: str, finding_id: str, dimensions: "list[str] | tuple[str, ...] | str", polarity: str,
                     participants: "list[str]", adjudicator: str, framework: Framework, note: str = "",
                     date: "str | None" = None, evidence: "Path | None" = None) -> Path:
    """Append an agreed decision, with everyone who took part (the adjudicator too), to <case>/consensus.csv."""
    date = date or now()
    path = consensus_path(case_id, evidence)
    dims, errors = check_decision(finding_id, dimensions, polarity, adjudicator, date, framework)
    people = split_people(";".join([*participants, adjudicator]))
    if len(people) < 2:
        errors.append("a consensus needs at least two people (the reviewers who disagreed and the adjudicator)")
    if errors:
        raise ReviewError(problem(path, f"consensus for {finding_id!r} refused: " + "; ".join(errors) + ".",
                                  "correct the decision and save again."))
    return _append(path, CONSENSUS_COLUMNS, [finding_id, ";".join(dims), polarity, ";".join(people),
                                             " ".join(str(adjudicator).split()), date, " ".join(str(note).split())])


# ---------------------------------------------------------------- applying

def apply_decisions(coded: pd.DataFrame, reviews: ReviewSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Final codes (consensus, then the latest decision, then the automatic codes), with decision_source and
    decided_by; and the decisions whose finding is gone (orphans)."""
    out = coded.copy()
    out["decision_source"] = "automatic"
    out["decided_by"] = "auto"
    out["review_date"] = ""
    out["review_note"] = ""
    final = reviews.final()
    if final.empty:
        return out, final
    by_id = final.set_index("finding_id")
    hit = out["finding_id"].isin(by_id.index)
    ids = out.loc[hit, "finding_id"]
    for target, source in (("dimensions", "dimensions"), ("polarity", "polarity"),
                           ("decision_source", "decision_source"), ("decided_by", "decided_by"),
                           ("review_date", "date"), ("review_note", "note")):
        out.loc[hit, target] = ids.map(by_id[source]).to_numpy()
    orphans = final[~final["finding_id"].isin(out["finding_id"])]
    return out, orphans.reset_index(drop=True)


def decision_counts(coded: pd.DataFrame) -> pd.DataFrame:
    """Per case: how many findings took their codes from a consensus, a reviewer, or the automatic coder."""
    source = coded["decision_source"] if "decision_source" in coded else pd.Series("automatic", index=coded.index)
    table = pd.crosstab(coded["case"], source).reindex(columns=list(DECISION_SOURCES), fill_value=0)
    order = list(dict.fromkeys(coded["case"]))
    table = table.reindex(order).fillna(0).astype(int)
    table["findings"] = table.sum(axis=1)
    table.loc["all"] = table.sum()
    return table.reset_index(names="case").rename_axis(columns=None)


def all_reviews(case_ids: "list[str]", framework: Framework, evidence: "Path | None" = None,
                independent: bool = False) -> pd.DataFrame:
    """Every valid decision of the given cases with a `case` column (or, if `independent`, each reviewer's first)."""
    frames = []
    for cid in case_ids:
        rs = load_reviews(cid, framework, evidence)
        table = rs.independent() if independent else rs.decisions
        if not table.empty:
            frames.append(table.assign(case=cid))
    if not frames:
        return pd.DataFrame(columns=[*LOADED_COLUMNS, "case"])
    return pd.concat(frames, ignore_index=True)


def review_problems(case_ids: "list[str]", framework: Framework, evidence: "Path | None" = None) -> list[Problem]:
    """The unreadable review rows of the given cases, by file and line."""
    return [p for cid in case_ids for p in load_reviews(cid, framework, evidence).problems]


ALLOW_FLAG = "--allow-unreadable-reviews"
"""The `workbook report` flag that publishes despite unreadable review rows (listing them in the report)."""


def require_readable(reviews: ReviewSet) -> None:
    """Refuse a case whose review files have unreadable rows: a decision must never be dropped in silence."""
    if not reviews.problems:
        return
    first = reviews.problems[0]
    more = len(reviews.problems) - 1
    message = (first.message.rstrip(".") + "; this reviewer decision would be lost"
               + (f" (and {more} more unreadable row(s), listed by `workbook validate`)" if more else "") + ".")
    row_fix = first.fix.rstrip(".") if first.fix else "correct the row"
    if row_fix.startswith("correct the row"):
        row_fix = "correct the row"
    fix = f"{row_fix}, or publish anyway with `workbook report {ALLOW_FLAG}`, which lists the problem at the top of the report"
    raise EvidenceError(Problem(first.file, message, fix, first.line, first.column, first.record))


def raise_problems(reviews: ReviewSet) -> None:
    """Raise the problems of a review set as one EvidenceError (for strict validation)."""
    if reviews.problems:
        raise EvidenceError(reviews.problems)


# ---------------------------------------------------------------- the double-coding sample

def draw_sample(findings: pd.DataFrame, share: float, seed: int = 0) -> pd.DataFrame:
    """A reproducible share of findings for double coding, stratified by source (largest remainders), by seed."""
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < float(share) <= 1:
        raise ParameterError(f"share {share!r} is not a fraction above 0 and at most 1. Fix: give e.g. 0.2 for 20%.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed {seed!r} is not a whole number of 0 or more. Fix: give e.g. --seed 1.")
    missing = [c for c in ("finding_id", "source") if c not in findings.columns]
    if missing:
        raise ParameterError(f"findings lack column(s) {', '.join(missing)}. Fix: give extracted findings.")
    table = findings.drop_duplicates("finding_id").sort_values(["source", "finding_id"], kind="stable")
    sizes = table.groupby("source", sort=True).size()
    target = round(float(share) * len(table))
    exact = sizes * float(share)
    taken = np.floor(exact).astype(int)
    rest = target - int(taken.sum())
    if rest > 0:  # the sources with the largest remainders take one more each (ties by source id)
        order = sorted(sizes.index, key=lambda s: (-(exact[s] - taken[s]), s))
        for source in order[:rest]:
            taken[source] += 1
    rng = np.random.default_rng(int(seed))
    picked = []
    for source, group in table.groupby("source", sort=True):
        n = int(min(taken[source], len(group)))
        if n:
            index = rng.permutation(len(group))[:n]
            picked.append(group.iloc[sorted(index)])
    out = pd.concat(picked) if picked else table.iloc[0:0]
    return pd.DataFrame({"finding_id": out["finding_id"].astype(str), "source": out["source"].astype(str),
                         "share": f"{float(share):g}", "seed": str(int(seed))}).reset_index(drop=True)


def load_sample(case_id: str, evidence: "Path | None" = None) -> tuple[list[str], list[Problem]]:
    """The finding ids of a case's double-coding sample (none when there is no sample.csv), and any problems."""
    records, problems = read_records(sample_path(case_id, evidence), SAMPLE_COLUMNS)
    return [r["finding_id"] for r in records if r["finding_id"]], problems


def write_sample(case_id: str, sample: pd.DataFrame, evidence: "Path | None" = None, replace: bool = False) -> Path:
    """Write a case's sample to evidence/reviews/<case>/sample.csv atomically; a different existing one is kept
    unless `replace`."""
    path = sample_path(case_id, evidence)
    buffer = io.StringIO()
    sample[list(SAMPLE_COLUMNS)].to_csv(buffer, index=False, lineterminator="\n")
    if path.exists() and not replace and path.read_text(encoding="utf-8-sig") != buffer.getvalue():
        raise ParameterError(problem(path, "already holds a different sample (reviewers may be coding it).",
                                     "keep it, or pass --replace to draw a new one."))
    return write_text(path, buffer.getvalue())
