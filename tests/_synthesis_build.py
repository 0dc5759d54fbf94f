"""One full regeneration of the reports from the shipped evidence, shared by the report tests (not a test module)."""
from __future__ import annotations

import os
from pathlib import Path

_BUILT: dict[str, Path] = {}


def build_reports(base: Path) -> Path:
    """Run the whole pipeline (runner.regenerate) into base/reports once per session; returns that directory."""
    if "reports" in _BUILT:
        return _BUILT["reports"]
    from workbook.cases import load_cases
    from workbook.runner import regenerate

    reports = Path(base) / "reports"
    previous = os.environ.get("WORKBOOK_REPORTS")
    os.environ["WORKBOOK_REPORTS"] = str(reports)
    try:
        regenerate(list(load_cases()), progress=False)
    finally:
        if previous is None:
            os.environ.pop("WORKBOOK_REPORTS", None)
        else:
            os.environ["WORKBOOK_REPORTS"] = previous
    _BUILT["reports"] = reports
    return reports
