"""Acceptance, end to end: a generated two-column PDF added with `workbook add-source` into a new case, then
`workbook report`, gives that case a row in the framework matrix, candidate findings located by page, and a
report that says how many candidates it counts and that they are unreviewed."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchmark_helpers import load_benchmark

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_two_column_pdf_becomes_a_case_in_the_report(tmp_path: Path):
    bench = load_benchmark("extraction_accuracy")
    doc = bench.load_labelled(ROOT / "benchmarks" / "extraction" / "northvale.txt")
    pdf = tmp_path / "northvale.pdf"
    truth, pages = bench.render_pdf(doc, pdf, columns=2)
    assert pages >= 4
    evidence, reports = tmp_path / "evidence", tmp_path / "reports"
    shutil.copytree(ROOT / "evidence", evidence)
    env = {**os.environ, "WORKBOOK_EVIDENCE": str(evidence), "WORKBOOK_REPORTS": str(reports)}
    add = subprocess.run([sys.executable, "-m", "workbook", "add-source", str(pdf), "--case", "northvale",
                          "--case-name", "Northvale (invented)", "--id", "harlow_2019", "--title", doc.meta["title"],
                          "--authors", "Harlow J; Peck R; Osei A", "--year", "2019", "--licence", "CC BY 4.0",
                          "--venue", doc.meta["venue"], "--url", "https://example.org/northvale"],
                         env=env, capture_output=True, text=True, cwd=tmp_path)
    assert add.returncode == 0, add.stderr
    report = subprocess.run([sys.executable, "-m", "workbook", "report", "--jobs", "2"], env=env,
                            capture_output=True, text=True, cwd=tmp_path, timeout=1200)
    assert report.returncode == 0, report.stderr[-3000:]

    matrix = pd.read_csv(reports / "tables" / "framework_matrix.csv", index_col=0)
    assert "northvale" in matrix.index and matrix.loc["northvale"].sum() > 0
    found = pd.read_csv(reports / "findings" / "northvale.csv", dtype=str, keep_default_na=False)
    rejected = pd.read_csv(reports / "findings" / "northvale.rejected.csv", dtype=str, keep_default_na=False)
    assert len(found) >= 15 and set(found["origin"]) == {"candidate"}  # 18 sentences are labelled findings
    assert found["locator"].str.match(r"^p\. \d+, ").all()
    assert rejected["locator"].str.fullmatch(r"p\. \d+, 2\. Methods").any()  # methods sentences are not findings
    labelled = {bench.normalise(s): lab for lab, s, _ in doc.sentences()}
    judged = [labelled.get(bench.normalise(s)) for s in found["statement"]]
    assert judged.count("F") >= 0.9 * len(judged)  # candidates are mostly the labelled findings
    coded = pd.read_csv(reports / "coded" / "northvale.csv", dtype=str, keep_default_na=False)
    assert set(coded["finding_id"]) == set(found["finding_id"])
    html = (reports / "synthesis.html").read_text(encoding="utf-8")
    assert f"{len(found)} of these findings are candidate findings" in html
    assert f"{len(found)} of them are still unreviewed" in html
    first = found.iloc[0]
    assert first["finding_id"] in html and first["locator"] in html
