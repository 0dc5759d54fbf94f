"""End to end: a review row that cannot be read stops `workbook report` with its file and line; with
--allow-unreadable-reviews the report is published with the row listed at the top; the flag is part of the
cache key, so a later strict run fails again instead of reusing the lenient build."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def report(evidence: Path, reports: Path, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKBOOK_EVIDENCE": str(evidence), "WORKBOOK_REPORTS": str(reports), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "workbook", "report", "--no-progress", *flags], env=env,
                          cwd=evidence.parent, capture_output=True, text=True, timeout=900)


def test_an_unreadable_review_row_fails_the_report_unless_explicitly_published_with_it_listed(
        evidence_copy: Path, reports_tmp: Path):
    path = evidence_copy / "reviews" / "torbay" / "jane_doe.csv"
    path.parent.mkdir(parents=True)
    first = (evidence_copy / "reviews" / "torbay.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    path.write_text("finding_id,dimensions,polarity,reviewer,date,note\n"
                    f"{first},Leadership,facilitator,Jane Doe,2026-11-27,typed by hand\n", encoding="utf-8")
    strict = report(evidence_copy, reports_tmp)
    assert strict.returncode == 2 and "Traceback" not in strict.stderr
    assert f"reviews/torbay/jane_doe.csv:2 [{first}]: unknown dimension(s) 'Leadership'" in strict.stderr
    assert "this reviewer decision would be lost" in strict.stderr and "--allow-unreadable-reviews" in strict.stderr
    assert not (reports_tmp / "synthesis.html").exists()  # nothing published

    lenient = report(evidence_copy, reports_tmp, "--allow-unreadable-reviews")
    assert lenient.returncode == 0, lenient.stderr
    markdown = (reports_tmp / "synthesis.md").read_text(encoding="utf-8")
    listed = markdown.index("## Reviewer decisions not used")
    assert listed < markdown.index("## How to read this report")  # at the top
    assert "evidence/reviews/torbay/jane_doe.csv:2" in markdown[listed:] and "Leadership" in markdown[listed:]

    again = report(evidence_copy, reports_tmp)
    assert again.returncode == 2 and "jane_doe.csv:2" in again.stderr
