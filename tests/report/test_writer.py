"""The report: escaping, finding links and anchors, contents, Markdown, and the synthesis built from the evidence."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from _synthesis_data import coded as small_coded
from report_helpers import small_report
from workbook.report.document import Report
from workbook.report.writer import html_page, write_report


def test_contents_lists_level_two_sections(tmp_path):
    doc = small_report(tmp_path)
    body = html_page(doc)
    nav = re.search(r'<nav[^>]*id="contents".*?</nav>', body, re.S).group(0)
    assert re.findall(r'href="#(sec-[^"]+)"', nav) == ["sec-first-part", "sec-second-part",
                                                        "sec-appendix-the-findings", "sec-references"]
    md = doc.markdown()
    assert "1. [First part](#sec-first-part)" in md and '<a id="sec-first-part"></a>' in md
    assert "[src_a-0000000a](#finding-src_a-0000000a)" in md and '<a id="finding-src_a-0000000a"></a>' in md


def test_report_files_are_one_page_of_the_blocks_plus_markdown_and_xlsx(tmp_path):
    doc = small_report(tmp_path)
    written = write_report(doc, tmp_path / "out")
    assert sorted(written) == ["html", "markdown", "xlsx"]
    page = written["html"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<title>Test &lt;report&gt;</title>" in page and "<!--wb:contents-->" not in page
    assert all(block.html in page for block in doc.blocks[1:])
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert 'href="#sec-first-part"' in page and 'href="#sec-references"' in page
    assert written["markdown"].read_text(encoding="utf-8") == doc.markdown()
    assert load_workbook(written["xlsx"]).sheetnames == ["t1"]


# ---------------------------------------------------------------- the framework matrix a reviewer reads


# ---------------------------------------------------------------- the built report (shipped evidence)

@pytest.fixture(scope="session")
def built(built_reports: Path) -> Path:
    """The reports regenerated once from the shipped evidence (conftest's session fixture)."""
    return built_reports


@pytest.fixture(scope="session")
def shipped_coded(built) -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((built / "coded").glob("*.csv"))
              if not p.name.endswith(".orphans.csv")]
    return pd.concat(frames, ignore_index=True)


def test_built_framework_matrix_csv_shape_and_totals(built, shipped_coded):
    from workbook.synthesis.matrix import split_ids

    m = pd.read_csv(built / "tables" / "framework_matrix.csv")
    assert list(m.columns) == ["case", "vision", "leadership", "culture", "local_context", "integrated_teams",
                               "time", "outcomes"]
    assert m["case"].tolist() == ["torbay", "english_pilots", "east_london"]
    assert int(m.drop(columns="case").to_numpy().sum()) == sum(len(split_ids(d)) for d in shipped_coded["dimensions"])


def test_built_outputs_exist_and_agree(built):
    tables = sorted(p.stem for p in (built / "tables").glob("*.csv"))
    for name in ("framework_matrix", "framework_matrix_detail", "barriers_facilitators", "checklist_by_case",
                 "checklist_torbay", "checklist_english_pilots", "checklist_east_london",
                 "outcomes", "association_test", "proportions", "cooccurrence", "summary_of_qualitative_findings",
                 "agreement"):
        assert name in tables
    for name in ("framework_matrix", "barriers_facilitators", "cooccurrence"):
        assert (built / "figures" / f"{name}.png").stat().st_size > 5000
        assert (built / "figures" / f"{name}.svg").exists()
    book = load_workbook(built / "synthesis.xlsx")
    assert sorted(book.sheetnames) == tables
    assert book["framework_matrix"].freeze_panes == "A2" and book["framework_matrix"]["A1"].font.bold
    agreement = pd.read_csv(built / "tables" / "agreement.csv")
    assert "auto" in set(agreement["coder_a"]) | set(agreement["coder_b"])


def test_built_html_links_every_shown_finding_and_lists_sources(built, shipped_coded):
    html = (built / "synthesis.html").read_text(encoding="utf-8")
    assert "import workbook" not in html and "stages.resolve" not in html and "<script" not in html
    links = set(re.findall(r'href="#finding-([^"]+)"', html))
    anchors = set(re.findall(r'id="finding-([^"]+)"', html))
    assert links and links <= anchors
    assert anchors == set(shipped_coded["finding_id"])
    sources = set(shipped_coded["source"])
    assert {s for s in re.findall(r'id="source-([^"]+)"', html)} == sources
    contents = re.search(r'<nav[^>]*id="contents".*?</nav>', html, re.S).group(0)
    assert len(re.findall(r"<li>", contents)) >= 10
    for title in ("Framework matrix", "Delivery checklist", "Outcomes reported by the cases",
                  "Statistics, with their limits", "Confidence in the review findings", "References"):
        assert title in contents
    assert html.count('src="data:image/png;base64,') == 3
    assert "not the size of an effect" in html


def test_built_markdown_has_the_same_sections_and_links(built):
    md = (built / "synthesis.md").read_text(encoding="utf-8")
    html = (built / "synthesis.html").read_text(encoding="utf-8")
    md_sections = re.findall(r'<a id="(sec-[^"]+)"></a>', md)
    html_sections = re.findall(r'<h2 id="(sec-[^"]+)" class="wb-section"', html)
    assert md_sections == html_sections
    assert "![Heatmap of the framework matrix" in md and "(figures/framework_matrix.png)" in md
    assert set(re.findall(r"\]\(#finding-([^)]+)\)", md)) <= set(re.findall(r'<a id="finding-([^"]+)"></a>', md))


def test_built_report_says_how_many_findings_people_checked_and_who_decided(built, shipped_coded):
    from workbook.synthesis.matrix import decided_by_person

    html = (built / "synthesis.html").read_text(encoding="utf-8")
    people = sum(decided_by_person(r) for r in shipped_coded.to_dict("records"))
    assert 0 < people < len(shipped_coded)
    section = re.search(r'<h2 id="sec-how-to-read-this-report".*?<h2 ', html, re.S).group(0)
    assert f"{people} of {len(shipped_coded)} findings were checked by people" in section
    entries = re.findall(r'<tr id="finding-[^"]+" class="wb-finding">(.*?)</tr>', html, re.S)
    decided = [re.findall(r"<td[^>]*>(.*?)</td>", e, re.S)[6] for e in entries]
    assert len(entries) == len(shipped_coded) and sum(d != "automatic" for d in decided) == people


def test_built_matrix_cells_hold_every_statement(built, shipped_coded):
    from workbook.synthesis.matrix import split_ids

    html = (built / "synthesis.html").read_text(encoding="utf-8")
    matrix = re.search(r'<table class="dataframe wb-table wb-matrix".*?</table>', html, re.S).group(0)
    pairs = sum(len(split_ids(d)) for d in shipped_coded["dimensions"])
    full = re.findall(r'<li><abbr class="wb-pol[^>]*>[^<]*</abbr>(.*?) \(<a class="finding-link" href="#finding-([^"]+)"',
                      matrix)
    shown_once = {(text, fid) for text, fid in full}
    assert len(matrix.split("<td id=\"cell-")) - 1 == 3 * 7
    assert {fid for _, fid in full} == set(shipped_coded.loc[shipped_coded["dimensions"] != "", "finding_id"])
    assert pairs == len(pd.read_csv(built / "tables" / "matrix_statements.csv"))
    assert len(shown_once) >= len(set(shipped_coded["finding_id"])) - len(shipped_coded[shipped_coded["dimensions"] == ""])
    sheet = load_workbook(built / "synthesis.xlsx")["matrix_statements"]
    assert sheet.max_row - 1 == pairs and [c.value for c in sheet[1]][:5] == ["case", "dimension", "dimension_label",
                                                                              "polarity", "statement"]


def test_statement_matrix_of_a_project_with_no_findings_or_no_cases(tmp_path, framework):
    from workbook.synthesis.matrix import cell_statements

    empty = small_coded().iloc[0:0]
    labels = {d.id: d.label for d in framework.dimensions}
    doc = Report("m", tmp_path, set())
    one = doc.statement_matrix(cell_statements(empty, framework, ["solo"]), {"solo": "Solo"}, labels, {}, "m1", "c")
    assert one.html.count('class="wb-cell"') == len(labels) and one.html.count("no findings") == len(labels)
    none = doc.statement_matrix(cell_statements(empty, framework, []), {}, labels, {}, "m0", "c")
    assert 'class="wb-cell"' not in none.html and none.html.count('<th scope="row">') == len(labels)
    assert load_workbook(write_report(doc, tmp_path / "out")["xlsx"]).sheetnames == ["m1", "m0"]
