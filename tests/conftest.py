"""Shared fixtures. The whole session writes generated files into a temporary reports directory,
never into the user's."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from fulltext_cases import NORTHVALE_CASE, NORTHVALE_SOURCE, WESTBROOK_CASE, WESTBROOK_SOURCE
from notebook_helpers import write_notebook as _write_notebook
from project_helpers import add_fulltext_case

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "evidence"

# Tests and nbval-run notebooks never write into the real reports/.
_SESSION_REPORTS = Path(tempfile.mkdtemp(prefix="wbk-test-reports-")) / "reports"
_SESSION_REPORTS.mkdir(parents=True)
os.environ["WORKBOOK_REPORTS"] = str(_SESSION_REPORTS)
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Extract and code every case once, so notebooks run by nbval find their inputs."""
    from workbook.evidence.cases import load_cases
    from workbook.pipeline.stages import resolve, run_code, run_extract

    settings = resolve()
    for case_id in load_cases(settings.evidence):
        run_extract(case_id, settings)
        run_code(case_id, settings)


@pytest.fixture
def evidence_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the shipped evidence, made the active evidence directory."""
    target = tmp_path / "evidence"
    shutil.copytree(EVIDENCE, target)
    monkeypatch.setenv("WORKBOOK_EVIDENCE", str(target))
    return target


@pytest.fixture
def reports_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty reports directory made the active one."""
    target = tmp_path / "reports"
    target.mkdir()
    monkeypatch.setenv("WORKBOOK_REPORTS", str(target))
    return target


@pytest.fixture(scope="session")
def framework():
    """The shipped framework."""
    from workbook.evidence.framework import load_framework

    return load_framework(EVIDENCE / "framework.yaml")


@pytest.fixture(scope="session")
def built_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped evidence regenerated once into a temporary reports directory (shared by tests)."""
    from workbook.evidence.cases import load_cases
    from workbook.pipeline.runner import regenerate

    reports = tmp_path_factory.mktemp("built") / "reports"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBOOK_REPORTS", str(reports))
        outcomes = regenerate(list(load_cases()), progress=False)
    assert all(o.status == "executed" for o in outcomes)
    return reports


@pytest.fixture
def tiny_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root whose notebooks are tiny, so the lanes can be tested with real kernels quickly."""
    notebooks = tmp_path / "root" / "notebooks"
    notebooks.mkdir(parents=True)
    _write_notebook(notebooks / "a.ipynb", "n = 0", "import os\nleft_over = n\npid = os.getpid()\nprint(pid)")
    _write_notebook(notebooks / "b.ipynb", "n = 0", "import os\nassert 'left_over' not in globals()\nprint(os.getpid())")
    _write_notebook(notebooks / "bad.ipynb", "n = 0", "x = 1", "raise ValueError(f'bad input {n}')")
    monkeypatch.setenv("WORKBOOK_ROOT", str(tmp_path / "root"))
    return tmp_path


@pytest.fixture
def northvale(evidence_copy: Path) -> Path:
    """An evidence copy with the invented full-text case 'northvale' added."""
    return add_fulltext_case(evidence_copy, NORTHVALE_CASE, "northvale", "northvale_2019", NORTHVALE_SOURCE)


@pytest.fixture
def westbrook(evidence_copy: Path, reports_tmp: Path) -> Path:
    """An evidence copy with the invented full-text case 'westbrook' added (and an empty reports directory)."""
    return add_fulltext_case(evidence_copy, WESTBROOK_CASE, "westbrook", "westbrook_2020", WESTBROOK_SOURCE)
