"""Reviewing a case's findings one at a time: a ReviewSession (queue, filters, progress, agreement) and its widgets."""
from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbook.coding.agreement import pairwise_agreement
from workbook.coding.reviews import load_reviews, record_decision, reviews_path
from workbook.core.errors import ReviewError, WorkbookError
from workbook.core.tables import read_csv
from workbook.evidence.cases import get_case, load_cases
from workbook.evidence.framework import POLARITIES, Framework
from workbook.pipeline.stages import extract_case
from workbook.pipeline import stages
from workbook.synthesis.matrix import split_ids

ANY = ""
"""Filter value meaning "no restriction"."""


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
    """A reviewer's effective decision on one finding."""

    reviewer: str = ""
    date: str = ""
    note: str = ""


@dataclass(frozen=True)
class Progress:
    """How far the review of a case has got, and where the reviewer is in the filtered queue."""

    reviewed: int
    total: int
    position: int
    queue: int

    @property
    def text(self) -> str:
        """E.g. 'reviewed 3 of 38 findings; showing 2 of 10 in the queue'."""
        where = f"showing {self.position} of {self.queue} in the queue" if self.queue else "the queue is empty"
        return f"reviewed {self.reviewed} of {self.total} findings; {where}"


@dataclass(frozen=True)
class Agreement:
    """Agreement between the reviewer's decisions and the automatic codes, over reviewed findings."""

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

    @property
    def polarity_agreement(self) -> float:
        """Share of reviewed findings with the same polarity."""
        return float(self.stats.loc[self.stats["dimension"] == "polarity", "percent_agreement"].iloc[0])

    @property
    def polarity_kappa(self) -> float:
        """Cohen's kappa of the polarities."""
        return float(self.stats.loc[self.stats["dimension"] == "polarity", "kappa"].iloc[0])

    @property
    def mean_kappa(self) -> float:
        """Mean of the per-dimension kappas that are defined (NaN when none is)."""
        values = [v for v in self.dimension_kappa.values() if v == v]
        return sum(values) / len(values) if values else float("nan")

    def table(self, framework: Framework) -> pd.DataFrame:
        """Per dimension and polarity: percent agreement, kappa with its 95% CI, and any note."""
        out = self.stats[["dimension", "n", "percent_agreement", "kappa", "ci_low", "ci_high", "note"]].copy()
        out.insert(1, "label", [framework.dimension(d).label if d != "polarity" else "Polarity"
                                for d in out["dimension"]])
        return out.reset_index(drop=True)


def coded_findings(case_id: str, settings) -> pd.DataFrame:
    """A case's coded findings: reports/coded/<case>.csv if present, else extracted and coded now (not written)."""
    case = get_case(case_id, settings.evidence)
    path = stages.coded_path(settings.reports, case.id)
    if path.exists():
        return read_csv(path)
    findings = extract_case(case, settings.framework, settings.evidence)
    coded, _ = stages.code_findings(findings, settings, case.id)
    return coded


def effective_decisions(case_id: str, framework: Framework, evidence: "Path | None" = None) -> dict[str, Decision]:
    """The latest valid decision per finding in evidence/reviews/<case>.csv."""
    table = load_reviews(case_id, framework, evidence).effective()
    return {row.finding_id: Decision(tuple(split_ids(row.dimensions)), row.polarity, row.reviewer, row.date, row.note)
            for row in table.itertuples(index=False)}


class ReviewSession:
    """The findings of one case, the reviewer's decisions on them, a filtered queue and a position in it."""

    def __init__(self, case_id: str, coded: pd.DataFrame, framework: Framework,
                 decisions: "dict[str, Decision] | None" = None, evidence: "Path | None" = None) -> None:
        self.case_id = case_id
        self.framework = framework
        self.evidence = evidence
        self.findings = coded.reset_index(drop=True)
        self.rows: dict[str, pd.Series] = {r["finding_id"]: r for _, r in self.findings.iterrows()}
        self.ids: list[str] = list(self.rows)
        self.decisions: dict[str, Decision] = dict(decisions or {})
        self.unreviewed_only = False
        self.dimension = ANY
        self.polarity = ANY
        self.disagreement_only = False
        self.queue: list[str] = list(self.ids)
        self.position = 0

    @classmethod
    def load(cls, case_id: str, settings) -> "ReviewSession":
        """A session over a case's coded findings and the decisions already in its review file."""
        coded = coded_findings(case_id, settings)
        return cls(case_id, coded, settings.framework,
                   effective_decisions(case_id, settings.framework, settings.evidence), settings.evidence)

    # -- codes of one finding -------------------------------------------------------------------
    def auto(self, finding_id: str) -> Codes:
        """The automatic coder's dimensions and polarity for a finding."""
        row = self.rows[finding_id]
        dims = row["auto_dimensions"] if "auto_dimensions" in row else row["dimensions"]
        pol = row["auto_polarity"] if "auto_polarity" in row else row["polarity"]
        return Codes(self.framework.order(split_ids(dims)), str(pol))

    def decision(self, finding_id: str) -> "Decision | None":
        """The reviewer's effective decision on a finding, if any."""
        return self.decisions.get(finding_id)

    def current(self, finding_id: str) -> Codes:
        """The codes a finding carries now: the reviewer's decision if any, else the automatic codes."""
        decided = self.decision(finding_id)
        return Codes(decided.dimensions, decided.polarity) if decided else self.auto(finding_id)

    def disagrees(self, finding_id: str) -> bool:
        """True when the finding is reviewed and the decision differs from the automatic codes."""
        decided = self.decision(finding_id)
        return decided is not None and Codes(decided.dimensions, decided.polarity) != self.auto(finding_id)

    # -- filters and navigation -----------------------------------------------------------------
    def matches(self, finding_id: str) -> bool:
        """Whether a finding passes the current filters (dimension and polarity test its current codes)."""
        codes = self.current(finding_id)
        if self.unreviewed_only and finding_id in self.decisions:
            return False
        if self.disagreement_only and not self.disagrees(finding_id):
            return False
        if self.dimension != ANY and self.dimension not in codes.dimensions:
            return False
        return self.polarity == ANY or codes.polarity == self.polarity

    def set_filters(self, *, unreviewed: "bool | None" = None, dimension: "str | None" = None,
                    polarity: "str | None" = None, disagreement: "bool | None" = None) -> list[str]:
        """Change any of the filters (None leaves one as it is); returns the new queue."""
        if dimension not in (None, ANY) and dimension not in self.framework.dimension_ids:
            raise ReviewError(f"unknown dimension filter {dimension!r}; use one of: "
                              f"{', '.join(self.framework.dimension_ids)} (or '' for any).")
        if polarity not in (None, ANY) and polarity not in POLARITIES:
            raise ReviewError(f"unknown polarity filter {polarity!r}; use one of: {', '.join(POLARITIES)} "
                              "(or '' for any).")
        if unreviewed is not None:
            self.unreviewed_only = bool(unreviewed)
        if dimension is not None:
            self.dimension = dimension
        if polarity is not None:
            self.polarity = polarity
        if disagreement is not None:
            self.disagreement_only = bool(disagreement)
        self.refresh()
        return self.queue

    def refresh(self) -> None:
        """Rebuild the queue; stay on the current finding, or move to the next one that still qualifies."""
        keep = self.current_id
        self.queue = [fid for fid in self.ids if self.matches(fid)]
        if keep is None or not self.queue:
            self.position = 0
            return
        if keep in self.queue:
            self.position = self.queue.index(keep)
            return
        order = self.ids.index(keep)
        later = [i for i, fid in enumerate(self.queue) if self.ids.index(fid) > order]
        self.position = later[0] if later else len(self.queue) - 1

    @property
    def current_id(self) -> "str | None":
        """The finding shown now (None when the queue is empty)."""
        return self.queue[self.position] if self.queue else None

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
            raise ReviewError(f"finding {finding_id!r} is not in the current queue; clear the filters first.")
        self.position = self.queue.index(finding_id)

    # -- progress, agreement, saving ------------------------------------------------------------
    def progress(self) -> Progress:
        """Reviewed n of N findings, and the position in the filtered queue (1-based)."""
        reviewed = sum(1 for fid in self.ids if fid in self.decisions)
        return Progress(reviewed, len(self.ids), self.position + 1 if self.queue else 0, len(self.queue))

    def agreement(self) -> Agreement:
        """Agreement of reviewer and automatic coder over the reviewed findings of this case (kappa with 95% CI)."""
        reviewed = [fid for fid in self.ids if fid in self.decisions]
        pairs = [(self.decisions[fid], self.auto(fid)) for fid in reviewed]
        dims = self.framework.dimension_ids
        codes = pd.DataFrame(
            [{"finding_id": fid, "coder": "reviewer", "dimensions": ";".join(r.dimensions), "polarity": r.polarity}
             for fid, (r, _) in zip(reviewed, pairs)]
            + [{"finding_id": fid, "coder": "auto", "dimensions": ";".join(a.dimensions), "polarity": a.polarity}
               for fid, (_, a) in zip(reviewed, pairs)],
            columns=["finding_id", "coder", "dimensions", "polarity"])
        if pairs:
            stats = pairwise_agreement(codes, dims)
        else:
            stats = pd.DataFrame([{"dimension": d, "n": 0, "percent_agreement": float("nan"), "kappa": float("nan"),
                                   "ci_low": float("nan"), "ci_high": float("nan"), "note": "nothing reviewed yet"}
                                  for d in (*dims, "polarity")])
        same_dims = [(d in r.dimensions) == (d in a.dimensions) for r, a in pairs for d in dims]
        return Agreement(
            reviewed=len(pairs),
            exact=share([(r.dimensions, r.polarity) == (a.dimensions, a.polarity) for r, a in pairs]),
            dimension_agreement=share(same_dims), stats=stats)

    def save(self, dimensions: "list[str] | tuple[str, ...]", polarity: str, reviewer: str, note: str = "",
             date: "str | None" = None) -> Path:
        """Record a decision on the current finding in evidence/reviews/<case>.csv (atomically), then refresh."""
        fid = self.current_id
        if fid is None:
            raise ReviewError("no finding is shown (the queue is empty); change the filters first.")
        date = date or dt.date.today().isoformat()
        path = record_decision(self.case_id, fid, list(dimensions), polarity, reviewer, self.framework,
                               note=note, date=date, evidence=self.evidence)
        self.decisions[fid] = Decision(self.framework.order(dimensions), polarity,
                                       " ".join(reviewer.split()), date, " ".join(note.split()))
        self.refresh()
        return path


def _percent(value: float) -> str:
    return "n/a" if value != value else f"{100 * value:.0f}%"


def _number(value: float) -> str:
    return "n/a" if value != value else f"{value:.2f}"


def agreement_html(agreement: Agreement, framework: Framework) -> str:
    """A short HTML summary of reviewer-versus-coder agreement."""
    if not agreement.reviewed:
        return "<b>Agreement with the automatic coder:</b> nothing reviewed yet."
    cells = "".join(f"<td title='{html.escape(framework.dimension(d).label)}'>{html.escape(d)}: "
                    f"{_number(k)}</td>" for d, k in agreement.dimension_kappa.items())
    return (f"<b>Agreement with the automatic coder</b> over {agreement.reviewed} reviewed finding(s): "
            f"exact {_percent(agreement.exact)}; dimensions {_percent(agreement.dimension_agreement)} "
            f"(mean kappa {_number(agreement.mean_kappa)}); polarity {_percent(agreement.polarity_agreement)} "
            f"(kappa {_number(agreement.polarity_kappa)})"
            f"<table class='wb-kappa'><tr><td>kappa by dimension:</td>{cells}</tr></table>")


def finding_html(session: ReviewSession) -> str:
    """The shown finding: statement, source and locator, automatic codes with reasons, any decision."""
    fid = session.current_id
    if fid is None:
        return "<p><i>No finding matches the filters.</i></p>"
    row = session.rows[fid]
    auto = session.auto(fid)
    esc = html.escape
    reasons = str(row.get("auto_reasons", "") or "")
    parts = [f"<p class='wb-statement' style='font-size:1.1em'>{esc(str(row['statement']))}</p>",
             f"<p><b>Source:</b> {esc(str(row['source']))} &middot; <b>Locator:</b> {esc(str(row['locator']))}"
             f" &middot; <code>{esc(fid)}</code></p>",
             f"<p><b>Automatic codes:</b> {esc(', '.join(auto.dimensions) or '(none)')} &middot; {esc(auto.polarity)}"
             + (f"<br><small><b>Reasons:</b> {'<br>'.join(esc(r) for r in reasons.split('; '))}</small>"
                if reasons else "") + "</p>"]
    decided = session.decision(fid)
    if decided:
        parts.append(f"<p><b>Decision</b> by {esc(decided.reviewer)} on {esc(decided.date)}: "
                     f"{esc(', '.join(decided.dimensions) or '(none)')} &middot; {esc(decided.polarity)}"
                     + (f" &middot; <i>{esc(decided.note)}</i>" if decided.note else "") + "</p>")
    return "".join(parts)


class ReviewApp:
    """ipywidgets front end of a ReviewSession; displaying it never blocks (it runs headless under papermill)."""

    def __init__(self, settings, case_id: str, reviewer: str = "", case_ids: "list[str] | None" = None) -> None:
        import ipywidgets as w

        self.settings = settings
        self.session = ReviewSession.load(case_id, settings)
        fw = settings.framework
        cases = case_ids or list(load_cases(settings.evidence))
        wide = w.Layout(width="auto")
        self.case = w.Dropdown(options=cases, value=case_id, description="Case")
        self.reviewer = w.Text(value=reviewer, description="Reviewer", placeholder="your name or initials")
        self.unreviewed = w.Checkbox(value=False, description="Unreviewed only", indent=False)
        self.dimension_filter = w.Dropdown(options=[("any", ANY)] + [(d.label, d.id) for d in fw.dimensions],
                                           value=ANY, description="Dimension")
        self.polarity_filter = w.Dropdown(options=[("any", ANY)] + [(p, p) for p in POLARITIES], value=ANY,
                                          description="Polarity is")
        self.disagreement = w.Checkbox(value=False, description="Disagreements only", indent=False)
        self.finding = w.HTML()
        self.dims = {d.id: w.Checkbox(value=False, description=d.label, indent=False, layout=wide)
                     for d in fw.dimensions}
        self.polarity = w.ToggleButtons(options=list(POLARITIES), value=None, description="Polarity")
        self.note = w.Textarea(value="", description="Note", placeholder="why (optional)", layout=w.Layout(width="60%"))
        self.previous_button = w.Button(description="Previous", icon="arrow-left")
        self.next_button = w.Button(description="Next", icon="arrow-right")
        self.save_button = w.Button(description="Save", button_style="primary", icon="save")
        self.progress_bar = w.IntProgress(min=0, max=max(1, len(self.session.ids)), description="Reviewed")
        self.progress = w.HTML()
        self.agreement = w.HTML()
        self.status = w.HTML()
        self._classes(w)
        self.case.observe(self._on_case, names="value")
        for box in (self.unreviewed, self.dimension_filter, self.polarity_filter, self.disagreement):
            box.observe(self._on_filter, names="value")
        self.previous_button.on_click(lambda _: self._move(self.session.previous))
        self.next_button.on_click(lambda _: self._move(self.session.next))
        self.save_button.on_click(lambda _: self.save())
        self.widget = w.VBox([
            w.HBox([self.case, self.reviewer]),
            w.HBox([self.unreviewed, self.dimension_filter, self.polarity_filter, self.disagreement]),
            self.finding,
            w.HTML("<b>Dimensions</b>"), w.GridBox(list(self.dims.values()),
                                                 layout=w.Layout(grid_template_columns="repeat(4, auto)")),
            self.polarity, self.note,
            w.HBox([self.previous_button, self.next_button, self.save_button]),
            self.status, w.HBox([self.progress_bar, self.progress]), self.agreement,
        ]).add_class("wb-review")
        self.render()

    def _classes(self, w) -> None:
        """Stable CSS class names, so a browser test can find each control."""
        named = {"wb-case": self.case, "wb-reviewer": self.reviewer, "wb-filter-unreviewed": self.unreviewed,
                 "wb-filter-dimension": self.dimension_filter, "wb-filter-polarity": self.polarity_filter,
                 "wb-filter-disagreement": self.disagreement, "wb-finding": self.finding,
                 "wb-polarity": self.polarity, "wb-note": self.note, "wb-prev": self.previous_button,
                 "wb-next": self.next_button, "wb-save": self.save_button, "wb-progress": self.progress,
                 "wb-progress-bar": self.progress_bar, "wb-agreement": self.agreement, "wb-status": self.status}
        for name, widget in named.items():
            widget.add_class(name)
        for dim_id, box in self.dims.items():
            box.add_class("wb-dim").add_class(f"wb-dim-{dim_id}")

    def render(self) -> None:
        """Show the current finding, pre-filled with its current codes, and refresh progress and agreement."""
        s = self.session
        fid = s.current_id
        self.finding.value = finding_html(s)
        codes = s.current(fid) if fid else Codes((), "")
        for dim_id, box in self.dims.items():
            box.value = dim_id in codes.dimensions
        self.polarity.value = codes.polarity if codes.polarity in POLARITIES else None
        decided = s.decision(fid) if fid else None
        self.note.value = decided.note if decided else ""
        self.save_button.disabled = fid is None
        self.previous_button.disabled = not s.queue or s.position == 0
        self.next_button.disabled = not s.queue or s.position + 1 >= len(s.queue)
        progress = s.progress()
        self.progress_bar.max = max(1, progress.total)
        self.progress_bar.value = progress.reviewed
        self.progress.value = html.escape(progress.text)
        self.agreement.value = agreement_html(s.agreement(), s.framework)

    def _move(self, step) -> None:
        step()
        self.status.value = ""
        self.render()

    def _on_case(self, change) -> None:
        self.session = ReviewSession.load(change["new"], self.settings)
        self._on_filter(None)

    def _on_filter(self, _change) -> None:
        try:
            self.session.set_filters(unreviewed=self.unreviewed.value, dimension=self.dimension_filter.value,
                                     polarity=self.polarity_filter.value, disagreement=self.disagreement.value)
            self.status.value = ""
        except WorkbookError as exc:
            self.status.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"
        self.render()

    def save(self) -> "Path | None":
        """Save the ticked codes for the shown finding; problems are shown, never raised into the front end."""
        fid = self.session.current_id
        chosen = [d for d, box in self.dims.items() if box.value]
        try:
            if not self.polarity.value:
                raise ReviewError("choose a polarity (barrier, facilitator or neutral) before saving.")
            path = self.session.save(chosen, self.polarity.value, self.reviewer.value, self.note.value)
        except WorkbookError as exc:
            self.status.value = f"<span class='wb-error' style='color:#b00'>Not saved: {html.escape(str(exc))}</span>"
            return None
        shown = reviews_path(self.session.case_id, self.session.evidence)
        self.status.value = (f"<span class='wb-saved'>Saved {html.escape(str(fid))}: "
                             f"{html.escape(', '.join(chosen) or '(no dimension)')} / "
                             f"{html.escape(self.polarity.value)}"
                             f" &rarr; {html.escape(shown.name)}</span>")
        self.render()
        return path
