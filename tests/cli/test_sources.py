"""`workbook add-source` at the command line: one-line errors, what it says it did, and a PDF end to end."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cli_helpers import workbook
from document_fixtures import HEADER, report_pdf
from workbook.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_cli_error_is_one_line_without_traceback(tmp_path: Path, evidence_copy: Path, capsys):
    code = main(["add-source", str(report_pdf(tmp_path)), "--case", "camden", "--id", "ling_2012",
                 "--authors", "Smith J", "--title", "T", "--venue", "Camden Council"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("workbook add-source: error:") and "ling_2012" in err


def test_cli_says_what_was_created_and_guessed(tmp_path: Path, evidence_copy: Path, capsys):
    assert main(["add-source", str(report_pdf(tmp_path, metadata={"author": "Okafor N"})), "--case", "camden",
                 "--case-name", "Camden", "--title", "T", "--venue", "Camden Council"]) == 0
    out = capsys.readouterr().out
    assert "created case 'camden'" in out and "guessed from the file" in out and "authors: Okafor N" in out


@pytest.mark.slow
def test_acceptance_two_column_pdf_into_a_new_case_then_validate(tmp_path: Path):
    """The command line on a copy of the evidence: page headings, no running heads, joined hyphenation,
    the checksum of the copied original, and `workbook validate` passing."""
    import shutil

    evidence, reports = tmp_path / "evidence", tmp_path / "reports"
    shutil.copytree(ROOT / "evidence", evidence)
    pdf = report_pdf(tmp_path)
    run = workbook("add-source", str(pdf), "--case", "camden", "--case-name", "Camden", "--title",
                   "Evaluation of integrated care in Camden", "--authors", "Smith J; Patel R", "--year", "2019",
                   "--licence", "CC BY 4.0", "--venue", "Camden Council", evidence=evidence, reports=reports,
                   cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "created case 'camden'" in run.stdout
    text = (evidence / "sources" / "camden" / "smith_2019.md").read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    assert "\n## p. 5\n" in body and "\n## p. 6\n" in body and "### Results" in body
    assert HEADER not in body and "Final report" not in body
    assert not any(line.strip() in ("5", "6") for line in body.splitlines())
    assert "the integration of health and social care teams and the co-location of nurses" in body
    assert body.index("Interview 0 ") < body.index("Interview 29 ") < body.index("## p. 6")
    original = evidence / "documents" / "camden" / "smith_2019.pdf"
    assert f'sha256: "{hashlib.sha256(original.read_bytes()).hexdigest()}"' in text
    assert original.read_bytes() == pdf.read_bytes()
    check = workbook("validate", evidence=evidence, reports=reports)
    assert check.returncode == 0, check.stderr
    original.write_bytes(original.read_bytes() + b"\n% edited\n")
    check = workbook("validate", evidence=evidence, reports=reports)
    assert check.returncode == 1 and "no longer matches the checksum" in check.stderr
