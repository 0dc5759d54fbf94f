"""Shared by the review tests: a hand-made coded table in the shape of reports/coded/<case>.csv."""
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
