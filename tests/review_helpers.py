"""Shared by the review tests: a hand-made coded table and an invented full-text case (westbrook)."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from workbook.coding.reviews import reviewer_path
from workbook.pipeline.stages import CODED_COLUMNS

AUTO = [  # finding id, auto dimensions, auto polarity
    ("t-1", "vision", "facilitator"),
    ("t-2", "culture;time", "barrier"),
    ("t-3", "", "neutral"),
    ("t-4", "outcomes", "facilitator"),
    ("t-5", "vision;leadership", "neutral"),
]


def coded_table(confidence: "list[float] | None" = None) -> pd.DataFrame:
    """A hand-made coded table in the shape of reports/coded/<case>.csv (with a coder confidence if given)."""
    rows = [{"finding_id": fid, "case": "torbay", "source": "src", "locator": f"p. {i}",
             "statement": f"Statement {i}.", "dimensions": dims, "polarity": pol, "auto_dimensions": dims,
             "auto_polarity": pol, "auto_reasons": f"reason {i}", "decision_source": "automatic", "decided_by": "auto",
             "review_date": "", "review_note": ""} for i, (fid, dims, pol) in enumerate(AUTO, 1)]
    table = pd.DataFrame(rows, columns=list(CODED_COLUMNS))
    if confidence is not None:
        table["confidence"] = [str(c) for c in confidence]
    return table


def review_rows(evidence: Path, reviewer: str = "AB") -> list[dict[str, str]]:
    """The rows of a reviewer's decision file for torbay."""
    with open(reviewer_path("torbay", reviewer, evidence), newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


WESTBROOK_CASE = """
  - id: westbrook
    name: Westbrook (fictional test case)
    setting: An invented district used only by the tests.
    period: "2016-2019"
    programme: Westbrook Connect (invented)
    summary: An invented case whose only source is a short hand-written full-text document.
    sources: [westbrook_2020]
"""

WESTBROOK_SOURCE = """---
id: westbrook_2020
case: westbrook
authors: ["Ames K"]
year: 2020
title: "Westbrook Connect: an invented evaluation"
publisher: "Test fixtures"
licence: "CC BY 4.0"
kind: fulltext
sha256: "{sha}"
original: documents/westbrook/westbrook_2020.pdf
---

## p. 1

Westbrook Connect: an invented evaluation

### Abstract

The programme placed district nurses and social workers in one team. Staff reported that the shared team
cut hospital referrals.

## p. 2

### Results

Managers said that weekly huddles helped the teams agree on priorities. Delayed discharges fell by 12% in the
first year.

The lack of shared records slowed joint working.

### References

Jones A (2016). Joining up care. Journal of Care 4:1-9.
"""
"""An invented full-text source: four sentences the classifier takes for findings, one abstract sentence just
below the threshold (0.6 < 1), a title and a reference that are never findings."""

PLACED = "The programme placed district nurses and social workers in one team."
STAFF = "Staff reported that the shared team cut hospital referrals."
HUDDLES = "Managers said that weekly huddles helped the teams agree on priorities."
DISCHARGES = "Delayed discharges fell by 12% in the first year."
RECORDS = "The lack of shared records slowed joint working."
