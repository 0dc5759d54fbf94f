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


def test_statements_per_cell_sheet_one_row_per_statement(tmp_path, framework):
    from _synthesis_data import coded as small_coded
    from workbook.report.document import Report
    from workbook.report.writer import write_report
    from workbook.synthesis.matrix import STATEMENT_COLUMNS, cell_statements

    coded = small_coded()
    coded.loc[0, "statement"] = "=HYPERLINK(\"http://x\", \"click\") was proposed by leaders."
    coded.loc[0, "decided_by"] = "coder_a"
    doc = Report("m", tmp_path, set(coded["finding_id"]))
    doc.statement_matrix(cell_statements(coded, framework, ["alpha", "beta"]), {"alpha": "Alpha", "beta": "Beta"},
                         {d.id: d.label for d in framework.dimensions}, {"src_a": "Author 2011"}, "matrix_statements", "c")
    sheet = load_workbook(write_report(doc, tmp_path / "out")["xlsx"])["matrix_statements"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    columns = list(STATEMENT_COLUMNS)
    assert rows[0] == columns[:columns.index("source") + 1] + ["citation"] + columns[columns.index("source") + 1:]
    assert len(rows) - 1 == 9  # (finding, dimension) pairs: a finding in two cells is in two rows
    first = dict(zip(rows[0], rows[1]))
    assert (first["case"], first["dimension"], first["polarity"], first["decided_by"]) == \
        ("alpha", "vision", "facilitator", "coder_a")
    assert first["statement"] == coded.loc[0, "statement"] and sheet["E2"].data_type == "s"  # text, never a formula
    assert [r[6] for r in rows[1:]].count("src_a-0000000a") == 2
    assert (first["source"], first["citation"], first["locator"]) == ("src_a", "Author 2011", "p. 1")
    assert dict(zip(rows[0], rows[-1]))["citation"] == "src_c"  # a source without a citation keeps its id
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_cells_keep_their_type_and_empty_cells_stay_empty(tmp_path):
    import numpy as np

    table = pd.DataFrame({"flag": [True, np.bool_(False), None, None],
                          "count": pd.Series([np.int64(3), np.float64(0.25), float("inf"), pd.NA], dtype=object),
                          "text": ["", "+1 more", None, float("nan")],
                          "long": ["y" * 100, "", None, "z"]})
    sheet = load_workbook(export.write_xlsx({"t": table}, tmp_path / "t.xlsx"))["t"]
    rows = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2, max_col=3)]
    assert rows[0] == [(True, "b"), (3, "n"), (None, "n")]
    assert rows[1] == [(False, "b"), (0.25, "n"), ("+1 more", "s")]
    assert rows[2][1] == ("inf", "s")  # an infinity as the CSV tables show it, not an error cell
    assert [r[2][0] for r in rows] == [None, "+1 more", None, None] and rows[3][1][0] is None
    assert sheet.max_row == 5  # the trailing blanks of a wide column are kept: they carry its wrapping
    assert all(sheet.cell(r, 4).alignment.wrap_text for r in range(2, 6))
    assert not sheet["D1"].alignment.wrap_text and sheet["D1"].font.bold
    assert [sheet["D3"].value, sheet["D4"].value] == [None, None]
