"""Projects (.qdpx): the coded evidence exported for other tools, and other tools' projects read back."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from lxml import etree

from workbook.core.errors import EvidenceError, problem
from workbook.evidence.cases import Case
from workbook.evidence.framework import Framework
from workbook.evidence.sources import Source
from workbook.interop.archive import Archive, open_archive
from workbook.interop.codebook import (Codebook, codes_element, dimension_guid, framework_codebook, parse_code,
                                       split_path_names)
from workbook.interop.guids import normalise_guid, stable_guid
from workbook.interop.qdaxml import PROJECT_NS, check_schema, load_document, local, serialise

NS = f"{{{PROJECT_NS}}}"
AUTO_USER = "auto"
"""The automatic coder as a user of the project (its `id`)."""
CONSENSUS_USER = "consensus"
"""Agreed (adjudicated) decisions as a user of the project (its `id`); its notes name who took part."""
USER_NAMES = {AUTO_USER: "automatic coder", CONSENSUS_USER: "consensus (agreed decision)"}
_AGREED = re.compile(r"^participants: (?P<people>.*); adjudicator: (?P<adjudicator>.+)$")
SOURCE_FIELDS = ("id", "authors", "year", "title", "venue", "doi", "url", "publisher", "licence", "kind", "read",
                 "date")
"""Bibliographic fields of a source, exported as text variables of its TextSource."""
CASE_FIELDS = ("id", "name", "setting", "period", "programme", "summary")
_HEADING = re.compile(r"^(?:#{1,6}\s+(?P<md>.+)|\[(?P<txt>.+)\]\s*)$")


# ---------------------------------------------------------------- the plain text of a source

def plain_text(rows: "list[tuple[str, str, str]]") -> tuple[str, dict[str, tuple[int, int]]]:
    """A source as plain text, `## locator` headings over `- statement` lines; and each finding's (start, end).

    rows are (finding id, locator, statement) in source order. Offsets are character (code point) offsets.
    """
    parts: list[str] = []
    size = 0
    offsets: dict[str, tuple[int, int]] = {}
    last: "str | None" = None

    def put(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)

    for fid, locator, statement in rows:
        if locator != last:
            put(("\n" if parts else "") + f"## {locator}\n\n")
            last = locator
        put("- ")
        offsets[fid] = (size, size + len(statement))
        put(statement + "\n")
    return "".join(parts), offsets


def _heading_locator(line: str) -> "str | None":
    """The locator a heading line names (as the source reader reads it), or None for other lines."""
    m = _HEADING.match(line.strip())
    if not m:
        return None
    text = m.group("md") if m.group("md") is not None else m.group("txt")
    if m.group("md") is not None:
        text = text.rstrip().rstrip("#").rstrip() or text[:1]
    return " ".join(text.split()) or None


def locator_at(text: str, position: int) -> str:
    """The locator of a position: the last heading above it, else its line number ('line 12')."""
    before = text[:position]
    for line in reversed(before.split("\n")[:-1] + [""]):
        found = _heading_locator(line)
        if found:
            return found
    return f"line {before.count(chr(10)) + 1}"


# ---------------------------------------------------------------- export

@dataclass
class CaseExport:
    """One case to export: its record, sources, coded findings and every reviewer decision (with history)."""

    case: Case
    sources: list[Source]
    coded: pd.DataFrame
    """finding_id, source, locator, statement, auto_dimensions, auto_polarity (one row per finding)."""
    decisions: pd.DataFrame
    """finding_id, dimensions, polarity, reviewer, date, note (every decision, in file order)."""
    consensus: "pd.DataFrame | None" = None
    """finding_id, dimensions, polarity, participants, reviewer (the adjudicator), date, note."""


@dataclass
class ExportSummary:
    """What an export holds, for the command's message."""

    sources: int = 0
    selections: int = 0
    codings: int = 0
    users: int = 0
    notes: int = 0
    orphaned: int = 0


def _cell(value: object) -> str:
    """A table cell as text ('' for missing)."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _split(value: object) -> list[str]:
    """A ';'-joined cell as a list."""
    return [p.strip() for p in _cell(value).split(";") if p.strip()]


def _stamp(moment: dt.datetime) -> str:
    """An xsd:dateTime in UTC."""
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day_stamp(day: str) -> str:
    """A decision's date (YYYY-MM-DD, or a timestamp) as an xsd:dateTime in UTC (a date at midnight)."""
    if "T" not in day:
        return f"{day}T00:00:00Z"
    moment = dt.datetime.fromisoformat(day.replace("Z", "+00:00"))
    return _stamp(moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc))


def _variables(framework: Framework) -> dict[str, str]:
    """GUIDs of the exported text variables (source and case fields)."""
    names = [f"source {f}" for f in SOURCE_FIELDS] + [f"case {f}" for f in CASE_FIELDS]
    return {n: stable_guid("variable", framework.id, n) for n in names}


def _value(parent: etree._Element, var_guid: str, text: str) -> None:
    """Append a text VariableValue."""
    vv = etree.SubElement(parent, NS + "VariableValue")
    etree.SubElement(vv, NS + "VariableRef", targetGUID=var_guid)
    etree.SubElement(vv, NS + "TextValue").text = text


def source_fields(src: Source) -> dict[str, str]:
    """A source's bibliographic fields as text (authors joined by '; '); empty fields left out."""
    values = {"id": src.id, "authors": "; ".join(src.authors), "year": str(src.year), "title": src.title,
              "venue": src.venue, "doi": src.doi, "url": src.url, "publisher": src.publisher,
              "licence": src.licence, "kind": src.kind, "read": src.read, "date": _front_date(src)}
    return {k: str(v) for k, v in values.items() if _cell(v)}


def _front_date(src: Source) -> str:
    """The `date` field of a source's front matter ('' when absent); the Source record does not keep it."""
    try:
        text = Path(src.path).read_text(encoding="utf-8-sig")
    except OSError:
        return ""
    match = re.match(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", text, re.S)
    data = yaml.safe_load(match.group(1)) if match else None
    return str(data.get("date", "")) if isinstance(data, dict) and data.get("date") is not None else ""


def _decisions_by_finding(c: CaseExport) -> dict[str, list[tuple[str, str, str, str, str, str]]]:
    """(user, date, dimensions, polarity, note, who agreed) per finding: each reviewer's decisions (the last of a
    reviewer and date), then the consensus decisions as the consensus user's, naming who took part."""
    out: dict[str, list] = {}
    decisions = c.decisions
    if not decisions.empty:
        for d in decisions.drop_duplicates(["finding_id", "reviewer", "date"], keep="last").itertuples(index=False):
            out.setdefault(d.finding_id, []).append((_cell(d.reviewer), _cell(d.date), _cell(d.dimensions),
                                                     _cell(d.polarity), _cell(d.note), ""))
    agreed = c.consensus if c.consensus is not None else pd.DataFrame()
    if not agreed.empty:
        for d in agreed.drop_duplicates(["finding_id", "date"], keep="last").itertuples(index=False):
            who = f"participants: {_cell(d.participants)}; adjudicator: {_cell(d.reviewer)}"
            out.setdefault(d.finding_id, []).append((CONSENSUS_USER, _cell(d.date), _cell(d.dimensions),
                                                     _cell(d.polarity), _cell(d.note), who))
    return out


def agreed_by(description: str) -> "tuple[list[str], str] | None":
    """The participants and adjudicator a consensus note's description names, or None."""
    m = _AGREED.match(" ".join(description.split()))
    if not m:
        return None
    return [p.strip() for p in m.group("people").split(";") if p.strip()], m.group("adjudicator").strip()


def user_guid(name: str) -> str:
    """The stable GUID of a user (a reviewer, or the automatic coder)."""
    return stable_guid("user", name)


@dataclass
class _Export:
    """What every part of an export shares: the time stamp, the users' and codes' GUIDs, the notes and the counts."""

    stamp: str
    users: dict[str, str]
    dim_codes: dict[str, str]
    pol_codes: dict[str, str]
    summary: ExportSummary
    notes: list = field(default_factory=list)

    def codes(self, dims: str, polarity: str) -> list[str]:
        """The GUIDs of a finding's dimension codes and polarity code (unknown ones left out)."""
        return ([self.dim_codes[d] for d in _split(dims) if d in self.dim_codes]
                + ([self.pol_codes[polarity]] if polarity in self.pol_codes else []))


def _users(cases: list[CaseExport]) -> dict[str, str]:
    """Every user of the export (the coder, the consensus when there is one, each reviewer) and their GUIDs."""
    users = {AUTO_USER: user_guid(AUTO_USER)}
    for c in cases:
        if c.consensus is not None and not c.consensus.empty:
            users.setdefault(CONSENSUS_USER, user_guid(CONSENSUS_USER))
        for reviewer in c.decisions.get("reviewer", pd.Series(dtype=str)).tolist():
            users.setdefault(_cell(reviewer), user_guid(_cell(reviewer)))
    return users


def _selection(src_el: etree._Element, row: Any, start: int, end: int, short: str,
               decisions: list, ex: _Export) -> None:
    """One finding as a selection of its source: the coder's codes, each reviewer's, and their notes."""
    fid = row.finding_id
    sel = etree.SubElement(src_el, NS + "PlainTextSelection", guid=stable_guid("selection", fid), name=fid,
                           startPosition=str(start), endPosition=str(end), creatingUser=ex.users[AUTO_USER],
                           creationDateTime=ex.stamp)
    etree.SubElement(sel, NS + "Description").text = f"{row.locator} ({short})"
    ex.summary.selections += 1
    codings = [(AUTO_USER, ex.stamp, ex.codes(row.auto_dimensions, _cell(row.auto_polarity)))]
    note_refs = []
    for reviewer, day, dims, polarity, text, agreed in decisions:
        codings.append((reviewer, _day_stamp(day), ex.codes(dims, polarity)))
        if text.strip() or agreed:
            nguid = stable_guid("note", fid, reviewer, day)
            note = etree.Element(NS + "Note", guid=nguid, name=f"{USER_NAMES.get(reviewer, reviewer)} on {fid}",
                                 creatingUser=ex.users[reviewer], creationDateTime=_day_stamp(day))
            if agreed:
                etree.SubElement(note, NS + "Description").text = agreed
            etree.SubElement(note, NS + "PlainTextContent").text = text
            ex.notes.append(note)
            note_refs.append(nguid)
    for who, when, codes in codings:
        for code in codes:
            guid = stable_guid("coding", fid, who, "" if who == AUTO_USER else when, code)
            coding = etree.SubElement(sel, NS + "Coding", guid=guid, creatingUser=ex.users[who], creationDateTime=when)
            etree.SubElement(coding, NS + "CodeRef", targetGUID=code)
            ex.summary.codings += 1
    for nguid in note_refs:
        etree.SubElement(sel, NS + "NoteRef", targetGUID=nguid)


def _case(cases_el: etree._Element, sources_el: etree._Element, c: CaseExport, variables: dict[str, str],
          members: dict[str, str], ex: _Export) -> None:
    """One case with its variables, and each of its sources as a text source with its findings selected."""
    case_el = etree.SubElement(cases_el, NS + "Case", guid=stable_guid("case", c.case.id), name=c.case.name)
    if c.case.summary:
        etree.SubElement(case_el, NS + "Description").text = c.case.summary
    for fname in CASE_FIELDS:
        value = getattr(c.case, fname, "")
        if value:
            _value(case_el, variables[f"case {fname}"], str(value))
    by_finding = _decisions_by_finding(c)
    exported: set[str] = set()
    for src in c.sources:
        rows = c.coded[c.coded["source"] == src.id]
        text, offsets = plain_text(list(zip(rows["finding_id"], rows["locator"], rows["statement"])))
        sguid = stable_guid("source", src.id)
        etree.SubElement(case_el, NS + "SourceRef", targetGUID=sguid)
        src_el = etree.SubElement(sources_el, NS + "TextSource", guid=sguid, name=src.id,
                                  plainTextPath=f"internal://{sguid}.txt", creatingUser=ex.users[AUTO_USER],
                                  creationDateTime=ex.stamp)
        etree.SubElement(src_el, NS + "Description").text = src.citation()
        members[f"sources/{sguid}.txt"] = text
        ex.summary.sources += 1
        for row in rows.itertuples(index=False):
            _selection(src_el, row, *offsets[row.finding_id], src.short, by_finding.get(row.finding_id, ()), ex)
            exported.add(row.finding_id)
        for fname, value in source_fields(src).items():
            _value(src_el, variables[f"source {fname}"], value)
    ex.summary.orphaned += len(set(by_finding) - exported)


def export_project(framework: Framework, cases: list[CaseExport], now: dt.datetime,
                   name: str = "Integrated Care Evidence Workbook") -> tuple[bytes, ExportSummary]:
    """The .qdpx (zip bytes) of the given cases, with project.qde checked against Project.xsd first."""
    codebook = framework_codebook(framework)
    ex = _Export(_stamp(now), _users(cases), {d: dimension_guid(framework, d) for d in framework.dimension_ids},
                 {p.name: p.guid for p in codebook.codes[-1].children}, ExportSummary())
    variables = _variables(framework)
    root = etree.Element(NS + "Project", nsmap={None: PROJECT_NS}, name=name, origin="integrated-care-workbook",
                         creatingUserGUID=ex.users[AUTO_USER], creationDateTime=ex.stamp)
    users_el = etree.SubElement(root, NS + "Users")
    for uname, guid in ex.users.items():
        etree.SubElement(users_el, NS + "User", guid=guid, name=USER_NAMES.get(uname, uname), id=uname)
    ex.summary.users = len(ex.users)
    book = etree.SubElement(root, NS + "CodeBook")
    book.append(codes_element(codebook, PROJECT_NS))
    vars_el = etree.SubElement(root, NS + "Variables")
    for vname, guid in variables.items():
        etree.SubElement(vars_el, NS + "Variable", guid=guid, name=vname, typeOfVariable="Text")
    cases_el = etree.SubElement(root, NS + "Cases")
    sources_el = etree.SubElement(root, NS + "Sources")
    members: dict[str, str] = {}
    for c in cases:
        _case(cases_el, sources_el, c, variables, members, ex)
    if ex.notes:
        notes_el = etree.Element(NS + "Notes")
        notes_el.extend(ex.notes)
        sources_el.addnext(notes_el)
        ex.summary.notes = len(ex.notes)
    for container in (cases_el, sources_el):
        if len(container) == 0:
            root.remove(container)
    check_schema(root, PROJECT_NS, "the exported project.qde")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", serialise(root))
        for member, text in members.items():
            zf.writestr(member, text.encode("utf-8"))
    return buffer.getvalue(), ex.summary


# ---------------------------------------------------------------- import: reading a project

@dataclass
class Coding:
    """A code applied to a selection by a user at a time."""

    code: str
    user: str
    when: str


@dataclass
class Selection:
    """A coded stretch of a text source (offsets as read from the file, before any conversion)."""

    guid: str
    start: int
    end: int
    name: str = ""
    codings: list[Coding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    line: int = 0


@dataclass
class TextSource:
    """A text source of a project with its plain text and its selections."""

    guid: str
    name: str
    text: str
    description: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    selections: list[Selection] = field(default_factory=list)
    creating_user: str = ""
    created: str = ""
    line: int = 0


@dataclass
class Note:
    """A note (memo) of a project."""

    guid: str
    text: str
    user: str = ""
    when: str = ""
    description: str = ""


@dataclass
class ProjectCase:
    """A case of a project: its sources and selections by GUID."""

    guid: str
    name: str
    description: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    selections: list[str] = field(default_factory=list)


@dataclass
class Project:
    """A REFI-QDA project as read from a .qdpx."""

    path: str
    name: str
    origin: str
    users: dict[str, str]
    codebook: Codebook
    sources: list[TextSource]
    cases: list[ProjectCase]
    notes: dict[str, Note]
    tolerated: list[str] = field(default_factory=list)
    skipped_sources: list[str] = field(default_factory=list)


def _text_of(el: etree._Element, archive: Archive, where: str, what: str) -> str:
    """The plain text of a TextSource or Note: inline PlainTextContent, or its file inside the archive."""
    inline = el.find(NS + "PlainTextContent")
    path = el.get("plainTextPath")
    if inline is not None:
        return inline.text or ""
    if not path:
        return ""
    if path.startswith("internal://"):
        member = "sources/" + path[len("internal://"):]
    else:
        raise EvidenceError(problem(where, f"{what} keeps its text outside the project ({path!r}), which is never "
                                    "read.", "export the project with its sources embedded (internal://).",
                                    line=el.sourceline))
    if not archive.has(member):
        raise EvidenceError(problem(where, f"{what} points to {member}, which is missing from the archive.",
                                    "export the project again with its sources.", line=el.sourceline))
    data = archive.read(member)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvidenceError(problem(f"{archive.path}:{member}", f"is not UTF-8 text (byte {exc.start}).",
                                    "export the sources as UTF-8 plain text.")) from None


def _values(el: etree._Element, variables: dict[str, str]) -> dict[str, str]:
    """An element's VariableValues by variable name (text of whichever value element is present)."""
    out = {}
    for vv in el.findall(NS + "VariableValue"):
        ref = vv.find(NS + "VariableRef")
        name = variables.get(normalise_guid(ref.get("targetGUID"))) if ref is not None else None
        value = next((c.text for c in vv if local(c.tag) != "VariableRef"), None)
        if name and value is not None:
            out[name] = value.strip()
    return out


def read_project(path: "str | Path") -> Project:
    """Read and check a .qdpx: safe zip, schema, unique GUIDs, every reference resolving, every text readable."""
    archive = open_archive(path)
    where = f"{Path(path)}:project.qde"
    root, tolerated = load_document(archive.read("project.qde"), PROJECT_NS, where)
    users = {normalise_guid(u.get("guid")): (u.get("name") or u.get("id") or "").strip()
             for u in root.iterfind(f"{NS}Users/{NS}User")}
    book_el = root.find(f"{NS}CodeBook/{NS}Codes")
    codebook = Codebook([parse_code(el) for el in (book_el if book_el is not None else [])
                         if isinstance(el.tag, str) and local(el.tag) == "Code"], origin=root.get("origin", ""))
    if split_path_names(codebook):
        tolerated.append("code names written as 'parent/child' read as nested codes")
    codes = codebook.by_guid()
    variables = {normalise_guid(v.get("guid")): v.get("name", "") for v in root.iterfind(f"{NS}Variables/{NS}Variable")}
    notes = {}
    for el in root.iterfind(f"{NS}Notes/{NS}Note"):
        text = _text_of(el, archive, where, f"note {el.get('guid')}")
        notes[normalise_guid(el.get("guid"))] = Note(el.get("guid"), text, normalise_guid(el.get("creatingUser", "")),
                                                     el.get("creationDateTime", ""),
                                                     " ".join((el.findtext(NS + "Description") or "").split()))
    refs_problem = []

    def check_ref(guid: str, known: "dict | set", what: str, line: int) -> str:
        key = normalise_guid(guid)
        if key not in known:
            refs_problem.append(problem(where, f"{what} {guid}, which is not in the project.",
                                        "export the project again from its tool.", line=line))
        return key

    sources, skipped = [], []
    for el in root.iterfind(f"{NS}Sources/*"):
        if local(el.tag) != "TextSource":
            skipped.append(f"{local(el.tag)} {el.get('name') or el.get('guid')}")
            continue
        name = el.get("name") or el.get("guid")
        desc = el.find(NS + "Description")
        src = TextSource(el.get("guid"), name, _text_of(el, archive, where, f"source {name!r}"),
                         " ".join((desc.text or "").split()) if desc is not None else "", _values(el, variables),
                         creating_user=normalise_guid(el.get("creatingUser", "")),
                         created=el.get("creationDateTime", ""), line=el.sourceline or 0)
        for sel_el in el.iterfind(NS + "PlainTextSelection"):
            sel = Selection(sel_el.get("guid"), int(sel_el.get("startPosition")), int(sel_el.get("endPosition")),
                            sel_el.get("name", ""), line=sel_el.sourceline or 0)
            for coding in sel_el.iterfind(NS + "Coding"):
                ref = coding.find(NS + "CodeRef")
                code = check_ref(ref.get("targetGUID"), codes, "a coding refers to code", coding.sourceline or 0)
                sel.codings.append(Coding(code, normalise_guid(coding.get("creatingUser", "")),
                                          coding.get("creationDateTime", "")))
                sel.notes += [check_ref(n.get("targetGUID"), notes, "a coding refers to note", n.sourceline or 0)
                              for n in coding.iterfind(NS + "NoteRef")]
            sel.notes += [check_ref(n.get("targetGUID"), notes, "a selection refers to note", n.sourceline or 0)
                          for n in sel_el.iterfind(NS + "NoteRef")]
            src.selections.append(sel)
        sources.append(src)
    source_ids = {normalise_guid(s.guid) for s in sources}
    all_sources = {normalise_guid(el.get("guid")) for el in root.iterfind(f"{NS}Sources/*")}
    selection_ids = {normalise_guid(sel.guid) for s in sources for sel in s.selections}
    cases = []
    for el in root.iterfind(f"{NS}Cases/{NS}Case"):
        desc = el.find(NS + "Description")
        case = ProjectCase(el.get("guid"), el.get("name", ""), (desc.text or "").strip() if desc is not None else "",
                           _values(el, variables))
        case.sources = [check_ref(r.get("targetGUID"), all_sources, f"case {case.name!r} refers to source",
                                  r.sourceline or 0) for r in el.iterfind(NS + "SourceRef")]
        case.selections = [check_ref(r.get("targetGUID"), selection_ids, f"case {case.name!r} refers to selection",
                                     r.sourceline or 0) for r in el.iterfind(NS + "SelectionRef")]
        case.sources = [s for s in case.sources if s in source_ids]
        cases.append(case)
    if refs_problem:
        raise EvidenceError(refs_problem[0])  # one message: the first broken reference, located
    if skipped:
        tolerated.append(f"{len(skipped)} non-text source(s) not imported: {', '.join(skipped[:5])}")
    return Project(str(path), root.get("name", ""), root.get("origin", ""), users, codebook, sources, cases, notes,
                   tolerated, skipped)


# ---------------------------------------------------------------- offsets

OFFSET_MODES = ("characters", "characters without CR", "UTF-16 units", "UTF-8 bytes")


def _to_raw_char(text: str, position: int, mode: str) -> "int | None":
    """A position in `mode` as a character offset in `text` (None when it falls inside a character or outside)."""
    if position < 0:
        return None
    if mode == "characters":
        return position if position <= len(text) else None
    if mode == "characters without CR":
        return _lf_to_raw(text, position) if position <= len(text.replace("\r\n", "\n")) else None
    encoding, width = ("utf-16-le", 2) if mode == "UTF-16 units" else ("utf-8", 1)
    data = text.encode(encoding)
    if position * width > len(data):
        return None
    try:
        return len(data[:position * width].decode(encoding))
    except UnicodeDecodeError:
        return None


def _lf_to_raw(text: str, position: int) -> int:
    """A character offset counted with each CRLF as one character, as an offset in the raw text."""
    raw = flat = 0
    while flat < position and raw < len(text):
        raw += 2 if text.startswith("\r\n", raw) else 1
        flat += 1
    return raw


def to_lf(text: str, position: int) -> int:
    """A raw character offset as an offset in the text with CRLF (and lone CR) made LF."""
    return position - text[:position].count("\r\n")


def _boundary_score(text: str, start: int, end: int) -> int:
    """2 when a selection starts and ends at word boundaries, less when it cuts words."""
    ok_start = start == 0 or start >= len(text) or not (text[start - 1].isalnum() and text[start].isalnum())
    ok_end = end == 0 or end >= len(text) or not (text[end - 1].isalnum() and text[end].isalnum())
    return int(ok_start) + int(ok_end)


def _name_matches(text: str, sel: Selection, start: int, end: int) -> int:
    """1 when the selection's name is the start of its text (some tools name a selection by its text)."""
    name = " ".join(sel.name.split())
    return int(len(name) >= 8 and " ".join(text[start:end].split()).startswith(name.rstrip(".…")))


def choose_offsets(src: TextSource) -> tuple[str, dict[str, tuple[int, int]], list[Selection]]:
    """How a source's offsets were counted, each selection's (start, end) in its LF text, and those that do not fit."""
    text = src.text
    modes = ["characters"]
    if "\r\n" in text:
        modes.append("characters without CR")
    if any(ord(ch) > 0x7F for ch in text):
        modes.append("UTF-8 bytes")
    if any(ord(ch) > 0xFFFF for ch in text):
        modes.append("UTF-16 units")
    best: "tuple[tuple[int, int, int], str, dict, list] | None" = None
    for mode in modes:
        placed, misfits, names, bounds = {}, [], 0, 0
        for sel in src.selections:
            a, b = _to_raw_char(text, sel.start, mode), _to_raw_char(text, sel.end, mode)
            if a is None or b is None or a > b:
                misfits.append(sel)
                continue
            names += _name_matches(text, sel, a, b)
            bounds += _boundary_score(text, a, b)
            placed[normalise_guid(sel.guid)] = (to_lf(text, a), to_lf(text, b))
        score = (names, len(placed), bounds)
        if best is None or score > best[0]:
            best = (score, mode, placed, misfits)
    assert best is not None
    return best[1], best[2], best[3]
