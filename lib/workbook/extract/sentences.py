"""Full-text sources as located sentences: the body's pages and sections, each section's role, and the sentences.

A full-text source body (written by `workbook add-source`) has a `## p. N` heading per page, a `### Section`
heading whenever the section changes, and paragraphs of plain text separated by blank lines. Sentences are
split by sentencex (Wikimedia's rule-based segmenter: maintained, MIT, no model to download, keeps "et al.",
"e.g.", "i.e.", "Dr.", "p. 4", decimals, percentages and bracketed citations inside a sentence).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import sentencex

from workbook.core.textio import blank_html_comments

ROLES: tuple[str, ...] = ("front", "abstract", "key_messages", "background", "methods", "results", "discussion",
                          "conclusions", "references", "acknowledgements", "other")
"""What a section is for. 'front' is the title block: the text before the first heading, or under a first heading
that is no section name and comes before any text (a title read as a heading); 'other' a document's own heading
before any recognised one, or after one whose role subsections do not inherit (see INHERITING)."""

INHERITING: frozenset[str] = frozenset({"abstract", "key_messages", "results", "discussion", "conclusions",
                                        "references", "acknowledgements"})
"""Roles whose subsections (a document's own headings after them) take their role. After background or methods
an own heading is 'other': their subsections are usually named by recognised words (Setting, Analysis...), and an
unrecognised one more often opens the results when a reader lost the 'Results' heading itself."""

DEFAULT_SECTION_WORDS: dict[str, tuple[str, ...]] = {
    "abstract": ("abstract", "summary", "executive summary", "synopsis"),
    "key_messages": ("key messages", "key points", "key findings", "highlights", "what this study adds"),
    "background": ("background", "introduction", "context", "rationale", "literature review", "policy context",
                   "aim", "aims", "objective", "objectives", "purpose"),
    "methods": ("methods", "method", "methodology", "approach", "study design", "evaluation design",
                "data and methods", "data collection", "analysis", "setting", "design", "participants"),
    "results": ("results", "findings", "outcomes", "evaluation findings"),
    "discussion": ("discussion", "interpretation", "implications", "limitations", "strengths and limitations",
                   "lessons"),
    "conclusions": ("conclusion", "conclusions", "concluding remarks", "recommendations"),
    "references": ("references", "bibliography", "works cited", "notes"),
    "acknowledgements": ("acknowledgements", "acknowledgments", "funding", "competing interests",
                         "conflicts of interest", "declarations", "author contributions", "about the authors"),
}
"""Heading words of each role; evidence/extraction.yaml `sections` replaces them."""

KEEP_TOGETHER: tuple[str, ...] = ("approx.", "ca.", "cf.", "vs.", "fig.", "figs.", "tab.", "no.", "nos.", "vol.",
                                  "pp.", "p.", "eq.", "ref.", "refs.", "al.", "e.g.", "i.e.", "etc.,")
"""Abbreviations after which a sentence never ends (a safety net over the segmenter, which misses a few when
they start a sentence, e.g. 'Approx. 40 staff')."""

_PAGE = re.compile(r"^##\s+(?:p\.|page)\s*([\w\-–]+)\s*$", re.I)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_NUMBERING = re.compile(r"^(?:(?:\d+(?:\.\d+)*|[ivxlc]+|[a-z])[.)]?\s+)", re.I)
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'’”)\]]*$")
_CAPTION = re.compile(r"^(?:fig(?:ure)?\.?|table|tab\.|box|exhibit|chart)\s*[0-9ivxlc]+[a-z]?\s*[.:|\-–—]", re.I)
_TABLE_ROW = re.compile(r"\s\|\s|^\|")
_RUN_IN = re.compile(r"^([A-Z][A-Za-z ]{2,30}?)\s*:\s")
"""A run-in label that opens a sentence ('Results: ...' in a structured abstract); a section name there sets the
role of that sentence and the ones after it in the same section."""
_FIXED = frozenset({"references", "acknowledgements"})


@dataclass(frozen=True)
class Sentence:
    """One sentence of a full-text source, located: page, section (and its role), paragraph and file line."""

    text: str
    page: str
    section: str
    role: str
    paragraph: int
    line: int
    block: str = "text"
    """'text', 'caption' (a figure or table caption paragraph) or 'table' (a row of table cells)."""
    before: str = ""
    after: str = ""

    @property
    def locator(self) -> str:
        """'p. N, Section' (or the part that is known)."""
        return locator(self.page, self.section)


def locator(page: str, section: str) -> str:
    """The locator of a place in a document: 'p. 4, Results', 'p. 4' or 'Results'."""
    parts = [f"p. {page}" if page else "", section]
    return ", ".join(p for p in parts if p)


def heading_key(heading: str) -> str:
    """A heading as compared with section words: numbering, punctuation and case removed."""
    text = _NUMBERING.sub("", " ".join(heading.split()))
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def section_role(heading: str, words: "Mapping[str, Sequence[str]] | None" = None) -> "str | None":
    """The role a heading names ('results' for '3. Findings'), or None for a document's own heading."""
    key = heading_key(heading)
    if not key:
        return None
    table = words if words is not None else DEFAULT_SECTION_WORDS
    for role, names in table.items():
        if key in names:
            return role
    best: "tuple[int, str] | None" = None  # a heading that starts with a role's words: 'Results and discussion'
    for role, names in table.items():
        for name in names:
            if key.startswith(name + " ") and (best is None or len(name) > best[0]):
                best = (len(name), role)
    return best[1] if best else None


def _repair(text: str, pieces: list[str]) -> list[str]:
    """Cut `text` where the segmenter ended its pieces, except after an abbreviation, before a lower-case word or
    inside a word: the sentences are slices of `text`, so no character is added or lost."""
    cuts: list[int] = []
    pos = 0
    for piece in pieces[:-1]:
        found = text.find(piece, pos)
        if found < 0:
            continue
        pos = found + len(piece)
        cuts.append(pos)
    out: list[str] = []
    start = 0
    for cut in cuts + [len(text)]:
        head, tail = text[start:cut].strip(), text[cut:].lstrip()
        last_word = head.rsplit(None, 1)[-1].casefold() if head.split() else ""
        glued = cut < len(text) and not text[cut].isspace() and cut > 0 and not text[cut - 1].isspace()
        keep = (cut < len(text) and (last_word in KEEP_TOGETHER or re.fullmatch(r"\d{1,3}[.)]", head) is not None
                                      or tail[:1].islower() or glued))
        if keep:
            continue
        if head:
            out.append(head)
        start = cut
    return out


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph, whitespace collapsed."""
    text = " ".join(paragraph.split())
    if not text:
        return []
    pieces = [p.strip() for p in sentencex.segment("en", text) if p.strip()]
    return _repair(text, pieces)


def block_kind(paragraph: str) -> str:
    """'caption' for a figure or table caption, 'table' for a row of table cells, else 'text'."""
    if _CAPTION.match(paragraph):
        return "caption"
    if _TABLE_ROW.search(paragraph):
        return "table"
    return "text"


@dataclass
class _Para:
    lines: list[tuple[str, str, int]]
    """(text, page, file line) of each line of the paragraph."""
    section: str
    role: str


def paragraphs(body: str, first_line: int = 1, words: "Mapping[str, Sequence[str]] | None" = None,
               inherit: "frozenset[str] | None" = None) -> list[_Para]:
    """The paragraphs of a full-text body with page, section, role and starting line. A paragraph cut by a page
    heading (it does not end a sentence) is joined to the first paragraph of the next page."""
    out: list[_Para] = []
    page, section, role = "", "", "front"
    recognised: "str | None" = None  # the role of the last recognised heading
    inheriting = INHERITING if inherit is None else inherit
    current: "_Para | None" = None
    open_across_page = False
    for offset, raw in enumerate(blank_html_comments(body).split("\n")):
        line_no = first_line + offset
        stripped = raw.strip()
        page_match = _PAGE.match(stripped)
        if page_match:
            if current is not None:
                out.append(current)
                current = None
            open_across_page = bool(out) and not _ENDS_SENTENCE.search(out[-1].lines[-1][0])
            page = page_match.group(1)
            continue
        heading = _HEADING.match(stripped)
        if heading:
            if current is not None:
                out.append(current)
                current = None
            open_across_page = False
            is_title = not out and not section  # an unrecognised first heading before any text: the title
            section = " ".join(heading.group(1).split())
            found = section_role(section, words)
            if found:
                role = recognised = found
            elif is_title:
                role = "front"
            else:
                role = recognised if recognised in inheriting else "other"
            continue
        if not stripped:
            if current is not None:
                out.append(current)
                current = None
            continue
        text = _ITEM.sub("", stripped) if current is None else stripped
        if text.startswith("\\"):
            text = text[1:]  # a paragraph escaped so that it is not read as a heading or list item
        if current is None and open_across_page and out and out[-1].section == section:
            current = out.pop()  # continues the paragraph cut at the page break
            open_across_page = False
        if current is None:
            current = _Para([(text, page, line_no)], section, role)
        else:
            current.lines.append((text, page, line_no))
    if current is not None:
        out.append(current)
    return out


def _join_lines(lines: list[tuple[str, str, int]]) -> tuple[str, list[tuple[int, str, int]]]:
    """A paragraph's lines as one text, with (offset, page, file line) where each line starts. A line ending in
    a hyphen joins the next without a space (a compound such as 'co-location' wrapped at its hyphen keeps it)."""
    text = ""
    starts: list[tuple[int, str, int]] = []
    for line, page, line_no in lines:
        if text and not (text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].isalpha()):
            text += " "
        starts.append((len(text), page, line_no))
        text += line
    return text, starts


def located_sentences(body: str, first_line: int = 1, words: "Mapping[str, Sequence[str]] | None" = None,
                      inherit: "frozenset[str] | None" = None) -> list[Sentence]:
    """Every sentence of a full-text body in reading order, each with its page, section, role and neighbours."""
    raw: list[tuple[str, str, int, _Para, int, str, str]] = []
    run_in: "tuple[str, str] | None" = None  # (section, role) named by a run-in label such as 'Results:'
    for number, para in enumerate(paragraphs(body, first_line, words, inherit)):
        text, starts = _join_lines(para.lines)
        kind = block_kind(text)
        pieces = [" ".join(text.split())] if kind != "text" else split_sentences(text)
        squeezed = " ".join(text.split())
        offsets = _squeezed_offsets(text)
        pos = 0
        for piece in pieces:
            found = squeezed.find(piece, pos)
            at = offsets[found] if found >= 0 else (starts[0][0] if starts else 0)
            pos = found + len(piece) if found >= 0 else pos
            page, line_no = next(((p, n) for off, p, n in reversed(starts) if off <= at), (starts[0][1], starts[0][2]))
            label = _RUN_IN.match(piece) if kind == "text" else None
            named = section_role(label.group(1), words) if label else None
            if named:
                run_in = (para.section, named)
            role = run_in[1] if run_in and run_in[0] == para.section and para.role not in _FIXED else para.role
            raw.append((piece, page, line_no, para, number, kind, role))
    return [Sentence(text, page, para.section, role, number, line_no, kind,
                     raw[i - 1][0] if i > 0 else "", raw[i + 1][0] if i + 1 < len(raw) else "")
            for i, (text, page, line_no, para, number, kind, role) in enumerate(raw)]


def _squeezed_offsets(text: str) -> list[int]:
    """For each character of the whitespace-collapsed text, its offset in `text`."""
    offsets: list[int] = []
    in_space = False
    started = False
    for i, ch in enumerate(text):
        if ch.isspace():
            in_space = started
            continue
        if in_space:
            offsets.append(i - 1)
            in_space = False
        offsets.append(i)
        started = True
    return offsets or [0]
