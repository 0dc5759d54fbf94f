"""Errors the workbook raises for bad input: each names the file, the line or record, and the fix."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem found in a piece of input, located precisely enough to fix it."""

    file: str
    message: str
    fix: str = ""
    line: int | None = None
    column: int | None = None
    record: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.record:
            where += f" [{self.record}]"
        text = f"{where}: {self.message}"
        if self.fix:
            if not text.rstrip().endswith((".", "!", "?", ":")):
                text = text.rstrip() + "."
            text += f" Fix: {self.fix}"
        return text


class WorkbookError(Exception):
    """Base class of every error the workbook reports to a user (shown without a traceback)."""

    exit_code = 2

    def __init__(self, problems: "Problem | list[Problem] | str") -> None:
        if isinstance(problems, str):
            problems = [Problem(file="", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        """All problems, one per line."""
        lines = [str(p).lstrip(": ") if not p.file else str(p) for p in self.problems]
        if len(lines) == 1:
            return lines[0]
        return f"{len(lines)} problems:\n" + "\n".join(f"- {line}" for line in lines)


class EvidenceError(WorkbookError):
    """Something in evidence/ (framework, cases, sources, reviews, outcomes) is malformed."""


class ParameterError(WorkbookError):
    """A parameter or path given to the workbook is unknown or unsafe."""


class ReviewError(WorkbookError):
    """A reviewer decision is invalid."""


class PipelineError(WorkbookError):
    """A notebook run in the pipeline failed; names the notebook, the cell and the error."""


class LockedError(WorkbookError):
    """Another regeneration holds the reports lock."""


def problem(path: "str | Path", message: str, fix: str = "", line: int | None = None,
            column: int | None = None, record: str | None = None) -> Problem:
    """Build a Problem with the path shown relative to the working directory when possible."""
    return Problem(file=display_path(path), message=message, fix=fix, line=line,
                   column=column, record=record)


def display_path(path: "str | Path") -> str:
    """A path as a user would type it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)
