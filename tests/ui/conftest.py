"""Fixtures of the review-screen tests: a private config directory, an evidence copy without reviews, a session
on a hand-made coded table, and the invented full-text case westbrook."""
from __future__ import annotations

from pathlib import Path

import pytest

from project_helpers import add_fulltext_case
from review_helpers import WESTBROOK_CASE, WESTBROOK_SOURCE, coded_table
from workbook.ui.review_session import ReviewSession


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private config directory, so the remembered reviewer name never touches the user's."""
    target = tmp_path / "config"
    monkeypatch.setenv("WORKBOOK_CONFIG", str(target))
    return target


@pytest.fixture
def evidence(evidence_copy: Path) -> Path:
    """A private evidence copy with no review files yet."""
    for path in (evidence_copy / "reviews").glob("*.csv"):
        path.unlink()
    return evidence_copy


@pytest.fixture
def session(evidence: Path, framework) -> ReviewSession:
    """A review session on torbay over the hand-made coded table."""
    return ReviewSession("torbay", coded_table(), framework, evidence=evidence)


@pytest.fixture
def westbrook(evidence_copy: Path, reports_tmp: Path) -> Path:
    """An evidence copy with the invented full-text case 'westbrook' added (and an empty reports directory)."""
    return add_fulltext_case(evidence_copy, WESTBROOK_CASE, "westbrook", "westbrook_2020", WESTBROOK_SOURCE)
