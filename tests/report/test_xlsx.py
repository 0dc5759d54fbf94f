"""The XLSX export: a sheet per table, bold frozen header, readable widths, formula-like text stored as text."""
from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from workbook.report import xlsx as export


def test_xlsx_sheets_headers_widths_and_safety(tmp_path):
    tables = {
        "framework_matrix": pd.DataFrame({"case": ["torbay", "east_london"], "vision": [3, 5]}),
        "notes": pd.DataFrame({"finding_id": ["a-00000001", "b-00000002"],
                               "statement": ["=HYPERLINK(\"http://x\")", "x" * 200],
                               "change": ["-24%", "@SUM(A1)"], "value": [1.5, float("nan")]}),
    }
    path = export.write_xlsx(tables, tmp_path / "out.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["framework_matrix", "notes"]
    matrix, notes = book["framework_matrix"], book["notes"]
    for sheet in (matrix, notes):
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert not any(cell.font.bold for cell in sheet[2])
    assert [c.value for c in matrix[1]] == ["case", "vision"]
    assert [c.value for c in matrix[3]] == ["east_london", 5]  # numbers stay numbers
    assert (notes["B2"].value, notes["B2"].data_type) == ("=HYPERLINK(\"http://x\")", "s")  # text, never a formula
    assert (notes["C3"].value, notes["C3"].data_type) == ("@SUM(A1)", "s")
    assert notes["C2"].value == "-24%"
    assert notes["D3"].value is None
    assert matrix.column_dimensions["A"].width == len("east_london") + 2
    assert notes.column_dimensions["B"].width == export.MAX_WIDTH
    assert notes["B3"].alignment.wrap_text


def test_sheet_names_are_valid_and_unique():
    names = export.sheet_names(["summary_of_qualitative_findings_long", "summary_of_qualitative_findings_long2",
                                "a/b:c", "A/B:C"])
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == 4
    assert names[2] == "a_b_c" and names[3] == "A_B_C_2"
