"""Word (.docx) files read with python-docx, after checking the zip for bombs and the XML for entities."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from workbook.core.errors import EvidenceError, problem
from workbook.extract.doctext import (Document, Page, Sections, clean_text, is_heading_name, size_limit,
                                        split_authors, year_of)

_TEMPLATE_CREATED = "2013-12-23T23:15"
"""The creation date python-docx's blank template carries: not the document's."""
MAX_MEMBERS = 5000
MAX_RATIO = 200
"""A member expanding more than this many times over (and past 1 MiB) is treated as a zip bomb."""


def _refuse(path: Path, message: str, fix: str) -> EvidenceError:
    """An EvidenceError about this DOCX."""
    return EvidenceError(problem(path, message, fix))


def check_package(path: Path, limit: "int | None" = None) -> None:
    """Refuse a DOCX that is not a zip, would expand too far (zip bomb) or declares XML entities or a DTD."""
    limit = limit or size_limit()
    resave = "open it in Word or LibreOffice and save it again as .docx, or export it as PDF."
    with open(path, "rb") as handle:
        if handle.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise _refuse(path, "is a password-protected Word file or an old .doc file (an OLE container, not a "
                          "DOCX zip).", "open it in Word or LibreOffice, remove the password if any, and save it "
                          "as .docx (or export it as PDF).")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(path, f"is not a readable Word document ({exc}): damaged, truncated or another format.",
                      resave) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _refuse(path, f"has {len(members)} parts, far more than a document needs.", resave)
        total = sum(m.file_size for m in members)
        for m in members:
            if m.file_size > 1048576 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
                raise _refuse(path, f"part {m.filename!r} would expand {m.file_size // max(m.compress_size, 1)} "
                              "times over (a zip bomb); it was not unpacked.", resave)
        if total > limit:
            raise _refuse(path, f"would expand to {total / 1048576:.0f} MiB, over the {limit / 1048576:.0f} MiB "
                          "limit (a zip bomb or huge embedded media); it was not unpacked.", resave)
        if "word/document.xml" not in archive.namelist():
            raise _refuse(path, "is a zip file but not a Word document (no word/document.xml).", resave)
        for m in members:
            if m.filename.endswith((".xml", ".rels")):
                try:
                    head = archive.read(m)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
                    raise _refuse(path, f"part {m.filename!r} is damaged ({exc}).", resave) from None
                if re.search(rb"<!\s*(DOCTYPE|ENTITY)", head, re.I):
                    raise _refuse(path, f"part {m.filename!r} declares a DOCTYPE or XML entities, which Word never "
                                  "writes (they can read other files); nothing was resolved.", resave)


def read_docx(path: Path) -> Document:
    """Read a DOCX: body paragraphs in order, Heading and Title styles as sections, core properties as metadata."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_package(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise _refuse(path, f"cannot be read as a Word document ({exc}).",
                      "open it in Word or LibreOffice and save it again as .docx.") from None
    except Exception as exc:  # lxml's XMLSyntaxError and other parser errors on a damaged part
        raise _refuse(path, f"has damaged XML ({type(exc).__name__}: {exc}).",
                      "open it in Word or LibreOffice and save it again as .docx.") from None
    page = Page("1")
    sections = Sections(page)
    metadata: dict = {}
    for paragraph in document.paragraphs:
        text = clean_text(paragraph.text)
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.lower().startswith(("heading", "title")) or (len(text) < 80 and is_heading_name(text)):
            if style.lower() == "title":
                metadata.setdefault("title", text)
            sections.heading(text.rstrip(":"))
            continue
        sections.paragraph(text)
    props = document.core_properties
    if props.title and clean_text(props.title):
        metadata["title"] = clean_text(props.title)
    if props.author and clean_text(props.author) and props.author != "python-docx":
        metadata["authors"] = split_authors(props.author)
    created = props.created.isoformat() if props.created else ""
    year = year_of(created) if not created.startswith(_TEMPLATE_CREATED) else None
    if year:
        metadata["year"] = year
    return Document(metadata, [page])
