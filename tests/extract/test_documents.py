"""The document model and shared cleaning: dispatch by extension, size limit, hyphenation, spaces, Markdown."""
from __future__ import annotations

from pathlib import Path

import pytest

from workbook.core.errors import EvidenceError
from workbook.extract.doctext import clean_text, find_doi, join_lines, split_authors, word_forms
from workbook.extract.documents import Block, Document, Page, read_document


def test_unknown_extension_is_refused_naming_the_formats(tmp_path: Path):
    path = tmp_path / "report.odt"
    path.write_bytes(b"PK\x03\x04whatever")
    with pytest.raises(EvidenceError) as info:
        read_document(path)
    assert "report.odt" in str(info.value) and ".pdf, .docx" in str(info.value)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_MAX_DOCUMENT_MB", "0.001")
    path = tmp_path / "big.txt"
    path.write_text("words " * 1000)
    with pytest.raises(EvidenceError) as info:
        read_document(path)
    assert "big.txt" in str(info.value) and "limit" in str(info.value) and "Fix:" in str(info.value)


def test_empty_file_is_refused(tmp_path: Path):
    path = tmp_path / "empty.html"
    path.write_bytes(b"")
    with pytest.raises(EvidenceError, match="empty"):
        read_document(path)


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


from hypothesis import given, settings, strategies as st  # noqa: E402

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)


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


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([".pdf", ".docx", ".html", ".txt", ".md"]), st.binary(max_size=3000),
       st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04"]), st.sampled_from([b"", b"\n%%EOF\n"]))
def test_any_bytes_give_a_document_or_one_evidence_error(suffix, body, head, tail):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x{suffix}"
        path.write_bytes(head + body + tail)
        try:
            read_document(path)
        except EvidenceError as exc:
            assert "x" + suffix in str(exc) and "Fix:" in str(exc)
