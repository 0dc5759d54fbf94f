"""workbook add-source: a document becomes a full-text source of a (possibly new) case; every bad input is
refused with one message naming the file and the fix, and leaves evidence/ exactly as it was."""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from document_fixtures import report_pdf, write_docx
from workbook.core.errors import EvidenceError, WorkbookError
from workbook.evidence.sources import load_source
from workbook.extract.add_source import add_source


def snapshot(evidence: Path) -> dict[str, str]:
    """Every file under evidence/ with its SHA-256."""
    return {str(p.relative_to(evidence)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(evidence.rglob("*")) if p.is_file()}


FLAGS = dict(title="Evaluation of integrated care in Camden", authors="Smith J; Patel R", year="2019",
             licence="CC BY 4.0", venue="Camden Council")


def test_adds_a_pdf_into_a_new_case(tmp_path: Path, evidence_copy: Path):
    before = (evidence_copy / "cases.yaml").read_text(encoding="utf-8")
    added = add_source(report_pdf(tmp_path), "camden", case_name="Camden", **FLAGS)
    assert added.created_case and added.source_id == "smith_2019" and added.pages == 2
    assert added.original == evidence_copy / "documents" / "camden" / "smith_2019.pdf"
    assert added.original.read_bytes() == report_pdf(tmp_path).read_bytes()
    after = (evidence_copy / "cases.yaml").read_text(encoding="utf-8")
    assert after.startswith(before)  # comments, order and layout of the existing file kept
    assert "  - id: camden\n    name: Camden\n" in after and "sources: [smith_2019]" in after
    src = load_source(added.source_file)
    assert src.kind == "fulltext" and src.original == "documents/camden/smith_2019.pdf"
    assert src.sha256 == hashlib.sha256(added.original.read_bytes()).hexdigest()
    assert src.authors == ("Smith J", "Patel R") and src.year == 2019 and src.publisher == "Camden Council"
    assert [p.locator for p in src.paragraphs] == ["p. 5, Abstract", "p. 5, Results", "p. 6, Discussion"]
    assert src.paragraphs[1].text.startswith("Staff reported that the integration of health")


def test_adds_to_an_existing_case_listing_the_source_last(tmp_path: Path, evidence_copy: Path):
    added = add_source(report_pdf(tmp_path), "torbay", source_id="camden_note", **FLAGS)
    assert not added.created_case
    text = (evidence_copy / "cases.yaml").read_text(encoding="utf-8")
    assert "davies_2011, hsmc_2010, camden_note]" in text
    assert (evidence_copy / "sources" / "torbay" / "camden_note.md").is_file()


def test_fields_left_out_are_guessed_from_the_file_and_said_so(tmp_path: Path, evidence_copy: Path):
    path = write_docx(tmp_path / "partner.docx", [("heading", "Findings"),
                                                 ("para", "Teams met weekly (see 10.5555/partner.2020).")],
                      title="Partner report on Camden", author="Jones A")
    added = add_source(path, "camden", licence="not stated")
    assert set(added.guessed) == {"title", "authors", "year", "doi", "id"}
    src = load_source(added.source_file)
    assert src.title == "Partner report on Camden" and src.authors == ("Jones A",) and src.year == "n.d."
    assert src.doi == "10.5555/partner.2020" and src.id == "jones_nd"
    assert "guessed: [\"authors\", \"doi\", \"id\", \"title\", \"year\"]" in added.source_file.read_text()


def test_html_scripts_never_reach_the_source_file(tmp_path: Path, evidence_copy: Path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><script>alert('XSS')</script></head><body><main><h2>Results</h2>"
                    "<p onmouseover=\"steal()\">Teams shared records.</p><script>evil()</script></main></body></html>")
    added = add_source(page, "camden", **{**FLAGS, "venue": "", "url": "https://example.org/camden"})
    text = added.source_file.read_text(encoding="utf-8")
    assert "Teams shared records." in text
    assert "alert" not in text and "evil" not in text and "steal" not in text and "<script" not in text


def test_validate_passes_after_adding(tmp_path: Path, evidence_copy: Path):
    from workbook.pipeline.validate import validate_evidence

    add_source(report_pdf(tmp_path), "camden", **FLAGS)
    assert validate_evidence(evidence_copy) == []


# --- bad input: one message, nothing written --------------------------------------------------------------


def _bomb(folder: Path) -> Path:
    path = write_docx(folder / "bomb.docx", [("para", "x")])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/media/pad.xml", b"\0" * (40 * 1024 * 1024))
    return path


def _xxe(folder: Path) -> Path:
    path = write_docx(folder / "xxe.docx", [("para", "PLACEHOLDER")])
    from document_fixtures import rewrite_zip_member

    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode()
    head, rest = xml.split("?>", 1)
    evil = head + '?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]>' + rest.replace("PLACEHOLDER", "&x;")
    return rewrite_zip_member(path, "word/document.xml", evil.encode())


def _scan(folder: Path) -> Path:
    from reportlab.pdfgen import canvas

    path = folder / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.rect(40, 40, 500, 700, fill=1)
    c.showPage()
    c.save()
    return path


def _truncated(folder: Path) -> Path:
    data = report_pdf(folder).read_bytes()
    path = folder / "cut.pdf"
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def _unknown(folder: Path) -> Path:
    path = folder / "report.pages"
    path.write_bytes(b"whatever")
    return path


BAD = {
    "encrypted": (lambda f: report_pdf(f, user_password="pw"), {}, "encrypted"),
    "scanned": (_scan, {}, "ocrmypdf"),
    "truncated": (_truncated, {}, "truncated"),
    "zip bomb": (_bomb, {}, "zip bomb"),
    "external entities": (_xxe, {}, "entities"),
    "unknown extension": (_unknown, {}, "cannot read"),
    "duplicate source id": (report_pdf, {"source_id": "ling_2012"}, "already used"),
    "case id escaping": (report_pdf, {"case_id": "../outside"}, "not a valid identifier"),
    "case id absolute": (report_pdf, {"case_id": "/tmp/x"}, "not a valid identifier"),
    "source id escaping": (report_pdf, {"source_id": "../../etc/passwd"}, "not a valid identifier"),
    "doi and url": (report_pdf, {"doi": "10.1/x", "url": "https://x.org"}, "not both"),
    "bad doi": (report_pdf, {"doi": "not-a-doi"}, "not a DOI"),
    "no authors": (report_pdf, {"authors": ""}, "--authors"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_refused_and_changes_nothing(case: str, tmp_path: Path, evidence_copy: Path):
    make, overrides, words = BAD[case]
    path = make(tmp_path)
    kwargs = {**FLAGS, **overrides}
    case_id = kwargs.pop("case_id", "camden")
    before = snapshot(evidence_copy)
    with pytest.raises(WorkbookError) as info:
        add_source(path, case_id, **kwargs)
    message = str(info.value)
    assert words in message and "Fix:" in message and len(message.splitlines()) == 1
    assert snapshot(evidence_copy) == before


def test_file_over_the_size_limit_changes_nothing(tmp_path: Path, evidence_copy: Path, monkeypatch):
    path = report_pdf(tmp_path)
    monkeypatch.setenv("WORKBOOK_MAX_DOCUMENT_MB", "0.001")
    before = snapshot(evidence_copy)
    with pytest.raises(EvidenceError, match="limit"):
        add_source(path, "camden", **FLAGS)
    assert snapshot(evidence_copy) == before


def test_a_failure_while_writing_rolls_back_what_was_written(tmp_path: Path, evidence_copy: Path, monkeypatch):
    import workbook.extract.add_source as module

    real = module.write_text
    calls = []

    def failing(path, text):
        calls.append(path)
        if Path(path).name == "cases.yaml":
            raise OSError(28, "No space left on device", str(path))
        return real(path, text)

    monkeypatch.setattr(module, "write_text", failing)
    before = snapshot(evidence_copy)
    with pytest.raises(OSError):
        add_source(report_pdf(tmp_path), "camden", **FLAGS)
    assert snapshot(evidence_copy) == before
    assert not (evidence_copy / "documents" / "camden").exists() and not (evidence_copy / "sources" / "camden").exists()


def test_every_format_adds_and_validates(tmp_path: Path, evidence_copy: Path):
    from workbook.pipeline.validate import validate_evidence

    (tmp_path / "a.txt").write_text("Results\n\nTeams met weekly in the text file.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("## Results\n\nTeams met weekly in the Markdown file.\n", encoding="utf-8")
    (tmp_path / "c.html").write_text("<html><body><h2>Results</h2><p>Teams met weekly in the page.</p></body></html>")
    write_docx(tmp_path / "d.docx", [("heading", "Results"), ("para", "Teams met weekly in the Word file.")])
    for name in ("a.txt", "b.md", "c.html", "d.docx"):
        added = add_source(tmp_path / name, "camden", source_id=f"doc_{name[0]}", **FLAGS)
        src = load_source(added.source_file)
        assert src.original == f"documents/camden/doc_{name[0]}{Path(name).suffix}"
        assert [p.locator for p in src.paragraphs] == ["p. 1, Results"]
    assert validate_evidence(evidence_copy) == []


def test_a_case_id_is_not_taken_for_a_source_id(tmp_path: Path, evidence_copy: Path):
    added = add_source(report_pdf(tmp_path), "camden", source_id="english_pilots", **FLAGS)
    assert added.source_id == "english_pilots"
