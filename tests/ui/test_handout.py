"""Hand-outs: the exercise notebook without its answer and teacher cells or outputs, written outside reports/."""
from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbook.core.errors import ParameterError
from workbook.ui import handout

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "notebooks" / "teaching" / "02_coding_exercise.py"


def tagged_notebook() -> "nbformat.NotebookNode":
    """A notebook with answer cells, an exercise cell, outputs, and a look-alike tag."""
    cells = [new_markdown_cell("intro"),
             new_code_cell("answers = {}", metadata={"tags": ["exercise"]}),
             new_markdown_cell("answers", metadata={"tags": ["answer"]}),
             new_code_cell("reveal()", metadata={"tags": ["answer", "other"]},
                           outputs=[new_output("stream", text="x")], execution_count=3),
             new_code_cell("print(1)", outputs=[new_output("stream", text="1")], execution_count=4),
             new_code_cell("x = 1", metadata={"tags": ["answers"]})]  # a different tag: kept
    return new_notebook(cells=cells)


def test_strip_answers_removes_exactly_the_answer_cells_and_clears_outputs():
    nb = tagged_notebook()
    nb.cells.append(new_markdown_cell("note for the teacher", metadata={"tags": ["teacher"]}))
    out = handout.strip_answers(nb)
    assert [c.source for c in out.cells] == ["intro", "answers = {}", "print(1)", "x = 1"]
    assert all(c.outputs == [] and c.execution_count is None for c in out.cells if c.cell_type == "code")
    assert len(nb.cells) == 7 and nb.cells[4].outputs  # the original is untouched
    assert len(handout.strip_answers(nb, "answer").cells) == 5  # only the tag asked for


def test_handout_lands_outside_reports_and_has_no_answers_examples_or_teacher_notes(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_ROOT", str(tmp_path))
    monkeypatch.setenv("WORKBOOK_REPORTS", str(tmp_path / "reports"))
    target = handout.make_handout(EXERCISE)
    assert target == tmp_path / "notebooks" / "handout" / "02_coding_exercise.ipynb"
    nb = nbformat.read(target, as_version=4)
    assert "jupytext" not in nb.metadata
    assert not any({"answer", "teacher"} & set(c.metadata.get("tags", [])) for c in nb.cells)
    text = "\n".join(c.source for c in nb.cells)
    for word in ("rationale", "compar", "reference_table", "For the teacher", "maintenance", "answers = {"):
        assert word not in text
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    with pytest.raises(ParameterError, match="every regeneration replaces"):
        handout.make_handout(EXERCISE, tmp_path / "reports" / "handout" / "x.ipynb")
    assert not (tmp_path / "reports").exists()
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = next(ln for ln in makefile.splitlines() if "workbook.ui.handout " in ln)
    assert "notebooks/handout/" in line and "reports/" not in line
    assert "notebooks/handout/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


@pytest.mark.slow
def test_handout_is_written_without_answers_and_runs_end_to_end(tmp_path):
    from nbclient import NotebookClient

    target = handout.make_handout(EXERCISE, tmp_path / "handout" / "02_coding_exercise.ipynb")
    nb = nbformat.read(target, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(EXERCISE.parent)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "12 findings to code." in printed
    widgets = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 1  # the form, and no comparison


def test_handout_command_line(tmp_path, capsys):
    target = tmp_path / "h.ipynb"
    assert handout.main([str(EXERCISE), str(target)]) == 0
    assert "hand-out written" in capsys.readouterr().out
    assert len(nbformat.read(target, as_version=4).cells) < len(jupytext.read(EXERCISE).cells)
    assert handout.main([str(tmp_path / "missing.py"), str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no such notebook" in err and "Traceback" not in err
