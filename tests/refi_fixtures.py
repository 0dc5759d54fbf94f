"""Builders of REFI-QDA files as other tools write them (hand-made from the schema and the specification)."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_REFI = ROOT.parent / "shared" / "refi"
NOW = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.timezone.utc)
PNS = "urn:QDA-XML:project:1.0"
CNS = "urn:QDA-XML:codebook:1.0"

G = {name: f"{i:08X}-0000-4000-8000-{i:012X}" for i, name in enumerate(
    ["user", "other_user", "code_lead", "code_barrier", "code_stigma", "code_parent", "code_child", "source",
     "sel1", "sel2", "coding1", "coding2", "coding3", "coding4", "note1", "case", "set", "source2", "sel3"], start=1)}
"""Fixed GUIDs for the hand-made files."""


def shared_schema(name: str) -> Path:
    """A published REFI-QDA schema from the shared folder; the test skips, saying why, when it is absent."""
    path = SHARED_REFI / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared REFI-QDA schemas exist in CI, not on users' machines)")
    return path


def validate_with_shared(data: bytes, name: str) -> list[str]:
    """Schema errors of a document against the published schema in ../shared/refi (empty when valid)."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(shared_schema(name))))
    doc = etree.fromstring(data)
    return [] if schema.validate(doc) else [f"{e.line}: {e.message}" for e in schema.error_log]


def make_zip(path: Path, members: "dict[str, bytes | str]") -> Path:
    """Write a zip with the given members (text encoded as UTF-8)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def project_xml(sources: str = "", codes: str = "", extra: str = "", users: str = "", notes: str = "",
                cases: str = "", root_attrs: str = 'name="Interviews" origin="OtherTool 3.1"') -> str:
    """A project.qde in the style of another tool (attributes in its own order, xsi schemaLocation)."""
    users = users or f'<Users><User name="Ann Coder" guid="{G["user"]}"/></Users>'
    codes = codes or (
        f'<CodeBook><Codes>'
        f'<Code name="Leadership" isCodable="true" guid="{G["code_lead"]}" color="#FF0000"><Description>Leaders</Description></Code>'
        f'<Code guid="{G["code_barrier"]}" isCodable="true" name="Barriers"/>'
        f'<Code guid="{G["code_stigma"]}" name="Stigma" isCodable="true"><Description>Feeling judged.</Description></Code>'
        f'</Codes></CodeBook>')
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="urn:QDA-XML:project:1.0 Project.xsd" {root_attrs} xmlns="{PNS}">'
            f'{users}{codes}{cases}{sources}{notes}{extra}</Project>')


def selection(guid: str, start: int, end: int, codings: str = "", name: str = "", notes: str = "") -> str:
    """A PlainTextSelection element."""
    named = f' name="{name}"' if name else ""
    return (f'<PlainTextSelection endPosition="{end}" startPosition="{start}" guid="{guid}"{named} '
            f'creatingUser="{G["user"]}">{codings}{notes}</PlainTextSelection>')


def coding(guid: str, code: str, user: str = "user", when: str = "2026-10-01T14:03:00Z") -> str:
    """A Coding element by a user."""
    return (f'<Coding creationDateTime="{when}" creatingUser="{G[user]}" guid="{guid}">'
            f'<CodeRef targetGUID="{code}"/></Coding>')


def text_source(guid: str, name: str, selections: str = "", path: str = "") -> str:
    """A TextSource whose text lives in sources/<guid>.txt."""
    return (f'<TextSource name="{name}" plainTextPath="{path or "internal://" + guid + ".txt"}" guid="{guid}" '
            f'creatingUser="{G["user"]}" creationDateTime="2026-09-30T10:00:00Z">{selections}</TextSource>')


INTERVIEW = ("Interview with a care coordinator\r\n"
             "\r\n"
             "The new manager gave us clear leadership from the start.\r\n"
             "But people still felt judged when they asked for help.\r\n")
"""A transcript with Windows line endings (CRLF)."""


def interview_qdpx(tmp_path: Path, crlf_counted: bool = True, extra_codes: str = "", **kw) -> Path:
    """A two-selection interview project; offsets counted with CRLF as two characters (or as one)."""
    text = INTERVIEW if crlf_counted else INTERVIEW.replace("\r\n", "\n")
    first = "The new manager gave us clear leadership from the start."
    second = "But people still felt judged when they asked for help."
    s1, s2 = text.index(first), text.index(second)
    sels = (selection(G["sel1"], s1, s1 + len(first), coding(G["coding1"], G["code_lead"]))
            + selection(G["sel2"], s2, s2 + len(second),
                        coding(G["coding2"], G["code_stigma"]) + coding(G["coding3"], G["code_barrier"]),
                        notes=f'<NoteRef targetGUID="{G["note1"]}"/>'))
    notes = (f'<Notes><Note guid="{G["note1"]}" name="memo" creatingUser="{G["user"]}" '
             f'creationDateTime="2026-10-01T15:00:00Z"><PlainTextContent>Stigma came up twice.</PlainTextContent>'
             f'</Note></Notes>')
    xml = project_xml(sources=f"<Sources>{text_source(G['source'], 'Interview 1', sels)}</Sources>", notes=notes, **kw)
    return make_zip(tmp_path / "interviews.qdpx", {"project.qde": xml, f"sources/{G['source']}.txt": INTERVIEW})


def empty_evidence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An evidence directory holding only the shipped framework, made the active one."""
    import shutil

    target = tmp_path / "evidence"
    target.mkdir(parents=True)
    shutil.copy(ROOT / "evidence" / "framework.yaml", target / "framework.yaml")
    monkeypatch.setenv("WORKBOOK_EVIDENCE", str(target))
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes (to show that nothing changed)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def zip_bytes(members: "dict[str, bytes]") -> bytes:
    """A zip archive in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def export_cases(case_ids: "list[str] | None" = None, now: dt.datetime = NOW) -> bytes:
    """The .qdpx of the active evidence directory, built as `workbook export-qdpx` builds it."""
    from workbook.coding.reviews import load_reviews
    from workbook.evidence.cases import load_cases
    from workbook.extract.findings import load_case_sources
    from workbook.interop.project import CaseExport, export_project
    from workbook.pipeline.stages import code_findings, extract_case, resolve

    settings = resolve()
    cases = load_cases(settings.evidence)
    exports = []
    for cid in case_ids or list(cases):
        findings = extract_case(cases[cid], settings.framework, settings.evidence)
        coded, _ = code_findings(findings, settings, cid)
        reviews = load_reviews(cid, settings.framework, settings.evidence)
        exports.append(CaseExport(cases[cid], load_case_sources(cases[cid], settings.evidence), coded,
                                  reviews.decisions, reviews.consensus))
    return export_project(settings.framework, exports, now)[0]


def content(qdpx: bytes) -> dict:
    """What a project holds, independent of bytes and order: users, sources, selections, codings, notes."""
    from lxml import etree

    ns = {"q": PNS}
    with zipfile.ZipFile(io.BytesIO(qdpx)) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        texts = {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n != "project.qde"}
    out: dict = {"users": {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", ns)},
                 "sources": {}, "selections": {}, "codings": {}, "notes": {}}
    for src in root.iterfind("q:Sources/q:TextSource", ns):
        text = texts[src.get("plainTextPath").replace("internal://", "sources/")]
        values = sorted((vv.find("q:VariableRef", ns).get("targetGUID"), vv.find("q:TextValue", ns).text)
                        for vv in src.iterfind("q:VariableValue", ns))
        out["sources"][src.get("guid")] = (src.get("name"), text, src.findtext("q:Description", None, ns), values)
        for sel in src.iterfind("q:PlainTextSelection", ns):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            out["selections"][sel.get("guid")] = (src.get("guid"), start, end, text[start:end])
            for c in sel.iterfind("q:Coding", ns):
                out["codings"][c.get("guid")] = (sel.get("guid"), c.find("q:CodeRef", ns).get("targetGUID"),
                                                 c.get("creatingUser"), c.get("creationDateTime"))
            for ref in sel.iterfind("q:NoteRef", ns):
                out["notes"][ref.get("targetGUID")] = sel.get("guid")
    for note in root.iterfind("q:Notes/q:Note", ns):
        out["notes"][note.get("guid")] = (out["notes"].get(note.get("guid")), note.findtext("q:PlainTextContent", None, ns),
                                          note.get("creatingUser"), note.get("creationDateTime"))
    return out
