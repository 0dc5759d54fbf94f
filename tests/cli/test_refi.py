"""The four REFI-QDA commands as a user runs them: results said in one line each, bad input one error line."""
from __future__ import annotations

import zipfile

import pytest

from refi_fixtures import empty_evidence, interview_qdpx, make_zip, project_xml, snapshot, validate_with_shared
from cli_helpers import one_error, workbook


def test_export_qdc_writes_a_schema_valid_codebook(tmp_path):
    done = workbook("export-qdc", "--output", str(tmp_path / "book.qdc"))
    assert done.returncode == 0, done.stderr
    assert "49 codes (7 dimensions, 38 delivery items, polarity)" in done.stdout
    assert validate_with_shared((tmp_path / "book.qdc").read_bytes(), "Codebook.xsd") == []


def test_export_qdpx_of_one_case_then_import_into_an_empty_evidence_dir(tmp_path, monkeypatch):
    done = workbook("export-qdpx", "--case", "east_london", "--output", str(tmp_path / "p.qdpx"))
    assert done.returncode == 0, done.stderr
    assert "project of 1 case(s): 4 sources" in done.stdout
    with zipfile.ZipFile(tmp_path / "p.qdpx") as zf:
        assert validate_with_shared(zf.read("project.qde"), "Project.xsd") == []
    evidence = empty_evidence(tmp_path, monkeypatch)
    done = workbook("import-qdpx", str(tmp_path / "p.qdpx"), "--case", "east_london", evidence=evidence)
    assert done.returncode == 0, done.stderr
    assert "imported into case east_london: 4 source(s)" in done.stdout
    assert workbook("validate", evidence=evidence).returncode == 0


def test_suggest_map_writes_a_map_and_imports_nothing_then_the_map_is_used(tmp_path, monkeypatch):
    evidence = empty_evidence(tmp_path, monkeypatch)
    qdpx = interview_qdpx(tmp_path)
    before = snapshot(evidence)
    map_path = tmp_path / "map.yaml"
    done = workbook("import-qdpx", str(qdpx), "--case", "interviews", "--map", str(map_path), "--suggest-map",
                    evidence=evidence)
    assert done.returncode == 0, done.stderr and "nothing imported" in done.stdout
    assert snapshot(evidence) == before
    map_path.write_text(map_path.read_text().replace('"Stigma": ~', '"Stigma": culture'))
    done = workbook("import-qdpx", str(qdpx), "--case", "interviews", "--map", str(map_path), evidence=evidence)
    assert done.returncode == 0, done.stderr
    assert "codes with no meaning here" not in done.stdout
    from workbook.coding.reviews import load_reviews
    from workbook.evidence.framework import load_framework

    decisions = load_reviews("interviews", load_framework(evidence / "framework.yaml"), evidence).decisions
    assert sorted(decisions["dimensions"]) == ["culture", "leadership"]


def test_import_qdc_lists_codes_and_their_meaning(tmp_path):
    workbook("export-qdc", "--output", str(tmp_path / "book.qdc"))
    done = workbook("import-qdc", str(tmp_path / "book.qdc"))
    assert done.returncode == 0, done.stderr
    assert "Vision -> dimension vision" in done.stdout and "barrier -> polarity barrier" in done.stdout
    assert "nothing in evidence/ was changed" in done.stdout


def _evil_zip(tmp_path, name):
    return make_zip(tmp_path / "evil.qdpx", {"project.qde": project_xml(), name: "x"})


@pytest.mark.parametrize("make, expected", [
    (lambda p: (p / "x.qdpx").write_text("hello") and p / "x.qdpx", "is not a zip archive"),
    (lambda p: _evil_zip(p, "../../escape.txt"), "climbs out of the archive's folder"),
    (lambda p: _evil_zip(p, "/abs/olute.txt"), "is an absolute path"),
    (lambda p: make_zip(p / "x.qdpx", {"project.qde": project_xml().replace(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>", "<!DOCTYPE Project [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>")}),
     "DOCTYPE"),
    (lambda p: make_zip(p / "x.qdpx", {"project.qde": project_xml().replace('name="Stigma"', 'nom="Stigma"')}),
     "Project.xsd"),
])
def test_bad_projects_get_one_error_line_and_change_nothing(tmp_path, monkeypatch, make, expected):
    evidence = empty_evidence(tmp_path, monkeypatch)
    before = snapshot(evidence)
    line = one_error(workbook("import-qdpx", str(make(tmp_path)), "--case", "x", evidence=evidence), "import-qdpx")
    assert expected in line and "Fix:" in line
    assert snapshot(evidence) == before


def test_an_unknown_case_to_export_is_one_error_line(tmp_path):
    line = one_error(workbook("export-qdpx", "--case", "atlantis", "--output", str(tmp_path / "p.qdpx")),
                     "export-qdpx")
    assert "unknown case_id 'atlantis'" in line and not (tmp_path / "p.qdpx").exists()
