"""Reading and writing the pipeline's CSV tables: atomic, UTF-8, and safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
from pathlib import Path
from typing import Sequence

import pandas as pd

from workbook.core.atomic import write_text
from workbook.core.errors import EvidenceError, Problem, problem

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        if value[:1] in "+-" and _is_number(value):
            return value
        return "'" + value
    return value


_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def _is_number(text: str) -> bool:
    """A plain signed number such as -1.5, +3, -1,200 or -4%; not 'inf', 'nan' or '-1_0' that float() takes."""
    return _NUMBER.fullmatch(text) is not None


def export_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every formula-like text cell neutralised (for CSV/XLSX that leave the workbook)."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col]) or out[col].dtype == object:
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, path: "str | Path", *, safe: bool = False) -> Path:
    """Write a table as UTF-8 CSV atomically; `safe` neutralises formula-like cells for export."""
    buffer = io.StringIO()
    (export_safe(df) if safe else df).to_csv(buffer, index=False, lineterminator="\n")
    return write_text(path, buffer.getvalue())


def read_csv(path: "str | Path", **kwargs) -> pd.DataFrame:
    """Read a pipeline CSV with every column as text (no guessing), empty cells as ''."""
    path = Path(path)
    if not path.exists():
        raise EvidenceError(problem(path, "file not found.", "run the step that writes it (make report)."))
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", **kwargs)
    except pd.errors.EmptyDataError:
        raise EvidenceError(problem(path, "is empty (no header row).", "restore the header row.")) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise EvidenceError(problem(path, f"is not a well-formed CSV: {exc}", "fix the quoting or the number "
                                    "of columns on the line named.")) from None


def read_records(path: "str | Path", columns: Sequence[str]) -> tuple[list[dict[str, str]], list[Problem]]:
    """Rows of a hand-edited CSV as dicts with their line ('_line') and position ('_row'), and every problem.

    A missing file is no rows. A file that is not UTF-8, lacks a header column, has a row with the wrong
    number of fields, or has broken quoting is reported by line; the readable rows still load.
    BOM, Windows and old-Mac line endings are accepted.
    """
    path = Path(path)
    if not path.exists():
        return [], []
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [problem(path, "is not UTF-8 text.", "save it as UTF-8 CSV.", line=line)]
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")))
    rows: list[dict[str, str]] = []
    found: list[Problem] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        if not header:
            return [], []
        missing = [c for c in columns if c not in header]
        if missing:
            return [], [problem(path, f"header lacks column(s) {', '.join(missing)}.",
                                f"the header must be: {','.join(columns)}.", line=1)]
        start = 2
        for index, values in enumerate(reader):
            line, start = start, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                found.append(problem(path, f"has {len(values)} fields, the header has {len(header)}.",
                                     "quote any text containing commas, and keep one record per line.", line=line))
                continue
            rows.append({**{h: v.strip() for h, v in zip(header, values)}, "_line": str(line), "_row": str(index)})
    except csv.Error as exc:
        found.append(problem(path, f"cannot be read as CSV: {exc}.", "check the quoting on this line "
                             "(a quote left open swallows the rest of the file).", line=reader.line_num))
    return rows, found


def append_row(path: "str | Path", columns: Sequence[str], values: Sequence[str], lock_name: str) -> Path:
    """Append one row to a CSV atomically under a per-file lock (header first when the file is new)."""
    from filelock import FileLock  # imported on first write only

    path = Path(path)
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    with FileLock(str(Path(tempfile.gettempdir()) / f"{lock_name}-{digest}.lock"), timeout=30):
        existing = path.read_text(encoding="utf-8-sig") if path.exists() else ""
        if existing and not existing.endswith("\n"):
            existing += "\n"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if not existing.strip():
            writer.writerow(columns)
        writer.writerow(values)
        write_text(path, existing + buffer.getvalue())
    return path
