"""Reviewing a case's findings one at a time: a ReviewSession (blind first pass, queue, filters, progress,
adjudication of disagreements) and its ipywidgets front end, ReviewApp.

Blind mode (the default): until a reviewer has saved their own decision on a finding, the form starts empty
and the automatic codes, their reasons and other reviewers' decisions stay hidden; after saving, all of them
are shown. Findings on which reviewers disagree form the adjudication queue, where an adjudicator sees the
decisions side by side and records the agreed one (evidence/reviews/<case>/consensus.csv).

Candidates mode (a CandidateSession): the sentences of full-text sources that the classifier took for findings
(optionally also rejected ones scoring near its threshold), each with the sentences before and after it, its
page and the classifier's reasons; a reviewer accepts or rejects each, optionally correcting its text, and the
decision goes to evidence/reviews/<case>/candidates.csv, which every later extraction applies.
"""
from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbook.coding.agreement import pairwise_agreement
from workbook.coding.reviews import (ReviewSet, load_reviews, load_sample, record_consensus, record_decision,
                                     reviewer_id)
from workbook.core.atomic import write_text
from workbook.core.errors import ReviewError, WorkbookError
from workbook.core.tables import read_csv
from workbook.evidence.cases import get_case, load_cases
from workbook.evidence.framework import POLARITIES, Framework
from workbook.extract.candidates import load_classifier
from workbook.extract.findings import (CANDIDATE_DECISIONS, FULLTEXT, fulltext_body, fulltext_rows,
                                       load_candidate_decisions, load_case_sources, record_candidate_decision)
from workbook.extract.findings import finding_id as sentence_finding_id
from workbook.extract.sentences import located_sentences
from workbook.pipeline import stages
from workbook.pipeline.stages import extract_case
from workbook.synthesis.matrix import split_ids

ANY = ""
"""Filter value meaning "no restriction"."""
REVIEW, ADJUDICATE = "review", "adjudicate"
"""The two modes of a session: code findings, or settle the findings reviewers disagree on."""
CANDIDATES = "candidates"
"""The widget's third mode: accept or reject the candidate findings of full-text sources (a CandidateSession)."""
NEAR_THRESHOLD = 0.5
"""How far below the classifier's threshold a rejected sentence may score and still be offered for review."""
MAX_STATEMENT = 2000
"""The longest corrected statement the widget accepts (characters)."""
SOURCE_ORDER, LEAST_CERTAIN = "source", "confidence"
"""Queue orders: as the sources give the findings, or least certain automatic codes first."""
POLARITY_COLOURS = {"barrier": "#D55E00", "facilitator": "#0072B2", "neutral": "#555555"}
"""The colour-blind-safe colours of the report, one per polarity."""


def share(flags: "list[bool]") -> float:
    """The share of true values (NaN for none)."""
    return sum(map(bool, flags)) / len(flags) if flags else float("nan")


# ---------------------------------------------------------------- the remembered reviewer name

def settings_file() -> Path:
    """Where the reviewer's name is remembered: $WORKBOOK_CONFIG/review.json, else the user config directory."""
    env = os.environ.get("WORKBOOK_CONFIG")
    if env:
        return Path(env) / "review.json"
    from platformdirs import user_config_dir

    return Path(user_config_dir("integrated-care-workbook")) / "review.json"


def remembered_reviewer() -> str:
    """The reviewer name saved by the last session on this machine ('' when none or unreadable)."""
    try:
        data = json.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    name = data.get("reviewer") if isinstance(data, dict) else None
    return " ".join(name.split())[:200] if isinstance(name, str) else ""


def remember_reviewer(name: str) -> None:
    """Save the reviewer's name for the next session (outside the project and the notebook); never fails loudly."""
    try:
        write_text(settings_file(), json.dumps({"reviewer": " ".join(str(name).split())}) + "\n")
    except OSError:
        pass


# ---------------------------------------------------------------- the session

@dataclass(frozen=True)
class Codes:
    """A set of dimensions and a polarity, as the automatic coder or a reviewer gave them."""

    dimensions: tuple[str, ...]
    polarity: str


@dataclass(frozen=True)
class Decision(Codes):
    """One reviewer's decision on one finding."""

    reviewer: str = ""
    date: str = ""
    note: str = ""


@dataclass(frozen=True)
class Saved:
    """What a save recorded, and where."""

    finding_id: str
    codes: Codes
    path: Path
    consensus: bool = False


@dataclass(frozen=True)
class Progress:
    """How far the review of a case has got, and where the reviewer is in the filtered queue."""

    reviewed: int
    total: int
    position: int
    queue: int
    by_anyone: int = 0
    reviewer: str = ""

    @property
    def text(self) -> str:
        """E.g. 'you reviewed 3 of 38 findings (12 reviewed by anyone); showing 2 of 10 in the queue'."""
        who = f"{self.reviewer} reviewed" if self.reviewer else "reviewed"
        where = f"showing {self.position} of {self.queue} in the queue" if self.queue else "the queue is empty"
        return f"{who} {self.reviewed} of {self.total} findings ({self.by_anyone} reviewed by anyone); {where}"


@dataclass(frozen=True)
class Agreement:
    """Agreement between reviewers' decisions and the automatic codes, over reviewed findings."""

    reviewed: int
    exact: float
    """Share of reviewed findings where dimensions and polarity both match."""
    dimension_agreement: float
    """Share of (finding, dimension) pairs coded the same way (present/absent)."""
    stats: pd.DataFrame
    """workbook.coding.agreement rows (one per dimension and polarity): percent_agreement, kappa, ci_low, ci_high, note."""

    @property
    def dimension_kappa(self) -> dict[str, float]:
        """Cohen's kappa per dimension (NaN where undefined)."""
        rows = self.stats[self.stats["dimension"] != "polarity"]
        return dict(zip(rows["dimension"], rows["kappa"].astype(float)))

    def _polarity(self, column: str) -> float:
        rows = self.stats.loc[self.stats["dimension"] == "polarity", column]
        return float(rows.iloc[0]) if len(rows) else float("nan")

    @property
    def polarity_agreement(self) -> float:
        """Share of reviewed findings with the same polarity."""
        return self._polarity("percent_agreement")

    @property
    def polarity_kappa(self) -> float:
        """Cohen's kappa of the polarities."""
        return self._polarity("kappa")

    @property
    def mean_kappa(self) -> float:
        """Mean of the per-dimension kappas that are defined (NaN when none is)."""
        values = [v for v in self.dimension_kappa.values() if v == v]
        return sum(values) / len(values) if values else float("nan")

    def table(self, framework: Framework) -> pd.DataFrame:
        """Per dimension (by its label, as everywhere on the review screen) and polarity: percent agreement,
        kappa with its 95% CI, and any note."""
        out = self.stats[["dimension", "n", "percent_agreement", "kappa", "ci_low", "ci_high", "note"]].copy()
        out["dimension"] = [framework.dimension(d).label if d != "polarity" else "Polarity" for d in out["dimension"]]
        return out.reset_index(drop=True)


def coded_findings(case_id: str, settings: "stages.Settings") -> pd.DataFrame:
    """A case's coded findings: reports/coded/<case>.csv if present, else extracted and coded now (not written)."""
    case = get_case(case_id, settings.evidence)
    path = stages.coded_path(settings.reports, case.id)
    if path.exists():
        return read_csv(path)
    findings = extract_case(case, settings.framework, settings.evidence)
    coded, _ = stages.code_findings(findings, settings, case.id, allow_unreadable_reviews=True)
    return coded


def _decision(row) -> Decision:
    """A Decision from a row of a ReviewSet table."""
    return Decision(tuple(split_ids(row.dimensions)), row.polarity, row.reviewer, row.date, row.note)


def effective_decisions(case_id: str, framework: Framework, evidence: "Path | None" = None) -> dict[str, Decision]:
    """The latest valid reviewer decision per finding of a case."""
    return {row.finding_id: _decision(row) for row in load_reviews(case_id, framework, evidence).effective()
            .itertuples(index=False)}


def _confidence(findings: pd.DataFrame) -> "pd.Series | None":
    """The coder's confidence per finding (0..1, higher is surer) when the coded table offers one."""
    if "confidence" not in findings.columns:
        return None
    values = pd.to_numeric(findings["confidence"], errors="coerce")
    return None if values.isna().all() else values


class _Queue:
    """A filtered queue of finding ids and a position in it, moved through one finding at a time."""

    queue: list[str]
    position: int
    missing_fix = "clear the filters first."
    """What to do when go_to names a finding the queue does not hold."""
    noun = "finding"

    @property
    def current_id(self) -> "str | None":
        """The finding shown now (None when the queue is empty)."""
        return self.queue[self.position] if self.queue and self.position < len(self.queue) else None

    def next(self) -> bool:
        """Move to the next finding in the queue; False at the end."""
        if self.position + 1 < len(self.queue):
            self.position += 1
            return True
        return False

    def previous(self) -> bool:
        """Move to the previous finding in the queue; False at the start."""
        if self.position > 0:
            self.position -= 1
            return True
        return False

    def go_to(self, finding_id: str) -> None:
        """Show a given finding (it must be in the queue)."""
        if finding_id not in self.queue:
            raise ReviewError(f"{self.noun} {finding_id!r} is not in the current queue; {self.missing_fix}")
        self.position = self.queue.index(finding_id)


class ReviewSession(_Queue):
    """The findings of one case, every reviewer's decisions on them, a filtered queue and a position in it."""

    def __init__(self, case_id: str, coded: pd.DataFrame, framework: Framework,
                 reviews: "ReviewSet | None" = None, evidence: "Path | None" = None, reviewer: str = "") -> None:
        self.case_id = case_id
        self.framework = framework
        self.evidence = evidence
        self.findings = coded.reset_index(drop=True)
        self.rows: dict[str, pd.Series] = {r["finding_id"]: r for _, r in self.findings.iterrows()}
        self.source_order: list[str] = list(self.rows)
        confidence = _confidence(self.findings)
        self.confidence: dict[str, float] = (dict(zip(self.findings["finding_id"], confidence))
                                             if confidence is not None else {})
        self.reviews = reviews if reviews is not None else load_reviews(case_id, framework, evidence)
        self.sample: list[str] = load_sample(case_id, evidence)[0]
        self.reviewer = " ".join(str(reviewer).split())
        self.blind = True
        self.mode = REVIEW
        self.order = SOURCE_ORDER
        self.unreviewed_only = False
        self.dimension = ANY
        self.polarity = ANY
        self.disagreement_only = False
        self.sample_only = False
        self.ids: list[str] = list(self.source_order)
        self.queue: list[str] = list(self.ids)
        self.position = 0
        self._index()

    @classmethod
    def load(cls, case_id: str, settings: "stages.Settings", reviewer: str = "") -> "ReviewSession":
        """A session over a case's coded findings and every decision already recorded for it."""
        coded = coded_findings(case_id, settings)
        return cls(case_id, coded, settings.framework, evidence=settings.evidence, reviewer=reviewer)

    def reload(self) -> None:
        """Read the decision files again (after a save, or another reviewer's merge)."""
        self.reviews = load_reviews(self.case_id, self.framework, self.evidence)
        self.sample = load_sample(self.case_id, self.evidence)[0]
        self._index()
        self.refresh()

    def _index(self) -> None:
        """Per finding: each reviewer's latest decision, the consensus, and the effective decision."""
        self.by_reviewer: dict[str, dict[str, Decision]] = {}
        for row in self.reviews.latest_by_reviewer().itertuples(index=False):
            self.by_reviewer.setdefault(row.finding_id, {})[row.reviewer] = _decision(row)
        self.consensus: dict[str, Decision] = {
            row.finding_id: Decision(tuple(split_ids(row.dimensions)), row.polarity, row.participants, row.date,
                                     row.note) for row in self.reviews.agreed().itertuples(index=False)}
        self.decisions: dict[str, Decision] = {row.finding_id: _decision(row)
                                               for row in self.reviews.effective().itertuples(index=False)}
        self.disputed: list[str] = [f for f in self.reviews.disagreements() if f in self.rows]

    # -- codes of one finding -------------------------------------------------------------------
    def auto(self, finding_id: str) -> Codes:
        """The automatic coder's dimensions and polarity for a finding."""
        row = self.rows[finding_id]
        dims = row["auto_dimensions"] if "auto_dimensions" in row else row["dimensions"]
        pol = row["auto_polarity"] if "auto_polarity" in row else row["polarity"]
        return Codes(self.framework.order(split_ids(dims)), str(pol))

    def decision(self, finding_id: str) -> "Decision | None":
        """The effective reviewer decision on a finding (the latest, whoever made it), if any."""
        return self.decisions.get(finding_id)

    def mine(self, finding_id: str) -> "Decision | None":
        """This session's reviewer's latest decision on a finding (None without a reviewer name)."""
        if not self.reviewer:
            return None
        me = self._me()
        return next((d for who, d in self.by_reviewer.get(finding_id, {}).items() if self._id(who) == me), None)

    def others(self, finding_id: str) -> list[Decision]:
        """Every other reviewer's latest decision on a finding."""
        me = self._me()
        return [d for who, d in self.by_reviewer.get(finding_id, {}).items() if self._id(who) != me]

    def everyone(self, finding_id: str) -> list[Decision]:
        """Every reviewer's latest decision on a finding."""
        return list(self.by_reviewer.get(finding_id, {}).values())

    @staticmethod
    def _id(name: str) -> str:
        try:
            return reviewer_id(name)
        except ReviewError:
            return ""

    def _me(self) -> str:
        return self._id(self.reviewer) if self.reviewer else ""

    def hidden(self, finding_id: str) -> bool:
        """True while blind: this reviewer has not yet saved a decision on the finding, so the automatic codes,
        reasons and others' decisions are not shown (adjudication always shows them)."""
        return self.mode == REVIEW and self.blind and self.mine(finding_id) is None

    def current(self, finding_id: str) -> Codes:
        """The codes a finding carries now: consensus, else the latest decision, else the automatic codes."""
        agreed = self.consensus.get(finding_id) or self.decision(finding_id)
        return Codes(agreed.dimensions, agreed.polarity) if agreed else self.auto(finding_id)

    def form(self, finding_id: str) -> Codes:
        """What the form starts from: empty while blind or adjudicating, else this reviewer's decision, else the
        current codes."""
        if self.mode == ADJUDICATE or self.hidden(finding_id):
            return Codes((), "")
        mine = self.mine(finding_id)
        return Codes(mine.dimensions, mine.polarity) if mine else self.current(finding_id)

    def disagrees(self, finding_id: str) -> bool:
        """True when reviewers disagree on the finding and no consensus settles it (it awaits adjudication)."""
        return finding_id in self.disputed

    def reviewed(self, finding_id: str) -> bool:
        """Whether the finding counts as reviewed: by this reviewer when named, else by anyone."""
        return (self.mine(finding_id) is not None) if self.reviewer else finding_id in self.decisions

    # -- filters and navigation -----------------------------------------------------------------
    def matches(self, finding_id: str) -> bool:
        """Whether a finding passes the current mode and filters. Dimension and polarity test the current codes,
        or while blind only this reviewer's own decision (so a filter never hints at the hidden codes)."""
        if self.mode == ADJUDICATE:
            return self.disagrees(finding_id)
        if self.hidden(finding_id) and (self.dimension != ANY or self.polarity != ANY):
            return False
        codes = self.current(finding_id)
        if self.unreviewed_only and self.reviewed(finding_id):
            return False
        if self.disagreement_only and not self.disagrees(finding_id):
            return False
        if self.sample_only and finding_id not in self.sample:
            return False
        if self.dimension != ANY and self.dimension not in codes.dimensions:
            return False
        return self.polarity == ANY or codes.polarity == self.polarity

    def ordered(self) -> list[str]:
        """The case's findings in the chosen order: source order, or least certain first (unknown last)."""
        if self.order == LEAST_CERTAIN and self.confidence:
            known = {f: c for f, c in self.confidence.items() if c == c}
            place = {f: i for i, f in enumerate(self.source_order)}
            return sorted(self.source_order, key=lambda f: (f not in known, known.get(f, 0.0), place[f]))
        return list(self.source_order)

    def set_filters(self, *, unreviewed: "bool | None" = None, dimension: "str | None" = None,
                    polarity: "str | None" = None, disagreement: "bool | None" = None,
                    sample: "bool | None" = None, order: "str | None" = None, mode: "str | None" = None,
                    blind: "bool | None" = None) -> list[str]:
        """Change any of the filters, the order or the mode (None leaves one as it is); returns the new queue."""
        if dimension not in (None, ANY) and dimension not in self.framework.dimension_ids:
            raise ReviewError(f"unknown dimension filter {dimension!r}; use one of: "
                              f"{', '.join(self.framework.dimension_ids)} (or '' for any).")
        if polarity not in (None, ANY) and polarity not in POLARITIES:
            raise ReviewError(f"unknown polarity filter {polarity!r}; use one of: {', '.join(POLARITIES)} "
                              "(or '' for any).")
        if order not in (None, SOURCE_ORDER, LEAST_CERTAIN):
            raise ReviewError(f"unknown order {order!r}; use {SOURCE_ORDER!r} or {LEAST_CERTAIN!r}.")
        if order == LEAST_CERTAIN and not self.confidence:
            raise ReviewError("the coder gives no confidence for these findings, so they stay in source order.")
        if mode not in (None, REVIEW, ADJUDICATE):
            raise ReviewError(f"unknown mode {mode!r}; use {REVIEW!r} or {ADJUDICATE!r}.")
        for name, value in (("unreviewed_only", unreviewed), ("dimension", dimension), ("polarity", polarity),
                            ("disagreement_only", disagreement), ("sample_only", sample), ("order", order),
                            ("mode", mode), ("blind", blind)):
            if value is not None:
                setattr(self, name, value if isinstance(value, str) else bool(value))
        self.refresh()
        return self.queue

    def refresh(self, after: "str | None" = None) -> None:
        """Rebuild the queue; stay on the current finding (or `after`'s successor), else the next that qualifies."""
        keep = self.current_id
        self.ids = self.ordered()
        self.queue = [fid for fid in self.ids if self.matches(fid)]
        if after is not None:
            self.position = self._successor(after)
            return
        if keep is None or not self.queue:
            self.position = 0
            return
        if keep in self.queue:
            self.position = self.queue.index(keep)
            return
        self.position = self._successor(keep, stay=True)

    def _successor(self, finding_id: str, stay: bool = False) -> int:
        """The queue position of the first finding after `finding_id` in the case's order (the last if none)."""
        if not self.queue:
            return 0
        place = {f: i for i, f in enumerate(self.ids)}
        order = place.get(finding_id, -1)
        later = [i for i, fid in enumerate(self.queue) if place[fid] > order]
        if later:
            return later[0]
        if stay and finding_id in self.queue:
            return self.queue.index(finding_id)
        return len(self.queue) - 1

    # -- progress, agreement, saving ------------------------------------------------------------
    def progress(self) -> Progress:
        """Reviewed n of N findings (by this reviewer when named), and the position in the filtered queue."""
        reviewed = sum(1 for fid in self.ids if self.reviewed(fid))
        anyone = sum(1 for fid in self.ids if fid in self.decisions)
        return Progress(reviewed, len(self.ids), self.position + 1 if self.queue else 0, len(self.queue), anyone,
                        self.reviewer)

    def agreement(self) -> Agreement:
        """Agreement of the effective decisions and the automatic coder over the reviewed findings (kappa, 95% CI)."""
        reviewed = [fid for fid in self.ids if fid in self.decisions]
        pairs = [(self.decisions[fid], self.auto(fid)) for fid in reviewed]
        dims = self.framework.dimension_ids
        codes = pd.DataFrame(
            [{"finding_id": fid, "coder": "reviewer", "dimensions": ";".join(r.dimensions), "polarity": r.polarity}
             for fid, (r, _) in zip(reviewed, pairs)]
            + [{"finding_id": fid, "coder": "auto", "dimensions": ";".join(a.dimensions), "polarity": a.polarity}
               for fid, (_, a) in zip(reviewed, pairs)],
            columns=["finding_id", "coder", "dimensions", "polarity"])
        stats = pairwise_agreement(codes, dims) if pairs else pd.DataFrame()
        if stats.empty:
            stats = pd.DataFrame([{"dimension": d, "n": 0, "percent_agreement": float("nan"), "kappa": float("nan"),
                                   "ci_low": float("nan"), "ci_high": float("nan"), "note": "nothing reviewed yet"}
                                  for d in (*dims, "polarity")])
        same_dims = [(d in r.dimensions) == (d in a.dimensions) for r, a in pairs for d in dims]
        return Agreement(
            reviewed=len(pairs),
            exact=share([(r.dimensions, r.polarity) == (a.dimensions, a.polarity) for r, a in pairs]),
            dimension_agreement=share(same_dims), stats=stats)

    def _check_ready(self, polarity: str) -> None:
        """Refuse a save the widget cannot make, saying what to do in the widget."""
        if self.current_id is None:
            raise ReviewError("no finding is shown (the queue is empty): clear the filters above, or choose "
                              "another case.")
        if not self.reviewer:
            raise ReviewError("type your name or initials in Reviewer, then save again.")
        reviewer_id(self.reviewer)  # a reserved or unusable name: says what to type instead
        if polarity not in POLARITIES:
            raise ReviewError("choose a polarity (click barrier, facilitator or neutral, or press b, f or n), "
                              "then save again.")

    def save(self, dimensions: "list[str] | tuple[str, ...]", polarity: str, reviewer: "str | None" = None,
             note: str = "", date: "str | None" = None) -> Saved:
        """Record the reviewer's decision on the shown finding (in review mode) or the agreed decision (in
        adjudication mode), then move to the next finding in the queue."""
        if reviewer is not None:
            self.reviewer = " ".join(str(reviewer).split())
        self._check_ready(polarity)
        fid = self.current_id
        assert fid is not None
        if self.mode == ADJUDICATE:
            people = [d.reviewer for d in self.everyone(fid)]
            path = record_consensus(self.case_id, fid, list(dimensions), polarity, people, self.reviewer,
                                    self.framework, note=note, date=date, evidence=self.evidence)
        else:
            path = record_decision(self.case_id, fid, list(dimensions), polarity, self.reviewer, self.framework,
                                   note=note, date=date, evidence=self.evidence)
        self.reviews = load_reviews(self.case_id, self.framework, self.evidence)
        self._index()
        self.refresh(after=fid)
        return Saved(fid, Codes(self.framework.order(dimensions), polarity), path, self.mode == ADJUDICATE)


# ---------------------------------------------------------------- candidate findings of full-text sources

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


class CandidateSession(_Queue):
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


# ---------------------------------------------------------------- HTML pieces

def _percent(value: float) -> str:
    return "n/a" if value != value else f"{100 * value:.0f}%"


def _number(value: float) -> str:
    return "n/a" if value != value else f"{value:.2f}"


def labels(dimensions: "tuple[str, ...] | list[str]", framework: Framework) -> str:
    """Dimension labels joined for display ('(no dimension)' for none)."""
    return ", ".join(framework.dimension(d).label for d in dimensions) or "(no dimension)"


def polarity_html(polarity: str) -> str:
    """A polarity as a coloured chip (or a prompt when none is chosen)."""
    if polarity not in POLARITIES:
        return "<span class='wb-chosen-none' style='color:#b00'>no polarity chosen yet</span>"
    colour = POLARITY_COLOURS[polarity]
    return (f"<span class='wb-chosen wb-chosen-{polarity}' style='background:{colour};color:#fff;"
            f"padding:0.1em 0.6em;border-radius:0.8em;font-weight:bold'>{html.escape(polarity)}</span>")


def codes_html(codes: Codes, framework: Framework) -> str:
    """Dimension labels and polarity chip of a set of codes."""
    return f"{html.escape(labels(codes.dimensions, framework))} &middot; {polarity_html(codes.polarity)}"


def confidence_html(confidence: float) -> str:
    """How sure the coder is of its whole suggestion, as a percentage, a word and a bar ('' when it gives none)."""
    if not isinstance(confidence, (int, float)) or confidence != confidence:
        return ""
    share = min(max(float(confidence), 0.0), 1.0)
    word = "low" if share < 0.4 else "moderate" if share < 0.6 else "high"
    colour = {"low": "#b35806", "moderate": "#8c6d00", "high": "#1b7837"}[word]
    return (f"<div class='wb-confidence' title='The calibrated chance that every dimension and the polarity of "
            f"this suggestion are right, measured on publications the coder had not seen.'>"
            f"<b>How sure the coder is:</b> {share:.0%} ({word}) "
            f"<span style='display:inline-block;width:6em;height:0.6em;background:#eee;vertical-align:middle'>"
            f"<span style='display:block;width:{share * 100:.0f}%;height:100%;background:{colour}'></span></span>"
            f" <i>about {round(share * 10)} in 10 suggestions this sure are wholly right</i></div>")


def reasons_html(reasons: str, framework: Framework) -> str:
    """The coder's reasons as a short bulleted list, each led by its dimension's label rather than its id."""
    items = []
    for part in (r.strip() for r in str(reasons or "").split("; ")):
        if not part:
            continue
        head, _, rest = part.partition(" ")
        if head in framework.dimension_ids:
            part = f"{framework.dimension(head).label} {rest}"
        items.append(f"<li>{html.escape(part)}</li>")
    return f"<ul class='wb-reasons' style='margin:0.2em 0'>{''.join(items)}</ul>" if items else ""


def agreement_html(agreement: Agreement, framework: Framework) -> str:
    """A short HTML summary of reviewer-versus-coder agreement."""
    if not agreement.reviewed:
        return "<b>Agreement with the automatic coder:</b> nothing reviewed yet."
    cells = "".join(f"<td>{html.escape(framework.dimension(d).label)}: {_number(k)}</td>"
                    for d, k in agreement.dimension_kappa.items())
    return (f"<b>Agreement with the automatic coder</b> over {agreement.reviewed} reviewed finding(s): "
            f"exact {_percent(agreement.exact)}; dimensions {_percent(agreement.dimension_agreement)} "
            f"(mean kappa {_number(agreement.mean_kappa)}); polarity {_percent(agreement.polarity_agreement)} "
            f"(kappa {_number(agreement.polarity_kappa)})"
            f"<table class='wb-kappa'><tr><td>kappa by dimension:</td>{cells}</tr></table>")


def problems_html(session: ReviewSession) -> str:
    """The unreadable review rows of the case (not used anywhere until corrected), those of the shown finding first."""
    problems = session.reviews.problems
    if not problems:
        return ""
    fid = session.current_id
    mine = session.reviews.problems_for(fid) if fid else []
    items = "".join(f"<li>{html.escape(str(p))}</li>" for p in (mine or problems[:5]))
    more = "" if mine or len(problems) <= 5 else f"<li>and {len(problems) - 5} more</li>"
    lead = ("A decision on this finding cannot be read, so it is not used" if mine else
            f"{len(problems)} review row(s) of this case cannot be read, so they are not used")
    return (f"<div class='wb-unreadable' style='border-left:4px solid #b00;padding:0.2em 0.8em;background:#fff4f4'>"
            f"<b>{lead}</b> (a report will not be published until they are corrected, or published with "
            f"--allow-unreadable-reviews):<ul>{items}{more}</ul>Correct the row in the file named, then choose the "
            f"case again to reload.</div>")


def finding_html(session: ReviewSession) -> str:
    """The shown finding: statement, source and locator, then (unless blind) automatic codes with reasons and
    every reviewer's decision; in adjudication, the decisions side by side."""
    fid = session.current_id
    if fid is None:
        empty = ("No findings await adjudication." if session.mode == ADJUDICATE
                 else "No finding matches the filters: clear them above.")
        return f"<p><i>{empty}</i></p>" + problems_html(session)
    fw = session.framework
    row = session.rows[fid]
    esc = html.escape
    parts = [problems_html(session),
             f"<p class='wb-statement' style='font-size:1.1em'>{esc(str(row['statement']))}</p>",
             f"<p><b>Source:</b> {esc(str(row['source']))} &middot; <b>Locator:</b> {esc(str(row['locator']))}"
             f" &middot; <code>{esc(fid)}</code>"
             + (" &middot; <i>in the double-coding sample</i>" if fid in session.sample else "") + "</p>"]
    if session.hidden(fid):
        parts.append("<p class='wb-blind'><i>Blind first pass: the automatic codes, their reasons and other "
                     "reviewers' decisions appear once you have saved your own.</i></p>")
        return "".join(parts)
    auto = session.auto(fid)
    parts.append(f"<div class='wb-auto'><b>Automatic codes:</b> {codes_html(auto, fw)}"
                 + confidence_html(session.confidence.get(fid, float("nan")))
                 + reasons_html(str(row.get("auto_reasons", "") or ""), fw) + "</div>")
    everyone = session.everyone(fid)
    if everyone:
        cells = "".join(
            f"<tr><td>{esc(d.reviewer)}</td><td>{esc(labels(d.dimensions, fw))}</td><td>{polarity_html(d.polarity)}"
            f"</td><td>{esc(d.date)}</td><td><i>{esc(d.note)}</i></td></tr>" for d in everyone)
        title = ("Decisions side by side" if session.mode == ADJUDICATE else "Decisions")
        parts.append(f"<b>{title}:</b><table class='wb-decisions'><tr><th>reviewer</th><th>dimensions</th>"
                     f"<th>polarity</th><th>date</th><th>note</th></tr>{cells}</table>")
    agreed = session.consensus.get(fid)
    if agreed:
        parts.append(f"<p class='wb-consensus'><b>Consensus</b> ({esc(agreed.reviewer)}, {esc(agreed.date)}): "
                     f"{codes_html(agreed, fw)}" + (f" &middot; <i>{esc(agreed.note)}</i>" if agreed.note else "")
                     + "</p>")
    elif session.disagrees(fid):
        parts.append("<p class='wb-disputed'><b>Reviewers disagree:</b> this finding awaits adjudication.</p>")
    return "".join(parts)


def candidate_html(session: CandidateSession) -> str:
    """The shown candidate: the sentence between the ones before and after it (dimmed), its page, section and
    locator, the classifier's score and reasons, and the latest decision on it."""
    esc = html.escape
    cand = session.current
    if cand is None:
        if not session.candidates:
            return ("<p><i>This case has no full-text source, so it has no candidate findings to review. Add a "
                    "document with <code>workbook add-source</code> and run <code>make report</code>.</i></p>")
        return ("<p><i>No candidate awaits a decision. Tick <b>Near the threshold too</b> for rejected sentences that "
                "scored close to it, or <b>Decided too</b> to revisit decisions.</i></p>")
    dim = "color:#777;font-size:0.95em"
    before = esc(cand.before) if cand.before else "<i>(nothing before it in the source)</i>"
    after = esc(cand.after) if cand.after else "<i>(nothing after it in the source)</i>"
    verdict = ("judged a <b>candidate finding</b>" if cand.suggested
               else "judged <b>not a finding</b>, scoring near the threshold")
    reasons = cand.reason.rpartition(" = ")[0]
    items = "".join(f"<li>{esc(part)}</li>" for part in (reasons or cand.reason).split("; ") if part.strip())
    threshold = "" if session.threshold != session.threshold else f", threshold {session.threshold:g}"
    parts = [f"<p class='wb-cand-before' style='{dim}'>{before}</p>",
             (f"<p class='wb-statement wb-cand-statement' style='font-size:1.1em;border-left:4px solid #0072B2;"
              f"padding-left:0.5em'>{esc(cand.statement)}</p>"),
             f"<p class='wb-cand-after' style='{dim}'>{after}</p>",
             (f"<p class='wb-cand-where'><b>Page:</b> {esc(cand.page or 'n/a')} &middot; <b>Section:</b> "
              f"{esc(cand.section or 'n/a')} &middot; <b>Locator:</b> {esc(cand.locator)} &middot; <b>Source:</b> "
              f"{esc(cand.source)} &middot; <code>{esc(cand.finding_id)}</code></p>"),
             (f"<div class='wb-cand-reason'><b>Classifier:</b> {verdict} (score {cand.score:g}{threshold})"
              f"<ul class='wb-reasons' style='margin:0.2em 0'>{items}</ul></div>")]
    decided = session.decision(cand.finding_id)
    if decided:
        text = (f": &ldquo;{esc(decided.statement)}&rdquo;" if decided.statement else "")
        parts.append(f"<p class='wb-cand-decided'><b>{esc(decided.decision.capitalize())}ed</b> by "
                     f"{esc(decided.reviewer)} ({esc(decided.date)})" + (", text corrected" if text else "") + text
                     + (f" &middot; <i>{esc(decided.note)}</i>" if decided.note else "") + "</p>")
    return "".join(parts)


# ---------------------------------------------------------------- the widget

KEYS_HELP = "1-{n}: tick a dimension · b / f / n: polarity · s: save and next · j: next · k: previous"
CANDIDATE_KEYS_HELP = "a: accept · r: reject · s: save and next · j: next · k: previous"


class ReviewApp:
    """ipywidgets front end of a ReviewSession; displaying it never blocks (it runs headless under papermill)."""

    def __init__(self, settings: "stages.Settings", case_id: str, reviewer: str = "",
                 case_ids: "list[str] | None" = None) -> None:
        """The widgets for one case (any of case_ids selectable), opened as `reviewer` or the remembered one."""
        import ipywidgets as w

        self.settings = settings
        name = " ".join(str(reviewer).split()) or remembered_reviewer()
        self.session = ReviewSession.load(case_id, settings, name)
        fw = settings.framework
        cases = case_ids or list(load_cases(settings.evidence))
        wide = w.Layout(width="auto")
        self.case = w.Dropdown(options=cases, value=case_id, description="Case")
        self.reviewer = w.Text(value=name, description="Reviewer", placeholder="your name or initials")
        self.mode = w.ToggleButtons(options=[("Review", REVIEW), ("Adjudicate", ADJUDICATE),
                                             ("Candidates", CANDIDATES)], value=REVIEW, description="Mode",
                                    style={"button_width": "auto"})
        self.blind = w.Checkbox(value=True, description="Blind first pass", indent=False)
        self.order = w.Dropdown(options=self._orders(), value=SOURCE_ORDER, description="Order")
        self.unreviewed = w.Checkbox(value=False, description="Unreviewed only", indent=False)
        self.sample = w.Checkbox(value=False, description="Sample only", indent=False,
                                 disabled=not self.session.sample)
        self.dimension_filter = w.Dropdown(options=[("any", ANY)] + [(d.label, d.id) for d in fw.dimensions],
                                           value=ANY, description="Dimension")
        self.polarity_filter = w.Dropdown(options=[("any", ANY)] + [(p, p) for p in POLARITIES], value=ANY,
                                          description="Polarity is")
        self.disagreement = w.Checkbox(value=False, description="Disagreements only", indent=False)
        self.finding = w.HTML()
        self.dims = {d.id: w.Checkbox(value=False, description=d.label, indent=False, layout=wide)
                     for d in fw.dimensions}
        self.polarity = w.ToggleButtons(options=list(POLARITIES), value=None, description="Polarity")
        self.chosen = w.HTML()
        self.note = w.Textarea(value="", description="Note", placeholder="why (optional)", layout=w.Layout(width="60%"))
        self.previous_button = w.Button(description="Previous", icon="arrow-left")
        self.next_button = w.Button(description="Next", icon="arrow-right")
        self.save_button = w.Button(description="Save and next", button_style="primary", icon="save")
        self.keys = w.Text(value="", description="Keys", placeholder="click here, then press keys",
                           layout=w.Layout(width="16em"))
        self._keys_done = ""
        self.keys_help = w.HTML(f"<small>{html.escape(KEYS_HELP.format(n=len(self.dims)))}</small>")
        self.progress_bar = w.IntProgress(min=0, max=max(1, len(self.session.ids)), description="Reviewed")
        self.progress = w.HTML()
        self.agreement = w.HTML()
        self.status = w.HTML()
        self._candidate_widgets(w)
        self._classes()
        self.case.observe(self._on_case, names="value")
        self.reviewer.observe(self._on_reviewer, names="value")
        for box in (self.unreviewed, self.dimension_filter, self.polarity_filter, self.disagreement, self.sample,
                    self.order, self.mode, self.blind):
            box.observe(self._on_filter, names="value")
        self.polarity.observe(lambda _: self._show_chosen(), names="value")
        self.keys.observe(self._on_keys, names="value")
        self.previous_button.on_click(lambda _: self._move(self.session.previous))
        self.next_button.on_click(lambda _: self._move(self.session.next))
        self.save_button.on_click(lambda _: self.save())
        self.coding_box = w.VBox([
            w.HBox([self.blind, self.order, self.unreviewed, self.sample]),
            w.HBox([self.dimension_filter, self.polarity_filter, self.disagreement]),
            self.finding,
            w.HTML("<b>Dimensions</b>"), w.GridBox(list(self.dims.values()),
                                                 layout=w.Layout(grid_template_columns="repeat(4, auto)")),
            w.HBox([self.polarity, self.chosen]), self.note,
            w.HBox([self.previous_button, self.next_button, self.save_button, self.keys]), self.keys_help,
        ])
        self.coding_footer = w.VBox([w.HBox([self.progress_bar, self.progress]), self.agreement])
        self.widget = w.VBox([
            w.HBox([self.case, self.reviewer, self.mode]), self.coding_box, self.candidate_box,
            self.status, self.coding_footer,
        ]).add_class("wb-review")
        self.render()

    def _candidate_widgets(self, w) -> None:
        """The controls of the Candidates mode (hidden until it is chosen)."""
        self.candidates: "CandidateSession | None" = None
        self.cand_near = w.Checkbox(value=False, description="Near the threshold too", indent=False)
        self.cand_decided = w.Checkbox(value=False, description="Decided too", indent=False)
        self.cand_progress = w.HTML()
        self.candidate = w.HTML()
        self.cand_choice = w.ToggleButtons(options=[("Accept", "accept"), ("Reject", "reject")], value=None,
                                           description="Decision")
        self.cand_text = w.Textarea(value="", description="Statement", rows=3, layout=w.Layout(width="80%"))
        self.cand_reset = w.Button(description="Reset text", icon="undo")
        self.cand_note = w.Textarea(value="", description="Note", placeholder="why (optional)",
                                    layout=w.Layout(width="60%"))
        self.cand_previous = w.Button(description="Previous", icon="arrow-left")
        self.cand_next = w.Button(description="Next", icon="arrow-right")
        self.cand_save = w.Button(description="Save and next", button_style="primary", icon="save")
        self.cand_keys = w.Text(value="", description="Keys", placeholder="click here, then press keys",
                                layout=w.Layout(width="16em"))
        self._cand_keys_done = ""
        for box in (self.cand_near, self.cand_decided):
            box.observe(self._on_candidate_filter, names="value")
        self.cand_keys.observe(self._on_candidate_keys, names="value")
        self.cand_reset.on_click(lambda _: self._reset_text())
        self.cand_previous.on_click(lambda _: self._move_candidate(False))
        self.cand_next.on_click(lambda _: self._move_candidate(True))
        self.cand_save.on_click(lambda _: self.save_candidate())
        self.candidate_box = w.VBox([
            w.HBox([self.cand_near, self.cand_decided]), self.cand_progress, self.candidate, self.cand_choice,
            w.HBox([self.cand_text, self.cand_reset]), self.cand_note,
            w.HBox([self.cand_previous, self.cand_next, self.cand_save, self.cand_keys]),
            w.HTML(f"<small>{html.escape(CANDIDATE_KEYS_HELP)}</small>"),
        ], layout=w.Layout(display="none"))

    def _orders(self) -> list[tuple[str, str]]:
        """The queue orders on offer: least certain first only when the coder gives a confidence."""
        options = [("source order", SOURCE_ORDER)]
        if self.session.confidence:
            options.append(("least certain first", LEAST_CERTAIN))
        return options

    def _classes(self) -> None:
        """Stable CSS class names, so a browser test can find each control."""
        named = {"wb-case": self.case, "wb-reviewer": self.reviewer, "wb-mode": self.mode, "wb-blind": self.blind,
                 "wb-order": self.order, "wb-filter-unreviewed": self.unreviewed, "wb-filter-sample": self.sample,
                 "wb-filter-dimension": self.dimension_filter, "wb-filter-polarity": self.polarity_filter,
                 "wb-filter-disagreement": self.disagreement, "wb-finding": self.finding,
                 "wb-polarity": self.polarity, "wb-chosen-polarity": self.chosen, "wb-note": self.note,
                 "wb-prev": self.previous_button, "wb-next": self.next_button, "wb-save": self.save_button,
                 "wb-keys": self.keys, "wb-progress": self.progress, "wb-progress-bar": self.progress_bar,
                 "wb-agreement": self.agreement, "wb-status": self.status,
                 "wb-cand-near": self.cand_near, "wb-cand-decided": self.cand_decided,
                 "wb-cand-progress": self.cand_progress, "wb-candidate": self.candidate,
                 "wb-cand-choice": self.cand_choice, "wb-cand-text": self.cand_text, "wb-cand-reset": self.cand_reset,
                 "wb-cand-note": self.cand_note, "wb-cand-prev": self.cand_previous, "wb-cand-next": self.cand_next,
                 "wb-cand-save": self.cand_save, "wb-cand-keys": self.cand_keys}
        for name, widget in named.items():
            widget.add_class(name)
        for dim_id, box in self.dims.items():
            box.add_class("wb-dim").add_class(f"wb-dim-{dim_id}")

    def render(self) -> None:
        """Show the current finding with its form (empty while blind or adjudicating), progress and agreement."""
        s = self.session
        fid = s.current_id
        self.finding.value = finding_html(s)
        codes = s.form(fid) if fid else Codes((), "")
        for dim_id, box in self.dims.items():
            box.value = dim_id in codes.dimensions
        self.polarity.value = codes.polarity if codes.polarity in POLARITIES else None
        mine = s.mine(fid) if fid and s.mode == REVIEW else None
        self.note.value = mine.note if mine else ""
        self.save_button.disabled = fid is None
        self.save_button.description = "Save consensus and next" if s.mode == ADJUDICATE else "Save and next"
        self.previous_button.disabled = not s.queue or s.position == 0
        self.next_button.disabled = not s.queue or s.position + 1 >= len(s.queue)
        self._show_chosen()
        self._show_progress()

    def _show_chosen(self) -> None:
        self.chosen.value = polarity_html(self.polarity.value or "")

    def _show_progress(self) -> None:
        s = self.session
        progress = s.progress()
        self.progress_bar.max = max(1, progress.total)
        self.progress_bar.value = progress.reviewed
        self.progress.value = html.escape(progress.text) + (
            f"; {len(s.disputed)} finding(s) await adjudication" if s.disputed else "")
        self.agreement.value = agreement_html(s.agreement(), s.framework)

    def _move(self, step) -> None:
        step()
        self.status.value = ""
        self.render()

    def _error(self, text: str) -> None:
        self.status.value = f"<span class='wb-error' style='color:#b00'>Not saved: {html.escape(text)}</span>"

    def _on_case(self, change) -> None:
        self.candidates = None
        try:
            self.session = ReviewSession.load(change["new"], self.settings, self.reviewer.value)
        except WorkbookError as exc:
            self.status.value = f"<span class='wb-error' style='color:#b00'>{html.escape(str(exc))}</span>"
            if self.mode.value == CANDIDATES:
                self.render_candidates()
            return
        self.sample.disabled = not self.session.sample
        self.order.options = self._orders()
        self.order.value = SOURCE_ORDER
        self._on_filter(None)

    def _on_reviewer(self, change) -> None:
        """A new name changes what is hidden, but never the ticks being made."""
        self.session.reviewer = " ".join(str(change["new"]).split())
        if self.candidates is not None:
            self.candidates.reviewer = self.session.reviewer
        self.finding.value = finding_html(self.session)
        self._show_progress()

    def _on_filter(self, _change) -> None:
        candidates = self.mode.value == CANDIDATES
        self.coding_box.layout.display = self.coding_footer.layout.display = "none" if candidates else ""
        self.candidate_box.layout.display = "" if candidates else "none"
        if candidates:
            self.status.value = ""
            self.render_candidates()
            return
        try:
            self.session.set_filters(unreviewed=self.unreviewed.value, dimension=self.dimension_filter.value,
                                     polarity=self.polarity_filter.value, disagreement=self.disagreement.value,
                                     sample=self.sample.value, order=self.order.value, mode=self.mode.value,
                                     blind=self.blind.value)
            self.status.value = ""
        except WorkbookError as exc:
            self.status.value = f"<span class='wb-error' style='color:#b00'>{html.escape(str(exc))}</span>"
        self.render()

    def press(self, keys: str) -> None:
        """Act on shortcut keys: 1..n tick a dimension, b/f/n choose a polarity, s saves, j next, k previous (in
        the Candidates mode: a accepts, r rejects, s saves, j next, k previous)."""
        if self.mode.value == CANDIDATES:
            self.press_candidate(keys)
            return
        ids = list(self.dims)
        for key in str(keys).lower():
            if key.isdigit() and 1 <= int(key) <= len(ids):
                box = self.dims[ids[int(key) - 1]]
                box.value = not box.value
            elif key in "bfn":
                self.polarity.value = {"b": "barrier", "f": "facilitator", "n": "neutral"}[key]
            elif key == "s":
                self.save()
            elif key == "j":
                self._move(self.session.next)
            elif key == "k":
                self._move(self.session.previous)

    def _on_keys(self, change) -> None:
        """Act on the keys typed since the last change (the box keeps what was typed: clearing it from here could
        race the browser and replay keys)."""
        new, done = str(change["new"]), self._keys_done
        self._keys_done = new
        self.press(new[len(done):] if new.startswith(done) else "")

    def save(self) -> "Saved | None":
        """Save the ticked codes for the shown finding and move to the next; problems are shown, never raised."""
        chosen = [d for d, box in self.dims.items() if box.value]
        try:
            saved = self.session.save(chosen, self.polarity.value or "", self.reviewer.value, self.note.value)
        except WorkbookError as exc:
            self._error(str(exc))
            return None
        remember_reviewer(self.session.reviewer)
        fw = self.session.framework
        statement = str(self.session.rows[saved.finding_id]["statement"])
        short = statement if len(statement) <= 70 else statement[:67].rstrip() + "..."
        what = "Saved consensus on" if saved.consensus else "Saved"
        revealed = ""
        if not saved.consensus:
            others = self.session.others(saved.finding_id)
            revealed = (f"<br>For comparison: automatic codes {codes_html(self.session.auto(saved.finding_id), fw)}"
                        + "".join(f"; {html.escape(d.reviewer)}: {codes_html(d, fw)}" for d in others))
        self.render()
        nxt, ids = self.session.current_id, self.session.ids
        last = nxt is None or ids.index(nxt) <= ids.index(saved.finding_id)
        where = ("this was the last finding in the queue" if last
                 else f"now showing finding {self.session.position + 1} of {len(self.session.queue)}")
        self.status.value = (f"<span class='wb-saved'>{what} &ldquo;{html.escape(short)}&rdquo;: "
                             f"{codes_html(saved.codes, fw)} &rarr; {html.escape(saved.path.name)}; "
                             f"{html.escape(where)}.{revealed}</span>")
        return saved

    # -- the Candidates mode ------------------------------------------------------------------------
    def _candidate_session(self) -> "CandidateSession | None":
        """The case's candidate session, loaded when first needed (a problem is shown, never raised)."""
        if self.candidates is None or self.candidates.case_id != self.case.value:
            try:
                self.candidates = CandidateSession.load(self.case.value, self.settings, self.reviewer.value)
            except WorkbookError as exc:
                self.candidates = None
                self.status.value = f"<span class='wb-error' style='color:#b00'>{html.escape(str(exc))}</span>"
                return None
            self.candidates.set_filters(near=self.cand_near.value, decided=self.cand_decided.value)
        return self.candidates

    def render_candidates(self) -> None:
        """Show the current candidate with its context, its form (decision, text, note) and the progress."""
        c = self._candidate_session()
        fid = c.current_id if c else None
        self.candidate.value = candidate_html(c) if c else ""
        decided = c.decision(fid) if c and fid else None
        self.cand_choice.value = decided.decision if decided else None
        self.cand_text.value = c.text(fid) if c and fid else ""
        self.cand_note.value = decided.note if decided else ""
        for control in (self.cand_choice, self.cand_text, self.cand_reset, self.cand_note, self.cand_save):
            control.disabled = fid is None
        self.cand_previous.disabled = not c or not c.queue or c.position == 0
        self.cand_next.disabled = not c or not c.queue or c.position + 1 >= len(c.queue)
        self.cand_progress.value = html.escape(c.progress().text) if c else ""

    def _on_candidate_filter(self, _change) -> None:
        c = self._candidate_session()
        if c:
            c.set_filters(near=self.cand_near.value, decided=self.cand_decided.value)
        self.render_candidates()

    def _reset_text(self) -> None:
        """Put the sentence's text as extracted back in the Statement box."""
        c = self.candidates
        if c and c.current:
            self.cand_text.value = c.current.statement

    def _move_candidate(self, forward: bool) -> None:
        c = self._candidate_session()
        if c:
            c.next() if forward else c.previous()
        self.status.value = ""
        self.render_candidates()

    def press_candidate(self, keys: str) -> None:
        """Act on shortcut keys in the Candidates mode: a accept, r reject, s save, j next, k previous."""
        for key in str(keys).lower():
            if key in "ar" and not self.cand_choice.disabled:
                self.cand_choice.value = "accept" if key == "a" else "reject"
            elif key == "s":
                self.save_candidate()
            elif key in "jk":
                self._move_candidate(key == "j")

    def _on_candidate_keys(self, change) -> None:
        """Act on the keys typed since the last change (as _on_keys does)."""
        new, done = str(change["new"]), self._cand_keys_done
        self._cand_keys_done = new
        self.press_candidate(new[len(done):] if new.startswith(done) else "")

    def save_candidate(self) -> "CandidateSaved | None":
        """Save the accept or reject (and any corrected text and note) of the shown candidate and move on;
        problems are shown, never raised."""
        c = self._candidate_session()
        if c is None:
            return None
        try:
            saved = c.save(self.cand_choice.value or "", self.cand_text.value, self.reviewer.value,
                           self.cand_note.value)
        except WorkbookError as exc:
            self._error(str(exc))
            return None
        remember_reviewer(c.reviewer)
        statement = saved.corrected or c.candidates[saved.finding_id].statement
        short = statement if len(statement) <= 70 else statement[:67].rstrip() + "..."
        what = f"{saved.decision.capitalize()}ed" + (" with your corrected text" if saved.corrected else "")
        self.render_candidates()
        nxt = c.current_id
        order = list(c.candidates)
        last = nxt is None or order.index(nxt) <= order.index(saved.finding_id)
        where = ("this was the last candidate in the queue" if last
                 else f"now showing candidate {c.position + 1} of {len(c.queue)}")
        self.status.value = (f"<span class='wb-saved'>{what} &ldquo;{html.escape(short)}&rdquo;; the next "
                             f"regeneration (make report) applies it; {html.escape(where)}.</span>")
        return saved
