"""What leaves the workbook: evidence text is escaped in HTML, formula-like cells are neutralised in CSV and XLSX,
and notebook kernels talk over local IPC sockets rather than TCP ports."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pandas as pd
import pytest

from workbook.core.tables import FORMULA_PREFIXES, export_safe, neutralise, read_csv, write_csv

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example","click")'
HOSTILE = (f"\n## Hostile section\n\n- Staff wrote {SCRIPT} and {IMG} in the shared notes.\n"
           f"- {FORMULA}\n")


# ------------------------------------------------------------------ formula neutralisation

@pytest.mark.parametrize("cell, shown", [
    ("=1+1", "'=1+1"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-", "'-"), ("- a list item", "'- a list item"),
    ("-inf", "'-inf"), ("+nan", "'+nan"), ("-1_000", "'-1_000"),
    ("-1.5", "-1.5"), ("+3", "+3"), ("-1,200", "-1,200"), ("-4%", "-4%"), ("-.5", "-.5"), ("-2e3", "-2e3"),
    ("plain", "plain"), ("", ""), ("a=b", "a=b"), (" =1", " =1"),
])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(cell: str, shown: str):
    assert neutralise(cell) == shown


def test_every_prefix_the_issue_names_is_covered():
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


def test_export_safe_neutralises_text_and_headers_but_not_numbers():
    df = pd.DataFrame({"=head": ["=cmd", "ok"], "n": [-1, 2], "f": [-1.5, None], "s": pd.array(["@x", None],
                                                                                             dtype="string")})
    out = export_safe(df)
    assert list(out.columns) == ["'=head", "n", "f", "s"]
    assert out["'=head"].tolist() == ["'=cmd", "ok"]
    assert out["n"].tolist() == [-1, 2] and out["f"].iloc[0] == -1.5
    assert out["s"].iloc[0] == "'@x"
    assert df.columns[0] == "=head" and df["=head"].iloc[0] == "=cmd"  # the input is left alone


def test_write_csv_safe_writes_neutralised_cells_and_plain_numbers(tmp_path: Path):
    path = tmp_path / "t.csv"
    write_csv(pd.DataFrame({"text": [FORMULA, "-1.5", "+cmd"]}), path, safe=True)
    assert read_csv(path)["text"].tolist() == ["'" + FORMULA, "-1.5", "'+cmd"]
    write_csv(pd.DataFrame({"text": [FORMULA]}), path)
    assert read_csv(path)["text"].tolist() == [FORMULA]  # internal tables keep the text as written


def test_xlsx_export_stores_formula_like_text_as_text(tmp_path: Path):
    from openpyxl import load_workbook

    from workbook.report.xlsx import write_xlsx

    write_xlsx({"t": pd.DataFrame({"text": [FORMULA, "@SUM(A1)", "-1.5", "-248 beds (-33.1%)"], "n": [-1, 0, 1, 2],
                                   "=B1": ["x"] * 4})}, tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx")["t"]
    cells = [(c.value, c.data_type) for c in sheet["A"][1:]]
    assert cells == [(FORMULA, "s"), ("@SUM(A1)", "s"), ("-1.5", "s"), ("-248 beds (-33.1%)", "s")]
    assert [c.value for c in sheet["B"][1:]] == [-1, 0, 1, 2]
    assert (sheet["C1"].value, sheet["C1"].data_type) == ("=B1", "s")
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []


# ------------------------------------------------------------------ the pipeline, with hostile evidence

@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Reports regenerated from a copy of the evidence whose Torbay source holds script, img and formula text."""
    from workbook.evidence.cases import load_cases
    from workbook.pipeline.runner import regenerate

    root = tmp_path_factory.mktemp("hostile")
    evidence, reports = root / "evidence", root / "reports"
    shutil.copytree(Path(__file__).resolve().parents[1] / "evidence", evidence)
    with (evidence / "sources" / "torbay" / "davies_2011.md").open("a", encoding="utf-8") as handle:
        handle.write(HOSTILE)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBOOK_EVIDENCE", str(evidence))
        mp.setenv("WORKBOOK_REPORTS", str(reports))
        regenerate(list(load_cases()), progress=False)
        yield reports


@pytest.mark.slow
def test_the_html_report_shows_evidence_tags_as_text(hostile_reports: Path):
    html = (hostile_reports / "synthesis.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html


@pytest.mark.slow
def test_the_markdown_report_shows_evidence_tags_as_text(hostile_reports: Path):
    markdown = (hostile_reports / "synthesis.md").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown and "<script>alert" not in markdown


@pytest.mark.slow
def test_exported_tables_hold_no_live_formula(hostile_reports: Path):
    from openpyxl import load_workbook

    exported = sorted((hostile_reports / "tables").glob("*.csv"))
    assert exported
    cells = [(path.name, cell) for path in exported if path.stat().st_size > 1
             for row in read_csv(path).itertuples(index=False) for cell in row]
    assert any(cell == "'" + FORMULA for _, cell in cells), "the hostile finding should appear in some table"
    live = [(name, cell) for name, cell in cells if cell[:1] in ("=", "@", "\t", "\r")
            or (cell[:1] in "+-" and neutralise(cell) != cell)]
    assert live == []
    book = load_workbook(hostile_reports / "synthesis.xlsx")
    assert [(s.title, c.coordinate) for s in book for row in s.iter_rows() for c in row if c.data_type == "f"] == []


@pytest.mark.slow
def test_executed_notebooks_in_reports_escape_evidence_text(hostile_reports: Path):
    raw = []
    for path in sorted((hostile_reports / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                html = "".join(output.get("data", {}).get("text/html", ""))
                if "<script>alert" in html or "<img src=x" in html:
                    raw.append(path.name)
    assert raw == []


# ------------------------------------------------------------------ kernels over IPC

KERNEL_PROBE = """
import json, os, tempfile
import psutil
from workbook.pipeline.kernels import Kernel
kernel = Kernel(tempfile.mkdtemp())
kernel.launch()
info = {"transport": kernel.connection.get("transport", getattr(kernel.km, "transport", "")),
        "sockets_dir": str(kernel.sockets)}
if os.environ.get("START_KERNEL"):
    kernel.start()
    conn = kernel.connection
    info.update(sockets=[os.path.exists(f"{conn['ip']}-{conn[name]}") for name in ("shell_port", "iopub_port",
                                                                                 "control_port")],
                tcp=[c.laddr.ip for c in psutil.Process(kernel.process.pid).net_connections(kind="tcp")
                     if c.status == "LISTEN"])
kernel.stop()
info["removed"] = not os.path.exists(info["sockets_dir"])
print(json.dumps(info))
"""


def probe_kernel(start: bool) -> dict:
    """What a fresh process's pipeline kernel manager reports (and, if asked, the kernel it starts)."""
    env = dict(os.environ, START_KERNEL="1" if start else "")
    result = subprocess.run([sys.executable, "-c", KERNEL_PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.skipif(os.name != "posix", reason="IPC transport is POSIX only")
def test_pipeline_kernels_use_ipc_transport():
    info = probe_kernel(start=False)
    assert info["transport"] == "ipc"
    assert Path(info["sockets_dir"]).name.startswith("wbk-") and info["removed"]


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="IPC transport is POSIX only")
def test_a_started_pipeline_kernel_listens_on_ipc_sockets_not_tcp_ports():
    info = probe_kernel(start=True)
    assert info["transport"] == "ipc" and info["sockets"] == [True, True, True]
    # ipykernel itself always binds one loopback port (its IOPub pipe for forked subprocesses; not configurable):
    # no channel of the kernel is on TCP, and nothing listens beyond this machine.
    assert info["tcp"] in ([], ["127.0.0.1"])
    assert info["removed"], "the socket directory is removed when the kernel stops"


def test_markdown_from_evidence_cannot_make_links():
    from workbook.report.document import md_cell, md_text

    assert md_text("[click](javascript:alert(1))") == "\\[click\\](javascript:alert(1))"
    assert md_text("![img](http://x/y.png)") == "!\\[img\\](http://x/y.png)"
    assert md_cell("a | b \\ c") == "a \\| b \\\\ c"
