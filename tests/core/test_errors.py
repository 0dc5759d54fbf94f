"""Problems and errors: where a problem is (file, line, column, record), what is wrong, and the fix, in one line."""
from __future__ import annotations

from pathlib import Path

import pytest

from workbook.core.errors import (EvidenceError, LockedError, ParameterError, PipelineError, Problem, ReviewError,
                                  WorkbookError, display_path, problem)


@pytest.mark.parametrize("found, shown", [
    (Problem("cases.yaml", "no id", "add one", line=3, column=5, record="cases/0"),
     "cases.yaml:3:5 [cases/0]: no id. Fix: add one"),
    (Problem("a.csv", "a bad row.", "correct it", line=2), "a.csv:2: a bad row. Fix: correct it"),
    (Problem("a.csv", "the columns are:", "rename them"), "a.csv: the columns are: Fix: rename them"),
    (Problem("a.csv", "is empty", column=4), "a.csv: is empty"),  # a column without a line is not shown
    (Problem("x.md", "unknown source", record="src_1"), "x.md [src_1]: unknown source"),
])
def test_a_problem_reads_as_one_located_line_with_its_fix(found: Problem, shown: str):
    assert str(found) == shown


def test_an_error_renders_one_problem_as_a_line_and_several_as_a_list():
    assert str(WorkbookError("plain words")) == "plain words"  # no leading ': ' without a file
    one = EvidenceError(Problem("f.yaml", "bad", "fix it", line=1))
    assert str(one) == "f.yaml:1: bad. Fix: fix it" and one.problems[0].line == 1
    many = EvidenceError([Problem("a", "x"), Problem("", "y")])
    assert str(many) == "2 problems:\n- a: x\n- y"


def test_every_user_error_is_a_workbook_error_with_exit_code_2():
    for kind in (EvidenceError, ParameterError, ReviewError, PipelineError, LockedError):
        error = kind("x")
        assert isinstance(error, WorkbookError) and error.exit_code == 2


def test_paths_are_shown_relative_to_the_working_directory_when_inside_it(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evidence").mkdir()
    assert display_path(tmp_path / "evidence" / "cases.yaml") == str(Path("evidence") / "cases.yaml")
    outside = tmp_path.parent / "elsewhere.csv"
    assert display_path(outside) == str(outside)
    assert problem(tmp_path / "a.csv", "bad", line=2).file == "a.csv"
