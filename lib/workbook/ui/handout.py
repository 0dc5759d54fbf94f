"""Hand-outs: a teaching notebook without its answer and teacher cells, and with no outputs, for students."""
from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from workbook.core.errors import ParameterError, WorkbookError

if TYPE_CHECKING:
    from nbformat import NotebookNode

ANSWER_TAG = "answer"
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
    """python -m workbook.ui.handout SOURCE [TARGET]: write a hand-out without answers or teacher's notes."""
    parser = argparse.ArgumentParser(prog="python -m workbook.ui.handout", description=main.__doc__)
    parser.add_argument("source", help="the notebook (.ipynb or its paired .py)")
    parser.add_argument("target", nargs="?", default=None,
                        help=f"the hand-out to write (default: {HANDOUT_FOLDER}/<name>.ipynb)")
    parser.add_argument("--tag", action="append", default=None,
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
