"""A small report with hostile text in it, shared by the report tests."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from _synthesis_data import coded as small_coded
from workbook.report.document import Report

EVIL = "<script>alert('x')</script> & <b>bold</b>"


class FakeSource:
    """A stand-in for a Source: an id, a short citation and a full one with markup in it."""

    def __init__(self, sid: str, short: str) -> None:
        self.id, self.short, self.kind, self.read, self.link = sid, short, "primary", "abstract only", ""

    def citation(self) -> str:
        return f"{self.short}. A <i>title</i>."


def small_report(tmp_path: Path) -> Report:
    """A report of every kind of block, with hostile text in a statement, a table, a caption and a reference."""
    coded = small_coded()
    coded.loc[0, "statement"] = EVIL
    doc = Report("Test <report>", tmp_path, set(coded["finding_id"]))
    doc.header("subtitle naming src_a-0000000a")
    doc.section("First part", "Text with an unknown id zz_z-12345678 and a known one src_c-0000000e.")
    doc.table(pd.DataFrame({"finding_ids": ["src_a-0000000a;src_a-0000000b"], "note": [EVIL]}), "t1", "Caption <1>")
    doc.section("Second part")
    doc.appendix(coded, {"src_a": FakeSource("src_a", "Author 2011")}, {"alpha": "Alpha"})
    doc.references([FakeSource("src_a", "Author 2011")], other=["Petch A (2014) <Insight>"])
    return doc
