"""Extraction: a case's sources become a findings table with stable ids, locators and polarity."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Callable

import pandas as pd

from workbook.core.errors import EvidenceError, problem
from workbook.evidence.cases import Case
from workbook.evidence.sources import Source, load_source, source_path

FINDING_COLUMNS: tuple[str, ...] = ("finding_id", "case", "source", "locator", "statement", "polarity", "line")
_NON_WORD = re.compile(r"[^\w]+")


def normalise(statement: str) -> str:
    """The text a finding id is derived from: NFKC, case-folded, punctuation and spacing collapsed."""
    text = unicodedata.normalize("NFKC", statement).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def finding_id(source_id: str, statement: str) -> str:
    """A stable id from the source id and the normalised statement: survives reordering and re-running."""
    digest = hashlib.sha1(f"{source_id}\n{normalise(statement)}".encode("utf-8")).hexdigest()[:8]
    return f"{source_id}-{digest}"


def load_case_sources(case: Case, evidence: "Path | None" = None) -> list[Source]:
    """Parse every source of a case, checking each belongs to it; all problems are reported together."""
    sources, problems = [], []
    for sid in case.sources:
        try:
            src = load_source(source_path(case.id, sid, evidence))
        except EvidenceError as exc:
            problems += exc.problems
            continue
        if src.case != case.id:
            problems.append(problem(src.path, f"front matter says case {src.case!r} but the file is listed under "
                                    f"case {case.id!r}.", f"set case: {case.id} or move the file."))
        sources.append(src)
    if problems:
        raise EvidenceError(problems)
    return sources


PolarityFn = Callable[[list[str]], list[str]]
"""Gives each statement of a list its polarity (barrier, facilitator or neutral), in order."""


def findings_from_sources(case: Case, sources: list[Source], polarity: PolarityFn) -> pd.DataFrame:
    """One row per statement with a stable id and the polarity given; duplicate statements are refused."""
    rows, seen, problems = [], {}, []
    for src in sources:
        for st in src.statements:
            fid = finding_id(src.id, st.text)
            if fid in seen:
                first = seen[fid]
                problems.append(problem(src.path, f"duplicate finding: the statement repeats line {first} "
                                        f"(same id {fid}).", "remove one copy or reword it.", line=st.line,
                                        record=fid))
                continue
            seen[fid] = st.line
            rows.append({"finding_id": fid, "case": case.id, "source": src.id, "locator": st.locator,
                         "statement": st.text, "line": st.line})
    if problems:
        raise EvidenceError(problems)
    table = pd.DataFrame(rows, columns=[c for c in FINDING_COLUMNS if c != "polarity"])
    table.insert(5, "polarity", polarity(table["statement"].tolist()) if len(table) else [])
    return table.astype({"line": "int64"})
