"""The lessons of the teaching notebooks: examples, source shares, leaving out the largest source, tables with
case names and dimension labels, and notebooks whose code stays hidden."""
from __future__ import annotations

from pathlib import Path

import jupytext
import pandas as pd
import pytest

from workbook.ui import lessons

ROOT = Path(__file__).resolve().parents[2]


def test_examples_prefer_reviewed_then_single_coded_findings(framework):
    shown = lessons.examples(matrix_coded(), framework)
    vision = shown[shown["dimension"] == "vision"]
    assert vision[["case", "finding_id"]].values.tolist() == [["c1", "C"], ["c2", "E"]]
    assert shown[shown["dimension"] == "culture"]["finding_id"].tolist() == ["A", "D"]
    assert shown[shown["dimension"] == "leadership"].empty


def test_share_matrix_and_leaving_out_the_largest_source(framework):
    from workbook.synthesis.matrix import framework_matrix

    coded = matrix_coded()
    matrix = framework_matrix(coded, framework, ["c1", "c2"])
    shares = lessons.share_matrix(matrix, coded)
    assert shares.loc["c1", "vision"] == pytest.approx(1.0) and shares.loc["c2", "vision"] == pytest.approx(0.67)
    effect = lessons.without_largest_source(coded, framework, ["c1", "c2"]).set_index("case")
    assert effect.loc["c1", "largest source"] == "s1" and effect.loc["c1", "codes lost"] == 3
    assert effect.loc["c2", "largest source"] == "s3" and effect.loc["c2", "codes lost"] == 3
    assert effect.loc["c1", "top 3 before"] == "vision, culture, time"
    assert effect.loc["c1", "top 3 after"] == "vision, time, leadership"  # only C (s2) is left


TEACHING = sorted((ROOT / "notebooks" / "teaching").glob("*.py"))


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.name)
def test_teaching_notebooks_hide_their_code_and_keep_maintainers_paths_out(path):
    nb = jupytext.read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    hidden = [c.metadata.get("jupyter", {}).get("source_hidden") for c in code]
    assert code and all(hidden), f"{path.name}: code cells shown to a projector: {hidden}"
    seen = "\n".join(c.source for c in nb.cells
                     if c.cell_type == "markdown" and "teacher" not in c.metadata.get("tags", []))
    assert "evidence/" not in seen and "reports/" not in seen and ".yaml" not in seen
    assert all(len(c.source.splitlines()) <= 12 for c in code), "plotting and set-up code belongs in the library"


def test_tables_for_students_show_case_names_and_dimension_labels(framework):
    from types import SimpleNamespace

    from workbook.synthesis.matrix import framework_matrix

    coded = matrix_coded()
    lesson = lessons.Lesson(None, framework, {"c1": SimpleNamespace(name="Case One"),
                                               "c2": SimpleNamespace(name="Case Two")}, coded)
    table = lessons.labelled(framework_matrix(coded, framework, ["c1", "c2"]), lesson)
    assert list(table.index) == ["Case One", "Case Two"]
    assert list(table.columns) == [lessons.short_label(d.label) for d in framework.dimensions]
    assert "Integrated teams" in table.columns and "integrated_teams" not in table.columns
    assert table.loc["Case One", "Vision"] == 3
    effect = lessons.largest_source_html(lesson)
    assert "Case One" in effect and "Vision, Culture, Time" in effect and "vision" not in effect
    for shown in (lessons.definitions_html(framework), lessons.requirements_html(framework)):
        assert "Integrated teams and other ways of working" in shown
        assert ">integrated_teams<" not in shown and ">local_context<" not in shown
        assert "table-layout:fixed" in shown


def matrix_coded() -> pd.DataFrame:
    rows = [("A", "c1", "s1", "vision;culture", "auto"), ("B", "c1", "s1", "vision", "auto"),
            ("C", "c1", "s2", "vision;time", "AB"), ("D", "c2", "s3", "vision;culture", "auto"),
            ("E", "c2", "s3", "vision", "auto"), ("F", "c2", "s4", "", "auto")]
    return pd.DataFrame([{"finding_id": f, "case": c, "source": s, "locator": "l", "statement": f"Statement {f}.",
                          "dimensions": d, "polarity": "neutral", "decided_by": by} for f, c, s, d, by in rows])
