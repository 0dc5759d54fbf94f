"""Documents as read from a reviewer's file (PDF, DOCX, HTML, text): pages of cleaned paragraphs with sections."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from workbook.core.errors import EvidenceError, problem
from workbook.extract.doctext import (MAX_DOCUMENT_BYTES, SUFFIXES, Block, Document, Page, clean_text, find_doi,
                                      size_limit)

__all__ = ["Block", "Document", "Page", "SUFFIXES", "MAX_DOCUMENT_BYTES", "check_suffix", "clean_text", "read_document"]


def _reader(suffix: str) -> Callable[[Path], Document]:
    """The reader of one file type (imported on demand: each pulls in its own library)."""
    if suffix == ".pdf":
        from workbook.extract.pdf import read_pdf
        return read_pdf
    if suffix == ".docx":
        from workbook.extract.docx import read_docx
        return read_docx
    if suffix in (".html", ".htm"):
        from workbook.extract.html import read_html
        return read_html
    from workbook.extract.plaintext import read_plaintext
    return read_plaintext


def check_suffix(path: Path) -> str:
    """The lower-case extension of a document, or an EvidenceError naming the formats read when no reader has it."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise EvidenceError(problem(path, f"has the extension {suffix or '(none)'!r}, which the workbook cannot read.",
                                    "give a .pdf, .docx, .html, .htm, .txt or .md file (save other formats as "
                                    "PDF or DOCX first)."))
    return suffix


def read_document(path: Path) -> Document:
    """Read a PDF, DOCX, HTML, text or Markdown file into a Document; bad files raise one clear EvidenceError."""
    path = Path(path)
    suffix = check_suffix(path)
    if not path.is_file():
        raise EvidenceError(problem(path, "does not exist or is not a file.", "check the path."))
    size, limit = path.stat().st_size, size_limit()
    if size > limit:
        raise EvidenceError(problem(path, f"is {size / 1048576:.1f} MiB, over the {limit / 1048576:.0f} MiB limit "
                                    "for a document.", "split it or compress its images (or raise "
                                    "WORKBOOK_MAX_DOCUMENT_MB if the file is trusted)."))
    if size == 0:
        raise EvidenceError(problem(path, "is empty.", "give the complete file."))
    document = _reader(suffix)(path)
    if not any(p.blocks for p in document.pages):
        raise EvidenceError(problem(path, "holds no readable text.",
                                    "check that it is the right file; a scan needs OCR first (e.g. ocrmypdf)."))
    if "doi" not in document.metadata:
        doi = find_doi(document.text()[:20000])
        if doi:
            document.metadata["doi"] = doi
    return document


