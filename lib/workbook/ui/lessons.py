"""The teaching notebooks' lessons: their findings (examples, source profiles, leaving out the largest source),
the framework as a picture, and the tables students see, with case names and dimension labels."""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

import pandas as pd

from workbook.coding.rules import rule_coder
from workbook.evidence.cases import load_cases
from workbook.evidence.framework import Framework
from workbook.extract.findings import load_case_sources
from workbook.synthesis.matrix import framework_matrix, split_ids
from workbook.ui.review_session import coded_findings

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from workbook.pipeline.stages import Settings

EXAMPLE_COLUMNS: tuple[str, ...] = ("dimension", "case", "finding_id", "source", "locator", "polarity", "statement")


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


CELL = "text-align:left;vertical-align:top;white-space:normal;overflow-wrap:anywhere;padding:0.35em 0.5em;"
"""Inline style of every table cell: left-aligned and wrapping (the notebook's own table style may not wrap)."""
TABLE = "table-layout:fixed;width:100%;border-collapse:collapse;margin:0.4em 0 1em 0;"


def html_table(headers: "list[tuple[str, str]]", rows: "list[list[str]]", css_class: str = "") -> str:
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
    return html_table([("Dimension", "18%"), ("Definition", "72%"), ("Requires", "10%")], rows)


def requirements_html(framework: Framework) -> str:
    """What delivery on each dimension requires, grouped under the dimension's label."""
    rows = [[html.escape(framework.dimension(r.dimension).label), html.escape(r.text)]
            for r in framework.requirements]
    return html_table([("Dimension", "22%"), ("Delivery requires", "78%")], rows)


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
    return html_table([("Case", "16%"), ("Source", "22%"), ("Kind", "14%"), ("What was read", "28%"),
                   ("Findings", "10%"), ("Codes", "10%")], rows)


def largest_source_html(lesson: Lesson) -> str:
    """For each case: its largest source, the codes lost without it, and its top three dimensions before and after."""
    fw = lesson.framework
    effect = without_largest_source(lesson.coded, fw, lesson.case_ids)
    rows = [[html.escape(lesson.case_name(r["case"])), html.escape(r["largest source"]), str(r["its findings"]),
             str(r["codes lost"]), html.escape(dimension_labels(r["top 3 before"].split(", "), fw)),
             html.escape(dimension_labels(r["top 3 after"].split(", "), fw))] for r in effect.to_dict("records")]
    return html_table([("Case", "15%"), ("Largest source", "20%"), ("Its findings", "11%"), ("Codes lost", "10%"),
                   ("Top 3 before", "22%"), ("Top 3 after", "22%")], rows)
