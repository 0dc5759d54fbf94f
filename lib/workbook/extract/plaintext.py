"""Plain text and Markdown files: paragraphs between blank lines, headings as sections, one page."""
from __future__ import annotations

import re
from pathlib import Path

from workbook.core.errors import EvidenceError, problem
from workbook.extract.doctext import Document, Page, Sections, clean_text, is_heading_name, join_lines, word_forms

_MD_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_MD_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)


def _decode(path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), else Windows-1252 if it decodes cleanly."""
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise EvidenceError(problem(path, "is not a text file (it holds binary data).",
                                    "give a plain-text or Markdown file, or the document in its own format."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise EvidenceError(problem(path, "is not UTF-8 text.", "save it as UTF-8 and add it again."))


def _text_heading(lines: list[str]) -> "str | None":
    """A plain-text paragraph that is a heading: one short line with no closing stop, capitals or a section name."""
    if len(lines) != 1:
        return None
    text = lines[0].strip()
    if len(text) > 80 or text.endswith((".", ",", ";")) or not re.search(r"[^\W\d_]", text):
        return None
    if is_heading_name(text) or text.isupper() or re.match(r"^\d+(\.\d+)*\.?\s+\S", text):
        return text.rstrip(":")
    return None


def read_plaintext(path: Path) -> Document:
    """Read a .txt or .md file: Markdown headings (or heading-like lines in text) become sections."""
    text = _decode(path).replace("\r\n", "\n").replace("\r", "\n")
    markdown = path.suffix.lower() == ".md"
    metadata: dict = {}
    if markdown and (front := _FRONT.match(text)):
        text = text[front.end():]
    paragraphs: list[list[str]] = [[]]
    for raw in text.split("\n"):
        if not raw.strip():
            paragraphs.append([])
        elif markdown and (_MD_HEADING.match(raw.strip()) or _MD_ITEM.match(raw)):
            paragraphs += [[raw.strip()], []] if _MD_HEADING.match(raw.strip()) else [[raw.strip()]]
        else:
            paragraphs[-1].append(raw)
    words, hyphenated = word_forms(line for para in paragraphs for line in para)
    page = Page("1")
    sections = Sections(page)
    for lines in filter(None, paragraphs):
        heading = _MD_HEADING.match(lines[0].strip()) if markdown else None
        if heading:
            sections.heading(clean_text(heading.group(1)))
            if lines[0].startswith("# "):
                metadata.setdefault("title", sections.section)
            continue
        if not markdown and (named := _text_heading(lines)):
            sections.heading(clean_text(named))
            continue
        if markdown:
            lines = [_MD_ITEM.sub("", lines[0], count=1), *lines[1:]]
        sections.paragraph(clean_text(join_lines(lines, words, hyphenated)))
    return Document(metadata, [page])
