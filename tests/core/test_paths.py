"""Paths that climb out of the directory they must stay in are refused."""
from pathlib import Path

import pytest

from workbook.core.errors import ParameterError
from workbook.core.paths import contained


def test_paths_that_climb_out_are_refused(tmp_path: Path):
    base = tmp_path / "reports"
    base.mkdir()
    assert contained("tables/x.csv", base) == base / "tables" / "x.csv"
    for hostile in ("../evidence", "/etc", str(tmp_path)):
        with pytest.raises(ParameterError, match="leads outside"):
            contained(hostile, base)
    (base / "link").symlink_to(tmp_path)
    with pytest.raises(ParameterError, match="leads outside"):
        contained("link/other", base)


def _project(root: Path) -> Path:
    (root / "evidence").mkdir(parents=True)
    (root / "evidence" / "cases.yaml").write_text("cases: []\n")
    return root


def test_the_project_is_found_from_the_working_directory_upwards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from workbook.core import paths

    for var in ("WORKBOOK_ROOT", "WORKBOOK_EVIDENCE", "WORKBOOK_REPORTS"):
        monkeypatch.delenv(var, raising=False)
    outer = _project(tmp_path / "outer")
    inner = _project(outer / "nested" / "inner")
    deep = inner / "evidence" / "sources" / "some_case"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert paths.project_root() == inner.resolve()  # the nearest project wins
    assert paths.evidence_dir() == inner.resolve() / "evidence"
    assert paths.reports_dir() == inner.resolve() / "reports"
    monkeypatch.chdir(outer / "nested")
    assert paths.project_root() == outer.resolve()
    monkeypatch.chdir(tmp_path)  # in no project: the checkout the package lives in
    assert paths.find_project(tmp_path) is None
    assert paths.project_root() == paths.PROJECT_ROOT


def test_environment_variables_win_over_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from workbook.core import paths

    here, there = _project(tmp_path / "here"), _project(tmp_path / "there")
    monkeypatch.chdir(here)
    monkeypatch.setenv("WORKBOOK_ROOT", str(there))
    monkeypatch.delenv("WORKBOOK_EVIDENCE", raising=False)
    monkeypatch.delenv("WORKBOOK_REPORTS", raising=False)
    assert paths.project_root() == there.resolve()
    assert paths.evidence_dir() == there.resolve() / "evidence"
    monkeypatch.setenv("WORKBOOK_EVIDENCE", "ev")  # relative: to the working directory
    monkeypatch.setenv("WORKBOOK_REPORTS", str(tmp_path / "out"))
    assert paths.evidence_dir() == here.resolve() / "ev"
    assert paths.reports_dir() == tmp_path.resolve() / "out"


def test_notebooks_come_from_the_project_or_else_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from workbook.core import paths

    root = _project(tmp_path / "p")
    monkeypatch.setenv("WORKBOOK_ROOT", str(root))
    assert paths.notebooks_dir() == paths.PROJECT_ROOT / "notebooks"
    (root / "notebooks").mkdir()
    assert paths.notebooks_dir() == root.resolve() / "notebooks"


def test_pipeline_kernels_act_on_the_callers_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from workbook.pipeline.kernels import kernel_env

    root = _project(tmp_path / "p")
    monkeypatch.delenv("WORKBOOK_ROOT", raising=False)
    monkeypatch.setenv("WORKBOOK_EVIDENCE", "evidence")
    monkeypatch.chdir(root)
    env = kernel_env(str(tmp_path / "build"))  # a kernel starts in notebooks/, maybe another project's
    assert env["WORKBOOK_ROOT"] == str(root.resolve())
    assert env["WORKBOOK_EVIDENCE"] == str(root.resolve() / "evidence")
    assert env["WORKBOOK_REPORTS"] == str(tmp_path / "build")


def test_every_environment_variable_the_workbook_reads_is_documented():
    import re

    root = Path(__file__).resolve().parents[2]
    used = set()
    for path in (root / "lib" / "workbook").rglob("*.py"):
        used |= set(re.findall(r"environ(?:\.get)?\s*[\(\[]\s*[\"'](WORKBOOK_[A-Z_]+)", path.read_text(encoding="utf-8")))
    assert {"WORKBOOK_ROOT", "WORKBOOK_EVIDENCE", "WORKBOOK_REPORTS"} <= used
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert sorted(v for v in used if f"`{v}`" not in readme) == []
