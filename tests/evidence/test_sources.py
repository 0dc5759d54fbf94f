"""Source documents: front matter, locators, statements, and located errors."""
from pathlib import Path

import pytest

from workbook.core.errors import EvidenceError
from workbook.evidence.sources import load_source, parse_source, split_sentences

FRONT = """---
id: demo_2020
case: torbay
authors: ["Smith A", "Jones B", "Khan C"]
year: 2020
title: A demo source
venue: Journal of Demos 1:2
doi: "10.1234/demo.1"
licence: CC BY 4.0
---
"""


def test_statements_take_the_locator_of_their_heading_and_their_line():
    src = parse_source(FRONT + "\n## p. 3, Results\n\n- First finding here.\n- Second finding\n  continues.\n\n"
                       "## Discussion\n\nOne sentence. Another sentence.\n", "demo_2020.md")
    got = [(s.locator, s.text, s.line) for s in src.statements]
    assert got == [("p. 3, Results", "First finding here.", 14),
                   ("p. 3, Results", "Second finding continues.", 15),
                   ("Discussion", "One sentence.", 20), ("Discussion", "Another sentence.", 20)]
    assert src.short == "Smith et al. 2020"
    assert src.link == "https://doi.org/10.1234/demo.1"
    assert "Journal of Demos 1:2." in src.citation()


def test_plain_text_sources_use_bracketed_locators(tmp_path: Path):
    path = tmp_path / "demo_2020.txt"
    path.write_text(FRONT + "[Page 4]\n- A plain text finding.\n\nA paragraph finding. And another.\n", encoding="utf-8")
    src = load_source(path)
    assert [(s.locator, s.text) for s in src.statements] == [
        ("Page 4", "A plain text finding."), ("Page 4", "A paragraph finding."), ("Page 4", "And another.")]


def test_html_comments_are_ignored_and_line_numbers_stay_true():
    src = parse_source(FRONT + "## A\n<!-- a note\nover two lines -->\n- Kept.\n", "demo_2020.md")
    assert [(s.text, s.line) for s in src.statements] == [("Kept.", 14)]


def test_text_before_any_heading_is_refused_with_its_line():
    with pytest.raises(EvidenceError) as err:
        parse_source(FRONT + "\n- orphan statement\n", "demo_2020.md")
    assert "demo_2020.md:12" in str(err.value) and "locator" in str(err.value)


def test_missing_front_matter_is_refused():
    with pytest.raises(EvidenceError, match="no YAML front matter"):
        parse_source("## A\n- x\n", "demo_2020.md")


def test_front_matter_errors_name_the_field_and_line():
    bad = FRONT.replace("year: 2020", 'year: "twenty"').replace('doi: "10.1234/demo.1"\n', "")
    with pytest.raises(EvidenceError) as err:
        parse_source(bad + "## A\n- x\n", "demo_2020.md")
    text = str(err.value)
    assert "demo_2020.md:5 [year]" in text and "integer" in text
    assert "needs at least one of the fields: doi, url, publisher" in text


def test_id_must_match_the_file_name():
    with pytest.raises(EvidenceError, match="differs from the file name"):
        parse_source(FRONT + "## A\n- x\n", "other_name.md")


def test_sentences_keep_abbreviations_together():
    assert split_sentences("Ling et al. found it, e.g. at p. 3 of the report. Then 2 more. Yes!") == [
        "Ling et al. found it, e.g. at p. 3 of the report.", "Then 2 more.", "Yes!"]


FULLTEXT = FRONT.replace("licence: CC BY 4.0\n", 'licence: CC BY 4.0\nkind: fulltext\noriginal: documents/torbay/demo_2020.pdf\n'
                         'sha256: "' + "ab" * 32 + '"\n')


def test_fulltext_paragraphs_carry_page_and_section():
    body = "\n## p. 12\n\nTitle line.\n\n### Results\n\nTeams met. Budgets pooled.\n\n## p. 13\n\nStill results.\n\n" \
           "\\# starts with a hash.\n"
    src = parse_source(FULLTEXT + body, "demo_2020.md")
    assert src.fulltext and src.original == "documents/torbay/demo_2020.pdf" and src.sha256 == "ab" * 32
    assert [(p.locator, p.text) for p in src.paragraphs] == [
        ("p. 12", "Title line."), ("p. 12, Results", "Teams met. Budgets pooled."),
        ("p. 13, Results", "Still results."), ("p. 13, Results", "# starts with a hash.")]
    assert [s.text for s in src.statements][:3] == ["Title line.", "Teams met.", "Budgets pooled."]


def test_fulltext_needs_its_original_and_checksum():
    bad = FULLTEXT.replace('sha256: "' + "ab" * 32 + '"\n', "")
    with pytest.raises(EvidenceError, match="sha256"):
        parse_source(bad + "## p. 1\n\nText.\n", "demo_2020.md")


def test_fulltext_original_must_be_this_sources_document():
    bad = FULLTEXT.replace("documents/torbay/demo_2020.pdf", "documents/torbay/other.pdf")
    with pytest.raises(EvidenceError, match="is not this source's document"):
        parse_source(bad + "## p. 1\n\nText.\n", "demo_2020.md")
    escaping = FULLTEXT.replace("documents/torbay/demo_2020.pdf", "../../etc/demo_2020.pdf")
    with pytest.raises(EvidenceError, match="original"):
        parse_source(escaping + "## p. 1\n\nText.\n", "demo_2020.md")


def test_fulltext_other_headings_are_refused_with_their_line():
    with pytest.raises(EvidenceError) as err:
        parse_source(FULLTEXT + "## Results\n\nText.\n", "demo_2020.md")
    assert "neither a page" in str(err.value) and "demo_2020.md:14" in str(err.value)
