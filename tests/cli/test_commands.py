"""The `workbook` command: a user error is one readable message and a non-zero exit, never a traceback."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cli_helpers import one_error, workbook


def test_validate_on_broken_evidence_lists_each_problem_and_exits_1(evidence_copy: Path):
    (evidence_copy / "sources" / "torbay" / "davies_2011.md").write_bytes(b"")
    cases = evidence_copy / "cases.yaml"
    cases.write_text(cases.read_text(encoding="utf-8").replace("id: east_london", "id: torbay"), encoding="utf-8")
    result = workbook("validate", evidence=evidence_copy)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1] == f"{len(lines) - 1} problem(s) in {evidence_copy}."
    assert all(line.startswith("- ") and " Fix: " in line for line in lines[:-1])
    assert any("cases.yaml:" in line and "duplicate case id 'torbay'" in line for line in lines)


def test_validate_on_the_shipped_evidence_passes():
    result = workbook("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("evidence OK: 3 cases")


def test_validate_with_no_evidence_directory_says_which_file_is_missing(tmp_path: Path):
    line = one_error_or_list(workbook("validate", evidence=tmp_path / "nowhere"))
    assert "framework.yaml: file not found." in line


def one_error_or_list(result: subprocess.CompletedProcess) -> str:
    """The first problem line of a failed validate."""
    assert result.returncode == 1 and "Traceback" not in result.stderr
    return result.stderr.splitlines()[0]


@pytest.mark.parametrize("case, message", [
    ("nope", "unknown case_id 'nope'. Fix: use one of: torbay, english_pilots, east_london"),
    ("../../etc", "case_id '../../etc' is not a valid identifier. Fix: use lower-case letters"),
])
def test_extract_with_a_bad_case(case: str, message: str):
    assert message in one_error(workbook("extract", "--case", case), "extract")


def test_code_with_a_missing_file(tmp_path: Path):
    line = one_error(workbook("code", "--input", "nope.csv", "--output", "out.csv", cwd=tmp_path), "code")
    assert "nope.csv: file not found." in line and "Fix:" in line
    assert not (tmp_path / "out.csv").exists()


def test_code_with_an_empty_file(tmp_path: Path):
    (tmp_path / "empty.csv").write_bytes(b"")
    line = one_error(workbook("code", "--input", "empty.csv", "--output", "out.csv", cwd=tmp_path), "code")
    assert "empty.csv: is empty." in line and "Fix:" in line


def test_code_with_a_missing_column_names_the_columns_there_are(tmp_path: Path):
    (tmp_path / "in.csv").write_text("id,body\n1,Strong leadership helped.\n", encoding="utf-8")
    line = one_error(workbook("code", "--input", "in.csv", "--output", "out.csv", cwd=tmp_path), "code")
    assert "in.csv: has no column 'text'; its columns are: id, body." in line and "--text-column" in line


def test_code_with_a_non_utf8_file_names_the_line(tmp_path: Path):
    (tmp_path / "in.csv").write_bytes(b"id,text\n1,fine\n2,caf\xe9\n")
    line = one_error(workbook("code", "--input", "in.csv", "--output", "out.csv", cwd=tmp_path), "code")
    assert "in.csv:3: is not UTF-8 text." in line


def test_code_into_an_unwritable_place_is_one_line(tmp_path: Path):
    (tmp_path / "in.csv").write_text("id,text\n1,Strong leadership helped.\n", encoding="utf-8")
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    line = one_error(workbook("code", "--input", "in.csv", "--output", "file/out.csv", cwd=tmp_path), "code")
    assert line.endswith(": file. Fix: check the path and its permissions.")  # names what could not be made


def test_code_works_on_a_good_file(tmp_path: Path):
    (tmp_path / "in.csv").write_text("id,text\n1,Strong leadership helped.\n", encoding="utf-8")
    result = workbook("code", "--input", "in.csv", "--output", "out.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[0].startswith("id,text,dimensions,polarity")


def test_report_on_broken_evidence_fails_before_running_anything(evidence_copy: Path, reports_tmp: Path):
    (evidence_copy / "framework.yaml").write_text("id: [\n", encoding="utf-8")
    line = one_error(workbook("report", "--no-progress", evidence=evidence_copy), "report")
    assert "framework.yaml:" in line and "Fix: correct the YAML syntax" in line
    assert list(reports_tmp.iterdir()) == []


def test_a_usage_error_is_argparse_s_one_message():
    result = workbook("extract")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == "workbook extract: error: the following arguments are required: --case"
