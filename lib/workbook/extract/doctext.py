"""The document model (pages of paragraphs under sections) and the text cleaning every reader shares."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Iterable


MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
"""The largest file read (100 MiB); $WORKBOOK_MAX_DOCUMENT_MB overrides it."""

SUFFIXES: tuple[str, ...] = (".pdf", ".docx", ".html", ".htm", ".txt", ".md")

SECTION_NAMES = ("abstract", "summary", "executive summary", "key messages", "key points", "introduction",
                 "background", "context", "aims", "aim", "objectives", "methods", "method", "methodology",
                 "design", "setting", "participants", "data analysis", "analysis", "results", "findings",
                 "discussion", "conclusion", "conclusions", "implications", "limitations",
                 "strengths and limitations", "recommendations", "references", "bibliography",
                 "acknowledgements", "acknowledgments", "funding", "appendix", "competing interests",
                 "conflicts of interest", "declarations", "ethics", "notes")
"""Headings recognised as sections even when their type looks like body text."""

_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st",
              "\ufb06": "st", "\u0132": "IJ", "\u0133": "ij", "\u0152": "OE", "\u0153": "oe"}
_SPACES = dict.fromkeys(map(ord, "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                                 "\u200a\u202f\u205f\u3000\u2028\u2029\x85\t\r\n\f\v"), " ")
_DROP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufffe\x02"), None)
_HYPHENS = {"\u2010": "-", "\u2011": "-"}
_TABLE = str.maketrans({**{ord(k): v for k, v in {**_LIGATURES, **_HYPHENS}.items()}, **_SPACES, **_DROP})
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LINE_END_HYPHEN = ("-", "\u00ad", "\ufffe", "\x02", "\u2010")
COMPOUND_PREFIXES = frozenset({"co", "self", "non", "well", "cross", "ex", "semi", "quasi", "anti", "cost",
                               "long", "short", "high", "low", "user", "person", "patient", "GP"})
"""A line-end hyphen after one of these keeps its hyphen unless the document spells the word joined."""
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.U)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.I)


@dataclass
class Block:
    """A paragraph of cleaned text, the section heading it sits under, and the headings printed just before it."""

    section: str
    text: str
    headings: tuple[str, ...] = ()
    """Every heading between the previous paragraph and this one, in order (a section and its first subsection)."""


@dataclass
class Page:
    """A page: its printed label (or '1', '2'...) and its paragraphs in reading order."""

    label: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    """What a file holds: metadata found in it (title, authors, year, doi...), its pages, and reading notes."""

    metadata: dict
    pages: list[Page]
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """All paragraph text, one paragraph a line."""
        return "\n".join(b.text for p in self.pages for b in p.blocks)

    def to_markdown(self) -> str:
        """The body of a full-text source file: '## p. N' per page, '### Section' on change, paragraphs."""
        out: list[str] = []
        section = ""
        for page in self.pages:
            if not page.blocks:
                continue
            out += [f"## p. {page.label}", ""]
            for block in page.blocks:
                shown = [h for h in block.headings if h] or ([block.section] if block.section != section else [])
                for heading in shown:
                    out += [f"### {heading}", ""]
                section = block.section if block.section else section
                text = block.text
                if text.startswith(("#", "\\")) or re.match(r"(?:[-*+]|\d+[.)])\s", text):
                    text = "\\" + text  # keep it a paragraph when read back
                out += [text, ""]
        return "\n".join(out).rstrip("\n") + "\n"


class Sections:
    """Adds paragraphs to a page under the current section, remembering every heading met since the last one."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.section = ""
        self.pending: list[str] = []

    def heading(self, text: str) -> None:
        """A heading: the section of the paragraphs that follow."""
        if text:
            self.section = text
            self.pending.append(text)

    def paragraph(self, text: str) -> None:
        """A paragraph of cleaned text under the current section (empty text is skipped)."""
        if text:
            self.page.blocks.append(Block(self.section, text, tuple(self.pending)))
            self.pending.clear()


def clean_text(text: str) -> str:
    """Ligatures spelt out, odd spaces made plain, invisible characters and soft hyphens dropped, spacing collapsed."""
    text = _CONTROL.sub("", text.translate(_TABLE))
    return " ".join(text.split())


def is_heading_name(text: str) -> bool:
    """Whether a short line names a standard section ('Results', '3. Discussion', 'KEY MESSAGES')."""
    bare = re.sub(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s+", "", text.strip()).rstrip(":").strip().lower()
    return bare in SECTION_NAMES


def word_forms(lines: Iterable[str]) -> tuple[set[str], set[str]]:
    """The words and the hyphenated words (lower case) a document spells out whole within its lines (the pieces
    of a word broken at a line end are left out)."""
    words: set[str] = set()
    hyphenated: set[str] = set()
    broken_before = False
    for line in lines:
        found = [m.group(0).lower() for m in _WORD.finditer(line)]
        broken_after = line.rstrip().endswith(_LINE_END_HYPHEN)
        if broken_before and found:
            found = found[1:]
        if broken_after and found:
            found = found[:-1]
        for w in found:
            (hyphenated if "-" in w else words).add(w)
        broken_before = broken_after
    return words, hyphenated


def join_lines(lines: list[str], words: "set[str] | None" = None, hyphenated: "set[str] | None" = None) -> str:
    """Join the lines of one paragraph: a line-end hyphen joins the word, a real compound keeps its hyphen."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out and out.endswith(_LINE_END_HYPHEN) and len(out) > 1 and out[-2].isalpha():
            keep = "" if out.endswith("\u00ad") else _hyphen_join(out[:-1], line, words or set(), hyphenated or set())
            out = out[:-1] + keep + line
        elif out:
            out += " " + line
        else:
            out = line
    return out


def _hyphen_join(left: str, right: str, words: set[str], hyphenated: set[str]) -> str:
    """'' to join a word broken at a line end, '-' to keep a compound's hyphen."""
    head = re.search(r"[^\W\d_]+(?:-[^\W\d_]+)*$", left)
    tail = re.match(r"[^\W\d_]+", right)
    if not head or not tail or not tail.group(0)[0].islower():
        return "-"  # 'COVID-19', 'Anglo-Saxon', '2019-20'
    compound, b = head.group(0), tail.group(0)
    a = compound.rsplit("-", 1)[-1]
    if "-" in compound or f"{compound}-{b}".lower() in hyphenated:
        return "-"  # 'out-of-' + 'borough', or spelt with the hyphen elsewhere
    if f"{a}{b}".lower() in words:
        return ""
    if a.lower() in {p.lower() for p in COMPOUND_PREFIXES}:
        return "-"
    if b in ("up", "in", "on", "off", "out", "down", "over", "by") and a.lower() in words:
        return "-"  # 'joined-up', 'follow-up', 'drop-in
    return "-" if len(a) >= 3 and len(b) >= 3 and a.lower() in words and b.lower() in words else ""


def find_doi(text: str) -> str:
    """The first DOI written in the text ('' when none), without trailing punctuation."""
    m = _DOI.search(text)
    return m.group(1).rstrip(".,;:)]}'\"") if m else ""


def size_limit() -> int:
    """The largest document size read, in bytes."""
    env = os.environ.get("WORKBOOK_MAX_DOCUMENT_MB")
    try:
        return int(float(env) * 1024 * 1024) if env else MAX_DOCUMENT_BYTES
    except ValueError:
        return MAX_DOCUMENT_BYTES


def year_of(value: object) -> "int | None":
    """A plausible publication year found in a date-like value ('2019-05-01', 'D:20190501...'), else None."""
    m = re.search(r"(19[5-9]\d|20\d\d)", str(value or ""))
    return int(m.group(1)) if m else None


def split_authors(value: str) -> list[str]:
    """Authors from a metadata field: split on ';' (or ',' between full names, or ' and ')."""
    value = clean_text(value)
    if not value:
        return []
    parts = re.split(r"\s*;\s*|\s+and\s+|\s*&\s*", value)
    if len(parts) == 1 and value.count(",") >= 1 and all(len(p.split()) >= 2 for p in value.split(",")):
        parts = value.split(",")
    return [p.strip() for p in parts if p.strip()]

