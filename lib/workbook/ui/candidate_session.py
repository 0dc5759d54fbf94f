"""A CandidateSession: the sentences of a case's full-text sources that the classifier took for findings
(optionally also rejected ones scoring near its threshold), each with the sentences before and after it, its
page and the classifier's reasons; a reviewer accepts or rejects each, optionally correcting its text, and the
decision goes to evidence/reviews/<case>/candidates.csv, which every later extraction applies.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbook.core.errors import ReviewError
from workbook.evidence.cases import get_case
from workbook.extract.candidates import load_classifier
from workbook.extract.findings import (CANDIDATE_DECISIONS, FULLTEXT, fulltext_body, fulltext_rows,
                                       load_candidate_decisions, load_case_sources, record_candidate_decision)
from workbook.extract.findings import finding_id as sentence_finding_id
from workbook.extract.sentences import located_sentences
from workbook.pipeline import stages
from workbook.ui.queue import Queue

NEAR_THRESHOLD = 0.5
"""How far below the classifier's threshold a rejected sentence may score and still be offered for review."""
MAX_STATEMENT = 2000
"""The longest corrected statement the widget accepts (characters)."""


@dataclass(frozen=True)
class Candidate:
    """A full-text sentence offered for review, as the classifier judged it (before any reviewer decision)."""

    finding_id: str
    source: str
    page: str
    section: str
    locator: str
    statement: str
    before: str
    after: str
    score: float
    reason: str
    suggested: bool
    """True when the classifier judged it a finding; False for a rejected sentence near the threshold."""


@dataclass(frozen=True)
class CandidateDecision:
    """The latest accept or reject of a candidate (with any corrected text) from evidence/reviews/<case>/."""

    decision: str
    statement: str
    reviewer: str
    date: str
    note: str


@dataclass(frozen=True)
class CandidateSaved:
    """What a candidate save recorded, and where."""

    finding_id: str
    decision: str
    corrected: str
    """The corrected statement saved ('' when the sentence's own text stands)."""
    path: Path


def _one_line(text: object) -> str:
    """Text with its whitespace collapsed to single spaces."""
    return " ".join(str(text or "").split())


def _candidate(row: dict, suggested: bool) -> Candidate:
    """A Candidate from a row of extract.findings.fulltext_rows."""
    return Candidate(str(row["finding_id"]), str(row["source"]), str(row["page"]), str(row["section"]),
                     str(row["locator"]), str(row["statement"]), str(row["before"] or ""), str(row["after"] or ""),
                     float(row["finding_score"]), str(row["reason"]), suggested)


def case_candidates(case_id: str, settings: "stages.Settings") -> tuple[list[Candidate], float]:
    """A case's full-text sentences worth a reviewer's look, in source order: those the classifier judged
    findings, and rejected ones scoring within NEAR_THRESHOLD of its threshold (never repeats or sentences of
    never-a-finding sections and blocks); with the threshold (NaN without full-text sources)."""
    case = get_case(case_id, settings.evidence)
    sources = [s for s in load_case_sources(case, settings.evidence) if s.kind == FULLTEXT]
    if not sources:
        return [], float("nan")
    classifier = load_classifier(settings.evidence)
    out: list[Candidate] = []
    for src in sources:
        found, rejected = fulltext_rows(case, src, classifier, {})
        ids = {r["finding_id"] for r in found}
        near = [r for r in rejected if r["finding_id"] not in ids
                and not str(r["reason"]).startswith("repeats the sentence")
                and not str(r["reason"]).endswith("never a finding")
                and float(r["finding_score"]) >= classifier.threshold - NEAR_THRESHOLD]
        body, first_line = fulltext_body(src.path)
        place: dict[str, int] = {}
        for index, sentence in enumerate(located_sentences(body, first_line, classifier.sections,
                                                           classifier.inherit)):
            place.setdefault(sentence_finding_id(src.id, sentence.text), index)
        rows = [(r, True) for r in found] + [(r, False) for r in near]
        rows.sort(key=lambda pair: (place.get(pair[0]["finding_id"], len(place)), int(pair[0]["line"])))
        out += [_candidate(r, flag) for r, flag in rows]
    return out, classifier.threshold


@dataclass(frozen=True)
class CandidateProgress:
    """How many candidates of a case are decided, and where the reviewer is in the queue."""

    decided: int
    total: int
    near: int
    near_decided: int
    position: int
    queue: int

    @property
    def text(self) -> str:
        """E.g. '3 of 12 candidate findings decided (9 still undecided); showing 1 of 9 in the queue'."""
        if not self.total and not self.near:
            return "no candidate findings: this case has no full-text source sentences to review"
        near = (f"; {self.near_decided} of {self.near} rejected sentences near the threshold decided"
                if self.near else "")
        where = f"showing {self.position} of {self.queue} in the queue" if self.queue else "the queue is empty"
        return (f"{self.decided} of {self.total} candidate findings decided ({self.total - self.decided} still "
                f"undecided){near}; {where}")


class CandidateSession(Queue):
    """The candidate findings of one case, the decisions recorded on them, a queue and a position in it.
    Decisions go to evidence/reviews/<case>/candidates.csv; the next extraction applies them."""

    noun = "candidate"
    missing_fix = "tick Near the threshold too or Decided too above."

    def __init__(self, case_id: str, candidates: "list[Candidate]", threshold: float = float("nan"),
                 evidence: "Path | None" = None, reviewer: str = "") -> None:
        self.case_id = case_id
        self.threshold = threshold
        self.evidence = evidence
        self.candidates: dict[str, Candidate] = {c.finding_id: c for c in candidates}
        self.reviewer = _one_line(reviewer)
        self.near = False
        self.include_decided = False
        self.queue: list[str] = []
        self.position = 0
        self.reload()

    @classmethod
    def load(cls, case_id: str, settings: "stages.Settings", reviewer: str = "") -> "CandidateSession":
        """A session over a case's candidate findings and every candidate decision already recorded."""
        candidates, threshold = case_candidates(case_id, settings)
        return cls(case_id, candidates, threshold, evidence=settings.evidence, reviewer=reviewer)

    def reload(self) -> None:
        """Read the candidate decisions again (after a save, or another reviewer's merge)."""
        latest = load_candidate_decisions(self.case_id, self.evidence) if self.candidates else {}
        self.decisions: dict[str, CandidateDecision] = {
            fid: CandidateDecision(row["decision"], row.get("statement", "") or "", row["reviewer"],
                                   row.get("date", "") or "", row.get("note", "") or "")
            for fid, row in latest.items()}
        self.refresh()

    def decision(self, finding_id: str) -> "CandidateDecision | None":
        """The latest decision on a candidate, if any."""
        return self.decisions.get(finding_id)

    def text(self, finding_id: str) -> str:
        """The statement the form starts from: the latest corrected text, else the sentence as extracted."""
        decided = self.decision(finding_id)
        return decided.statement if decided and decided.statement else self.candidates[finding_id].statement

    def matches(self, finding_id: str) -> bool:
        """Whether a candidate is in the queue: undecided (or any, with decided ones included), and a suggested
        finding (or near the threshold, when those are included)."""
        decided = finding_id in self.decisions
        if decided and not self.include_decided:
            return False
        return decided or self.candidates[finding_id].suggested or self.near

    def set_filters(self, *, near: "bool | None" = None, decided: "bool | None" = None) -> list[str]:
        """Include rejected sentences near the threshold, or decided candidates (None leaves one as it is)."""
        if near is not None:
            self.near = bool(near)
        if decided is not None:
            self.include_decided = bool(decided)
        self.refresh()
        return self.queue

    def refresh(self, after: "str | None" = None) -> None:
        """Rebuild the queue; stay on the shown candidate (or go to `after`'s successor), else the next one."""
        keep = after or self.current_id
        self.queue = [fid for fid in self.candidates if self.matches(fid)]
        if keep is None or not self.queue:
            self.position = 0
            return
        if after is None and keep in self.queue:
            self.position = self.queue.index(keep)
            return
        place = {fid: i for i, fid in enumerate(self.candidates)}
        later = next((i for i, fid in enumerate(self.queue) if place[fid] > place[keep]), None)
        self.position = later if later is not None else len(self.queue) - 1

    @property
    def current(self) -> "Candidate | None":
        """The candidate shown now."""
        fid = self.current_id
        return self.candidates[fid] if fid else None

    def progress(self) -> CandidateProgress:
        """Decided n of N suggested candidates (and of the near-threshold sentences), and the queue position."""
        suggested = [f for f, c in self.candidates.items() if c.suggested]
        near = [f for f, c in self.candidates.items() if not c.suggested]
        return CandidateProgress(sum(f in self.decisions for f in suggested), len(suggested), len(near),
                                 sum(f in self.decisions for f in near),
                                 self.position + 1 if self.queue else 0, len(self.queue))

    def save(self, decision: str, text: str = "", reviewer: "str | None" = None, note: str = "",
             date: str = "") -> CandidateSaved:
        """Accept or reject the shown candidate (an accepted one with its text, saved as corrected text when
        the reviewer changed it), then move to the next candidate in the queue."""
        if reviewer is not None:
            self.reviewer = _one_line(reviewer)
        fid = self.current_id
        if fid is None:
            raise ReviewError("no candidate is shown (the queue is empty): tick Near the threshold too or Decided "
                              "too above, or choose another case.")
        if not self.reviewer:
            raise ReviewError("type your name or initials in Reviewer, then save again.")
        if decision not in CANDIDATE_DECISIONS:
            raise ReviewError("click Accept or Reject (or press a or r in Keys), then save again.")
        corrected = ""
        if decision == "accept":
            clean = _one_line(text) or _one_line(self.text(fid))
            if len(clean) > MAX_STATEMENT:
                raise ReviewError(f"the statement is {len(clean)} characters long; shorten it to at most "
                                  f"{MAX_STATEMENT} (or click Reset text), then save again.")
            corrected = "" if clean == _one_line(self.candidates[fid].statement) else clean
        try:
            path = record_candidate_decision(self.case_id, fid, decision, self.reviewer, statement=corrected,
                                             note=_one_line(note), date=date, evidence=self.evidence)
        except OSError as exc:
            raise ReviewError(f"the decision could not be written ({exc.strerror or 'the disk refused it'}); "
                              "check that the project folder can be written to, then save again.") from None
        self.reload()
        self.refresh(after=fid)
        return CandidateSaved(fid, decision, corrected, path)
