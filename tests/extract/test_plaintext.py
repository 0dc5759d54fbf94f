"""Text and Markdown documents: headings become sections, paragraphs are joined lines, hyphens handled."""
from __future__ import annotations

from pathlib import Path

import pytest

from workbook.core.errors import EvidenceError
from workbook.extract.documents import read_document


def test_markdown_headings_are_sections_and_items_are_blocks(tmp_path: Path):
    path = tmp_path / "notes.md"
    path.write_text("---\ntitle: ignored front matter\n---\n# Camden evaluation\n\nIntro line one\nline two.\n\n"
                    "## Findings\n\n- Teams shared records.\n- Budgets were pooled.\n", encoding="utf-8")
    doc = read_document(path)
    assert [(b.section, b.text) for b in doc.pages[0].blocks] == [
        ("Camden evaluation", "Intro line one line two."), ("Findings", "Teams shared records."),
        ("Findings", "Budgets were pooled.")]
    assert doc.metadata["title"] == "Camden evaluation"
    assert [p.label for p in doc.pages] == ["1"]


def test_text_headings_are_recognised(tmp_path: Path):
    path = tmp_path / "report.txt"
    path.write_text("Background\n\nThe first para-\ngraph runs on\ntwo lines.\n\n2. Results\n\nPeople said co-\n"
                    "location was good.\n", encoding="utf-8")
    blocks = read_document(path).pages[0].blocks
    assert [(b.section, b.text) for b in blocks] == [
        ("Background", "The first paragraph runs on two lines."), ("2. Results", "People said co-location was good.")]


def test_windows_1252_text_is_decoded(tmp_path: Path):
    path = tmp_path / "old.txt"
    path.write_bytes("Caf\xe9 staff said \x93yes\x94.".encode("latin-1"))
    assert read_document(path).pages[0].blocks[0].text == "Caf\u00e9 staff said \u201cyes\u201d."


def test_binary_data_named_txt_is_refused(tmp_path: Path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(EvidenceError, match="not a text file"):
        read_document(path)
