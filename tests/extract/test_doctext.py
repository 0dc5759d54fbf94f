"""The document model and the cleaning every reader shares: spaces and ligatures, line-end hyphens, DOIs,
authors, years, the size limit, and the Markdown body of a full-text source."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from workbook.extract.doctext import (MAX_DOCUMENT_BYTES, Block, Document, Page, clean_text, find_doi, join_lines,
                                      size_limit, split_authors, word_forms, year_of)

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)


def test_ligatures_and_odd_spaces_are_normalised():
    assert clean_text("the \ufb01nal e\ufb00ect\u00a0of\u2009joint\u200bwork\u00ad") == "the final effect of jointwork"
    assert clean_text("  a\tb\n c ") == "a b c"


@pytest.mark.parametrize("lines, expected", [
    (["the inte-", "gration of care"], "the integration of care"),
    (["the co-", "location of teams"], "the co-location of teams"),
    (["organi\u00ad", "sation"], "organisation"),
    (["COVID-", "19 cases"], "COVID-19 cases"),
    (["Anglo-", "Saxon"], "Anglo-Saxon"),
    (["a well-", "known fact"], "a well-known fact"),
    (["end of line", "next line"], "end of line next line"),
    (["the out-of-", "borough placements"], "the out-of-borough placements"),
])
def test_line_end_hyphens(lines, expected):
    assert join_lines(lines) == expected


def test_a_word_and_a_particle_keep_their_hyphen():
    words, hyphenated = word_forms(["Teams joined later."])
    assert join_lines(["a joined-", "up service"], words, hyphenated) == "a joined-up service"
    assert join_lines(["a joi-", "ned service"], words, hyphenated) == "a joined service"


def test_the_document_itself_decides_a_line_end_hyphen():
    lines = ["Teams were co-ordinated well.", "Work was co-", "ordinated by nurses; the re-", "design helped."]
    words, hyphenated = word_forms(lines + ["Each redesign was small."])
    assert join_lines(lines[1:], words, hyphenated) == "Work was co-ordinated by nurses; the redesign helped."


def test_doi_and_authors_found_in_text():
    assert find_doi("See https://doi.org/10.5334/ijic.982. Thanks") == "10.5334/ijic.982"
    assert find_doi("no identifier here") == ""
    assert split_authors("Smith J; Patel R") == ["Smith J", "Patel R"]
    assert split_authors("Jane Smith and Raj Patel") == ["Jane Smith", "Raj Patel"]


def test_markdown_body_escapes_text_that_would_read_as_a_heading_or_item():
    doc = Document({}, [Page("3", [Block("Results", "# not a heading"), Block("Results", "- not an item")]),
                        Page("4", []), Page("5", [Block("Results", "Still results."), Block("Notes", "A note.")])])
    assert doc.to_markdown() == ("## p. 3\n\n### Results\n\n\\# not a heading\n\n\\- not an item\n\n"
                                 "## p. 5\n\nStill results.\n\n### Notes\n\nA note.\n")


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, max_size=6))
def test_joining_lines_loses_no_letter(lines):
    joined = join_lines(lines)
    letters = sorted(c for line in lines for c in line if c.isalnum())
    assert sorted(c for c in joined if c.isalnum()) == letters


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_cleaning_is_idempotent_and_leaves_no_odd_spaces(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert not any(c in once for c in "\u00a0\u2009\u200b\u00ad\ufffe\t\n\r")


@pytest.mark.parametrize("value, year", [("2019-05-01", 2019), ("D:20120314120000Z", 2012), ("1949", None),
                                         ("", None), (None, None), ("printed 2031", 2031)])
def test_a_year_is_read_from_date_like_metadata(value, year):
    assert year_of(value) == year


def test_the_size_limit_follows_the_environment_and_ignores_nonsense(monkeypatch):
    monkeypatch.delenv("WORKBOOK_MAX_DOCUMENT_MB", raising=False)
    assert size_limit() == MAX_DOCUMENT_BYTES == 100 * 1024 * 1024
    monkeypatch.setenv("WORKBOOK_MAX_DOCUMENT_MB", "0.5")
    assert size_limit() == 512 * 1024
    monkeypatch.setenv("WORKBOOK_MAX_DOCUMENT_MB", "lots")
    assert size_limit() == MAX_DOCUMENT_BYTES
