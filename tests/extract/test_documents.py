"""Reading a document: dispatch by extension, the size limit, empty files, and any bytes at all."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from workbook.core.errors import EvidenceError
from workbook.extract.documents import read_document


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
