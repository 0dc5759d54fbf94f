"""validate's check of full-text originals: missing or changed originals are reported with the fix."""
from __future__ import annotations

from pathlib import Path

from document_fixtures import PdfSpec, write_pdf
from workbook.evidence.cases import load_cases
from workbook.extract.add_source import add_source
from workbook.pipeline.checks import check_originals


def _added(tmp_path: Path):
    pdf = write_pdf(tmp_path / "r.pdf", PdfSpec(pages=[[("heading", "Results"), ("para", "Teams met weekly.")]]))
    return add_source(pdf, "camden", title="T", authors="Smith J", year="2019", venue="Camden Council")


def test_unchanged_original_passes(tmp_path: Path, evidence_copy: Path):
    _added(tmp_path)
    assert check_originals(evidence_copy, None, load_cases(evidence_copy)) == []


def test_changed_original_is_reported_with_the_fix(tmp_path: Path, evidence_copy: Path):
    added = _added(tmp_path)
    added.original.write_bytes(added.original.read_bytes() + b"\n% edited by hand\n")
    [found] = check_originals(evidence_copy, None, load_cases(evidence_copy))
    assert "smith_2019.pdf" in found.file and "no longer matches the checksum" in found.message
    assert "workbook add-source FILE --case camden --id smith_2019" in found.fix


def test_missing_original_is_reported(tmp_path: Path, evidence_copy: Path):
    _added(tmp_path).original.unlink()
    [found] = check_originals(evidence_copy, None, load_cases(evidence_copy))
    assert "smith_2019.md" in found.file and "is missing" in found.message
