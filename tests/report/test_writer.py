"""The report: escaping, finding links and anchors, contents, Markdown, and the synthesis built from the evidence."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from _synthesis_data import coded as small_coded
from workbook.report.document import Report
from workbook.report.writer import html_page, write_report

EVIL = "<script>alert('x')</script> & <b>bold</b>"


class FakeSource:
    def __init__(self, sid: str, short: str) -> None:
        self.id, self.short, self.kind, self.read, self.link = sid, short, "primary", "abstract only", ""

    def citation(self) -> str:
        return f"{self.short}. A <i>title</i>."


def small_report(tmp_path: Path) -> Report:
    coded = small_coded()
    coded.loc[0, "statement"] = EVIL
    doc = Report("Test <report>", tmp_path, set(coded["finding_id"]))
    doc.header("subtitle naming src_a-0000000a")
    doc.section("First part", "Text with an unknown id zz_z-12345678 and a known one src_c-0000000e.")
    doc.table(pd.DataFrame({"finding_ids": ["src_a-0000000a;src_a-0000000b"], "note": [EVIL]}), "t1", "Caption <1>")
    doc.section("Second part")
    doc.appendix(coded, {"src_a": FakeSource("src_a", "Author 2011")}, {"alpha": "Alpha"})
    doc.references([FakeSource("src_a", "Author 2011")], other=["Petch A (2014) <Insight>"])
    return doc


def test_evidence_text_is_escaped_in_html_and_markdown(tmp_path):
    doc = small_report(tmp_path)
    html = "".join(b.html for b in doc.blocks)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert '<h2 id="sec-appendix-the-findings"' in doc.appendix(small_coded(), {}, {}).html
    assert "<b>bold</b>" not in html and "Test &lt;report&gt;" in html and "Caption &lt;1&gt;" in html
    assert "A &lt;i&gt;title&lt;/i&gt;." in html and "Petch A (2014) &lt;Insight&gt;" in html
    md = doc.markdown()
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_known_finding_ids_link_to_their_appendix_entry(tmp_path):
    doc = small_report(tmp_path)
    html = "".join(b.html for b in doc.blocks)
    links = set(re.findall(r'href="#(finding-[^"]+)"', html))
    anchors = set(re.findall(r'id="(finding-[^"]+)"', html))
    assert {"finding-src_a-0000000a", "finding-src_a-0000000b", "finding-src_c-0000000e"} <= links
    assert links <= anchors and len(anchors) == len(small_coded())
    assert 'href="#finding-zz_z-12345678"' not in html  # not a finding of this report: no dead link
    entry = re.search(r'<tr id="finding-src_a-0000000b".*?</tr>', html).group(0)
    assert all(x in entry for x in ("Staff turnover hindered the team.", "Alpha", "Author 2011", "p. 1"))
    assert 'href="#source-src_a"' in entry and 'id="source-src_a"' in html


def test_contents_lists_level_two_sections(tmp_path):
    doc = small_report(tmp_path)
    body = html_page(doc)
    nav = re.search(r'<nav[^>]*id="contents".*?</nav>', body, re.S).group(0)
    assert re.findall(r'href="#(sec-[^"]+)"', nav) == ["sec-first-part", "sec-second-part",
                                                        "sec-appendix-the-findings", "sec-references"]
    md = doc.markdown()
    assert "1. [First part](#sec-first-part)" in md and '<a id="sec-first-part"></a>' in md
    assert "[src_a-0000000a](#finding-src_a-0000000a)" in md and '<a id="finding-src_a-0000000a"></a>' in md


def test_table_is_written_as_safe_csv_and_kept_for_xlsx(tmp_path):
    doc = Report("t", tmp_path)
    doc.table(pd.DataFrame({"a": ["=1+2", "x"]}), "formula", "c")
    assert (tmp_path / "tables" / "formula.csv").read_text(encoding="utf-8") == "a\n'=1+2\nx\n"
    assert list(doc.tables) == ["formula"]


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

def matrix_report(tmp_path: Path, framework, summaries=None, shown: int = 1) -> tuple[Report, pd.DataFrame]:
    """A report with the statement matrix of the small coded findings (one finding decided by a person)."""
    from workbook.synthesis.matrix import cell_statements

    coded = small_coded()
    coded.loc[1, "decided_by"] = "coder_a"
    coded.loc[1, "review_date"] = "2026-01-02"
    coded.loc[5, "statement"] = EVIL + " and a long tail " * 10
    statements = cell_statements(coded, framework, ["alpha", "beta"], limit=60)
    doc = Report("m", tmp_path, set(coded["finding_id"]))
    doc.header()
    doc.statement_matrix(statements, {"alpha": "Alpha <A>", "beta": "Beta"},
                         {d.id: d.label for d in framework.dimensions}, {"src_a": "Author 2011", "src_c": "Other 2020"},
                         "matrix_statements", "The matrix.", summaries, shown=shown)
    doc.appendix(coded, {"src_a": FakeSource("src_a", "Author 2011")}, {"alpha": "Alpha", "beta": "Beta"})
    return doc, statements


def _cell(html: str, case: str, dim: str) -> str:
    return re.search(rf'<td id="cell-{case}--{dim}" class="wb-cell">(.*?)</td>', html, re.S).group(1)


def test_matrix_cells_show_statements_with_polarity_link_and_who_decided(tmp_path, framework):
    doc, statements = matrix_report(tmp_path, framework)
    html = doc.blocks[1].html
    assert html.count('class="wb-cell"') == 2 * len(framework.dimension_ids)  # every cell, empty ones too
    assert re.findall(r'<th scope="row">([^<]+)</th>', html) == [d.label for d in framework.dimensions]
    assert "Alpha &lt;A&gt;" in html and "<A>" not in html
    time = _cell(html, "alpha", "time")
    assert "2 findings (1 \u2212, 1 \u25cb)" in time
    first = re.search(r"<li>(.*?)</li>", time).group(1)  # barriers before neutral findings
    assert 'title="barrier">\u2212</abbr>Staff turnover hindered the team.' in first
    assert 'href="#finding-src_a-0000000b"' in first and ">Author 2011, p. 1</a>" in first
    assert '<span class="wb-who">coder_a</span>' in first
    assert '<span class="wb-who">automatic</span>' in time
    assert "no findings" in _cell(html, "beta", "vision") and "<li>" not in _cell(html, "beta", "vision")
    # statements come from evidence: escaped, shortened in the cell, in full when expanded
    teams = _cell(html, "beta", "integrated_teams")
    assert "<script>" not in html and "&lt;script&gt;alert" in teams
    visible, expanded = teams.split('<details class="wb-more">')
    assert "\u2026" in visible and "and a long tail  and a long tail" not in visible
    assert "<summary>the statement in full</summary>" in expanded and "a long tail and a long tail" in expanded


def test_long_cells_expand_and_short_ones_do_not(tmp_path, framework):
    doc, _ = matrix_report(tmp_path, framework, shown=1)
    html = doc.blocks[1].html
    time = _cell(html, "alpha", "time")
    visible, expanded = time.split('<details class="wb-more">')
    assert visible.count("<li>") == 1 and expanded.count("<li>") == 2
    assert "<summary>all 2 statements in full</summary>" in expanded
    assert "<details" not in _cell(html, "alpha", "vision")  # one short statement: nothing to expand
    doc, _ = matrix_report(tmp_path, framework, shown=3)
    assert "<details" not in _cell(doc.blocks[1].html, "alpha", "time")


def test_reviewer_summary_comes_first_in_its_cell(tmp_path, framework):
    from workbook.synthesis.matrix import CellSummaries

    summaries = CellSummaries({("alpha", "time"): "Turnover hurt <b>continuity</b> (src_a-0000000b).",
                               ("beta", "vision"): "Nothing on vision."}, reviewer="AB")
    doc, _ = matrix_report(tmp_path, framework, summaries)
    html = doc.blocks[1].html
    time = _cell(html, "alpha", "time")
    assert time.startswith("<div class=\"wb-cell-summary\"><b>Reviewer's summary (AB):</b> Turnover hurt "
                           "&lt;b&gt;continuity&lt;/b&gt; (")
    assert time.index("wb-cell-summary") < time.index("wb-cell-count") < time.index("<li>")
    assert 'href="#finding-src_a-0000000b">src_a-0000000b</a>' in time  # ids in a summary link too
    assert _cell(html, "beta", "vision").startswith('<div class="wb-cell-summary">')
    assert "wb-cell-summary" not in _cell(html, "beta", "culture")
    md = doc.blocks[1].markdown
    assert "**Reviewer's summary (AB):** Turnover hurt &lt;b&gt;continuity&lt;/b&gt;" in md


def test_appendix_says_who_decided_and_links_back_to_each_cell(tmp_path, framework):
    doc, _ = matrix_report(tmp_path, framework)
    html = "".join(b.html for b in doc.blocks)
    entry = re.search(r'<tr id="finding-src_a-0000000b".*?</tr>', html).group(0)
    assert "<td>coder_a, 2026-01-02</td>" in entry
    backs = re.findall(r'<a class="wb-back" href="#([^"]+)">([^<]+)</a>', entry)
    assert backs == [("cell-alpha--integrated_teams", "\u21a9 Alpha &lt;A&gt; \u00b7 Integrated teams and other "
                      "ways of working"), ("cell-alpha--time", "\u21a9 Alpha &lt;A&gt; \u00b7 Time")]
    assert all(f'id="{a}"' in html for a, _ in backs)
    uncoded = re.search(r'<tr id="finding-src_c-00000010".*?</tr>', html).group(0)
    assert "<td>automatic</td>" in uncoded and "wb-back" not in uncoded
    links = set(re.findall(r'href="#(finding-[^"]+)"', html))
    assert links <= set(re.findall(r'id="(finding-[^"]+)"', html))
    md = doc.markdown()
    assert "[\u21a9 Alpha &lt;A&gt; \u00b7 Time](#cell-alpha--time)" in md and '<a id="cell-alpha--time"></a>' in md
    assert "([Author 2011, p. 1](#finding-src_a-0000000b); coder_a)" in md


def test_statement_matrix_keeps_one_row_per_statement_for_csv_and_xlsx(tmp_path, framework):
    doc, statements = matrix_report(tmp_path, framework)
    assert list(doc.tables) == ["matrix_statements"]
    kept = pd.read_csv(tmp_path / "tables" / "matrix_statements.csv", keep_default_na=False)
    assert len(kept) == len(statements) == 9 and kept["finding_id"].tolist() == statements["finding_id"].tolist()


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


def test_a_block_shows_as_html_and_its_plain_text_stand_in_is_short(tmp_path):
    doc = small_report(tmp_path)
    block = doc.section("Third <part>", "Some text " * 500)
    assert repr(block) == f"<report block: Third <part>; {len(block.html):,} characters of HTML>"
    assert len(repr(doc.blocks[-1])) < 100 and block._repr_html_().startswith('<div class="wb-report">')


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
