"""Teaching: the coding exercise (student codes against a reference, kappa, where and why they differ) and hand-outs."""
from __future__ import annotations

import argparse
import copy
import html
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import pandas as pd

from workbook.coding.agreement import pairwise_agreement
from workbook.coding.rules import rule_coder
from workbook.core.errors import EvidenceError, ParameterError, WorkbookError, problem
from workbook.core.paths import evidence_dir
from workbook.core.yamlio import load_yaml, schema_problems
from workbook.evidence.cases import load_cases
from workbook.evidence.framework import POLARITIES, Framework
from workbook.extract.findings import load_case_sources
from workbook.synthesis.matrix import framework_matrix, split_ids
from workbook.ui.review_session import coded_findings

if TYPE_CHECKING:
    from IPython.display import HTML
    from matplotlib.figure import Figure
    from nbformat import NotebookNode

    from workbook.pipeline.stages import Settings

ANSWER_TAG = "answer"
EXERCISE_TAG = "exercise"
EXAMPLE_COLUMNS: tuple[str, ...] = ("dimension", "case", "finding_id", "source", "locator", "polarity", "statement")

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


# -- findings for the teaching notebooks ------------------------------------------------------
def all_coded(settings: "Settings") -> pd.DataFrame:
    """The coded findings of every case in cases.yaml order (from reports/coded/ or coded on the fly)."""
    return pd.concat([coded_findings(cid, settings) for cid in load_cases(settings.evidence)], ignore_index=True)


def examples(coded: pd.DataFrame, framework: Framework, per_case: int = 1) -> pd.DataFrame:
    """Example findings per dimension and case: reviewed ones first, then those the coder ties most clearly to it."""
    scores = pd.DataFrame([c.scores for c in rule_coder(framework).code(coded["statement"].tolist())],
                          index=coded.index).reindex(columns=list(framework.dimension_ids), fill_value=0.0)
    dims = coded["dimensions"].map(split_ids)
    ranked = coded.assign(reviewed=coded.get("decided_by", pd.Series("auto", index=coded.index)).ne("auto"),
                          n_codes=dims.map(len))
    rows = []
    for dim in framework.dimension_ids:
        margin = scores[dim] - scores.drop(columns=[dim]).max(axis=1)
        hits = ranked[dims.map(lambda ds: dim in ds)].assign(margin=margin)
        hits = hits.sort_values(["reviewed", "n_codes", "margin"], ascending=[False, True, False], kind="stable")
        for case in dict.fromkeys(coded["case"]):
            for _, row in hits[hits["case"] == case].head(per_case).iterrows():
                rows.append({"dimension": dim, **{k: row[k] for k in EXAMPLE_COLUMNS[1:]}})
    return pd.DataFrame(rows, columns=list(EXAMPLE_COLUMNS))


def source_profile(coded: pd.DataFrame, settings: "Settings") -> pd.DataFrame:
    """Per source: its case, kind, what was read, findings, and coded (finding, dimension) pairs."""
    codes = coded.assign(n_codes=coded["dimensions"].map(lambda v: len(split_ids(v))))
    counts = codes.groupby("source").agg(findings=("finding_id", "size"), codes=("n_codes", "sum"))
    rows = []
    for case in load_cases(settings.evidence).values():
        for src in load_case_sources(case, settings.evidence):
            n = counts.loc[src.id] if src.id in counts.index else None
            rows.append({"case": case.id, "source": src.id, "kind": src.kind, "read": src.read,
                         "findings": int(n["findings"]) if n is not None else 0,
                         "codes": int(n["codes"]) if n is not None else 0})
    return pd.DataFrame(rows)


def share_matrix(matrix: pd.DataFrame, coded: pd.DataFrame) -> pd.DataFrame:
    """The framework matrix divided by each case's number of findings (a share, not a count)."""
    totals = coded.groupby("case").size().reindex(matrix.index)
    return matrix.div(totals, axis=0).round(2)


def without_largest_source(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]") -> pd.DataFrame:
    """For each case: its largest source, and how the case's matrix row changes when that source is left out."""
    full = framework_matrix(coded, framework, case_ids)
    rows = []
    for case in case_ids:
        sizes = coded[coded["case"] == case]["source"].value_counts()
        if sizes.empty:
            continue
        biggest = sizes.index[0]
        reduced = framework_matrix(coded[coded["source"] != biggest], framework, case_ids).loc[case]
        change = reduced - full.loc[case]
        rank_before = list(full.loc[case].sort_values(ascending=False, kind="stable").index[:3])
        rank_after = list(reduced.sort_values(ascending=False, kind="stable").index[:3])
        rows.append({"case": case, "largest source": biggest, "its findings": int(sizes.iloc[0]),
                     "codes lost": int(-change.sum()), "top 3 before": ", ".join(rank_before),
                     "top 3 after": ", ".join(rank_after)})
    return pd.DataFrame(rows)


# -- the reference coding ----------------------------------------------------------------------
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


# -- what the teaching notebooks show ----------------------------------------------------------
CELL = "text-align:left;vertical-align:top;white-space:normal;overflow-wrap:anywhere;padding:0.35em 0.5em;"
"""Inline style of every table cell: left-aligned and wrapping (the notebook's own table style may not wrap)."""
TABLE = "table-layout:fixed;width:100%;border-collapse:collapse;margin:0.4em 0 1em 0;"


def _table(headers: "list[tuple[str, str]]", rows: "list[list[str]]", css_class: str = "") -> str:
    """An HTML table of fixed layout that wraps its text: headers as (text, width), cells already escaped."""
    cols = "".join(f"<col style='width:{width}'>" for _, width in headers)
    head = "".join(f"<th style='{CELL}border-bottom:1px solid #999'>{html.escape(text)}</th>" for text, _ in headers)
    body = "".join("<tr>" + "".join(f"<td style='{CELL}border-bottom:1px solid #e5e5e5'>{cell}</td>" for cell in row)
                   + "</tr>" for row in rows)
    return (f"<table class='{css_class}' style='{TABLE}'><colgroup>{cols}</colgroup>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def dimension_labels(ids: "str | Iterable[str]", framework: Framework, empty: str = "none") -> str:
    """Dimension ids (';'-joined or a list) as their labels, comma-separated, in framework order."""
    ids = split_ids(ids) if isinstance(ids, str) else list(ids)
    known = [d for d in framework.order([i for i in ids if i in framework.dimension_ids])]
    return ", ".join(framework.dimension(d).label for d in known) or empty


@dataclass(frozen=True)
class Lesson:
    """What every teaching notebook starts from: the settings, the framework, the cases and the coded findings."""

    settings: Any
    framework: Framework
    cases: dict
    coded: pd.DataFrame

    def case_name(self, case_id: str) -> str:
        """A case's name (its id when it has none)."""
        case = self.cases.get(case_id)
        return case.name if case is not None else case_id

    @property
    def case_ids(self) -> list[str]:
        """The case ids in cases.yaml order."""
        return list(self.cases)


def lesson(evidence_dir: str = "", reports_dir: str = "") -> Lesson:
    """Load a teaching notebook's inputs from its parameters (empty: the project's evidence and reports)."""
    from workbook.pipeline.stages import resolve

    settings = resolve(evidence_dir, reports_dir)
    return Lesson(settings, settings.framework, load_cases(settings.evidence), all_coded(settings))


def framework_figure(framework: Framework) -> "Figure":
    """The framework as a picture: the outcomes dimension in the centre, the others around it with arrows."""
    import matplotlib.pyplot as plt
    import numpy as np

    around = [d for d in framework.dimensions if d.id != "outcomes"]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.set_aspect("equal")
    ax.axis("off")
    centre = framework.dimension("outcomes").label if "outcomes" in framework.dimension_ids else ""
    ax.add_patch(plt.Circle((0, 0), 0.32, color="#2a7f62"))
    ax.text(0, 0, centre, ha="center", va="center", color="white", fontsize=12, weight="bold")
    for i, dim in enumerate(around):
        angle = np.pi / 2 - 2 * np.pi * i / max(1, len(around))
        x, y = np.cos(angle), np.sin(angle)
        ax.annotate("", xy=(0.36 * x, 0.36 * y), xytext=(0.72 * x, 0.72 * y),
                    arrowprops={"arrowstyle": "->", "color": "#555"})
        ax.add_patch(plt.Circle((0.95 * x, 0.95 * y), 0.24, color="#cfe3f5"))
        ax.text(0.95 * x, 0.95 * y, short_label(dim.label), ha="center", va="center", fontsize=9, wrap=True)
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    return fig


def definitions_html(framework: Framework) -> str:
    """The dimensions with their definitions and how many 'delivery requires' items each lists (labels only)."""
    rows = [[f"<b>{html.escape(d.label)}</b>", html.escape(d.definition), str(len(d.requires))]
            for d in framework.dimensions]
    return _table([("Dimension", "18%"), ("Definition", "72%"), ("Requires", "10%")], rows)


def requirements_html(framework: Framework) -> str:
    """What delivery on each dimension requires, grouped under the dimension's label."""
    rows = [[html.escape(framework.dimension(r.dimension).label), html.escape(r.text)]
            for r in framework.requirements]
    return _table([("Dimension", "22%"), ("Delivery requires", "78%")], rows)


def examples_html(lesson: Lesson, per_case: int = 1) -> str:
    """For each dimension: its definition and one real finding per case coded to it, with source and locator."""
    shown = examples(lesson.coded, lesson.framework, per_case=per_case)
    parts = []
    for dim in lesson.framework.dimensions:
        rows = shown[shown["dimension"] == dim.id]
        items = [f"<li><b>{html.escape(lesson.case_name(row.case))}</b> ({html.escape(row.polarity)}): "
                 f"{html.escape(row.statement)} <small>[{html.escape(row.source)}, {html.escape(row.locator)}]</small>"
                 f"</li>" for row in rows.itertuples()]
        if rows.empty:
            items = ["<li><i>(no finding coded to this dimension in any case)</i></li>"]
        parts.append(f"<h3>{html.escape(dim.label)}</h3><p><i>{html.escape(dim.definition)}</i></p>"
                     f"<ul>{''.join(items)}</ul>")
    return "".join(parts)


def short_label(label: str) -> str:
    """A dimension label short enough for a column heading or an axis ('Integrated teams and other ways of
    working' -> 'Integrated teams')."""
    return label if len(label) < 18 else label.split(" and ")[0]


def labelled(matrix: pd.DataFrame, lesson: Lesson) -> pd.DataFrame:
    """A case-by-dimension table with case names as rows and dimension labels as columns."""
    fw = lesson.framework
    out = matrix.rename(index=lesson.case_name,
                        columns=lambda c: short_label(fw.dimension(c).label) if c in fw.dimension_ids else c)
    out.index.name, out.columns.name = "case", None
    return out


def polarity_heatmaps(lesson: Lesson) -> "Figure":
    """Two heatmaps side by side: facilitator and barrier findings per case and dimension (labels shown)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.4), sharey=True)
    for ax, value in zip(axes, ["facilitators", "barriers"]):
        table = labelled(framework_matrix(lesson.coded, lesson.framework, lesson.case_ids, value=value), lesson)
        sns.heatmap(table, annot=True, fmt="d", cmap="Greens" if value == "facilitators" else "Reds", cbar=False, ax=ax)
        ax.set_title(value)
        ax.set_xlabel("")
        ax.set_ylabel("")
    fig.tight_layout()
    return fig


def sources_html(lesson: Lesson) -> str:
    """Per source: its case, kind, how much of it was read (the first clause of its 'read' note) and its counts."""
    profile = source_profile(lesson.coded, lesson.settings)
    rows = [[html.escape(lesson.case_name(r.case)), html.escape(r.source), html.escape(r.kind),
             html.escape(str(r.read).split(";")[0].split("(")[0].strip()), str(r.findings), str(r.codes)]
            for r in profile.itertuples()]
    return _table([("Case", "16%"), ("Source", "22%"), ("Kind", "14%"), ("What was read", "28%"),
                   ("Findings", "10%"), ("Codes", "10%")], rows)


def largest_source_html(lesson: Lesson) -> str:
    """For each case: its largest source, the codes lost without it, and its top three dimensions before and after."""
    fw = lesson.framework
    effect = without_largest_source(lesson.coded, fw, lesson.case_ids)
    rows = [[html.escape(lesson.case_name(r["case"])), html.escape(r["largest source"]), str(r["its findings"]),
             str(r["codes lost"]), html.escape(dimension_labels(r["top 3 before"].split(", "), fw)),
             html.escape(dimension_labels(r["top 3 after"].split(", "), fw))] for r in effect.to_dict("records")]
    return _table([("Case", "15%"), ("Largest source", "20%"), ("Its findings", "11%"), ("Codes lost", "10%"),
                   ("Top 3 before", "22%"), ("Top 3 after", "22%")], rows)


# -- the coding exercise: a form, and the comparison for the teacher's copy ----------------------
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
    return summary + _table([("Dimension", "17%"), ("You", "7%"), ("Reference", "10%"), ("Both", "7%"),
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
    return _table([("Finding", "38%"), ("Codes", "24%"), ("Why the reference codes it so", "38%")], rows,
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
    return _table([("Finding", "38%"), ("Reference codes", "22%"), ("Why", "40%")], rows, "wb-reference")


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


# -- hand-outs ---------------------------------------------------------------------------------
TEACHER_TAG = "teacher"
HANDOUT_TAGS: tuple[str, ...] = (ANSWER_TAG, TEACHER_TAG)
"""Cells with any of these tags are left out of a hand-out: the answers and the notes for the teacher."""
HANDOUT_FOLDER = Path("notebooks") / "handout"
"""Where hand-outs go by default (inside the project; `make lab` opens notebooks/, regeneration never touches it)."""


def strip_answers(nb: "NotebookNode", tags: "str | Iterable[str]" = HANDOUT_TAGS) -> "NotebookNode":
    """A copy of a notebook without the cells tagged with any of `tags`, and with every output cleared."""
    tags = {tags} if isinstance(tags, str) else set(tags)
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if not tags & set(c.get("metadata", {}).get("tags", []))]
    for cell in out.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return out


def default_handout(source: "str | Path") -> Path:
    """notebooks/handout/<name>.ipynb of the project the workbook acts on."""
    from workbook.core.paths import project_root

    return project_root() / HANDOUT_FOLDER / f"{Path(source).stem}.ipynb"


def make_handout(source: "str | Path", target: "str | Path | None" = None,
                 tags: "str | Iterable[str]" = HANDOUT_TAGS) -> Path:
    """Write a hand-out .ipynb of a notebook (.ipynb or paired .py) without its answer and teacher cells,
    outside reports/ (which every regeneration replaces); by default into notebooks/handout/."""
    import jupytext
    import nbformat

    from workbook.core.atomic import write_text
    from workbook.core.paths import reports_dir

    source = Path(source)
    target = Path(target) if target else default_handout(source)
    if not source.is_file():
        raise ParameterError(f"{source}: no such notebook. Fix: give the exercise notebook, e.g. "
                             f"notebooks/teaching/02_coding_exercise.py.")
    reports = reports_dir().resolve()
    where = target.resolve()
    if where == reports or reports in where.parents:
        raise ParameterError(f"{target}: is inside {reports}, which every regeneration replaces. Fix: write the "
                             f"hand-out elsewhere, e.g. {HANDOUT_FOLDER}/ (the default).")
    if target.suffix != ".ipynb":
        raise ParameterError(f"{target}: a hand-out is a notebook. Fix: name it <something>.ipynb.")
    try:
        nb = jupytext.read(source)
    except Exception as exc:  # jupytext raises many kinds for unreadable notebooks
        raise ParameterError(f"{source}: cannot be read as a notebook ({exc}). Fix: give a .ipynb or a "
                             f"py:percent notebook.") from None
    nb.metadata.pop("jupytext", None)
    handout = strip_answers(nb, tags)
    write_text(target, nbformat.writes(handout) + "\n")
    return target


def main(argv: "list[str] | None" = None) -> int:
    """python -m workbook.ui.teaching handout SOURCE [TARGET]: write a hand-out without answers or teacher's notes."""
    parser = argparse.ArgumentParser(prog="python -m workbook.ui.teaching", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("handout", help="copy a notebook without the cells tagged 'answer' or 'teacher'")
    cmd.add_argument("source")
    cmd.add_argument("target", nargs="?", default=None,
                     help=f"the hand-out to write (default: {HANDOUT_FOLDER}/<name>.ipynb)")
    cmd.add_argument("--tag", action="append", default=None,
                     help="a tag whose cells are left out (repeatable; default: answer and teacher)")
    args = parser.parse_args(argv)
    try:
        written = make_handout(args.source, args.target, args.tag or HANDOUT_TAGS)
    except WorkbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"hand-out written: {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
