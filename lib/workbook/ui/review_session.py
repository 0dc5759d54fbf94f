"""A ReviewSession: one case's findings under review (blind first pass, queue, filters, progress, agreement
with the coder, adjudication of disagreements).

Blind mode (the default): until a reviewer has saved their own decision on a finding, the form starts empty
and the automatic codes, their reasons and other reviewers' decisions stay hidden; after saving, all of them
are shown. Findings on which reviewers disagree form the adjudication queue, where an adjudicator sees the
decisions side by side and records the agreed one (evidence/reviews/<case>/consensus.csv).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbook.coding.agreement import pairwise_agreement
from workbook.coding.reviews import (ReviewSet, load_reviews, load_sample, record_consensus, record_decision,
                                     reviewer_id)
from workbook.core.errors import ReviewError
from workbook.core.tables import read_csv
from workbook.evidence.cases import get_case
from workbook.evidence.framework import POLARITIES, Framework
from workbook.pipeline import stages
from workbook.pipeline.stages import extract_case
from workbook.synthesis.matrix import split_ids
from workbook.ui.queue import Queue

ANY = ""
"""Filter value meaning "no restriction"."""
REVIEW, ADJUDICATE = "review", "adjudicate"
"""The two modes of a session: code findings, or settle the findings reviewers disagree on."""
SOURCE_ORDER, LEAST_CERTAIN = "source", "confidence"
"""Queue orders: as the sources give the findings, or least certain automatic codes first."""


def share(flags: "list[bool]") -> float:
    """The share of true values (NaN for none)."""
    return sum(map(bool, flags)) / len(flags) if flags else float("nan")


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
    """workbook.coding.agreement rows, one per dimension and polarity: percent_agreement, kappa, ci_low, ci_high,
    note."""

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


def _decision(row: Any) -> Decision:
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


class ReviewSession(Queue):
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
