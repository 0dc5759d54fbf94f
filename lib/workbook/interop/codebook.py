"""Codebooks: the framework as REFI-QDA codes (.qdc export) and other tools' codebooks read back (.qdc import)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from workbook.core.errors import EvidenceError, problem
from workbook.evidence.framework import POLARITIES, Framework
from workbook.interop.guids import normalise_guid, stable_guid
from workbook.interop.qdaxml import CODEBOOK_NS, check_schema, load_document, local, serialise

POLARITY_CODE = "Polarity"
"""The non-codable parent code whose children (barrier, facilitator, neutral) carry a finding's polarity."""
ORIGIN = "Integrated Care Evidence Workbook"
PATH_SEPARATOR = "/"


@dataclass
class Code:
    """One code of a codebook, with its children; `target` is what it means in the framework, if known."""

    guid: str
    name: str
    codable: bool = True
    description: str = ""
    color: str = ""
    children: list["Code"] = field(default_factory=list)
    parent_path: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The code's names from the top, joined by '/' (as Taguette writes a hierarchy)."""
        return PATH_SEPARATOR.join((*self.parent_path, self.name))


@dataclass
class CodeSet:
    """A set of codes (REFI-QDA Set): a grouping, not something applied to text."""

    guid: str
    name: str
    description: str = ""
    members: list[str] = field(default_factory=list)


@dataclass
class Codebook:
    """A codebook: its top-level codes, its sets, the program that wrote it and what the reader tolerated."""

    codes: list[Code]
    sets: list[CodeSet] = field(default_factory=list)
    origin: str = ""
    tolerated: list[str] = field(default_factory=list)

    def walk(self) -> list[Code]:
        """Every code, parents before children, in document order."""
        out: list[Code] = []

        def visit(code: Code) -> None:
            out.append(code)
            for child in code.children:
                visit(child)

        for code in self.codes:
            visit(code)
        return out

    def by_guid(self) -> dict[str, Code]:
        """Every code by its normalised GUID."""
        return {normalise_guid(c.guid): c for c in self.walk()}


def dimension_guid(framework: Framework, dimension_id: str) -> str:
    """The stable GUID of a dimension's code."""
    return stable_guid("code", framework.id, dimension_id)


def requirement_guid(framework: Framework, requirement_id: str) -> str:
    """The stable GUID of a "delivery requires" item's code."""
    return stable_guid("code", framework.id, "requires", requirement_id)


def polarity_guid(framework: Framework, polarity: str = "") -> str:
    """The stable GUID of a polarity code (or of the Polarity parent when polarity is '')."""
    return stable_guid("code", framework.id, "polarity", *([polarity] if polarity else []))


def requirement_name(requirement_id: str, text: str) -> str:
    """A requirement code's name: its short id and its text ('r1: The vision is ...'); '/' never appears in it."""
    return f"{requirement_id.split('.', 1)[1]}: {text}".replace("/", " or ")


POLARITY_DESCRIPTIONS = {
    "barrier": "The finding describes something that got in the way of integration.",
    "facilitator": "The finding describes something that helped integration.",
    "neutral": "The finding describes neither a barrier nor a facilitator (context, methods, mixed).",
}


def framework_codebook(framework: Framework) -> Codebook:
    """The framework as codes: a code per dimension with its items as children, and the polarity codes."""
    codes = []
    for dim in framework.dimensions:
        children = [Code(requirement_guid(framework, r.id), requirement_name(r.id, r.text), True,
                         f"{r.id}: delivery requires: {r.text}", parent_path=(dim.label,)) for r in dim.requires]
        codes.append(Code(dimension_guid(framework, dim.id), dim.label, True, dim.definition, children=children))
    polarity = Code(polarity_guid(framework), POLARITY_CODE, False,
                    "Whether a finding describes a barrier to or a facilitator of integration (apply one child).",
                    children=[Code(polarity_guid(framework, p), p, True, POLARITY_DESCRIPTIONS.get(p, ""),
                                   parent_path=(POLARITY_CODE,)) for p in POLARITIES])
    codes.append(polarity)
    return Codebook(codes, origin=ORIGIN)


def code_element(code: Code, namespace: str) -> etree._Element:
    """A <Code> element with its description and children (never an empty Description)."""
    el = etree.Element(f"{{{namespace}}}Code", guid=code.guid, name=code.name,
                       isCodable="true" if code.codable else "false")
    if code.color:
        el.set("color", code.color)
    if code.description:
        etree.SubElement(el, f"{{{namespace}}}Description").text = code.description
    for child in code.children:
        el.append(code_element(child, namespace))
    return el


def codes_element(codebook: Codebook, namespace: str) -> etree._Element:
    """The <Codes> element of a codebook."""
    codes = etree.Element(f"{{{namespace}}}Codes")
    for code in codebook.codes:
        codes.append(code_element(code, namespace))
    return codes


def qdc_bytes(codebook: Codebook) -> bytes:
    """A codebook as a .qdc document, checked against Codebook.xsd before it is returned."""
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS}, origin=codebook.origin or ORIGIN)
    root.append(codes_element(codebook, CODEBOOK_NS))
    if codebook.sets:  # an empty <Sets/> fails the schema, so it is left out
        sets = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Sets")
        for s in codebook.sets:
            el = etree.SubElement(sets, f"{{{CODEBOOK_NS}}}Set", guid=s.guid, name=s.name)
            if s.description:
                etree.SubElement(el, f"{{{CODEBOOK_NS}}}Description").text = s.description
            for member in s.members:
                etree.SubElement(el, f"{{{CODEBOOK_NS}}}MemberCode", guid=member)
    check_schema(root, CODEBOOK_NS, "the exported codebook")
    return serialise(root)


def parse_code(el: etree._Element, parent_path: tuple[str, ...] = ()) -> Code:
    """A <Code> element (of a codebook or a project) as a Code with its children."""
    ns = etree.QName(el).namespace
    desc = el.find(f"{{{ns}}}Description")
    code = Code(el.get("guid", ""), el.get("name", ""), el.get("isCodable", "true").strip().lower() in ("true", "1"),
                " ".join((desc.text or "").split()) if desc is not None else "", el.get("color", ""),
                parent_path=parent_path)
    code.children = [parse_code(child, (*parent_path, code.name)) for child in el
                     if isinstance(child.tag, str) and local(child.tag) == "Code"]
    return code


def split_path_names(codebook: Codebook) -> int:
    """Turn top-level codes named 'parent/child' (Taguette's hierarchy) into nested codes; returns how many."""
    moved = 0
    top: dict[str, Code] = {c.name: c for c in codebook.codes}
    kept: list[Code] = []
    for code in sorted(codebook.codes, key=lambda c: c.name.count(PATH_SEPARATOR)):
        parts = [p.strip() for p in code.name.split(PATH_SEPARATOR)]
        if len(parts) < 2 or not all(parts):
            kept.append(code)
            continue
        siblings = kept
        for depth, part in enumerate(parts[:-1]):
            found = next((c for c in siblings if c.name == part), None)
            if found is None:  # the parent was never a code of its own: a grouping, not codable
                found = Code(stable_guid("code-path", *parts[:depth + 1]), part, False,
                             parent_path=tuple(parts[:depth]))
                siblings.append(found)
            siblings = found.children
        code.name, code.parent_path = parts[-1], tuple(parts[:-1])
        siblings.append(code)
        moved += 1
    order = {id(c): i for i, c in enumerate(top.values())}
    codebook.codes = sorted(kept, key=lambda c: order.get(id(c), len(order)))
    return moved


def read_qdc(path: "str | Path") -> Codebook:
    """Read a .qdc codebook from any tool; deviations real tools write are tolerated and listed."""
    path = Path(path)
    if not path.is_file():
        raise EvidenceError(problem(path, "does not exist or is not a file.", "check the path."))
    root, tolerated = load_document(path.read_bytes(), CODEBOOK_NS, str(path))
    codes_el = root.find(f"{{{CODEBOOK_NS}}}Codes")
    codes = [parse_code(el) for el in codes_el if isinstance(el.tag, str) and local(el.tag) == "Code"]
    sets = []
    for el in root.iterfind(f"{{{CODEBOOK_NS}}}Sets/{{{CODEBOOK_NS}}}Set"):
        desc = el.find(f"{{{CODEBOOK_NS}}}Description")
        sets.append(CodeSet(el.get("guid"), el.get("name"), (desc.text or "").strip() if desc is not None else "",
                            [m.get("guid") for m in el.iterfind(f"{{{CODEBOOK_NS}}}MemberCode")]))
    book = Codebook(codes, sets, root.get("origin", ""), tolerated)
    moved = split_path_names(book)
    if moved:
        book.tolerated.append(f"{moved} code name(s) written as 'parent/child' read as nested codes")
    known = book.by_guid()
    missing = [m for s in sets for m in s.members if normalise_guid(m) not in known]
    if missing:
        raise EvidenceError(problem(path, f"a set names code GUID {missing[0]}, which is not in the codebook.",
                                    "export the codebook again from its tool."))
    return book
