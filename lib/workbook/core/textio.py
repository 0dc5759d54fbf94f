"""Reading evidence files safely: size limit, UTF-8 (BOM tolerated), Windows line endings normalised."""
from __future__ import annotations

from pathlib import Path

from workbook.core.errors import EvidenceError, problem

MAX_DOCUMENT_BYTES = 2_000_000
"""A source larger than this is not a document (a dump, a binary, a mistake)."""


def read_text(path: "str | Path", *, max_bytes: int = MAX_DOCUMENT_BYTES, allow_empty: bool = False) -> str:
    """Read a UTF-8 text file, refusing missing, empty, oversized and non-UTF-8 files with a located error."""
    path = Path(path)
    if not path.exists():
        raise EvidenceError(problem(path, "file not found.", "create it, or correct the path that names it."))
    if not path.is_file():
        raise EvidenceError(problem(path, "is not a regular file.", "point to a text file."))
    size = path.stat().st_size
    if size > max_bytes:
        raise EvidenceError(problem(
            path, f"is {size:,} bytes, more than the {max_bytes:,} a source document may have.",
            "split it into smaller documents, or check that it is the file you meant."))
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise EvidenceError(problem(
            path, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}).",
            "save the file as UTF-8 (in most editors: Save As, encoding UTF-8).", line=line)) from None
    if "\x00" in text:
        raise EvidenceError(problem(path, "contains NUL bytes: it looks like a binary file.",
                                    "supply the document as Markdown or plain text."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not allow_empty and not text.strip():
        raise EvidenceError(problem(path, "is empty.", "add its content, or remove the file and what names it."))
    return text


def blank_html_comments(text: str) -> str:
    """Text with its HTML comments removed but their newlines kept, so line numbers stay true."""
    parts: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        parts += [text[pos:start], "\n" * text.count("\n", start, end)]
        pos = end + 3
    parts.append(text[pos:])
    return "".join(parts)
