"""Small hand-made coded findings shared by the synthesis tests (not a test module)."""
from __future__ import annotations

import pandas as pd

ROWS = [
    # finding_id, case, source, locator, statement, dimensions, polarity
    ("src_a-0000000a", "alpha", "src_a", "p. 1", "Leaders shared a vision with the board.", "vision;leadership", "facilitator"),
    ("src_a-0000000b", "alpha", "src_a", "p. 1", "Staff turnover hindered the team.", "integrated_teams;time", "barrier"),
    ("src_a-0000000c", "alpha", "src_a", "p. 2", "The pilot began in 2004.", "time", "neutral"),
    ("src_b-0000000d", "alpha", "src_b", "p. 3", "Bed use fell after integration.", "outcomes", "facilitator"),
    ("src_c-0000000e", "beta", "src_c", "Abstract", "Cultures clashed between professions.", "culture", "barrier"),
    ("src_c-0000000f", "beta", "src_c", "Abstract", "Co-location helped joint working.", "integrated_teams;culture", "facilitator"),
    ("src_c-00000010", "beta", "src_c", "Results", "The study used interviews.", "", "neutral"),
]
COLUMNS = ["finding_id", "case", "source", "locator", "statement", "dimensions", "polarity"]


def coded() -> pd.DataFrame:
    """Seven coded findings of two cases (alpha, beta), one with no dimension."""
    df = pd.DataFrame(ROWS, columns=COLUMNS)
    df["auto_dimensions"] = df["dimensions"]
    df["auto_polarity"] = df["polarity"]
    df["decided_by"] = "auto"
    return df
