"""The coding exercise: students code findings in a form, and their codes are compared with the reference coding
(kappa per dimension, where and why they differ)."""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import pandas as pd

from workbook.coding.agreement import pairwise_agreement
from workbook.core.errors import EvidenceError, ParameterError, WorkbookError, problem
from workbook.core.paths import evidence_dir
from workbook.core.yamlio import load_yaml, schema_problems
from workbook.evidence.framework import POLARITIES, Framework
from workbook.synthesis.matrix import split_ids
from workbook.ui.lessons import Lesson, dimension_labels, html_table, lesson

if TYPE_CHECKING:
    from IPython.display import HTML


REFERENCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["framework", "items"],
    "additionalProperties": False,
    "properties": {
        "framework": {"type": "string"},
        "items": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["item", "finding_id", "dimensions", "polarity", "rationale"],
                "additionalProperties": False,
                "properties": {
                    "item": {"type": "integer", "minimum": 1},
                    "finding_id": {"type": "string", "minLength": 1},
                    "dimensions": {"type": "array", "items": {"type": "string"}},
                    "polarity": {"enum": list(POLARITIES)},
                    "rationale": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}


def reference_path(evidence: "Path | None" = None) -> Path:
    """evidence/teaching/reference_coding.yaml."""
    return (evidence or evidence_dir()) / "teaching" / "reference_coding.yaml"


def load_reference(framework: Framework, evidence: "Path | None" = None) -> pd.DataFrame:
    """The reference coding (item, finding_id, dimensions ';'-joined, polarity, rationale), checked."""
    path = reference_path(evidence)
    doc = load_yaml(path)
    found = schema_problems(doc, REFERENCE_SCHEMA)
    if found:
        raise EvidenceError(found)
    rows, problems, seen = [], [], set()
    if doc.data["framework"] != framework.id:
        problems.append(problem(path, f"is a reference for framework {doc.data['framework']!r}, not {framework.id!r}.",
                                "code the items against the current framework and update `framework:`.",
                                line=doc.line_of(("framework",))))
    known = set(framework.dimension_ids)
    for i, raw in enumerate(doc.data["items"]):
        line = doc.line_of(("items", i))
        unknown = [d for d in raw["dimensions"] if d not in known]
        if unknown:
            problems.append(problem(path, f"unknown dimension(s) {unknown}.",
                                    f"use: {', '.join(framework.dimension_ids)}.", line=line, record=raw["finding_id"]))
        if raw["item"] in seen:
            problems.append(problem(path, f"item number {raw['item']} is used twice.", "number items 1, 2, 3, ...",
                                    line=line, record=raw["finding_id"]))
        seen.add(raw["item"])
        rows.append({"item": raw["item"], "finding_id": raw["finding_id"],
                     "dimensions": ";".join(framework.order([d for d in raw["dimensions"] if d in known])),
                     "polarity": raw["polarity"], "rationale": " ".join(raw["rationale"].split())})
    if problems:
        raise EvidenceError(problems)
    return pd.DataFrame(rows).sort_values("item").reset_index(drop=True)


def exercise_items(reference: pd.DataFrame, coded: pd.DataFrame) -> pd.DataFrame:
    """The findings to code, numbered as in the reference, read from the coded findings (no codes shown)."""
    cols = ["finding_id", "case", "source", "locator", "statement"]
    table = reference[["item", "finding_id"]].merge(coded[cols], on="finding_id", how="inner")
    return table.sort_values("item").reset_index(drop=True)


def missing_items(reference: pd.DataFrame, coded: pd.DataFrame) -> list[str]:
    """Reference finding ids no longer among the findings (their statement was edited or removed)."""
    present = set(coded["finding_id"])
    return [fid for fid in reference["finding_id"] if fid not in present]


# -- the student's answers and the comparison -------------------------------------------------
def _dimension_names(framework: Framework) -> dict[str, str]:
    """Every accepted spelling of a dimension (its id or its label, any case) -> its id."""
    names = {d.id.lower(): d.id for d in framework.dimensions}
    names.update({d.label.lower(): d.id for d in framework.dimensions})
    return names


def _item_number(item: Any) -> "int | None":
    """An item number given as an int or as digits, else None."""
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return item
    if isinstance(item, str) and item.strip().isdigit():
        return int(item.strip())
    return None


def student_codes(answers: "dict[int, Any]", framework: Framework,
                  items: "Iterable[int] | None" = None) -> pd.DataFrame:
    """A student's answers {item: (dimensions, polarity) or {'dimensions':..., 'polarity':...} or None} as a table.

    Dimensions may be given by id or by label; answers for items not in `items` (when given) or in another
    shape are refused with one message naming every item at fault."""
    if not isinstance(answers, dict):
        raise ParameterError(f"The answers are a {type(answers).__name__}, not a table of items. Fix: give "
                             "{item number: (['dimension', ...], 'polarity')}, or answer in the form.")
    known_items = sorted(set(items)) if items is not None else None
    names = _dimension_names(framework)
    rows, errors = [], []
    for key, answer in answers.items():
        item = _item_number(key)
        if item is None:
            errors.append(f"{key!r} is not an item number; number items as in the exercise (1, 2, ...)")
            continue
        if known_items is not None and item not in known_items:
            span = f"{known_items[0]}-{known_items[-1]}" if known_items else "none"
            errors.append(f"item {item} is not in this exercise (its items are {span})")
            continue
        if answer is None:
            continue
        if isinstance(answer, dict):
            extra = sorted(set(map(str, answer)) - {"dimensions", "polarity"})
            if extra:
                errors.append(f"item {item}: unknown field(s) {extra}; write dimensions and polarity only")
                continue
            dims, pol = answer.get("dimensions", []), answer.get("polarity")
        else:
            try:
                dims, pol = answer
            except (TypeError, ValueError):
                errors.append(f"item {item}: write (['dimension', ...], 'polarity'), got {answer!r}")
                continue
        if isinstance(dims, str):
            dims = [dims] if dims.strip() else []
        if not isinstance(dims, (list, tuple, set)) or not all(isinstance(d, str) for d in dims):
            errors.append(f"item {item}: the dimensions must be a list of names, got {dims!r}")
            continue
        unknown = [d for d in dims if d.strip().lower() not in names]
        if unknown:
            errors.append(f"item {item}: unknown dimension(s) {unknown}; use: "
                          f"{', '.join(d.label for d in framework.dimensions)}")
        if pol in (None, ""):
            errors.append(f"item {item}: choose a polarity ({', '.join(POLARITIES)}), or clear the item "
                          f"to leave it for later")
        elif pol not in POLARITIES:
            errors.append(f"item {item}: unknown polarity {pol!r}; use: {', '.join(POLARITIES)}")
        if not unknown and pol in POLARITIES:
            ids = {names[d.strip().lower()] for d in dims}
            rows.append({"item": item, "dimensions": ";".join(framework.order(ids)), "polarity": pol})
    if errors:
        raise ParameterError("Some answers cannot be read. Fix: " + "; ".join(errors) + ".")
    return pd.DataFrame(sorted(rows, key=lambda r: r["item"]), columns=["item", "dimensions", "polarity"])


@dataclass(frozen=True)
class Comparison:
    """A student's coding set against the reference: kappas and item-by-item differences."""

    answered: int
    total: int
    by_dimension: pd.DataFrame
    """dimension, label, student, reference, both, agreement, kappa, ci_low, ci_high, note (one row per dimension)."""
    polarity_agreement: float
    polarity_kappa: float
    items: pd.DataFrame
    """item, finding_id, student and reference codes, missed, extra, polarity_match, match, rationale."""

    @property
    def differences(self) -> pd.DataFrame:
        """The answered items where the student and the reference differ."""
        return self.items[~self.items["match"]].reset_index(drop=True)

    @property
    def mean_kappa(self) -> float:
        """Mean of the per-dimension kappas that are defined."""
        return float(self.by_dimension["kappa"].mean(skipna=True))


def compare(student: pd.DataFrame, reference: pd.DataFrame, framework: Framework) -> Comparison:
    """Compare a student's codes with the reference over the items answered (kappa from workbook.coding.agreement)."""
    both = reference.merge(student, on="item", how="inner", suffixes=("_reference", "_student"))
    ref_sets = [set(split_ids(v)) for v in both["dimensions_reference"]]
    stu_sets = [set(split_ids(v)) for v in both["dimensions_student"]]
    codes = pd.concat([pd.DataFrame({"finding_id": both["item"].astype(str), "coder": who,
                                     "dimensions": both[f"dimensions_{who}"], "polarity": both[f"polarity_{who}"]})
                       for who in ("student", "reference")], ignore_index=True)
    stats = pairwise_agreement(codes, framework.dimension_ids).set_index("dimension")
    rows = []
    for dim in framework.dimension_ids:
        r = [dim in s for s in ref_sets]
        s = [dim in s for s in stu_sets]
        rows.append({"dimension": dim, "label": framework.dimension(dim).label, "student": sum(s),
                     "reference": sum(r), "both": sum(x and y for x, y in zip(r, s)),
                     "agreement": stats.loc[dim, "percent_agreement"], "kappa": stats.loc[dim, "kappa"],
                     "ci_low": stats.loc[dim, "ci_low"], "ci_high": stats.loc[dim, "ci_high"],
                     "note": stats.loc[dim, "note"]})
    items = pd.DataFrame({
        "item": both["item"], "finding_id": both["finding_id"],
        "student_dimensions": both["dimensions_student"], "reference_dimensions": both["dimensions_reference"],
        "missed": [";".join(framework.order(r - s)) for r, s in zip(ref_sets, stu_sets)],
        "extra": [";".join(framework.order(s - r)) for r, s in zip(ref_sets, stu_sets)],
        "student_polarity": both["polarity_student"], "reference_polarity": both["polarity_reference"],
    })
    items["polarity_match"] = items["student_polarity"] == items["reference_polarity"]
    items["match"] = (items["missed"] == "") & (items["extra"] == "") & items["polarity_match"]
    items["rationale"] = both["rationale"]
    return Comparison(answered=len(both), total=len(reference), by_dimension=pd.DataFrame(rows),
                      polarity_agreement=float(stats.loc["polarity", "percent_agreement"]),
                      polarity_kappa=float(stats.loc["polarity", "kappa"]), items=items)


def _codes_text(dims: str, polarity: str, framework: Framework) -> str:
    return f"{html.escape(dimension_labels(dims, framework))} · <i>{html.escape(polarity)}</i>"


def _finding_cell(row: Any, lesson: "Lesson | None" = None) -> str:
    case = lesson.case_name(row["case"]) if lesson is not None else row["case"]
    return (f"<b>{int(row['item'])}.</b> {html.escape(str(row['statement']))}<br><small>{html.escape(str(case))}; "
            f"{html.escape(str(row['source']))}, {html.escape(str(row['locator']))}</small>")


def agreement_html(comparison: "Comparison", framework: Framework) -> str:
    """Agreement and Cohen's kappa per dimension (by label), with the summary line above it."""
    def number(value: float, fmt: str) -> str:
        return "n/a" if pd.isna(value) else format(value, fmt)

    rows = [[html.escape(r.label), str(r.student), str(r.reference), str(r.both), number(r.agreement, ".0%"),
             number(r.kappa, ".2f") + ("" if pd.isna(r.ci_low) else f" ({r.ci_low:.2f} to {r.ci_high:.2f})"),
             html.escape(str(r.note or ""))] for r in comparison.by_dimension.itertuples()]
    exact = comparison.answered - len(comparison.differences)
    summary = (f"<p class='wb-summary'>You answered {comparison.answered} of {comparison.total} items; {exact} exactly "
               f"as the reference. Mean kappa over dimensions: {number(comparison.mean_kappa, '.2f')}. Polarity: "
               f"{number(comparison.polarity_agreement, '.0%')} agreement, kappa "
               f"{number(comparison.polarity_kappa, '.2f')}.</p>")
    return summary + html_table([("Dimension", "17%"), ("You", "7%"), ("Reference", "10%"), ("Both", "7%"),
                             ("Agreement", "11%"), ("Kappa (95% CI)", "18%"), ("Note", "30%")], rows, "wb-kappa")


def differences_html(comparison: "Comparison", items: pd.DataFrame, framework: Framework,
                     lesson: "Lesson | None" = None) -> str:
    """Where and why you differ: each differing item's finding, both codings (labels), what differs and why."""
    diff = comparison.differences
    if diff.empty:
        return "<p class='wb-differences'>No differences: every answered item matches the reference.</p>"
    found = items.set_index("item")
    rows = []
    for r in diff.itertuples():
        finding = _finding_cell({**found.loc[r.item].to_dict(), "item": r.item}, lesson) if r.item in found.index \
            else f"<b>{r.item}.</b>"
        what = []
        if r.missed:
            what.append(f"missed: {html.escape(dimension_labels(r.missed, framework))}")
        if r.extra:
            what.append(f"extra: {html.escape(dimension_labels(r.extra, framework))}")
        if not r.polarity_match:
            what.append(f"polarity: you {html.escape(r.student_polarity)}, "
                        f"reference {html.escape(r.reference_polarity)}")
        codes = (f"You: {_codes_text(r.student_dimensions, r.student_polarity, framework)}<br>"
                 f"Reference: {_codes_text(r.reference_dimensions, r.reference_polarity, framework)}<br>"
                 f"<b>{'; '.join(what)}</b>")
        rows.append([finding, codes, html.escape(str(r.rationale))])
    return html_table([("Finding", "38%"), ("Codes", "24%"), ("Why the reference codes it so", "38%")], rows,
                  "wb-differences")


def comparison_html(comparison: "Comparison", items: pd.DataFrame, framework: Framework,
                    lesson: "Lesson | None" = None) -> str:
    """The whole comparison: agreement and kappa per dimension, then where and why you differ."""
    return ("<h3>Your coding against the reference</h3>" + agreement_html(comparison, framework)
            + "<h3>Where and why you differ</h3><p><small><i>missed</i>: in the reference, not in your answer; "
              "<i>extra</i>: in your answer, not in the reference.</small></p>"
            + differences_html(comparison, items, framework, lesson))


def reference_html(reference: pd.DataFrame, items: pd.DataFrame, framework: Framework,
                   lesson: "Lesson | None" = None) -> str:
    """The full reference coding: each item's finding, its codes (labels) and the reasoning."""
    found = items.set_index("item")
    rows = []
    for r in reference.itertuples():
        finding = _finding_cell({**found.loc[r.item].to_dict(), "item": r.item}, lesson) if r.item in found.index \
            else f"<b>{r.item}.</b> <i>(this finding is no longer in the sources)</i>"
        rows.append([finding, _codes_text(r.dimensions, r.polarity, framework), html.escape(r.rationale)])
    return html_table([("Finding", "38%"), ("Reference codes", "22%"), ("Why", "40%")], rows, "wb-reference")


class ExerciseForm:
    """The coding exercise as a form: one row per item, the dimensions as checkboxes by label, a polarity toggle,
    and a button that checks the answers; headless (papermill, nbval) it simply shows an empty form."""

    def __init__(self, items: pd.DataFrame, framework: Framework, lesson: "Lesson | None" = None) -> None:
        import ipywidgets as w

        self.items = items.reset_index(drop=True)
        self.framework = framework
        self.numbers = [int(i) for i in self.items["item"]]
        self.student: pd.DataFrame = pd.DataFrame(columns=["item", "dimensions", "polarity"])
        self._callbacks: list[Callable[[pd.DataFrame], None]] = []
        box = w.Layout(width="auto", margin="0 1.2em 0 0")
        self.dims: dict[int, dict[str, Any]] = {}
        self.polarity: dict[int, Any] = {}
        rows = []
        for _, row in self.items.iterrows():
            n = int(row["item"])
            self.dims[n] = {d.id: w.Checkbox(value=False, description=d.label, indent=False, layout=box)
                            for d in framework.dimensions}
            for dim_id, check in self.dims[n].items():
                check.add_class("wb-dim").add_class(f"wb-dim-{dim_id}")
            self.polarity[n] = w.ToggleButtons(options=list(POLARITIES), value=None, description="Polarity",
                                               style={"button_width": "7em"}).add_class("wb-polarity")
            clear = w.Button(description="Clear", tooltip="leave this item unanswered",
                             layout=w.Layout(width="6em")).add_class("wb-clear")
            clear.on_click(lambda _, n=n: self.clear(n))
            finding = w.HTML(f"<div style='white-space:normal;max-width:60em'>{_finding_cell(row, lesson)}</div>")
            rows.append(w.VBox([finding,
                                w.HBox(list(self.dims[n].values()), layout=w.Layout(flex_flow="row wrap")),
                                w.HBox([self.polarity[n], clear])],
                               layout=w.Layout(border_bottom="1px solid #ddd", padding="0.4em 0")
                               ).add_class("wb-item").add_class(f"wb-item-{n}"))
        self.check_button = w.Button(description="Check my answers", button_style="primary", icon="check",
                                     layout=w.Layout(width="auto")).add_class("wb-check")
        self.check_button.on_click(lambda _: self.submit())
        self.status = w.HTML().add_class("wb-exercise-status")
        self.widget = w.VBox([*rows, w.HBox([self.check_button]), self.status]).add_class("wb-exercise")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Display as the form itself."""
        return self.widget._repr_mimebundle_(**kwargs)

    def clear(self, item: int) -> None:
        """Untick an item's dimensions and unset its polarity (the item is then unanswered)."""
        for check in self.dims[item].values():
            check.value = False
        self.polarity[item].value = None

    def answers(self) -> dict[int, Any]:
        """The form's answers: {item: ([dimension ids], polarity)}, None for an item left untouched."""
        out: dict[int, Any] = {}
        for n in self.numbers:
            ticked = [d for d, check in self.dims[n].items() if check.value]
            pol = self.polarity[n].value
            out[n] = (ticked, pol or "") if ticked or pol else None
        return out

    def fill(self, answers: "dict[int, Any]") -> None:
        """Set the form from answers given in Python (dimension ids or labels), refusing unknown items or shapes."""
        table = student_codes(answers, self.framework, self.numbers)
        given = {int(r.item): r for r in table.itertuples()}
        for n in self.numbers:
            if n in given:
                ids = set(split_ids(given[n].dimensions))
                for dim_id, check in self.dims[n].items():
                    check.value = dim_id in ids
                self.polarity[n].value = given[n].polarity
            elif n in {_item_number(k) for k in answers}:
                self.clear(n)

    def on_submit(self, callback: "Callable[[pd.DataFrame], None]") -> None:
        """Call `callback(student codes)` after each successful check of the answers."""
        self._callbacks.append(callback)

    def submit(self) -> "pd.DataFrame | None":
        """Read and check the form's answers; say how many are answered, or what to fix (never raises)."""
        try:
            student = student_codes(self.answers(), self.framework, self.numbers)
        except WorkbookError as exc:
            text = str(exc).replace("Some answers cannot be read. Fix: ", "")
            self.status.value = (f"<span class='wb-error' style='color:#b00'>Not checked: "
                                 f"{html.escape(text)}</span>")
            return None
        self.student = student
        self.status.value = (f"<span class='wb-answered'>You have answered {len(student)} of {len(self.numbers)} "
                             f"items.</span>")
        for callback in self._callbacks:
            callback(student)
        return student


class ComparisonView:
    """The teacher's copy's comparison with the reference, refreshed each time the form's answers are checked."""

    def __init__(self, exercise: "Exercise", form: ExerciseForm) -> None:
        import ipywidgets as w

        self.exercise = exercise
        self.widget = w.HTML(layout=w.Layout(width="auto", max_width="100%")).add_class("wb-comparison")
        self.show(form.student)
        form.on_submit(self.show)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Display as the comparison itself."""
        return self.widget._repr_mimebundle_(**kwargs)

    def show(self, student: pd.DataFrame) -> None:
        """Compare these answers with the reference, or say that nothing is answered yet."""
        ex = self.exercise
        if student.empty:
            self.widget.value = ("<p class='wb-waiting'><i>Nothing answered yet: answer some items in the form "
                                 "above and press <b>Check my answers</b>.</i></p>")
            return
        comparison = compare(student, ex.reference, ex.framework)
        self.widget.value = comparison_html(comparison, ex.items, ex.framework, ex.lesson)


@dataclass(frozen=True)
class Exercise:
    """The coding exercise: the reference coding, the items to code, and the items whose finding is gone."""

    lesson: Lesson
    reference: pd.DataFrame
    items: pd.DataFrame
    missing: list

    @property
    def framework(self) -> Framework:
        """The framework the exercise is coded against."""
        return self.lesson.framework

    @classmethod
    def load(cls, evidence_dir: str = "", reports_dir: str = "") -> "Exercise":
        """The exercise of the project's evidence (or of the given notebook parameters)."""
        les = lesson(evidence_dir, reports_dir)
        reference = load_reference(les.framework, les.settings.evidence)
        return cls(les, reference, exercise_items(reference, les.coded), missing_items(reference, les.coded))

    def introduction(self) -> str:
        """What the student sees before the form: how many items, and a word if some cannot be shown."""
        text = f"{len(self.items)} findings to code."
        if self.missing:
            text += (f" {len(self.missing)} item(s) of the exercise cannot be shown (their finding changed in the "
                     f"sources); skip them.")
        return text

    def maintenance_note(self) -> str:
        """For the teacher: which reference items no longer match a finding, and what a maintainer must do."""
        if not self.missing:
            return "Every item of the reference coding matches a finding in the sources."
        return (f"{len(self.missing)} reference item(s) name findings that are no longer in the sources (their text "
                f"was edited): {', '.join(self.missing)}. A maintainer should re-point them in "
                f"evidence/teaching/reference_coding.yaml.")

    def form(self) -> ExerciseForm:
        """An empty answer form for the items."""
        return ExerciseForm(self.items, self.framework, self.lesson)

    def comparison(self, form: ExerciseForm) -> ComparisonView:
        """The comparison with the reference, shown for the form's answers each time they are checked."""
        return ComparisonView(self, form)

    def reference_table(self) -> "HTML":
        """The full reference coding, for display."""
        from IPython.display import HTML

        return HTML(reference_html(self.reference, self.items, self.framework, self.lesson))
