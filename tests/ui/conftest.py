"""Fixtures of the review-screen tests: a private config directory, an evidence copy without reviews, and a session
on a hand-made coded table."""
from __future__ import annotations

from pathlib import Path

import pytest

from review_helpers import coded_table
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
