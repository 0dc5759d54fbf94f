"""Web pages: main content only; scripts, styles, navigation and hidden parts never become text."""
from __future__ import annotations

from pathlib import Path

from workbook.extract.documents import read_document

PAGE = """<!doctype html><html><head><title>Camden page</title>
<meta name="citation_title" content="Integrated care in Camden">
<meta name="citation_author" content="Smith, Jane"><meta name="citation_author" content="Patel, Raj">
<meta name="citation_publication_date" content="2019/05/01"><meta name="citation_doi" content="10.1234/camden.5">
<script>window.stolen = document.cookie; alert('XSS-SCRIPT')</script><style>p { color: red } /* STYLE-TEXT */</style>
</head><body><nav>Home | NAV-MENU</nav><header>SITE-HEADER</header>
<main><h1>Integrated care in Camden</h1>
<p onclick="alert('XSS-HANDLER')">Teams were co-located in 2018.</p>
<div class="cookie-banner">COOKIE-BANNER accept</div>
<h2>Findings</h2><ul><li>Shared records helped staff.</li><li>Budgets were <b>pooled</b>.</li></ul>
<p hidden>HIDDEN-TEXT</p><p style="display:none">INVISIBLE-TEXT</p>
<noscript>NOSCRIPT-TEXT</noscript><iframe src="https://evil.example/">IFRAME-TEXT</iframe>
<p>Literal &lt;script&gt;alert(1)&lt;/script&gt; stays text.</p>
<script>document.write('XSS-WRITE')</script></main>
<aside>RELATED-LINKS</aside><footer>FOOTER-COPYRIGHT</footer></body></html>"""


def _doc(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    return read_document(path)


def test_main_content_in_order_under_headings(tmp_path: Path):
    blocks = [(b.section, b.text) for b in _doc(tmp_path).pages[0].blocks]
    assert blocks[:3] == [("Integrated care in Camden", "Teams were co-located in 2018."),
                          ("Findings", "Shared records helped staff."), ("Findings", "Budgets were pooled.")]


def test_scripts_styles_navigation_and_hidden_parts_never_become_text(tmp_path: Path):
    text = _doc(tmp_path).to_markdown()
    for marker in ("XSS-SCRIPT", "XSS-HANDLER", "XSS-WRITE", "STYLE-TEXT", "NAV-MENU", "SITE-HEADER", "COOKIE-BANNER",
                   "HIDDEN-TEXT", "INVISIBLE-TEXT", "NOSCRIPT-TEXT", "IFRAME-TEXT", "RELATED-LINKS", "FOOTER-COPYRIGHT",
                   "onclick", "document.cookie"):
        assert marker not in text, marker


def test_text_that_looks_like_markup_stays_plain_text(tmp_path: Path):
    blocks = [b.text for b in _doc(tmp_path).pages[0].blocks]
    assert "Literal <script>alert(1)</script> stays text." in blocks  # as text; reports escape it


def test_citation_meta_tags_give_the_metadata(tmp_path: Path):
    meta = _doc(tmp_path).metadata
    assert meta == {"title": "Integrated care in Camden", "authors": ["Smith, Jane", "Patel, Raj"], "year": 2019,
                    "doi": "10.1234/camden.5"}


def test_page_without_main_uses_the_body(tmp_path: Path):
    path = tmp_path / "plain.htm"
    path.write_text("<html><body><nav>menu</nav><h2>Results</h2><p>One finding.</p>Loose words.</body></html>")
    blocks = [(b.section, b.text) for b in read_document(path).pages[0].blocks]
    assert blocks == [("Results", "One finding."), ("Results", "Loose words.")]


def test_a_section_heading_followed_by_a_subheading_keeps_both(tmp_path: Path):
    path = tmp_path / "sub.html"
    path.write_text("<html><body><h2>Results</h2><h3>Time to go home</h3><p>Delays fell.</p></body></html>")
    assert "### Results\n\n### Time to go home\n\nDelays fell." in read_document(path).to_markdown()


def test_table_cells_are_left_out_and_the_caption_kept(tmp_path: Path):
    path = tmp_path / "table.html"
    path.write_text("<html><body><h2>Results</h2><p>Delays fell.</p><table><caption>Table 1. Delays</caption>"
                    "<tr><th>Year</th><th>Days</th></tr><tr><td>2016</td><td>6</td></tr></table>"
                    "<p>Readmissions stayed level.</p></body></html>")
    blocks = [b.text for b in read_document(path).pages[0].blocks]
    assert blocks == ["Delays fell.", "Table 1. Delays", "Readmissions stayed level."]


def test_deeply_nested_markup_is_read_without_recursion(tmp_path: Path):
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 20000 + "<p>Deep text.</p>" + "</div>" * 20000 + "</body></html>")
    assert [b.text for b in read_document(path).pages[0].blocks] == ["Deep text."]
