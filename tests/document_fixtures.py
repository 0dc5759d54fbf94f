"""Test documents made on the fly: PDFs (reportlab) with columns, running headers, page numbers and forced
line-end hyphens; DOCX (python-docx); HTML. Text in "¦" marks a forced line break at that point."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

PAGE_W, PAGE_H = 595.0, 842.0
MARGIN = 56.0
GUTTER = 18.0
BODY_FONT, BODY_SIZE, LEADING = "Helvetica", 9.5, 12.0
HEAD_FONT, HEAD_SIZE = "Helvetica-Bold", 11.0

FILLER = ("Staff in the integrated teams described how shared records and weekly meetings changed the way "
          "they planned care for older people living at home, and managers reported that joint budgets made "
          "it easier to agree who would pay for equipment and short-term support after a hospital stay. ")


@dataclass
class PdfSpec:
    """What a generated PDF holds: per page, a list of ('heading'|'para', text) items flowing into columns."""

    pages: list[list[tuple[str, str]]]
    columns: int = 2
    title: str = ""
    header: str = "Integrated care in Camden: evaluation report"
    footer_numbers: bool = True
    label_start: int | None = None
    metadata: dict = field(default_factory=dict)
    user_password: str | None = None
    interleave: bool = False
    """Draw each page's body lines row by row across the columns (content order unlike reading order)."""
    justify: bool = False
    """Stretch the spaces of every full body line to the column width (wide, uneven word gaps)."""


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line wrapping by glyph widths; '¦' forces a break right there."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for chunk in text.split("¦"):
        current = ""
        for word in chunk.split():
            trial = f"{current} {word}".strip()
            if current and stringWidth(trial, font, size) > width:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return [line for line in lines if line]


def write_pdf(path: Path, spec: PdfSpec) -> Path:
    """Render spec as a PDF at path (A4, body text in Helvetica)."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    encrypt = StandardEncryption(spec.user_password, canPrint=1) if spec.user_password else None
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), encrypt=encrypt, invariant=1)
    for key, value in spec.metadata.items():
        getattr(c, f"set{key.capitalize()}")(value)
    if spec.label_start is not None:
        c.addPageLabel(0, style="ARABIC", start=spec.label_start)
    col_w = (PAGE_W - 2 * MARGIN - GUTTER * (spec.columns - 1)) / spec.columns
    for number, items in enumerate(spec.pages):
        label = str((spec.label_start or 1) + number)
        if spec.header:
            c.setFont("Helvetica-Oblique", 8)
            c.drawString(MARGIN, PAGE_H - 36, spec.header)
        if spec.footer_numbers:
            c.setFont("Helvetica", 8)
            c.drawCentredString(PAGE_W / 2, 30, label)
        top = PAGE_H - MARGIN - 10
        if number == 0 and spec.title:
            c.setFont("Helvetica-Bold", 16)
            for line in _wrap(spec.title, "Helvetica-Bold", 16, PAGE_W - 2 * MARGIN):
                c.drawString(MARGIN, top, line)
                top -= 20
            top -= 10
        col, y = 0, top
        ops: list[tuple[float, float, str, float, str, float]] = []
        for kind, text in items:
            font, size = (HEAD_FONT, HEAD_SIZE) if kind == "heading" else (BODY_FONT, BODY_SIZE)
            lines = _wrap(text, font, size, col_w)
            for i, line in enumerate(lines):
                if y < MARGIN + 10:
                    col, y = col + 1, top
                    if col >= spec.columns:
                        raise ValueError(f"page {number + 1} overflows; give it less text")
                if kind == "heading" and i == 0:
                    y -= 4
                stretch = 0.0
                if spec.justify and kind == "para" and i < len(lines) - 1 and line.count(" "):
                    from reportlab.pdfbase.pdfmetrics import stringWidth

                    stretch = (col_w - stringWidth(line, font, size)) / line.count(" ")
                ops.append((y, MARGIN + col * (col_w + GUTTER), font, size, line, stretch))
                y -= LEADING
            y -= 6
        if spec.interleave:
            ops.sort(key=lambda op: (-op[0], op[1]))
        for y, x, font, size, line, stretch in ops:
            text = c.beginText(x, y)
            text.setFont(font, size)
            text.setWordSpace(stretch)
            text.textOut(line)
            c.drawText(text)
        c.showPage()
    c.save()
    return path


def filler_page(words: int = 520, seed: int = 0) -> list[tuple[str, str]]:
    """A page of plausible body text in paragraphs, about `words` words, with a heading."""
    base = FILLER.split()
    out: list[tuple[str, str]] = [("heading", f"Findings part {seed + 1}")]
    para: list[str] = []
    for i in range(words):
        para.append(base[(i + seed) % len(base)])
        if len(para) >= 90:
            out.append(("para", " ".join(para).rstrip(",") + "."))
            para = []
    if para:
        out.append(("para", " ".join(para) + "."))
    return out


def write_docx(path: Path, blocks: list[tuple[str, str]], *, title: str = "", author: str = "") -> Path:
    """A DOCX with ('heading'|'para', text) blocks; headings use Word's Heading 1 style."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    if author:
        document.core_properties.author = author
    for kind, text in blocks:
        if kind == "heading":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path


def rewrite_zip_member(path: Path, member: str, data: bytes) -> Path:
    """Replace one member of a zip (DOCX) file with data, keeping the others."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, content in items:
            zout.writestr(info.filename, data if info.filename == member else content)
    return path


# ---------------------------------------------------------------- the Camden report

HEADER = "Camden Integrated Care Evaluation - Final report"
"""The running head of every page of the Camden report."""
BODY = ("Staff reported that the inte-¦gration of health and social care teams and the co-¦location of nurses "
        "with social workers made joint visits routine. " + " ".join(
            f"Interview {i} described how the weekly meeting in locality {i} shared plans for older people."
            for i in range(30)))


def report_pdf(folder: Path, **extra) -> Path:
    """A two-column, two-page report with running header, page numbers and a line-end hyphen."""
    spec = PdfSpec(pages=[[("heading", "Abstract"), ("para", "We evaluated integrated care in Camden."),
                           ("heading", "Results"), ("para", BODY)],
                          [("heading", "Discussion"), ("para", "Leadership from the council kept the teams together. "
                                                               "Budgets were pooled from 2017.")]],
                   title="Integrated care in Camden", header=HEADER, label_start=5, interleave=True, **extra)
    return write_pdf(folder / "camden report.pdf", spec)
