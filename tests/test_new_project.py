"""End to end, as a user runs it: `workbook init`, then `workbook validate` and `workbook report` from inside the
project (no WORKBOOK_* paths set), on an empty project, on one case with one hand-written Markdown source, and on
a copy of this checkout: each reads and writes its own files."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from project_helpers import add_one_case

ROOT = Path(__file__).resolve().parents[1]
NO_REVIEW_FINDINGS = "No review findings yet: add evidence/synthesis/review_findings.yaml to assess confidence"

pytestmark = pytest.mark.slow


def workbook(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the workbook command in `cwd` as a user would: no WORKBOOK_* location set (the cache stays private)."""
    env = {k: v for k, v in os.environ.items() if k not in ("WORKBOOK_ROOT", "WORKBOOK_EVIDENCE", "WORKBOOK_REPORTS")}
    return subprocess.run([sys.executable, "-m", "workbook", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


def make(cwd: Path, target: str) -> subprocess.CompletedProcess:
    """Run a target of a project's Makefile as a user would (no WORKBOOK_* location set)."""
    env = {k: v for k, v in os.environ.items() if k not in ("WORKBOOK_ROOT", "WORKBOOK_EVIDENCE", "WORKBOOK_REPORTS")}
    return subprocess.run(["make", "--no-print-directory", target], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


def html_text(report: Path) -> str:
    """The report's text with tags removed and whitespace collapsed."""
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", report.read_text(encoding="utf-8")).split())


def snapshot(folder: Path) -> "tuple | None":
    """The folder's identity and each entry's name and modification time (None when absent)."""
    if not folder.exists():
        return None
    return folder.stat().st_ino, sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir())


def test_an_empty_project_reports_what_is_missing(tmp_path: Path):
    made = workbook(tmp_path, "init", "review")
    assert made.returncode == 0, made.stderr
    root = tmp_path / "review"
    checked = workbook(root, "validate")
    assert checked.returncode == 0 and "0 cases" in checked.stdout, checked.stderr
    built = workbook(root / "evidence", "report", "--no-progress")  # from a subfolder, too
    assert built.returncode == 0, built.stderr
    text = html_text(root / "reports" / "synthesis.html")
    assert "What is missing" in text and "No cases yet" in text and NO_REVIEW_FINDINGS in text
    assert (root / "reports" / "synthesis.xlsx").is_file() and (root / "reports" / "tables").is_dir()


def test_one_case_with_one_markdown_source_builds_the_whole_report(tmp_path: Path):
    assert workbook(tmp_path, "init", "review").returncode == 0
    root = tmp_path / "review"
    add_one_case(root)
    assert make(root, "validate").returncode == 0
    built = make(root, "report")  # the project's own Makefile, on the workbook of this environment
    assert built.returncode == 0, built.stderr
    assert "3 notebook run(s) executed" in built.stdout
    text = html_text(root / "reports" / "synthesis.html")
    assert "Only one case" in text and NO_REVIEW_FINDINGS in text and "No reviewer decisions yet" in text
    assert "doe_2021" in text and "Riverside" in text
    assert (root / "reports" / "coded" / "riverside.csv").is_file()
    # moved elsewhere, the project works on its own files and its previous reports are reused
    moved = tmp_path / "elsewhere" / "review"
    moved.parent.mkdir()
    shutil.move(root, moved)
    again = workbook(moved, "report", "--no-progress")
    assert again.returncode == 0 and "reused" in again.stdout, again.stderr
    assert str(moved) in again.stdout and not root.exists()


def test_a_copied_checkout_works_on_its_own_files(tmp_path: Path):
    copy = tmp_path / "copy"
    for part in ("evidence", "notebooks"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    cases = copy / "evidence" / "cases.yaml"
    cases.write_text(cases.read_text(encoding="utf-8").replace("name: Torbay\n", "name: Torbay in the copy\n", 1),
                     encoding="utf-8")
    original_reports = snapshot(ROOT / "reports")
    stray = copy / "evidence" / "sources" / "torbay" / "only_in_the_copy.md"
    stray.write_text("---\nid: only_in_the_copy\n---\n")
    refused = workbook(copy, "validate")  # validation reads the copy: its unlisted file is reported
    assert refused.returncode == 1 and "only_in_the_copy" in refused.stderr and str(copy) in refused.stderr
    stray.unlink()
    built = workbook(copy, "report", "--no-progress")
    assert built.returncode == 0, built.stderr
    assert "Torbay in the copy" in html_text(copy / "reports" / "synthesis.html")
    assert snapshot(ROOT / "reports") == original_reports  # the original checkout's reports are untouched


def test_init_then_a_pdf_added_with_add_source_then_make_report(tmp_path: Path):
    from document_fixtures import PdfSpec, filler_page, write_pdf

    pdf = write_pdf(tmp_path / "camden.pdf", PdfSpec(pages=[[
        ("heading", "Abstract"),
        ("para", "We evaluated integrated care in Camden. Shared leadership between the council and the hospital "
                 "helped teams work together, but a lack of shared records got in the way.")], filler_page()]))
    assert workbook(tmp_path, "init", "review").returncode == 0
    root = tmp_path / "review"
    added = workbook(root, "add-source", "--case", "camden", "--case-name", "Camden", "--authors", "Smith A",
                     "--year", "2020", "--title", "Camden evaluation", "--url", "https://example.org/camden", str(pdf))
    assert added.returncode == 0, added.stderr
    assert make(root, "validate").returncode == 0
    built = make(root, "report")
    assert built.returncode == 0, built.stderr
    text = html_text(root / "reports" / "synthesis.html")
    assert "Camden" in text and "smith_2020" in text and NO_REVIEW_FINDINGS in text
