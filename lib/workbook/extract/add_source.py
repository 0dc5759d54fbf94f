"""Adding a reviewer's document as a full-text source: original copied, text written with page locators, case listed."""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from workbook.core.atomic import write_bytes, write_text
from workbook.core.errors import EvidenceError, ParameterError, problem
from workbook.core.paths import ID_PATTERN, check_id, contained, evidence_dir
from workbook.core.yamlio import parse_yaml
from workbook.evidence.cases import PLACEHOLDER, case_problems, cases_path, with_source_added
from workbook.evidence.sources import SOURCE_SUFFIXES, parse_source
from workbook.extract.documents import Document, check_suffix, read_document

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


@dataclass
class AddedSource:
    """What add_source did: the files written, whether the case was new, and which fields were guessed."""

    case_id: str
    source_id: str
    source_file: Path
    original: Path
    created_case: bool
    pages: int
    paragraphs: int
    guessed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _slug(text: str) -> str:
    """Lower-case ASCII letters, digits and underscores from any text ('Müller-Ort' -> 'muller_ort')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", ascii_text)).strip("_")


def _surname(author: str) -> str:
    """The family name of 'Smith J', 'J. Smith' or 'Smith, John'."""
    author = author.strip()
    if "," in author:
        return author.split(",")[0]
    tokens = [t for t in author.split() if not re.fullmatch(r"[A-Z]{1,3}\.?|[A-Z]\.(?:[A-Z]\.)*", t)]
    if not tokens:
        return author
    return tokens[0] if re.fullmatch(r"[A-Z]{1,3}\.?", author.split()[-1]) else tokens[-1]


def _known_source_ids(evidence: Path) -> set[str]:
    """Every source id listed in cases.yaml or present as a file under sources/ or documents/."""
    ids = {p.stem for p in (evidence / "sources").rglob("*") if p.is_file()} if (evidence / "sources").is_dir() else set()
    if (evidence / "documents").is_dir():
        ids |= {p.stem for p in (evidence / "documents").rglob("*") if p.is_file()}
    try:
        data = parse_yaml(cases_path(evidence).read_text(encoding="utf-8"), cases_path(evidence)).data
    except (EvidenceError, OSError, UnicodeDecodeError):
        return ids  # a broken cases.yaml is reported when the case is added
    for case in (data or {}).get("cases", []) if isinstance(data, dict) else []:
        if isinstance(case, dict) and isinstance(case.get("sources"), list):
            ids |= {str(sid) for sid in case["sources"]}
    return ids


def _derive_id(authors: list[str], year: "int | str", stem: str, taken: set[str]) -> str:
    """A free source id from the first author's surname and the year ('smith_2019'), else from the file name."""
    base = _slug(_surname(authors[0])) if authors else ""
    base = f"{base}_{year if isinstance(year, int) else 'nd'}" if base else _slug(stem)
    if not base or not base[0].isalpha():
        base = f"source_{base}".rstrip("_")
    base = base[:58].rstrip("_")
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def _check_flags(doi: str, url: str, year: "str | int | None") -> tuple[str, "int | str | None"]:
    """The DOI without a resolver prefix and the year as an integer (or 'n.d.'); bad flags refused."""
    if doi and url:
        raise ParameterError("give --doi or --url, not both. Fix: keep the DOI (the url follows from it).")
    doi = _DOI_PREFIX.sub("", doi.strip())
    if doi and not re.fullmatch(r"10\.\d{4,9}/\S+", doi):
        raise ParameterError(f"--doi {doi!r} is not a DOI. Fix: give it as 10.NNNN/suffix (e.g. 10.5334/ijic.982).")
    if url and not re.fullmatch(r"https?://\S+", url.strip()):
        raise ParameterError(f"--url {url!r} is not a web address. Fix: give it starting with https:// or http://.")
    if year in (None, ""):
        return doi, None
    if str(year).strip().lower() in ("n.d.", "nd"):
        return doi, "n.d."
    if not re.fullmatch(r"\d{4}", str(year).strip()) or not 1900 <= int(year) <= 2100:
        raise ParameterError(f"--year {year!r} is not a year. Fix: give four digits between 1900 and 2100, or n.d.")
    return doi, int(year)


def _front_matter(fields: dict) -> str:
    """YAML front matter with every string quoted (JSON strings are valid YAML)."""
    lines = ["---"]
    for key, value in fields.items():
        if value in ("", None, [], {}):
            continue
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _described(original: Path, meta: dict, *, authors: str, title: str, year: "int | None", doi: str, url: str,
               venue: str) -> "tuple[list[str], str, int | str, str, str, dict[str, str]]":
    """Authors, title, year, DOI and publisher from the flags, else from the file's metadata (what was guessed
    listed); refuses a document that names no author, title, or DOI, URL or venue."""
    guessed: dict[str, str] = {}
    author_list = [a.strip() for a in authors.split(";") if a.strip()] if authors else []
    if not author_list and meta.get("authors"):
        author_list = list(meta["authors"])
        guessed["authors"] = "; ".join(author_list)
    if not author_list:
        raise ParameterError(f"{original}: no authors were found in the file. Fix: give them with "
                             "--authors \"Surname A; Surname B\" (or the organisation's name).")
    if not title and meta.get("title"):
        title = meta["title"]
        guessed["title"] = title
    if not title:
        raise ParameterError(f"{original}: no title was found in the file. Fix: give it with --title \"...\".")
    year_value: "int | str"
    if year is not None:
        year_value = year
    elif meta.get("year"):
        year_value = int(meta["year"])
        guessed["year"] = f"{year_value} (from the file's own date, which may not be the publication year)"
    else:
        year_value = "n.d."
        guessed["year"] = "n.d. (no date found in the file)"
    if not doi and not url and meta.get("doi"):
        doi = _DOI_PREFIX.sub("", meta["doi"])
        if re.fullmatch(r"10\.\d{4,9}/\S+", doi):
            guessed["doi"] = doi
        else:
            doi = ""
    publisher = ""
    if not doi and not url:
        if not venue:
            raise ParameterError(f"{original}: no DOI was found in the file. Fix: give --doi or --url, or --venue "
                                 "naming who published it (e.g. --venue \"Camden Council\").")
        publisher = venue
    return author_list, title, year_value, doi, publisher, guessed


def _write_together(files: "list[tuple[Path, str | bytes]]") -> None:
    """Write each file atomically, in order; if one fails, remove those written and the folders made for them."""
    made_dirs = sorted({d for path, _ in files for d in (path.parent, path.parent.parent) if not d.exists()},
                       key=lambda d: len(d.parts), reverse=True)
    written: list[Path] = []
    try:
        for path, content in files:
            existed = path.exists()
            if isinstance(content, bytes):
                write_bytes(path, content)
            else:
                write_text(path, content)
            if not existed:
                written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for d in made_dirs:
            try:
                d.rmdir()
            except OSError:
                pass
        raise


def add_source(path: "str | Path", case_id: str, *, case_name: str = "", source_id: str = "", title: str = "",
               authors: str = "", year: "str | int | None" = None, venue: str = "", doi: str = "", url: str = "",
               licence: str = "", evidence: "Path | None" = None) -> AddedSource:
    """Add a document as a full-text source of a case; every check runs before anything in evidence/ is written."""
    original = Path(path)
    evidence = (evidence or evidence_dir()).resolve()
    check_id(case_id, "case id (--case)")
    if source_id:
        check_id(source_id, "source id (--id)")
    doi, year_value = _check_flags(doi, url, year)
    suffix = check_suffix(original)
    if not original.is_file():
        raise ParameterError(f"{original}: no such file. Fix: check the path of the document to add.")
    if not cases_path(evidence).is_file():
        raise EvidenceError(problem(cases_path(evidence), "is missing.", "run add-source inside a workbook project "
                                    "(or set WORKBOOK_EVIDENCE to its evidence folder)."))
    taken = _known_source_ids(evidence)
    if source_id and source_id in taken:
        raise EvidenceError(problem(cases_path(evidence), f"source id {source_id!r} is already used.",
                                    "choose another --id (source ids are unique across all cases)."))
    data = original.read_bytes()
    document: Document = read_document(original)
    author_list, title, year_value, doi, publisher, guessed = _described(
        original, document.metadata, authors=authors, title=title, year=year_value, doi=doi, url=url, venue=venue)

    if not source_id:
        source_id = _derive_id(author_list, year_value, original.stem, taken)
        guessed["id"] = source_id
    if not ID_PATTERN.fullmatch(source_id):
        raise ParameterError(f"source id {source_id!r} is not valid. Fix: give --id with lower-case letters, digits "
                             "and underscores.")

    source_file = contained(Path("sources") / case_id / f"{source_id}.md", evidence, "source file")
    copy = contained(Path("documents") / case_id / f"{source_id}{suffix}", evidence, "document copy")
    for existing in [source_file.with_suffix(s) for s in SOURCE_SUFFIXES] + [copy]:
        if existing.exists():
            raise EvidenceError(problem(existing, f"already exists, so source {source_id!r} is taken.",
                                        "choose another --id."))
    cases_file = cases_path(evidence)
    new_cases, created = with_source_added(cases_file.read_text(encoding="utf-8"), case_id, source_id,
                                           case_name, cases_file)
    found = case_problems(parse_yaml(new_cases, cases_file))
    if found:
        raise EvidenceError(found)

    pages = sum(1 for p in document.pages if p.blocks)
    fields = {"id": source_id, "case": case_id, "authors": author_list, "year": year_value, "title": title,
              "venue": venue if not publisher else "", "doi": doi, "url": url.strip(), "publisher": publisher,
              "licence": licence or "not stated", "kind": "fulltext",
              "read": f"full text of the {suffix[1:].upper()} file, extracted by workbook add-source",
              "original": f"documents/{case_id}/{source_id}{suffix}",
              "sha256": hashlib.sha256(data).hexdigest(), "pages": pages, "guessed": sorted(guessed)}
    text = _front_matter(fields) + "\n" + document.to_markdown()
    parsed = parse_source(text, source_file)  # the file must read back cleanly before anything is written

    _write_together([(copy, data), (source_file, text), (cases_file, new_cases)])
    notes = list(document.notes)
    if created:
        notes.append(f"case {case_id!r} was created in {cases_file.name}: replace '{PLACEHOLDER}' in its setting, "
                     "period and programme, and add a summary.")
    if not licence:
        notes.append("licence set to 'not stated': give --licence or edit the front matter if the document states one.")
    return AddedSource(case_id, source_id, source_file, copy, created, pages, len(parsed.paragraphs), guessed, notes)
