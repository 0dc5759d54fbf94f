"""The framework's delivery checklist per case: each "delivery requires" item supported, contradicted or not addressed.

Automatic mapping (every link carries its reason):

1. Only findings coded with the item's dimension are considered.
2. A finding addresses an item when it shares at least ``MIN_SHARED`` content words with the item's
   text (compared as Snowball stems), or matches one of the item's cues in framework.yaml. These words
   do not count: words that only restate the dimension's name (``vision`` for a vision item);
   function words and vague words (``keep``, ``use``, ``difference``, ``support``); and words used by
   at least ``COMMON_SHARE`` of all the findings (and at least ``COMMON_MIN`` of them), such as
   ``care``, ``organisations`` or ``staff``, which say nothing about a specific item.
3. A facilitator that addresses the item supports it; a barrier contradicts it; a neutral finding
   is listed as context and does not change the status.
4. Status: ``supported`` (only support), ``contradicted`` (only contradiction), ``mixed`` (both),
   ``not addressed`` (neither).

A reviewer sets an item by a row in ``evidence/checklist/<case>.csv`` (columns ``requirement_id,
status, finding_ids, reviewer, date, note``); the latest row per item wins and replaces the
automatic status and findings, which stay visible as ``auto_status``.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from workbook.coding.cues import cue_regex, normalise, stems, tokens
from workbook.core.errors import Problem, problem
from workbook.core.paths import evidence_dir
from workbook.core.tables import read_records
from workbook.evidence.framework import Dimension, Framework, Requirement
from workbook.synthesis.matrix import split_ids

STATUSES: tuple[str, ...] = ("supported", "contradicted", "mixed", "not addressed")
DECISION_COLUMNS: tuple[str, ...] = ("requirement_id", "status", "finding_ids", "reviewer", "date", "note")
CHECKLIST_COLUMNS: tuple[str, ...] = (
    "case", "dimension", "requirement_id", "requirement", "status", "finding_ids", "supporting_ids",
    "contradicting_ids", "context_ids", "reasons", "auto_status", "decided_by", "review_date", "review_note")
MIN_SHARED = 1
"""How many content words a finding must share with an item's text to address it."""

STOPWORDS = frozenset("""
a about above after again against all also an and any are as at be because been before being between both but by
can could did do does doing done each even every few for from further had has have having how i if in into is it its
itself just more most much must no nor not of off on once one only or other our out over own same should so some
such than that the their them then there these they this those through to too under until up upon very was we were
what when where which while who whom why will with within would you your across actually being make made making
well way ways kind kinds different level levels set sets range wide take takes taken
""".split())
VAGUE_STEMS = frozenset(stems(
    "integration integrated care health social service work people person keep top use turn shown told apart "
    "build new good include fit enough sit hold final line view differ difference achieve support deliver "
    "effect effective need continue continually approach"))
"""Stems too vague to tie a finding to one item (several have unrelated senses: 'line', 'continually')."""
COMMON_SHARE = 0.10
COMMON_MIN = 5
MAX_CASE_SECTIONS = 8
"""Up to this many cases the report gives each case's checklist its own section; beyond, one table of all cases."""
DETAIL_COLUMNS: tuple[str, ...] = ("requirement_id", "requirement", "status", "reasons", "auto_status", "decided_by")
"""The columns of a detailed checklist table shown in the report (the files keep every column)."""


@dataclass(frozen=True)
class Match:
    """Why a finding addresses an item: the item's words it shares and the item's cues it matches."""

    words: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return len(self.words) >= MIN_SHARED or bool(self.cues)

    def describe(self) -> str:
        """'shares "heart", "vision"; cue "x"'."""
        parts = []
        if self.words:
            parts.append("shares " + ", ".join(f"'{w}'" for w in self.words))
        if self.cues:
            parts.append("matches cue " + ", ".join(f"'{c}'" for c in self.cues))
        return "; ".join(parts)


@dataclass(frozen=True)
class DetailTable:
    """One detailed checklist table of the report: its section heading, rows, table name, caption and shown columns."""

    heading: str
    table: pd.DataFrame
    name: str
    caption: str
    show: list[str]


@dataclass
class DecisionSet:
    """Valid reviewer decisions of a checklist file, and the problems of rows set aside."""

    decisions: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)


def _name_stems(dimension: Dimension) -> set[str]:
    return set(stems(f"{dimension.id.replace('_', ' ')} {dimension.label}"))


def common_stems(statements: "Iterable[str]") -> frozenset[str]:
    """Stems used by at least COMMON_SHARE of the statements (and at least COMMON_MIN of them)."""
    counts: Counter[str] = Counter()
    n = 0
    for text in statements:
        counts.update(set(stems(text)))
        n += 1
    return frozenset(s for s, k in counts.items() if k >= COMMON_MIN and k >= COMMON_SHARE * n)


def item_terms(requirement: Requirement, dimension: Dimension,
               common: "frozenset[str]" = frozenset()) -> dict[str, str]:
    """The item's content stems mapped to the word they come from (name, vague and common words left out)."""
    names = _name_stems(dimension)
    out: dict[str, str] = {}
    for word in tokens(requirement.text):
        if word in STOPWORDS or len(word) < 3:
            continue
        stem = stems(word)[0]
        if stem in VAGUE_STEMS or stem in common or any(stem.startswith(n) or n.startswith(stem)
                                                        for n in names if min(len(n), len(stem)) >= 4):
            continue
        out.setdefault(stem, word)
    return out


def match(statement: str, requirement: Requirement, dimension: Dimension,
          common: "frozenset[str]" = frozenset()) -> Match:
    """How a statement addresses an item (empty Match when it does not)."""
    return _match(set(stems(statement)), normalise(statement), item_terms(requirement, dimension, common), requirement)


def _match(found: "set[str]", text: str, terms: "dict[str, str]", requirement: Requirement) -> Match:
    """match() from a statement's stems and normalised text and the item's terms, each computed once."""
    words = tuple(sorted(terms[s] for s in terms if s in found))
    cues = tuple(c.term for c in requirement.cues if re.search(cue_regex(c.term), text, re.IGNORECASE))
    return Match(words, cues)


def status_of(supporting: "list[str]", contradicting: "list[str]") -> str:
    """supported / contradicted / mixed / not addressed from the supporting and contradicting finding ids."""
    if supporting and contradicting:
        return "mixed"
    if supporting:
        return "supported"
    if contradicting:
        return "contradicted"
    return "not addressed"


def auto_checklist(coded: pd.DataFrame, framework: Framework, case_id: str,
                   common: "frozenset[str] | None" = None,
                   terms: "dict[str, dict[str, str]] | None" = None) -> pd.DataFrame:
    """The automatic checklist of one case: every item with its status, finding ids and reasons."""
    common = common_stems(coded["statement"]) if common is None else common
    rows = []
    case_rows = coded[coded["case"] == case_id]
    findings = list(case_rows[["finding_id", "statement", "polarity", "dimensions"]].itertuples(index=False))
    found = [set(stems(f.statement)) for f in findings]  # each statement's stems and text once, not once per item
    texts = [normalise(f.statement) for f in findings]
    dim_sets = [split_ids(f.dimensions) for f in findings]
    for dim in framework.dimensions:
        in_dim = [i for i, dims in enumerate(dim_sets) if dim.id in dims]
        for req in dim.requires:
            item = terms[req.id] if terms is not None else item_terms(req, dim, common)
            sup, con, ctx, reasons = [], [], [], []
            for i in in_dim:
                fid, polarity = findings[i].finding_id, findings[i].polarity
                m = _match(found[i], texts[i], item, req)
                if not m:
                    continue
                effect = {"facilitator": "facilitator, so it supports the item",
                          "barrier": "barrier, so it contradicts the item"}.get(polarity, "neutral, so context only")
                reasons.append(f"{fid} {m.describe()}; {effect}")
                {"facilitator": sup, "barrier": con}.get(polarity, ctx).append(fid)
            status = status_of(sup, con)
            if not reasons:
                reasons.append(f"no finding coded {dim.id} shares a distinctive word with the item")
            rows.append({"case": case_id, "dimension": dim.id, "requirement_id": req.id, "requirement": req.text,
                         "status": status, "finding_ids": ";".join(sup + con), "supporting_ids": ";".join(sup),
                         "contradicting_ids": ";".join(con), "context_ids": ";".join(ctx),
                         "reasons": " | ".join(reasons), "auto_status": status, "decided_by": "auto",
                         "review_date": "", "review_note": ""})
    return pd.DataFrame(rows, columns=list(CHECKLIST_COLUMNS))


def decisions_path(case_id: str, evidence: "Path | None" = None) -> Path:
    """evidence/checklist/<case>.csv."""
    return (evidence or evidence_dir()) / "checklist" / f"{case_id}.csv"


def load_decisions(path: "str | Path", framework: Framework, known_ids: "set[str] | None" = None) -> DecisionSet:
    """Reviewer checklist decisions; bad rows are reported by line and set aside, the others load."""
    path = Path(path)
    empty = pd.DataFrame(columns=[*DECISION_COLUMNS, "row", "line"])
    records, found = read_records(path, DECISION_COLUMNS)
    requirements = {r.id for r in framework.requirements}
    rows: list[dict] = []
    for rec in records:
        line = int(rec["_line"])
        errors = decision_errors(rec, requirements, known_ids)
        if errors:
            found.append(problem(path, "; ".join(errors) + ".", "correct the row; the other rows still load.",
                                 line=line, record=rec.get("requirement_id") or None))
            continue
        ids = ";".join(split_ids(rec["finding_ids"].replace(",", ";").replace(" ", "")))
        rows.append({**{c: rec[c] for c in DECISION_COLUMNS}, "finding_ids": ids, "row": int(rec["_row"]),
                     "line": line})
    found.sort(key=lambda p: p.line or 0)
    return DecisionSet(pd.DataFrame(rows, columns=empty.columns) if rows else empty, found)


def decision_errors(rec: "dict[str, str]", requirements: "set[str]", known_ids: "set[str] | None") -> list[str]:
    """What is wrong with one checklist decision (empty when it is valid)."""
    errors = []
    if rec["requirement_id"] not in requirements:
        errors.append(f"unknown requirement_id {rec['requirement_id']!r}; use an item id from framework.yaml "
                      "such as 'vision.r1'")
    if rec["status"] not in STATUSES:
        errors.append(f"unknown status {rec['status']!r}; use: {', '.join(STATUSES)}")
    ids = split_ids(rec["finding_ids"].replace(",", ";").replace(" ", ""))
    if known_ids is not None:
        unknown = [i for i in ids if i not in known_ids]
        if unknown:
            errors.append(f"unknown finding id(s) {', '.join(unknown)} (not a finding of this case); copy the id "
                          "from reports/findings/<case>.csv")
    if rec["status"] == "not addressed" and ids:
        errors.append("status 'not addressed' lists finding ids; remove them or choose another status")
    if rec["status"] in STATUSES and rec["status"] != "not addressed" and not ids:
        errors.append(f"status {rec['status']!r} needs the finding ids it rests on")
    if not rec["reviewer"]:
        errors.append("reviewer is empty; give the reviewer's name or initials")
    try:
        dt.date.fromisoformat(rec["date"])
    except ValueError:
        errors.append(f"date {rec['date']!r} is not YYYY-MM-DD")
    return errors


def apply_decisions(auto: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """The checklist with reviewer decisions on top (latest per item by date, then file order)."""
    out = auto.copy()
    if decisions.empty:
        return out
    latest = decisions.sort_values(["date", "row"], kind="stable").drop_duplicates("requirement_id", keep="last")
    for rec in latest.to_dict("records"):
        hit = out["requirement_id"] == rec["requirement_id"]
        if not hit.any():
            continue
        auto_status = out.loc[hit, "status"].iloc[0]
        out.loc[hit, "status"] = rec["status"]
        out.loc[hit, "finding_ids"] = rec["finding_ids"]
        out.loc[hit, "reasons"] = (f"set by reviewer {rec['reviewer']} on {rec['date']}"
                                   + (f": {rec['note']}" if rec["note"] else "")
                                   + f" (automatic mapping said: {auto_status})")
        out.loc[hit, "decided_by"] = rec["reviewer"]
        out.loc[hit, "review_date"] = rec["date"]
        out.loc[hit, "review_note"] = rec["note"]
    return out


def case_checklist(coded: pd.DataFrame, framework: Framework, case_id: str,
                   evidence: "Path | None" = None, common: "frozenset[str] | None" = None,
                   terms: "dict[str, dict[str, str]] | None" = None) -> tuple[pd.DataFrame, list[Problem]]:
    """One case's checklist (automatic, then the reviewer's decisions) and the problems of its decision file."""
    known = set(coded.loc[coded["case"] == case_id, "finding_id"])
    decisions = load_decisions(decisions_path(case_id, evidence), framework, known)
    auto = auto_checklist(coded, framework, case_id, common_stems(coded["statement"]) if common is None else common,
                          terms)
    return apply_decisions(auto, decisions.decisions), decisions.problems


def checklist(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]",
              evidence: "Path | None" = None) -> tuple[pd.DataFrame, list[Problem]]:
    """The checklist of every case, in case and framework order, and every decision-file problem."""
    frames, found = [], []
    # once for all cases: the words too common to show anything, each item's terms, the findings of each case
    common = common_stems(coded["statement"])
    terms = {req.id: item_terms(req, dim, common) for dim in framework.dimensions for req in dim.requires}
    by_case = {cid: rows for cid, rows in coded.groupby("case", sort=False)}
    for cid in case_ids:
        table, problems = case_checklist(by_case.get(cid, coded.iloc[0:0]), framework, cid, evidence, common, terms)
        frames.append(table)
        found += problems
    if not frames:  # no cases yet
        return pd.DataFrame(columns=list(CHECKLIST_COLUMNS)), found
    return pd.concat(frames, ignore_index=True), found


def status_counts(table: pd.DataFrame, case_ids: "list[str]") -> pd.DataFrame:
    """How many items each case has per status (cases as rows, statuses as columns)."""
    counts = pd.crosstab(table["case"], table["status"]).reindex(index=list(case_ids), columns=list(STATUSES))
    counts = counts.fillna(0).astype(int)
    counts.index.name, counts.columns.name = "case", None
    return counts.reset_index()


def status_matrix(table: pd.DataFrame, framework: Framework, case_ids: "list[str]") -> pd.DataFrame:
    """Items as rows (framework order), one status column per case."""
    wide = table.pivot(index="requirement_id", columns="case", values="status")
    wide = wide.reindex(index=[r.id for r in framework.requirements], columns=list(case_ids)).fillna("")
    wide.insert(0, "requirement", [r.text for r in framework.requirements])
    wide.index.name, wide.columns.name = "requirement_id", None
    return wide.reset_index()


def detail_tables(table: pd.DataFrame, case_names: "dict[str, str]") -> list[DetailTable]:
    """The report's detailed checklist: a table per case up to MAX_CASE_SECTIONS cases, else one of all cases."""
    if len(case_names) <= MAX_CASE_SECTIONS:
        return [DetailTable(f"Checklist: {name}", table[table["case"] == cid], f"checklist_{cid}",
                            f"Delivery checklist of {name}, with the reasons.", list(DETAIL_COLUMNS))
                for cid, name in case_names.items()]
    return [DetailTable("Checklist of every case", table, "checklist_all_cases",
                        f"Delivery checklist of all {len(case_names)} cases (one row per case and item), with the "
                        "reasons; one table rather than a section per case, beyond "
                        f"{MAX_CASE_SECTIONS} cases.", ["case", *DETAIL_COLUMNS])]
