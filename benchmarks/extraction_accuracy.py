"""Extraction accuracy: invented case-study documents, every sentence labelled, rendered as PDF (one and two
columns), DOCX and HTML, read back as the workbook reads a reviewer's file, and scored.

    python benchmarks/extraction_accuracy.py [--keep DIR] [--only NAME]

The labelled documents are benchmarks/extraction/*.txt (format in benchmarks/extraction/README.md). For each
format it prints: sentence recovery (labelled sentences found with identical normalised text), page accuracy
(recovered sentences given their true page; PDF only), junk rate (statements holding running-header, footer,
caption, table or reference text), finding precision and recall, and pages per second of reading; then a
verdict per goal. The 'text' row scores the classifier on the labelled text itself (no document reading).
Exit status 1 when a goal is missed.
"""
from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from workbook.evidence.sources import Source  # noqa: E402
from workbook.extract.candidates import load_classifier  # noqa: E402
from workbook.extract.findings import fulltext_rows, normalise  # noqa: E402

DATA = Path(__file__).resolve().parent / "extraction"
GOALS = {"recovery": 0.98, "page accuracy": 0.98, "junk": 0.0, "precision": 0.90, "recall": 0.90}
BAR_COLOURS = ("#0072B2", "#E69F00")


# ---------------------------------------------------------------- labelled documents

@dataclass
class Item:
    """One element of a labelled document: heading, paragraph (labelled sentences), table, figure or reference."""

    kind: str
    text: str = ""
    sentences: list[tuple[str, str]] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    values: list[float] = field(default_factory=list)


@dataclass
class Labelled:
    """A labelled document: its front fields and its items in order."""

    name: str
    meta: dict[str, str]
    items: list[Item]

    def sentences(self) -> list[tuple[str, str, int]]:
        """(label, sentence, index of its paragraph item) for every labelled body sentence."""
        return [(lab, s, i) for i, it in enumerate(self.items) if it.kind == "para" for lab, s in it.sentences]

    def junk(self) -> list[str]:
        """Text that must never sit inside a body statement: headers, footers, captions, table cells, references,
        the title block."""
        out = [self.meta["header"], footer_text(self.meta), self.meta["title"], self.meta["note"]]
        for it in self.items:
            if it.kind in ("table", "figure", "ref"):
                out.append(it.text)
            if it.kind == "table":
                out += [" ".join(row) for row in it.rows]
        return out


def load_labelled(path: Path) -> Labelled:
    """Parse a labelled document (benchmarks/extraction/README.md)."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    meta = dict(line.split(": ", 1) for line in head.splitlines() if line.strip())
    items: list[Item] = []
    para: "Item | None" = None
    for number, line in enumerate(body.splitlines(), start=head.count("\n") + 3):
        if not line.strip():
            para = None
            continue
        tag, _, rest = line.partition(" ")
        if tag in ("F", "N"):
            if para is None:
                para = Item("para")
                items.append(para)
            para.sentences.append((tag, rest.strip()))
            continue
        para = None
        if tag == "=":
            items.append(Item("heading", rest.strip()))
        elif tag == "TABLE":
            items.append(Item("table", rest.strip()))
        elif tag == "|":
            items[-1].rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif tag == "FIGURE":
            caption, _, values = rest.partition(" | ")
            items.append(Item("figure", caption.strip(), values=[float(v) for v in values.split(",")]))
        elif tag == "R":
            items.append(Item("ref", rest.strip()))
        else:
            raise SystemExit(f"{path}:{number}: unknown line tag {tag!r}. Fix: start the line with F, N, =, TABLE, "
                             f"|, FIGURE or R.")
    return Labelled(path.stem, meta, items)


def footer_text(meta: dict[str, str]) -> str:
    """The running footer (without its page number)."""
    return meta["venue"]


def soft_hyphens(text: str) -> str:
    """Long words get soft hyphens (U+00AD) so that the PDF breaks them at line ends, as typesetters do."""
    def hyphenate(match: "re.Match[str]") -> str:
        word = match.group(0)
        cuts = list(range(4, len(word) - 3, 4))
        return "".join(word[a:b] + ("\u00ad" if b < len(word) else "") for a, b in zip([0, *cuts], [*cuts, len(word)]))
    return re.sub(r"(?<![\w-])[a-z]{9,}(?![\w-])", hyphenate, text)


# ---------------------------------------------------------------- rendering

def render_pdf(doc: Labelled, path: Path, columns: int) -> tuple[dict[tuple[int, int], str], int]:
    """Write the document as a PDF (running header, page numbers, hyphenation, a table, captions); returns the
    page of every labelled sentence, keyed by (paragraph item, sentence index), and the number of pages.
    Paragraphs break across pages and columns as they fall; a sentence's page is the page of its first letter,
    found by counting the letters and digits of each part of a broken paragraph (hyphens and spaces aside)."""
    from reportlab.graphics.shapes import Drawing, Line, Rect
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle)

    width, height = A5
    margin, gutter = 17 * mm, 5 * mm
    size = 11.5 if columns == 1 else 11.8
    body = ParagraphStyle("body", fontName="Times-Roman", fontSize=size, leading=size * 1.35, alignment=TA_JUSTIFY,
                          spaceAfter=size * 0.6, embeddedHyphenation=1, uriWasteReduce=0.3, allowOrphans=1,
                          allowWidows=1)
    head = ParagraphStyle("head", parent=body, fontName="Helvetica-Bold", fontSize=size + 1.5, leading=size * 1.6,
                          spaceBefore=size * 0.6, spaceAfter=size * 0.3, alignment=0)
    title = ParagraphStyle("title", parent=head, fontSize=size + 5, leading=(size + 5) * 1.25, spaceAfter=4 * mm)
    small = ParagraphStyle("small", parent=body, fontName="Helvetica", fontSize=size - 1, leading=(size - 1) * 1.3,
                           alignment=0)
    caption = ParagraphStyle("caption", parent=small, fontName="Helvetica-Oblique", spaceBefore=2 * mm,
                             spaceAfter=3 * mm)
    reference = ParagraphStyle("reference", parent=small, leftIndent=4 * mm, firstLineIndent=-4 * mm)

    frame_w = (width - 2 * margin - (columns - 1) * gutter) / columns
    frames = [Frame(margin + i * (frame_w + gutter), margin, frame_w, height - 2 * margin - 6 * mm,
                    id=f"col{i}", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
              for i in range(columns)]

    def furniture(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(margin, height - margin + 1 * mm, doc.meta["header"])
        canvas.drawCentredString(width / 2, margin - 7 * mm, f"{footer_text(doc.meta)}   {document.page}")
        canvas.restoreState()

    parts: dict[int, list[tuple[str, int]]] = {}

    class Part(Paragraph):
        """A body paragraph that remembers its item through splits across columns and pages."""

        bench_item = -1

        def split(self, avail_width, avail_height):
            pieces = super().split(avail_width, avail_height)
            for piece in pieces:
                piece.__class__, piece.bench_item = Part, self.bench_item
            return pieces

    class Template(BaseDocTemplate):
        def afterFlowable(self, flowable) -> None:
            if isinstance(flowable, Part):
                lines = flowable.blPara.lines
                text = " ".join(w for line in lines for w in (line[1] if flowable.blPara.kind == 0 else
                                                                 [getattr(f, "text", "") for f in line.words]))
                parts.setdefault(flowable.bench_item, []).append((str(self.page), _alnum(text)))

    template = Template(str(path), pagesize=A5, leftMargin=margin, rightMargin=margin, topMargin=margin,
                        bottomMargin=margin, title=doc.meta["title"], author=doc.meta["authors"])
    template.addPageTemplates([PageTemplate(id="page", frames=frames, onPage=furniture)])

    story: list = [Paragraph(html.escape(doc.meta["title"]), title),
                   Paragraph(html.escape(doc.meta["authors"]), small),
                   Paragraph(html.escape(doc.meta["venue"]), small),
                   Paragraph(html.escape(doc.meta["note"]), small), Spacer(1, 4 * mm)]
    for i, it in enumerate(doc.items):
        if it.kind == "heading":
            story.append(Paragraph(html.escape(it.text), head))
        elif it.kind == "para":
            flow = Part(soft_hyphens(html.escape(" ".join(s for _, s in it.sentences))), body)
            flow.bench_item = i
            story.append(flow)
        elif it.kind == "ref":
            story.append(Paragraph(html.escape(it.text), reference))
        elif it.kind == "table":
            story.append(Paragraph(html.escape(it.text), caption))
            cells = [[Paragraph(html.escape(c), small) for c in row] for row in it.rows]
            table = Table(cells, colWidths=[frame_w / len(it.rows[0])] * len(it.rows[0]), repeatRows=1)
            table.setStyle(TableStyle([("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.black),
                                       ("LINEBELOW", (0, 0), (-1, 0), 0.4, colors.black),
                                       ("LINEBELOW", (0, -1), (-1, -1), 0.6, colors.black),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(table)
        elif it.kind == "figure":
            chart = Drawing(frame_w, 40 * mm)
            top = max(it.values) or 1.0
            bar = frame_w / (len(it.values) * 1.5)
            for j, v in enumerate(it.values):
                chart.add(Rect(j * bar * 1.5 + bar / 4, 0, bar, 38 * mm * v / top,
                               fillColor=colors.HexColor(BAR_COLOURS[j % 2]), strokeColor=None))
            chart.add(Line(0, 0, frame_w, 0))
            story += [Spacer(1, 2 * mm), chart, Paragraph(html.escape(it.text), caption)]
    template.build(story)
    truth: dict[tuple[int, int], str] = {}
    for item, pieces in parts.items():
        offset = 0
        for k, (_, sentence) in enumerate(doc.items[item].sentences):
            before, end = offset, 0
            for page, letters in pieces:
                end += letters
                if before < end:
                    truth[(item, k)] = page
                    break
            offset += _alnum(sentence)
    return truth, template.page


def _alnum(text: str) -> int:
    """How many letters and digits a text has (what survives any line breaking and hyphenation unchanged)."""
    return sum(ch.isalnum() for ch in text)


def render_docx(doc: Labelled, path: Path) -> None:
    """Write the document as DOCX: title, headings, paragraphs, a table, captions, running header and footer."""
    import docx

    d = docx.Document()
    section = d.sections[0]
    section.header.paragraphs[0].text = doc.meta["header"]
    section.footer.paragraphs[0].text = footer_text(doc.meta)
    d.core_properties.title = doc.meta["title"]
    d.core_properties.author = doc.meta["authors"]
    d.add_paragraph(doc.meta["title"], style="Title")
    for key in ("authors", "venue", "note"):
        d.add_paragraph(doc.meta[key])
    for it in doc.items:
        if it.kind == "heading":
            d.add_heading(it.text, level=1)
        elif it.kind == "para":
            d.add_paragraph(" ".join(s for _, s in it.sentences))
        elif it.kind == "ref":
            d.add_paragraph(it.text, style="List Number" if False else None)
        elif it.kind == "table":
            d.add_paragraph(it.text, style="Caption")
            table = d.add_table(rows=len(it.rows), cols=len(it.rows[0]))
            for r, row in enumerate(it.rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        elif it.kind == "figure":
            d.add_paragraph(it.text, style="Caption")
    d.save(str(path))


def render_html(doc: Labelled, path: Path) -> None:
    """Write the document as a web page with navigation, scripts, styles and a footer around the article."""
    e = html.escape
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>{e(doc.meta['title'])}</title><meta name='author' content='{e(doc.meta['authors'])}'>",
             "<style>body{font-family:serif} nav a{margin:0 1em}</style>",
             "<script>window.analytics = {track: function(){ document.title = 'tracked'; }};</script></head><body>",
             f"<header><div class='masthead'>{e(doc.meta['header'])}</div><nav><a href='/'>Home</a>"
             "<a href='/journals'>Journals</a><a href='/about'>About us</a><a href='/login'>Sign in</a></nav></header>",
             f"<main><article><h1>{e(doc.meta['title'])}</h1><p class='byline'>{e(doc.meta['authors'])}</p>",
             f"<p class='venue'>{e(doc.meta['venue'])}</p><p class='note'>{e(doc.meta['note'])}</p>"]
    in_refs = False
    for it in doc.items:
        if it.kind == "heading":
            if in_refs:
                parts.append("</ol>")
                in_refs = False
            parts.append(f"<h2>{e(it.text)}</h2>")
        elif it.kind == "para":
            parts.append("<p>" + " ".join(e(s) for _, s in it.sentences) + "</p>")
        elif it.kind == "ref":
            if not in_refs:
                parts.append("<ol class='references'>")
                in_refs = True
            parts.append(f"<li>{e(it.text)}</li>")
        elif it.kind == "table":
            rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in it.rows)
            parts.append(f"<table><caption>{e(it.text)}</caption>{rows}</table>")
        elif it.kind == "figure":
            parts.append(f"<figure><svg width='200' height='60'><rect width='40' height='50'/></svg>"
                         f"<figcaption>{e(it.text)}</figcaption></figure>")
    if in_refs:
        parts.append("</ol>")
    parts += ["</article></main>", f"<footer>{e(footer_text(doc.meta))} · <a href='/cookies'>Cookies</a></footer>",
              "<script>window.analytics.track('view');</script></body></html>"]
    path.write_text("\n".join(parts), encoding="utf-8")


def labelled_markdown(doc: Labelled, pages: dict[tuple[int, int], str]) -> str:
    """The body a perfect reader would write: '## p. N', '### Section', paragraphs (the classifier alone)."""
    out = ["## p. 1", ""] + [f"{doc.meta[key]}\n" for key in ("title", "authors", "venue", "note")]
    page = "1"
    for i, it in enumerate(doc.items):
        if it.kind == "heading":
            out += [f"### {it.text}", ""]
        elif it.kind == "para":
            current: list[str] = []
            for k, (_, sentence) in enumerate(it.sentences):
                if pages.get((i, k), page) != page:
                    if current:
                        out += [" ".join(current), ""]
                        current = []
                    page = pages[(i, k)]
                    out += [f"## p. {page}", ""]
                current.append(sentence)
            out += [" ".join(current), ""]
    return "\n".join(out)


# ---------------------------------------------------------------- scoring

@dataclass
class Tally:
    """Counts for one format over all documents."""

    labelled: int = 0
    recovered: int = 0
    paged: int = 0
    page_right: int = 0
    rows: int = 0
    junk: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    pages: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def row(self) -> dict[str, "float | None"]:
        """The measures as fractions (None where not measured)."""
        div = lambda a, b: a / b if b else None  # noqa: E731
        return {"recovery": div(self.recovered, self.labelled), "page accuracy": div(self.page_right, self.paged),
                "junk": div(self.junk, self.rows), "precision": div(self.tp, self.tp + self.fp),
                "recall": div(self.tp, self.tp + self.fn),
                "pages/s": div(self.pages, self.seconds) if self.seconds else None}


def score(doc: Labelled, body: str, truth_pages: "dict[tuple[int, int], str] | None", tally: Tally, classifier,
          misses: list[str]) -> None:
    """Compare what the pipeline makes of a body with the labels."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{doc.name}.md"
        path.write_text("---\nid: bench\n---\n" + body, encoding="utf-8")
        src = Source(id=doc.name, case="bench", authors=("x",), year=2020, title="x", licence="x", path=str(path),
                     statements=(), kind="fulltext")
        found, rejected = fulltext_rows(SimpleNamespace(id="bench"), src, classifier)
    rows = [(r, True) for r in found] + [(r, False) for r in rejected]
    by_text: dict[str, list[tuple[dict, bool]]] = {}
    for r, is_finding in rows:
        by_text.setdefault(normalise(r["statement"]), []).append((r, is_finding))
    labelled = doc.sentences()
    matched: set[int] = set()
    seen_in: dict[int, int] = {}
    for label, sentence, item in labelled:
        k = seen_in[item] = seen_in.get(item, -1) + 1  # the sentence's index within its paragraph
        tally.labelled += 1
        hits = by_text.get(normalise(sentence))
        if not hits:
            tally.fn += label == "F"
            misses.append(f"  not recovered ({label}): {sentence}")
            continue
        row, is_finding = hits[0]
        matched.add(id(row))
        tally.recovered += 1
        if truth_pages is not None:
            tally.paged += 1
            if str(row["page"]) == truth_pages.get((item, k)):
                tally.page_right += 1
            else:
                misses.append(f"  page {row['page']} for p. {truth_pages.get((item, k))}: {sentence[:70]}")
        if label == "F" and is_finding:
            tally.tp += 1
        elif label == "F":
            tally.fn += 1
            misses.append(f"  missed finding [{row['finding_score']}: {row['reason']}]: {sentence}")
        elif is_finding:
            tally.fp += 1
            misses.append(f"  false finding [{row['finding_score']}: {row['reason']}]: {sentence}")
    junk = [normalise(j) for j in doc.junk() if normalise(j)]
    title_words = set(" ".join(normalise(doc.meta[k]) for k in ("title", "authors", "venue", "note")).split())
    for r, is_finding in rows:
        tally.rows += 1
        text = normalise(r["statement"])
        exact_junk = text in junk
        set_aside = str(r["reason"]).endswith("never a finding")  # front matter, references, captions, tables
        title_lines = set(text.split()) <= title_words  # the title block read as a paragraph: front matter
        inside = ((exact_junk or any(j in text for j in junk if len(j) >= 12)) and not set_aside
                  and not (title_lines and not is_finding))
        if inside or (is_finding and id(r) not in matched):
            tally.junk += inside
            tally.fp += is_finding and id(r) not in matched
            if inside:
                misses.append(f"  junk in {'finding' if is_finding else 'rejected'}: {r['statement'][:90]}")
            else:
                misses.append(f"  unlabelled finding: {r['statement'][:90]}")


def read_body(path: Path) -> "tuple[str, int] | str":
    """The source body the workbook writes for a file, and its page count; or why it cannot be read."""
    try:
        from workbook.extract.documents import read_document
    except ImportError as exc:
        return f"document reading not available ({exc})"
    try:
        document = read_document(path)
    except Exception as exc:  # the benchmark reports a reader failure instead of stopping
        return f"{type(exc).__name__}: {exc}"
    return document.to_markdown(), len(document.pages)


def main(argv: "list[str] | None" = None) -> int:
    """Render, read and score every labelled document; print the table and the verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="keep the rendered files in this directory")
    parser.add_argument("--only", help="score only this document (file stem)")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    classifier = load_classifier(ROOT / "evidence")
    docs = [load_labelled(p) for p in sorted(DATA.glob("*.txt")) if not args.only or p.stem == args.only]
    formats = ("text", "pdf-1col", "pdf-2col", "docx", "html")
    tallies = {f: Tally() for f in formats}
    misses: dict[str, list[str]] = {f: [] for f in formats}
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="extraction-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    page_counts: dict[str, dict[str, int]] = {}
    for doc in docs:
        files = {"pdf-1col": out / f"{doc.name}-1col.pdf", "pdf-2col": out / f"{doc.name}-2col.pdf",
                 "docx": out / f"{doc.name}.docx", "html": out / f"{doc.name}.html"}
        (one, n_one), (two, n_two) = render_pdf(doc, files["pdf-1col"], 1), render_pdf(doc, files["pdf-2col"], 2)
        truth = {"pdf-1col": one, "pdf-2col": two}
        page_counts[doc.name] = {"pdf-1col": n_one, "pdf-2col": n_two}
        render_docx(doc, files["docx"])
        render_html(doc, files["html"])
        score(doc, labelled_markdown(doc, truth["pdf-1col"]), truth["pdf-1col"], tallies["text"], classifier,
              misses["text"])
        for fmt, path in files.items():
            started = time.perf_counter()
            got = read_body(path)
            elapsed = time.perf_counter() - started
            if isinstance(got, str):
                tallies[fmt].notes.append(f"{doc.name}: {got}")
                tallies[fmt].labelled += len(doc.sentences())
                continue
            body, pages = got
            tallies[fmt].seconds += elapsed
            tallies[fmt].pages += pages
            score(doc, body, truth.get(fmt), tallies[fmt], classifier, misses[fmt])
    print(f"Extraction accuracy: {len(docs)} invented documents, "
          f"{sum(len(d.sentences()) for d in docs)} labelled sentences "
          f"({sum(1 for d in docs for s in d.sentences() if s[0] == 'F')} findings); rendered files in {out}")
    print("pages per document (1-col / 2-col PDF): "
          + ", ".join(f"{n} {c['pdf-1col']}/{c['pdf-2col']}" for n, c in page_counts.items()))
    header = f"{'format':<9} {'recovery':>9} {'page acc':>9} {'junk':>7} {'precision':>10} {'recall':>7} {'pages/s':>8}"
    print(header)
    failed = False
    for fmt in formats:
        t = tallies[fmt]
        m = t.row()
        cell = lambda v, w: f"{v:>{w}.3f}" if v is not None else f"{'n/a':>{w}}"  # noqa: E731
        print(f"{fmt:<9} {cell(m['recovery'], 9)} {cell(m['page accuracy'], 9)} {cell(m['junk'], 7)} "
              f"{cell(m['precision'], 10)} {cell(m['recall'], 7)} "
              f"{cell(m['pages/s'], 8)}")
        for note in t.notes[:3]:
            print(f"          ! {note}")
    print("verdicts (goals: recovery >= 0.98, page accuracy >= 0.98, junk 0, precision and recall >= 0.90):")
    for fmt in formats:
        m = tallies[fmt].row()
        verdicts = []
        for goal, target in GOALS.items():
            value = m[goal]
            if value is None:
                verdicts.append(f"{goal} n/a")
                if goal != "page accuracy" or fmt.startswith("pdf"):
                    failed = True
                continue
            ok = value <= target if goal == "junk" else value >= target
            failed |= not ok
            verdicts.append(f"{goal} {'MET' if ok else 'MISSED'}")
        print(f"  {fmt:<9} " + "; ".join(verdicts))
    if args.misses:
        for fmt in formats:
            if misses[fmt]:
                print(f"-- {fmt}: {len(misses[fmt])} misses")
                print("\n".join(misses[fmt]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
