"""A minimal project's evidence, written as a reviewer would by hand: one case with one Markdown source."""
from __future__ import annotations

from pathlib import Path

SOURCE = """---
id: doe_2021
case: riverside
authors: ["Doe J"]
year: 2021
title: "A test source written for the workbook's own tests"
publisher: "nobody (test fixture)"
licence: "not stated"
kind: primary
read: "all of it"
---

## p. 1

- A shared vision of person-centred care, repeated by senior leaders, helped staff in Riverside work towards the same goals.
- Poor leadership and a lack of trust between the council and the hospital got in the way of joint working for two years.
- Co-located integrated teams of nurses and social workers shared records and met every week to plan care together.
"""

ONE_CASE = """cases:
  - id: riverside
    name: Riverside
    setting: A made-up town used to test the workbook
    period: "2020-2022"
    programme: Riverside joint team
    sources: [doe_2021]
"""


def add_one_case(root: Path) -> None:
    """Give a project one case with one hand-written Markdown source (as a reviewer would)."""
    (root / "evidence" / "cases.yaml").write_text(ONE_CASE, encoding="utf-8")
    folder = root / "evidence" / "sources" / "riverside"
    folder.mkdir(parents=True)
    (folder / "doe_2021.md").write_text(SOURCE, encoding="utf-8")


def add_fulltext_case(evidence: Path, case_entry: str, case_id: str, source_id: str, source: str) -> Path:
    """Add a hand-written full-text case to an evidence copy: its cases.yaml entry and its one source file
    (the source's `{sha}` placeholder filled with a dummy checksum; no original document is needed)."""
    with (evidence / "cases.yaml").open("a", encoding="utf-8") as fh:
        fh.write(case_entry)
    folder = evidence / "sources" / case_id
    folder.mkdir()
    (folder / f"{source_id}.md").write_text(source.replace("{sha}", "0" * 64), encoding="utf-8")
    return evidence
