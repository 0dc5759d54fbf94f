"""Report, the report built block by block: escaping, links between findings, cells and sources, tables kept
for CSV and XLSX, matrix cells, the appendix and the blocks shown in a notebook."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from _synthesis_data import coded as small_coded
from report_helpers import EVIL, FakeSource, small_report
from workbook.report.document import Report


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


def test_table_is_written_as_safe_csv_and_kept_for_xlsx(tmp_path):
    doc = Report("t", tmp_path)
    doc.table(pd.DataFrame({"a": ["=1+2", "x"]}), "formula", "c")
    assert (tmp_path / "tables" / "formula.csv").read_text(encoding="utf-8") == "a\n'=1+2\nx\n"
    assert list(doc.tables) == ["formula"]


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


def test_a_block_shows_as_html_and_its_plain_text_stand_in_is_short(tmp_path):
    doc = small_report(tmp_path)
    block = doc.section("Third <part>", "Some text " * 500)
    assert repr(block) == f"<report block: Third <part>; {len(block.html):,} characters of HTML>"
    assert len(repr(doc.blocks[-1])) < 100 and block._repr_html_().startswith('<div class="wb-report">')
