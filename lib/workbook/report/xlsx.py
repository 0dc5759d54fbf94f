"""Exports that leave the workbook: the tables as one XLSX (a sheet per table), safe to open in a spreadsheet.

Formula-like text ("=HYPERLINK(...)", "@SUM(A1)", "-248 beds") is stored as a text cell, which a
spreadsheet shows and never evaluates; unlike the CSV tables (tables.export_safe), the XLSX needs no
apostrophe in front, so readers see the values exactly as the sources give them.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from workbook.core.atomic import write_bytes

MAX_WIDTH = 60
MIN_WIDTH = 8
SHEET_NAME_LIMIT = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_names(names: "list[str]") -> list[str]:
    """Valid, unique Excel sheet names (at most 31 characters, no []:*?/\\) for the given table names."""
    out: list[str] = []
    for name in names:
        base = _BAD_SHEET_CHARS.sub("_", name)[:SHEET_NAME_LIMIT] or "sheet"
        candidate, n = base, 2
        while candidate.lower() in (o.lower() for o in out):
            suffix = f"_{n}"
            candidate = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
            n += 1
        out.append(candidate)
    return out


def column_width(series: pd.Series, header: str) -> float:
    """A readable column width: the longest of the header and the cells (first 200 rows), within limits."""
    lengths = [len(str(header))] + [len(str(v)) for v in series.head(200) if v is not None]
    return float(min(MAX_WIDTH, max(MIN_WIDTH, max(lengths) + 2)))


def write_xlsx(tables: "dict[str, pd.DataFrame]", path: "str | Path") -> Path:
    """Write each table to its own sheet: bold frozen header row, readable widths, every text cell stored as text."""
    book = Workbook()
    book.remove(book.active)
    for (name, df), sheet_name in zip(tables.items(), sheet_names(list(tables))):
        sheet = book.create_sheet(sheet_name)
        table = df.reset_index(drop=True)
        sheet.append([str(c) for c in table.columns])
        for row in table.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # openpyxl reads text starting with '=' as a formula
                    cell.data_type = "s"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for i, column in enumerate(table.columns, start=1):
            width = column_width(table[column], str(column))
            sheet.column_dimensions[get_column_letter(i)].width = width
            if width >= MAX_WIDTH:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return write_bytes(path, buffer.getvalue())


def _cell(value: object) -> object:
    """A value openpyxl can store: NaN/None as empty, numpy scalars as Python numbers."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value
