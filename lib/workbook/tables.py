"""Reading and writing the pipeline's CSV tables: atomic, UTF-8, and safe to open in a spreadsheet."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from .atomic import write_text
from .errors import EvidenceError, problem

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
