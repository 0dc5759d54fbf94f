"""Word documents: headings as sections, core properties as metadata; zip bombs, external entities and
damaged files refused before python-docx parses anything."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from document_fixtures import rewrite_zip_member, write_docx
from workbook.core.errors import EvidenceError
from workbook.extract.documents import read_document

BLOCKS = [("heading", "Background"), ("para", "Camden began joint teams in 2016."), ("heading", "Results"),
          ("para", "Staff said co-location helped (doi 10.5555/camden.2019).")]


def test_headings_become_sections_and_properties_metadata(tmp_path: Path):
    doc = read_document(write_docx(tmp_path / "r.docx", BLOCKS, title="Camden report", author="Smith J; Patel R"))
    assert [(b.section, b.text) for b in doc.pages[0].blocks] == [
        ("Background", "Camden began joint teams in 2016."),
        ("Results", "Staff said co-location helped (doi 10.5555/camden.2019).")]
    assert doc.metadata["title"] == "Camden report" and doc.metadata["authors"] == ["Smith J", "Patel R"]
    assert doc.metadata["doi"] == "10.5555/camden.2019"
    assert "year" not in doc.metadata  # python-docx's template date is not the document's


def _refused(path: Path) -> str:
    with pytest.raises(EvidenceError) as info:
        read_document(path)
    message = str(info.value)
    assert path.name in message and "Fix:" in message
    return message


def test_zip_bomb_is_refused_without_unpacking(tmp_path: Path):
    path = write_docx(tmp_path / "bomb.docx", BLOCKS)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/media/padding.xml", b"\0" * (40 * 1024 * 1024))
    assert "zip bomb" in _refused(path)


def test_external_entities_are_refused_and_never_resolved(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    path = write_docx(tmp_path / "xxe.docx", BLOCKS)
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    head, rest = xml.split("?>", 1)
    evil = (head + f'?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>' + rest).replace(
        "Camden began joint teams in 2016.", "&xxe;")
    rewrite_zip_member(path, "word/document.xml", evil.encode("utf-8"))
    message = _refused(path)
    assert "entities" in message and "TOP-SECRET" not in message


def test_python_docx_parser_itself_does_not_resolve_entities(tmp_path: Path):
    from lxml import etree

    from docx.oxml.parser import parse_xml

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xml = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]><r>&xxe;</r>'.encode()
    assert b"TOP-SECRET" not in etree.tostring(parse_xml(xml))


def test_truncated_docx_is_refused(tmp_path: Path):
    data = write_docx(tmp_path / "whole.docx", BLOCKS).read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    assert "not a readable Word document" in _refused(path)


def test_zip_that_is_not_a_word_document_is_refused(tmp_path: Path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "not a Word document" in _refused(path)


def test_a_section_heading_followed_by_a_subheading_keeps_both(tmp_path: Path):
    blocks = [("heading", "Results"), ("heading", "Time to go home"), ("para", "Delays fell.")]
    doc = read_document(write_docx(tmp_path / "sub.docx", blocks))
    assert doc.pages[0].blocks[0].headings == ("Results", "Time to go home")
    assert doc.to_markdown() == "## p. 1\n\n### Results\n\n### Time to go home\n\nDelays fell.\n"


def test_password_protected_or_old_word_file_is_refused(tmp_path: Path):
    path = tmp_path / "locked.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert "password-protected" in _refused(path)
