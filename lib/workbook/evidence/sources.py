"""Source documents: YAML front matter plus sections whose headings are locators, split into statements."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from workbook.core.errors import EvidenceError, Problem, problem
from workbook.core.paths import evidence_dir
from workbook.core.textio import blank_html_comments, read_text
from workbook.core.yamlio import parse_yaml, schema_problems

SOURCE_SUFFIXES: tuple[str, ...] = (".md", ".txt")
KINDS: tuple[str, ...] = ("primary", "companion", "summary", "secondary", "fulltext")
DOCUMENT_SUFFIXES: tuple[str, ...] = ("pdf", "docx", "html", "htm", "txt", "md")
"""The originals a full-text source can be read from (evidence/documents/<case>/<id>.<ext>)."""

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "case", "authors", "year", "title", "licence"],
    "additionalProperties": False,
    "anyOf": [{"required": ["doi"]}, {"required": ["url"]}, {"required": ["publisher"]}],
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,63}$"},
        "case": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,63}$"},
        "authors": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        "year": {"oneOf": [{"type": "integer", "minimum": 1900, "maximum": 2100}, {"const": "n.d."}]},
        "title": {"type": "string", "minLength": 1},
        "venue": {"type": "string"},
        "doi": {"type": "string", "pattern": r"^10\.\d{4,9}/\S+$"},
        "url": {"type": "string", "pattern": r"^https?://\S+$"},
        "publisher": {"type": "string", "minLength": 1},
        "licence": {"type": "string", "minLength": 1},
        "kind": {"enum": list(KINDS)},
        "read": {"type": "string"},
        "date": {"type": ["string", "integer"]},
        "sha256": {"type": "string", "pattern": r"^[0-9a-f]{64}$"},
        "original": {"type": "string",
                     "pattern": r"^documents/[a-z][a-z0-9_]{0,63}/[a-z][a-z0-9_]{0,63}\.(" + "|".join(DOCUMENT_SUFFIXES) + ")$"},
        "guessed": {"type": "array", "items": {"type": "string"}},
        "pages": {"type": "integer", "minimum": 0},
    },
    "if": {"required": ["kind"], "properties": {"kind": {"const": "fulltext"}}},
    "then": {"required": ["sha256", "original"]},
}
"""A full-text source (kind: fulltext) also names its original under documents/ and that file's SHA-256."""

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+)$")
"""A Markdown heading; its closing '#'s are stripped by _heading_text (a regex doing both is cubic in spaces)."""
_TXT_HEADING = re.compile(r"^\[(.+)\]\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_ABBREV = "".join(rf"(?<!\b{re.escape(a)})" for a in ("et al.", "e.g.", "i.e.", "p.", "pp.", "vs.", "Dr.", "No.",
                                                        "St.", "cf.", "approx.", "Fig.", "Vol."))
_SENTENCE_END = re.compile(r"(?<=[.!?])" + _ABBREV + r"([\"')\]]*)\s+(?=[\"'(\[]?[A-Z0-9])")
"""The gap between two sentences; group 1 is the closing quotes or brackets that end the first one."""


@dataclass(frozen=True)
class Statement:
    """One statement of a source: its text, the locator of its section, and the line it starts on."""

    text: str
    locator: str
    line: int


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a full-text source: its page label, section, text and the line it is on."""

    page: str
    section: str
    text: str
    line: int

    @property
    def locator(self) -> str:
        """'p. N, Section' (or 'p. N' before the first section heading)."""
        return f"p. {self.page}, {self.section}" if self.section else f"p. {self.page}"


@dataclass(frozen=True)
class Source:
    """A source document: bibliographic record and its statements."""

    id: str
    case: str
    authors: tuple[str, ...]
    year: "int | str"
    title: str
    licence: str
    path: str
    statements: tuple[Statement, ...]
    venue: str = ""
    doi: str = ""
    url: str = ""
    publisher: str = ""
    kind: str = ""
    read: str = ""
    sha256: str = ""
    original: str = ""
    paragraphs: tuple["Paragraph", ...] = ()

    @property
    def fulltext(self) -> bool:
        """Whether the source is a document's full text (kind: fulltext) rather than curated findings."""
        return self.kind == "fulltext"

    @property
    def short(self) -> str:
        """Author-year label, e.g. 'Ling et al. 2012'."""
        names = [_surname(a) for a in self.authors]
        many = len(names) > 2 or any("et al" in a for a in self.authors)
        if many:
            return f"{names[0]} et al. {self.year}"
        if len(names) == 2:
            return f"{names[0]} and {names[1]} {self.year}"
        return f"{names[0]} {self.year}"

    @property
    def link(self) -> str:
        """A URL for the source: its DOI resolver link, else its url, else ''."""
        return f"https://doi.org/{self.doi}" if self.doi else self.url

    def citation(self) -> str:
        """A reference-list entry for the source."""
        authors = ", ".join(self.authors)
        parts = [f"{authors} ({self.year}). {self.title.rstrip('.')}."]
        if self.venue:
            parts.append(f"{self.venue.rstrip('.')}.")
        if self.publisher and self.publisher != self.venue:
            parts.append(f"{self.publisher.rstrip('.')}.")
        if self.doi:
            parts.append(f"doi:{self.doi}")
        elif self.url:
            parts.append(self.url)
        return " ".join(parts)


def _surname(author: str) -> str:
    """The surname of 'Ling T' or 'Roland M et al.'; an organisation's name whole."""
    tokens = re.sub(r"\s*\(.*?\)", "", author).replace("et al.", "").replace("et al", "").split()
    if len(tokens) > 1 and re.fullmatch(r"[A-Z]{1,3}\.?", tokens[-1]):
        tokens = tokens[:-1]
    return " ".join(tokens)


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping common abbreviations (et al., e.g., p.) intact."""
    text = " ".join(paragraph.split())
    if not text:
        return []
    pieces, start = [], 0
    for gap in _SENTENCE_END.finditer(text):
        pieces.append(text[start:gap.end(1)])  # keep a closing quote or bracket with its sentence
        start = gap.end()
    pieces.append(text[start:])
    return [s.strip() for s in pieces if s.strip()]


def _heading_text(match: "re.Match[str]", plain: bool) -> str:
    """The locator a heading names: its text without a Markdown closing sequence of '#'s."""
    text = match.group(1)
    if not plain:
        text = text.rstrip().rstrip("#").rstrip() or text[:1]
    return " ".join(text.split())


def segment(body: str, path: "str | Path", *, plain: bool, first_line: int = 1) -> tuple[list[Statement], list[Problem]]:
    """Split a document body into statements: one per list item, one per sentence of a paragraph."""
    heading = _TXT_HEADING if plain else _MD_HEADING
    statements: list[Statement] = []
    found: list[Problem] = []
    locator: str | None = None
    block: list[str] = []
    block_line = 0
    block_is_item = False

    def flush() -> None:
        nonlocal block
        if not block:
            return
        text = " ".join(part.strip() for part in block)
        if locator is None:
            found.append(problem(path, "text before the first section heading has no locator.",
                                 "add a heading above it naming the section or page "
                                 + ("('[p. 3]')." if plain else "('## p. 3, Results')."), line=block_line))
        else:
            pieces = [text] if block_is_item else split_sentences(text)
            for piece in pieces:
                if piece.strip():
                    statements.append(Statement(" ".join(piece.split()), locator, block_line))
        block = []

    for offset, raw in enumerate(blank_html_comments(body).split("\n")):
        line_no = first_line + offset
        stripped = raw.strip()
        match = heading.match(stripped) if stripped else None
        if match:
            flush()
            locator = _heading_text(match, plain)
            continue
        if not stripped:
            flush()
            continue
        item = _ITEM.match(raw)
        if item:
            flush()
            block, block_line, block_is_item = [item.group(1)], line_no, True
        elif block and (block_is_item and raw[:1] in " \t" or not block_is_item):
            block.append(stripped)
        else:
            flush()
            block, block_line, block_is_item = [stripped], line_no, False
    flush()
    return statements, found


_PAGE_HEADING = re.compile(r"^##\s+p\.\s*(\S.*?)\s*$")
_SECTION_HEADING = re.compile(r"^###\s+(.+?)\s*#*\s*$")


def fulltext_paragraphs(body: str, path: "str | Path", first_line: int = 1) -> tuple[list[Paragraph], list[Problem]]:
    """The paragraphs of a full-text body: '## p. N' starts a page, '### Section' a section, one paragraph a line."""
    paragraphs: list[Paragraph] = []
    found: list[Problem] = []
    page: str | None = None
    section = ""
    for offset, raw in enumerate(blank_html_comments(body).split("\n")):
        line = raw.strip()
        if not line:
            continue
        if (m := _PAGE_HEADING.match(line)):
            page = m.group(1)
            continue
        if (m := _SECTION_HEADING.match(line)):
            section = " ".join(m.group(1).split())
            continue
        if line.startswith("#"):
            found.append(problem(path, f"heading {line[:40]!r} is neither a page ('## p. 3') nor a section "
                                 "('### Results').", "use '## p. N' for pages and '### Name' for sections.",
                                 line=first_line + offset))
            continue
        if page is None:
            found.append(problem(path, "text before the first page heading has no page.",
                                 "add a '## p. 1' line above it.", line=first_line + offset))
            continue
        text = line[1:] if line.startswith("\\") else line
        paragraphs.append(Paragraph(page, section, " ".join(text.split()), first_line + offset))
    return paragraphs, found


def _original_problems(data: dict, path: Path, line_of: "Callable[[list[Any]], int | None]") -> list[Problem]:
    """A full-text source's original must be documents/<its case>/<its id>.<ext>."""
    original = str(data.get("original", ""))
    stem = original.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    folder = original.split("/")[1] if original.count("/") == 2 else ""
    if original and (stem != data["id"] or folder != data["case"]):
        return [problem(path, f"original {original!r} is not this source's document.",
                        f"set original: documents/{data['case']}/{data['id']}.<ext> (the file add-source copied).",
                        line=line_of(("original",)))]
    return []


def parse_source(text: str, path: "str | Path") -> Source:
    """Parse a source document (front matter and body) into a Source, or raise with every problem found."""
    path = Path(path)
    match = _FRONT.match(text)
    if not match:
        raise EvidenceError(problem(path, "has no YAML front matter.",
                                    "start the file with a '---' line, the fields (id, case, authors, year, title, "
                                    "licence, and doi, url or publisher), then another '---' line.", line=1))
    doc = parse_yaml(match.group(1), path, line_offset=1)
    found = schema_problems(doc, SCHEMA)
    if not isinstance(doc.data, dict):
        raise EvidenceError(found or problem(path, "front matter is not a mapping of fields.", "write 'field: value' lines.", line=2))
    expected = path.stem
    if not found and doc.data["id"] != expected:
        found.append(problem(path, f"front matter id {doc.data['id']!r} differs from the file name {expected!r}.",
                             f"rename the file to {doc.data['id']}{path.suffix} or set id: {expected}.",
                             line=doc.line_of(("id",))))
    body_first_line = match.group(0).count("\n") + 1
    paragraphs: list[Paragraph] = []
    if not found and doc.data.get("kind") == "fulltext":
        found += _original_problems(doc.data, path, doc.line_of)
        paragraphs, body_problems = fulltext_paragraphs(text[match.end():], path, body_first_line)
        statements, seen = [], set()
        for para in paragraphs:  # a sentence repeated in a document is one statement (where it first appears)
            for sentence in split_sentences(para.text):
                key = " ".join(re.sub(r"[^\w]+", " ", unicodedata.normalize("NFKC", sentence).casefold()).split())
                if key not in seen:
                    seen.add(key)
                    statements.append(Statement(sentence, para.locator, para.line))
    else:
        statements, body_problems = segment(text[match.end():], path, plain=path.suffix == ".txt",
                                            first_line=body_first_line)
    found += body_problems
    if not found and not statements:
        found.append(problem(path, "has no statements under its headings.",
                             "add list items ('- ...') under a heading naming the section or page.",
                             line=body_first_line))
    if found:
        raise EvidenceError(found)
    d = doc.data
    return Source(d["id"], d["case"], tuple(d["authors"]), d["year"], d["title"], d["licence"], str(path),
                  tuple(statements), d.get("venue", ""), d.get("doi", ""), d.get("url", ""),
                  d.get("publisher", ""), d.get("kind", ""), d.get("read", ""), d.get("sha256", ""),
                  d.get("original", ""), tuple(paragraphs))


def source_path(case_id: str, source_id: str, evidence: "Path | None" = None) -> Path:
    """The file of a source: evidence/sources/<case>/<source>.md or .txt (error if missing or ambiguous)."""
    folder = (evidence or evidence_dir()) / "sources" / case_id
    found = [folder / f"{source_id}{suffix}" for suffix in SOURCE_SUFFIXES if (folder / f"{source_id}{suffix}").exists()]
    if not found:
        raise EvidenceError(problem(folder / f"{source_id}.md", f"source {source_id!r} of case {case_id!r} is missing.",
                                    f"add {source_id}.md (or .txt) under {folder}, or remove it from cases.yaml."))
    if len(found) > 1:
        raise EvidenceError(problem(found[0], f"source {source_id!r} exists as both .md and .txt.", "keep one of them."))
    return found[0]


def load_source(path: "str | Path") -> Source:
    """Read and parse one source document."""
    return parse_source(read_text(path), path)
