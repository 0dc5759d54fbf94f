"""PDF files read with pypdfium2 (PDFium): lines from character boxes, columns, running heads, paragraphs."""
from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from workbook.core.errors import EvidenceError, problem
from workbook.extract.doctext import (Block, Document, Page, clean_text, is_heading_name, join_lines,
                                        split_authors, word_forms, year_of)

_PAGE_NUMBER = re.compile(r"^(?:page\s*|p\.\s*)?(?:\d{1,5}|[ivxlcdm]{1,7})(?:\s*(?:of|/)\s*\d{1,5})?$", re.I)
_ABBREVIATION_END = re.compile(r"\b(?:et al|e\.g|i\.e|cf|vs|pp?|Dr|Mr|Mrs|Ms|Prof|No|Vol|Fig|approx|St)\.$")
_CAPTION = re.compile(r"^(?:Table|Figure|Fig\.|Box|Chart|Exhibit)\s+[\dIVX]+", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")
_IGNORED_META = {"", "untitled", "unspecified", "anonymous", "unknown", "microsoft word", "none"}


@dataclass
class Line:
    """One printed line (or a column's part of it): box in PDF units, text, type size and weight."""

    x0: float
    bottom: float
    x1: float
    top: float
    text: str
    size: float
    bold: bool
    col: int = 0
    gaps: list = field(default_factory=list)
    """Wide spaces inside the line: (left x, right x, text offset where the text after the space starts)."""

    @property
    def height(self) -> float:
        """Height of the line's box."""
        return self.top - self.bottom


def _refuse(path: Path, message: str, fix: str) -> EvidenceError:
    """An EvidenceError about this PDF."""
    return EvidenceError(problem(path, message, fix))


def _check_envelope(path: Path) -> None:
    """Refuse a file that does not start like a PDF or whose end is missing (truncated download)."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
        handle.seek(max(0, path.stat().st_size - 2048))
        tail = handle.read()
    if b"%PDF-" not in head:
        raise _refuse(path, "is not a PDF (it does not start with '%PDF-').",
                      "give the real PDF file, or rename the file to its true extension.")
    if b"%%EOF" not in tail:
        raise _refuse(path, "is truncated or damaged (its end-of-file marker is missing).",
                      "download or export the PDF again and add the complete file.")


def read_pdf(path: Path) -> Document:
    """Read a PDF into pages of paragraphs; encrypted, scanned and damaged files are refused with the fix."""
    import pypdfium2 as pdfium

    _check_envelope(path)
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise _refuse(path, "is encrypted (it needs a password to open).",
                          "save an unprotected copy (e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf) "
                          "and add that.") from None
        raise _refuse(path, f"cannot be read as a PDF ({exc}).",
                      "export or download the PDF again and add the new file.") from None
    try:
        meta = pdf.get_metadata_dict(skip_empty=True)
        labels, pages = [], []
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                pages.append((page.get_width(), page.get_height(), _page_lines(page)))
            finally:
                page.close()
            labels.append(pdf.get_page_label(index) or str(index + 1))
    except pdfium.PdfiumError as exc:
        raise _refuse(path, f"is damaged ({exc}).", "export or download the PDF again and add the new file.") from None
    finally:
        pdf.close()
    if not any(lines for _, _, lines in pages):
        raise _refuse(path, f"has no text layer on any of its {len(pages)} page(s): it looks like a scan.",
                      "it needs OCR first, e.g. `ocrmypdf in.pdf out.pdf`, then add the OCRed file.")
    notes = []
    empty = [labels[i] for i, (_, _, lines) in enumerate(pages) if not lines]
    if empty:
        notes.append(f"{len(empty)} page(s) have no text layer (p. {', '.join(empty[:10])}"
                     f"{'...' if len(empty) > 10 else ''}): scanned pages or figures; OCR them (e.g. ocrmypdf) "
                     "if they hold text.")
    document = Document(_metadata(meta), _layout(pages, labels), notes)
    return document


def _metadata(meta: dict) -> dict:
    """Title, authors and year from the PDF's document information (placeholders like 'untitled' ignored)."""
    out: dict = {}
    title = clean_text(meta.get("Title", ""))
    if title.lower() not in _IGNORED_META and not title.lower().endswith((".doc", ".docx", ".pdf")):
        out["title"] = title
    author = clean_text(meta.get("Author", ""))
    if author.lower() not in _IGNORED_META:
        out["authors"] = split_authors(author)
    year = year_of(meta.get("CreationDate", ""))
    if year:
        out["year"] = year
    return out


def _font_info(textpage: object, index: int) -> tuple[float, bool]:
    """The type size and boldness of one character."""
    import pypdfium2.raw as raw

    size = raw.FPDFText_GetFontSize(textpage, index)
    weight = raw.FPDFText_GetFontWeight(textpage, index)
    bold = weight >= 600
    if weight <= 0:
        buffer = ctypes.create_string_buffer(128)
        flags = ctypes.c_int()
        raw.FPDFText_GetFontInfo(textpage, index, buffer, 128, ctypes.byref(flags))
        name = buffer.value.decode("latin-1", "replace").lower()
        bold = "bold" in name or "black" in name or "heavy" in name or "semibold" in name
    return float(size), bold


def _page_lines(page: object) -> list[Line]:
    """The page's text as lines: broken where PDFium breaks, the baseline moves, or a wide gap splits columns."""
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        if count <= 0:
            return []
        text = textpage.get_text_range(0, count)
        if len(text) != count:  # characters outside the basic plane: one code point per index
            text = "".join(chr(raw.FPDFText_GetUnicode(textpage, i) or 32) for i in range(count))
        rect = raw.FS_RECTF()
        loose_box = raw.FPDFText_GetLooseCharBox
        handle = textpage.raw  # the bare pointer: no wrapper conversion per character
        lines: list[Line] = []
        chars: list[str] = []
        gaps: list[tuple[float, float, int]] = []
        first = -1
        x0 = bottom0 = x1 = top0 = 0.0

        def close() -> None:
            nonlocal chars, first, gaps
            content = "".join(chars).rstrip()
            if content.strip() and first >= 0:
                size, bold = _font_info(textpage, first)
                lines.append(Line(x0, bottom0, x1, top0, content, size or top0 - bottom0, bold, 0, gaps))
            chars, first, gaps = [], -1, []

        broken = False  # PDFium ended a line: a true break unless the next character goes on along the baseline
        end = len(text) - 1
        for i, ch in enumerate(text):
            if ch == "\r" or ch == "\n":
                broken = True
                continue
            within = first >= 0 and not broken and 0 < i and not text[i - 1].isspace() and text[i - 1] != "\ufffe"
            if within and i < end and not text[i + 1].isspace() and text[i + 1] != "\ufffe" and not ch.isspace():
                chars.append(ch)  # inside a word: the word's first and last letters give the line's extent
                continue
            if ch.isspace() or not loose_box(handle, i, rect):
                if chars and not broken:
                    chars.append(" " if ch.isspace() else ch)
                continue
            left, bottom, right, top = rect.left, rect.bottom, rect.right, rect.top
            if first >= 0 and not within:
                height = top0 - bottom0
                if (abs(bottom - bottom0) > 0.5 * height and abs(top - top0) > 0.5 * height) \
                        or left - x1 > 6 * height or left < x0 - height or (broken and left <= x1):
                    close()
                elif broken:
                    chars.append(" ")
                    if left - x1 > 0.5 * height:
                        gaps.append((x1, left, len(chars)))
                    broken = False
                elif left - x1 > 0.5 * height:
                    gaps.append((x1, left, len(chars)))  # a wide space: a column gutter or a table column?
            broken = False
            if first < 0:
                first, x0, bottom0, x1, top0 = i, left, bottom, right, top
            else:
                if left < x0:
                    x0 = left
                if right > x1:
                    x1 = right
                if bottom < bottom0:
                    bottom0 = bottom
                if top > top0:
                    top0 = top
            chars.append(ch)
        close()
        return _split_at_channels(lines)
    finally:
        textpage.close()


def _ink(line: Line) -> list[tuple[float, float]]:
    """The stretches of a line that carry text: its extent minus its wide spaces."""
    out, start = [], line.x0
    for g0, g1, _ in line.gaps:
        out.append((start, g0))
        start = g1
    out.append((start, line.x1))
    return out


def _free(lo: float, hi: float, ink: list[tuple[float, float]]) -> tuple[float, float]:
    """The widest part of [lo, hi] that no ink stretch covers."""
    best, start = (lo, lo), lo
    for a, b in sorted(iv for iv in ink if iv[1] > lo and iv[0] < hi):
        if a - start > best[1] - best[0]:
            best = (start, a)
        start = max(start, b)
    if hi - start > best[1] - best[0]:
        best = (start, hi)
    return best


def _split_at_channels(lines: list[Line]) -> list[Line]:
    """Split lines at white channels that run down several rows: column gutters and table columns drawn on one
    baseline; a wide space in justified text that the rows above and below do not share is not split."""
    if not any(line.gaps for line in lines):
        return lines
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: -ln.bottom):
        if rows and abs(rows[-1][0].bottom - line.bottom) <= 0.3 * max(line.height, 1.0):
            rows[-1].append(line)
        else:
            rows.append([line])
    inks = [[iv for line in row for iv in _ink(line)] for row in rows]
    cuts: dict[int, list[tuple[float, float, int]]] = {}
    for r, row in enumerate(rows):
        for line in row:
            least = 0.4 * line.height
            for gap in line.gaps:
                if gap[1] - gap[0] < 0.8 * line.height:
                    continue
                support = 1
                for step in (-1, 1):
                    lo, hi, prev, k = gap[0], gap[1], r, r + step
                    while 0 <= k < len(rows) and abs(rows[k][0].bottom - rows[prev][0].bottom) <= 3 * line.height:
                        lo, hi = _free(lo, hi, inks[k])
                        if hi - lo < least:
                            break
                        near = 3 * line.height  # text on both sides, close to the channel (not a short line far off)
                        support += (any(lo - near <= b <= lo + 0.5 for _, b in inks[k])
                                    and any(hi - 0.5 <= a <= hi + near for a, _ in inks[k]))
                        prev, k = k, k + step
                if support >= 3:
                    cuts.setdefault(id(line), []).append(gap)
    if not cuts:
        return lines
    out: list[Line] = []
    for line in lines:
        if id(line) not in cuts:
            out.append(line)
            continue
        start_x, start = line.x0, 0
        for g0, g1, offset in sorted(cuts[id(line)], key=lambda g: g[2]) + [(line.x1, line.x1, len(line.text))]:
            piece = line.text[start:offset].strip()
            if piece:
                out.append(Line(start_x, line.bottom, g0, line.top, piece, line.size, line.bold))
            start_x, start = g1, offset
    return out


def _remove_running_heads(pages: list[tuple[float, float, list[Line]]]) -> list[list[Line]]:
    """Drop page numbers and headers/footers that repeat at the same height across pages."""
    def key(line: Line) -> tuple[str, int]:
        return re.sub(r"\d+", "#", line.text.lower()).strip(), round(line.bottom / 6)

    def apart(line: Line, lines: list[Line]) -> bool:
        """Whether a line stands clear of the text above and below it (a running head does; a body line not)."""
        gaps = [max(other.bottom - line.top, line.bottom - other.top) for other in lines
                if other is not line and (other.bottom >= line.top or other.top <= line.bottom)]
        return not gaps or min(gaps) >= 0.8 * line.height

    def margin_lines(height: float, lines: list[Line]) -> list[Line]:
        ordered = sorted(lines, key=lambda ln: -ln.top)
        edge = ordered[:2] + ordered[-2:]
        return [ln for ln in edge if (ln.bottom > 0.88 * height or ln.top < 0.12 * height) and apart(ln, lines)]

    counts: Counter = Counter()
    for _, height, lines in pages:
        counts.update({key(ln) for ln in margin_lines(height, lines)})
    repeat = max(2, int(0.3 * len(pages) + 0.999))
    out = []
    for _, height, lines in pages:
        drop = {id(ln) for ln in margin_lines(height, lines)
                if _PAGE_NUMBER.match(ln.text.strip()) or counts[key(ln)] >= repeat}
        out.append([ln for ln in lines if id(ln) not in drop])
    return out


def _table_cells(lines: list[Line]) -> set[int]:
    """The ids of lines that are table cells: three or more short pieces on one baseline, and the short pieces
    (wrapped cells) within the same rows' span."""
    long = sorted(ln.x1 - ln.x0 for ln in lines if len(ln.text) >= 15)
    typical = long[len(long) * 3 // 4] if long else 200.0  # the width of a full line of body text
    short = [ln for ln in lines if ln.x1 - ln.x0 < 0.6 * typical]
    rows: list[list[Line]] = []
    for ln in sorted(short, key=lambda ln: -ln.bottom):
        if rows and abs(rows[-1][0].bottom - ln.bottom) <= 2.0:
            rows[-1].append(ln)
        else:
            rows.append([ln])
    clusters: list[list[Line]] = []  # pieces of a row close enough side by side to be cells of one table
    for row in rows:
        row.sort(key=lambda ln: ln.x0)
        group = [row[0]]
        for ln in row[1:]:
            if ln.x0 - group[-1].x1 > 0.5 * typical:
                clusters.append(group)
                group = []
            group.append(ln)
        clusters.append(group)
    tables: list[list[Line]] = []  # rows of cells close below one another, over the same width, form one table
    for cells in (c for c in clusters if len(c) >= 3):
        last = tables[-1] if tables else None
        if last and min(c.bottom for c in last) - max(c.top for c in cells) <= 3 * cells[0].height \
                and min(c.x0 for c in cells) < max(c.x1 for c in last) and max(c.x1 for c in cells) > min(c.x0 for c in last):
            last.extend(cells)
        else:
            tables.append(list(cells))
    found: set[int] = set()
    for cells in tables:
        low, high = min(c.bottom for c in cells) - 1.5 * cells[0].height, max(c.top for c in cells)
        x0, x1 = min(c.x0 for c in cells), max(c.x1 for c in cells)
        found |= {id(ln) for ln in short if ln.bottom >= low - 1 and ln.top <= high + 1 and ln.x0 >= x0 - 1
                  and ln.x1 <= x1 + 1}
    return found


def _order(width: float, lines: list[Line]) -> list[Line]:
    """Lines in reading order: full-width lines split the page into bands; each band column by column."""
    if len(lines) < 6:
        return sorted(lines, key=lambda ln: (-round(ln.top), ln.x0))
    best, best_x = None, 0.0
    spans = [(ln.x0, ln.x1) for ln in lines if ln.x1 - ln.x0 < 0.75 * width]
    wide = len(lines) - len(spans)
    for step in range(0, 21):
        x = width * (0.3 + 0.02 * step)
        crossing = wide + sum(1 for x0, x1 in spans if x0 < x - 1 and x1 > x + 1)
        score = (crossing, abs(x - width / 2))
        if best is None or score < best:
            best, best_x = score, x
    left = [ln for ln in lines if ln.x1 <= best_x + 1]
    right = [ln for ln in lines if ln.x0 >= best_x - 1]
    body_left = sum(1 for ln in left if ln.x1 - ln.x0 >= 0.25 * width)
    body_right = sum(1 for ln in right if ln.x1 - ln.x0 >= 0.25 * width)
    if len(left) < 3 or len(right) < 3 or max(body_left, body_right) < 3 or best[0] > 0.25 * len(lines):
        return sorted(lines, key=lambda ln: (-round(ln.top), ln.x0))  # one column (short cells do not make two)
    left_ids, right_ids = {id(ln) for ln in left}, {id(ln) for ln in right}
    for ln in lines:
        ln.col = 1 if id(ln) in left_ids else 2 if id(ln) in right_ids else 0
    ordered: list[Line] = []
    band: list[Line] = []

    def flush() -> None:
        ordered.extend(sorted(band, key=lambda ln: (ln.col, -round(ln.top), ln.x0)))
        band.clear()

    for ln in sorted(lines, key=lambda ln: (-round(ln.top), ln.x0)):
        if ln.col == 0:
            flush()
            ordered.append(ln)
        else:
            band.append(ln)
    flush()
    return ordered


def _body_size(pages: list[list[Line]]) -> float:
    """The most common type size, weighted by characters."""
    sizes: Counter = Counter()
    for lines in pages:
        for ln in lines:
            sizes[round(ln.size * 2) / 2] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _pitch(pages: list[list[Line]]) -> float:
    """The usual distance between baselines of consecutive body lines in a column."""
    gaps: Counter = Counter()
    for lines in pages:
        for a, b in zip(lines, lines[1:]):
            if a.col == b.col and 0 < a.bottom - b.bottom < 4 * a.height:
                gaps[round(a.bottom - b.bottom, 0)] += 1
    if sum(gaps.values()) < 5:  # too few lines to tell: assume the usual leading of 1.2 times the type size
        return 1.2 * _body_size(pages)
    return float(gaps.most_common(1)[0][0])


def _is_heading(line: Line, body: float) -> bool:
    """Whether a line reads as a heading: larger or bold short type, or a standard section name."""
    text = line.text.strip()
    if len(text) > 150 or not re.search(r"[^\W\d_]", text):
        return False
    if is_heading_name(text) and (line.bold or line.size >= body + 0.5 or text.isupper() or text.endswith(":")):
        return True
    if _SENTENCE_END.search(text) and not re.match(r"^\d+(\.\d+)*\.?\s", text):
        return False
    return line.size >= body + 1.0 or (line.bold and len(text) < 100 and line.size >= body - 0.5)


def _layout(pages: list[tuple[float, float, list[Line]]], labels: list[str]) -> list[Page]:
    """Turn each page's lines into paragraphs under section headings, in reading order."""
    kept = _remove_running_heads(pages)
    tables = [_table_cells(lines) for lines in kept]
    ordered = [[ln for ln in _order(width, lines) if id(ln) not in cells]  # table cells help find the columns
               for (width, _, _), lines, cells in zip(pages, kept, tables)]
    words, hyphenated = word_forms(ln.text for lines in ordered for ln in lines)
    body, pitch = _body_size(ordered), _pitch(ordered)
    result = [Page(label) for label in labels]
    section = ""
    para: list[tuple[str, int]] = []
    heading: list[str] = []
    pending: list[str] = []
    prev: Line | None = None

    def flush_para() -> None:
        for page_no, text in _by_page(para, words, hyphenated):
            result[page_no].blocks.append(Block(section, text, tuple(pending)))
            pending.clear()
        para.clear()

    def flush_heading() -> None:
        nonlocal section
        if heading:
            section = clean_text(" ".join(heading)).rstrip(":").strip()
            pending.append(section)
            heading.clear()

    for page_no, lines in enumerate(ordered):
        col_left: dict[int, float] = {}
        for ln in lines:
            col_left[ln.col] = min(col_left.get(ln.col, ln.x0), ln.x0)
        for ln in lines:
            if _is_heading(ln, body):
                flush_para()
                if heading and prev is not None and not _wrapped_heading(heading, prev, ln, pitch):
                    flush_heading()
                heading.append(ln.text)
                prev = ln
                continue
            flush_heading()
            if para and prev is not None and prev.col == ln.col and page_no == para[-1][1] \
                    and abs(prev.bottom - ln.bottom) < 0.3 * ln.height and ln.x0 >= prev.x1 - 1:
                pass  # the rest of the same printed line (cut at a wide space): the paragraph goes on
            elif para and prev is not None:
                last = para[-1][0]
                if prev.col != ln.col or prev.bottom <= ln.bottom or page_no != para[-1][1]:
                    if (_SENTENCE_END.search(last) and not _ABBREVIATION_END.search(last)) or _CAPTION.match(para[0][0]):
                        flush_para()  # a new column or page that does not carry the paragraph on
                else:
                    left = col_left.get(ln.col, ln.x0)
                    indented = ln.x0 > left + 0.8 * ln.size and prev.x0 <= left + 1
                    if prev.bottom - ln.bottom > 1.3 * pitch or indented or ln.text[:1] in "\u2022\u25aa\u25cf\u25e6":
                        flush_para()
            para.append((ln.text, page_no))
            prev = ln
    flush_para()
    flush_heading()
    return result


_RUNS_ON = re.compile(r"(?:\b(?:and|or|of|the|a|an|in|on|for|to|with|from|by|at|as|between|versus|vs)|[,:;\u2013\u2014-])$",
                      re.I)


def _wrapped_heading(heading: list[str], prev: Line, line: Line, pitch: float) -> bool:
    """Whether a heading line continues the heading above (wrapped) rather than starting a subheading."""
    last = heading[-1].strip()
    return (prev.col == line.col and 0 < prev.bottom - line.bottom < 2.5 * pitch and abs(prev.size - line.size) < 0.5
            and prev.bold == line.bold and not is_heading_name(" ".join(heading))
            and (len(last) >= 30 or bool(_RUNS_ON.search(last)) or line.text[:1].islower()))


_SENTENCE_GAP = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")


def _by_page(para: list[tuple[str, int]], words: set[str], hyphenated: set[str]) -> list[tuple[int, str]]:
    """A paragraph's text per page; one running across pages is cut between sentences, each on the page it starts."""
    if not para:
        return []
    texts = [t for t, _ in para]
    full = clean_text(join_lines(texts, words, hyphenated))
    if not full:
        return []
    if all(p == para[0][1] for _, p in para):
        return [(para[0][1], full)]
    starts = [(len(clean_text(join_lines(texts[:k], words, hyphenated))), para[k][1])
              for k in range(1, len(para)) if para[k][1] != para[k - 1][1]]
    pieces: list[tuple[int, int]] = [(0, 0)]
    for gap in _SENTENCE_GAP.finditer(full):
        pieces.append((gap.end(), 0))
    out: list[tuple[int, str]] = []
    bounds = [s for s, _ in pieces] + [len(full)]
    for i, start in enumerate(bounds[:-1]):
        page = para[0][1]
        for offset, page_no in starts:
            if start >= offset - 1:
                page = page_no
        text = full[start:bounds[i + 1]].strip()
        if out and out[-1][0] == page:
            out[-1] = (page, f"{out[-1][1]} {text}")
        else:
            out.append((page, text))
    return [(page, text) for page, text in out if text]
