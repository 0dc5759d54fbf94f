"""Extraction: a case's sources become a findings table with stable ids, locators and polarity."""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Callable

import pandas as pd

from workbook.core.errors import EvidenceError, problem
from workbook.core.paths import check_id, evidence_dir
from workbook.core.tables import append_row, read_records
from workbook.evidence.cases import Case
from workbook.core.textio import read_text
from workbook.evidence.sources import Source, load_source, source_path
from workbook.extract.candidates import Classifier, load_classifier
from workbook.extract.sentences import located_sentences

FINDING_COLUMNS: tuple[str, ...] = ("finding_id", "case", "source", "locator", "statement", "polarity", "line")
"""The columns every findings table has (what 02_code needs)."""
TABLE_COLUMNS: tuple[str, ...] = ("finding_id", "case", "source", "page", "section", "locator", "statement",
                                  "polarity", "origin", "finding_score", "reason", "line", "candidate_review",
                                  "before", "after")
"""The columns of reports/findings/<case>.csv and <case>.rejected.csv: curated bullets (origin 'curated') and
full-text sentences (origin 'candidate', with their finding_score, the classifier's reason, a reviewer's decision
and the sentences before and after it in the source, for reviewing it in context)."""
MIN_WORDS = 3
"""A full-text 'sentence' of fewer words is a fragment (a label, a stray number), never a finding."""
_LOCATOR_PAGE = re.compile(r"^(?:pp?\.|page\b)\s*([\w\-–]+)\s*(?:,\s*(.*))?$", re.I)
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


FULLTEXT = "fulltext"
"""The source kind whose body is a document's text (pages, sections, paragraphs), not curated bullets."""


def page_and_section(locator: str) -> tuple[str, str]:
    """A curated locator split into page and section: 'p. 1, Key messages' -> ('1', 'Key messages')."""
    match = _LOCATOR_PAGE.match(locator.strip())
    if match:
        return match.group(1), (match.group(2) or "").strip()
    return "", locator


def _curated_rows(case: Case, src: Source, seen: dict[str, int], problems: list) -> list[dict]:
    """One row per bullet of a curated source; a repeated statement is a problem naming both lines."""
    rows = []
    for st in src.statements:
        fid = finding_id(src.id, st.text)
        if fid in seen:
            first = seen[fid]
            problems.append(problem(src.path, f"duplicate finding: the statement repeats line {first} "
                                    f"(same id {fid}).", "remove one copy or reword it.", line=st.line,
                                    record=fid))
            continue
        seen[fid] = st.line
        page, section = page_and_section(st.locator)
        rows.append({"finding_id": fid, "case": case.id, "source": src.id, "page": page, "section": section,
                     "locator": st.locator, "statement": st.text, "origin": "curated", "finding_score": None,
                     "reason": "curated bullet", "line": st.line, "candidate_review": "", "before": "",
                     "after": ""})
    return rows


def fulltext_body(path: "str | Path") -> tuple[str, int]:
    """The body of a source file (after its front matter) and the file line it starts on."""
    text = read_text(path)
    if text.startswith("---"):
        end = re.search(r"\n---[ \t]*\n", text[3:])
        if end:
            cut = 3 + end.end()
            return text[cut:], text.count("\n", 0, cut) + 1
    return text, 1


CANDIDATE_DECISION_COLUMNS: tuple[str, ...] = ("finding_id", "decision", "statement", "reviewer", "date", "note")
"""evidence/reviews/<case>/candidates.csv: a reviewer's accept or reject of a candidate sentence, optionally with
corrected text (`statement`); the latest row for a finding wins over the classifier."""
CANDIDATE_DECISIONS: tuple[str, ...] = ("accept", "reject")


def candidate_decisions_path(case_id: str, evidence: "Path | None" = None) -> Path:
    """evidence/reviews/<case>/candidates.csv (beside the case's reviewer files)."""
    return (evidence or evidence_dir()) / "reviews" / check_id(case_id, "case_id") / "candidates.csv"


def load_candidate_decisions(case_id: str, evidence: "Path | None" = None) -> dict[str, dict[str, str]]:
    """The latest accept/reject decision per candidate finding id (with its line); bad rows are refused."""
    path = candidate_decisions_path(case_id, evidence)
    records, problems = read_records(path, CANDIDATE_DECISION_COLUMNS)
    latest: dict[str, dict[str, str]] = {}
    for row in records:
        line = int(row["_line"])
        if not row["finding_id"]:
            problems.append(problem(path, "has a decision without a finding_id.", "give the candidate's finding_id "
                                    "(see reports/findings/<case>.csv or .rejected.csv).", line=line))
        elif row["decision"] not in CANDIDATE_DECISIONS:
            problems.append(problem(path, f"decision {row['decision']!r} is not accept or reject.",
                                    "write accept or reject.", line=line, record=row["finding_id"]))
        elif not row["reviewer"]:
            problems.append(problem(path, "has a decision without a reviewer.", "add the reviewer's name.",
                                    line=line, record=row["finding_id"]))
        else:
            latest[row["finding_id"]] = row
    if problems:
        raise EvidenceError(problems)
    return latest


def record_candidate_decision(case_id: str, finding_id: str, decision: str, reviewer: str, statement: str = "",
                              note: str = "", date: str = "", evidence: "Path | None" = None) -> Path:
    """Append a reviewer's accept or reject of a candidate (and any corrected text) atomically; returns the file."""
    if decision not in CANDIDATE_DECISIONS:
        raise EvidenceError(problem("", f"decision {decision!r} is not accept or reject.", "choose accept or reject."))
    if not finding_id.strip() or not reviewer.strip():
        raise EvidenceError(problem("", "a candidate decision needs a finding id and a reviewer.",
                                    "give both."))
    path = candidate_decisions_path(case_id, evidence)
    path.parent.mkdir(parents=True, exist_ok=True)
    when = date or _dt.date.today().isoformat()
    return append_row(path, CANDIDATE_DECISION_COLUMNS, [finding_id.strip(), decision, " ".join(statement.split()),
                                                          reviewer.strip(), when, " ".join(note.split())],
                      lock_name="workbook-candidates")


def _apply_decision(row: dict, decision: "dict[str, str] | None") -> "bool | None":
    """Apply a reviewer's decision to a candidate row (text, reason); True/False when decided, None when not."""
    if decision is None:
        return None
    who = f"{decision['reviewer']}" + (f" ({decision['date']})" if decision.get("date") else "")
    if decision.get("statement"):
        row["statement"] = decision["statement"]
        who += ", text corrected"
    row["reason"] = f"{decision['decision']}ed by {who}; classifier: {row['reason']}"
    row["candidate_review"] = f"{decision['decision']}ed"
    return decision["decision"] == "accept"


def fulltext_rows(case: Case, src: Source, classifier: Classifier,
                  decisions: "dict[str, dict[str, str]] | None" = None) -> tuple[list[dict], list[dict]]:
    """Every body sentence of a full-text source as a row: (candidate findings, rejected sentences), each with
    its score and reason; a reviewer's accept or reject wins over the classifier. A sentence repeated in the
    source keeps one row (its best-scored place)."""
    body, first_line = fulltext_body(src.path)
    judged: dict[str, dict] = {}
    rejected: list[dict] = []
    for sentence in located_sentences(body, first_line, classifier.sections, classifier.inherit):
        verdict = classifier.judge(sentence)
        finding, reason = verdict.finding, verdict.reason
        if finding and len(re.findall(r"[^\W\d_]{2,}", sentence.text)) < MIN_WORDS:
            finding, reason = False, f"fragment of fewer than {MIN_WORDS} words; " + reason
        row = {"finding_id": finding_id(src.id, sentence.text), "case": case.id, "source": src.id,
               "page": sentence.page, "section": sentence.section, "locator": sentence.locator,
               "statement": sentence.text, "origin": "candidate", "finding_score": verdict.score,
               "reason": reason, "line": sentence.line, "candidate_review": "", "before": sentence.before,
               "after": sentence.after, "_finding": finding}
        earlier = judged.get(row["finding_id"])
        if earlier is None:
            judged[row["finding_id"]] = row
            continue
        keep, drop = (row, earlier) if row["finding_score"] > earlier["finding_score"] else (earlier, row)
        judged[row["finding_id"]] = keep
        drop["reason"] = f"repeats the sentence at {keep['locator']} (line {keep['line']})"
        drop["_finding"] = False
        rejected.append(drop)
    for row in judged.values():
        decided = _apply_decision(row, (decisions or {}).get(row["finding_id"]))
        if decided is not None:
            row["_finding"] = decided
    found = [r for r in judged.values() if r["_finding"]]
    rejected += [r for r in judged.values() if not r["_finding"]]
    for r in found + rejected:
        del r["_finding"]
    rejected.sort(key=lambda r: r["line"])
    return found, rejected


def extract_tables(case: Case, sources: list[Source], polarity: PolarityFn,
                   classifier: "Classifier | None" = None, evidence: "Path | None" = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(findings, rejected): curated bullets and full-text candidate findings with stable ids and the polarity
    given; the other full-text body sentences with the reason they are not findings. Duplicate curated
    statements are refused."""
    rows, rejected, seen, problems = [], [], {}, []
    decisions: "dict[str, dict[str, str]] | None" = None
    for src in sources:
        if src.kind == FULLTEXT:
            classifier = classifier or load_classifier(evidence)
            decisions = load_candidate_decisions(case.id, evidence) if decisions is None else decisions
            found, dropped = fulltext_rows(case, src, classifier, decisions)
            rows += found
            rejected += dropped
        else:
            rows += _curated_rows(case, src, seen, problems)
    if problems:
        raise EvidenceError(problems)
    return _table(rows, polarity), _table(rejected, polarity)


def _table(rows: list[dict], polarity: PolarityFn) -> pd.DataFrame:
    """Rows as a table in TABLE_COLUMNS order, with polarity filled in."""
    columns = [c for c in TABLE_COLUMNS if c != "polarity"]
    table = pd.DataFrame(rows, columns=columns)
    table.insert(TABLE_COLUMNS.index("polarity"), "polarity",
                 polarity(table["statement"].tolist()) if len(table) else [])
    return table.astype({"line": "int64", "finding_score": "float64"})


def findings_from_sources(case: Case, sources: list[Source], polarity: PolarityFn,
                          classifier: "Classifier | None" = None, evidence: "Path | None" = None) -> pd.DataFrame:
    """One row per finding (curated bullet or full-text candidate) with a stable id and the polarity given."""
    return extract_tables(case, sources, polarity, classifier, evidence)[0]


def candidate_note(findings: pd.DataFrame, coded: "pd.DataFrame | None" = None) -> str:
    """A sentence for the report: how many findings are candidates picked from full-text sources by the
    classifier, and how many of those no reviewer has decided yet ('' when there are none)."""
    if "origin" not in findings.columns:
        return ""
    ids = set(findings.loc[findings["origin"] == "candidate", "finding_id"])
    if not ids:
        return ""
    pending = set(ids)
    if "candidate_review" in findings.columns:
        pending -= set(findings.loc[findings["candidate_review"].fillna("") != "", "finding_id"])
    if coded is not None and "decided_by" in coded.columns:
        pending -= set(coded.loc[coded["decided_by"].fillna("auto") != "auto", "finding_id"])
    unreviewed = len(pending)
    return (f"{len(ids)} of these findings are candidate findings: sentences of full-text sources that the "
            f"classifier configured in evidence/extraction.yaml judged to report a finding; {unreviewed} of them "
            f"{'is' if unreviewed == 1 else 'are'} still unreviewed (no reviewer has checked "
            f"{'it' if unreviewed == 1 else 'them'}), so read them as provisional.")
