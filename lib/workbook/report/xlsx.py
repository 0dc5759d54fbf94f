"""Exports that leave the workbook: the tables as one XLSX (a sheet per table), safe to open in a spreadsheet.

Formula-like text ("=HYPERLINK(...)", "@SUM(A1)", "-248 beds") is stored as a text cell, which a
spreadsheet shows and never evaluates; unlike the CSV tables (tables.export_safe), the XLSX needs no
apostrophe in front, so readers see the values exactly as the sources give them.

Written with XlsxWriter, which writes each cell with the method of its type (every text cell by
``write_string``, so nothing is ever read as a formula, a number or a link) and streams the sheets out
about twice as fast as openpyxl; openpyxl stays the reader (tests, imports).
"""
from __future__ import annotations

import io
import math
import numbers
import re
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from workbook.core.atomic import write_bytes

MAX_WIDTH = 60
MIN_WIDTH = 8
SHEET_NAME_LIMIT = 31
PIXELS_PER_CHARACTER = 7
"""Excel's default font (Calibri 11) draws a digit 7 pixels wide: a width of w characters is 7w pixels."""
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}


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
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _OPTIONS)
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for (name, df), sheet_name in zip(tables.items(), sheet_names(list(tables))):
        sheet = book.add_worksheet(sheet_name)
        table = df.reset_index(drop=True)
        for c, column in enumerate(table.columns):
            sheet.write_string(0, c, str(column), bold)
            width = column_width(table[column], str(column))
            sheet.set_column_pixels(c, c, round(width * PIXELS_PER_CHARACTER))
            cell_format = wrap if width >= MAX_WIDTH else None
            for r, value in enumerate(table[column].tolist(), start=1):  # Python scalars, column by column
                write_cell(sheet, r, c, value, cell_format)
        sheet.freeze_panes(1, 0)
    book.close()
    return write_bytes(path, buffer.getvalue())


def write_cell(sheet: "xlsxwriter.worksheet.Worksheet", row: int, col: int, value: object,
               cell_format: "xlsxwriter.format.Format | None" = None) -> None:
    """Write one value by its type: text as text, numbers as numbers, booleans; nothing (empty, NaN, None, NA) as blank."""
    if isinstance(value, (bool, np.bool_)):
        sheet.write_boolean(row, col, bool(value), cell_format)
    elif isinstance(value, numbers.Real) and math.isfinite(value):
        sheet.write_number(row, col, value.item() if isinstance(value, np.generic) else value, cell_format)
    elif _is_empty(value):
        if cell_format is not None:  # an empty cell keeps its column's wrapping, as a styled blank
            sheet.write_blank(row, col, None, cell_format)
    else:  # text, infinities ('inf', as in the CSV tables) and anything else, as text
        sheet.write_string(row, col, str(value), cell_format)


def _is_empty(value: object) -> bool:
    """True for '', None, NaN, pd.NA and NaT: what a spreadsheet shows as an empty cell."""
    if isinstance(value, str):
        return not value
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, numbers.Real) and math.isnan(value))
