"""ReviewApp: the ipywidgets review screen over a ReviewSession (Review and Adjudicate modes) and a
CandidateSession (Candidates mode); see workbook.ui.review_session and workbook.ui.candidate_session."""
from __future__ import annotations

import html
from types import ModuleType
from typing import Any, Callable

from workbook.core.errors import WorkbookError
from workbook.evidence.cases import load_cases
from workbook.evidence.framework import POLARITIES
from workbook.pipeline import stages
from workbook.ui.candidate_session import CandidateSaved, CandidateSession
from workbook.ui.cards import agreement_html, candidate_html, codes_html, finding_html, polarity_html
from workbook.ui.review_session import (ADJUDICATE, ANY, LEAST_CERTAIN, REVIEW, SOURCE_ORDER, Codes, ReviewSession,
                                        Saved)
from workbook.ui.reviewer import remember_reviewer, remembered_reviewer

CANDIDATES = "candidates"
"""The widget's third mode: accept or reject the candidate findings of full-text sources (a CandidateSession)."""
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

    def _candidate_widgets(self, w: ModuleType) -> None:
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

    def _move(self, step: "Callable[[], bool]") -> None:
        step()
        self.status.value = ""
        self.render()

    def _error(self, text: str) -> None:
        self.status.value = f"<span class='wb-error' style='color:#b00'>Not saved: {html.escape(text)}</span>"

    def _on_case(self, change: "dict[str, Any]") -> None:
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

    def _on_reviewer(self, change: "dict[str, Any]") -> None:
        """A new name changes what is hidden, but never the ticks being made."""
        self.session.reviewer = " ".join(str(change["new"]).split())
        if self.candidates is not None:
            self.candidates.reviewer = self.session.reviewer
        self.finding.value = finding_html(self.session)
        self._show_progress()

    def _on_filter(self, _change: "dict[str, Any]") -> None:
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

    def _on_keys(self, change: "dict[str, Any]") -> None:
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

    def _on_candidate_filter(self, _change: "dict[str, Any]") -> None:
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

    def _on_candidate_keys(self, change: "dict[str, Any]") -> None:
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
