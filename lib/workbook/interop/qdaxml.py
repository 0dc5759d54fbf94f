"""QDA-XML documents: safe parsing of untrusted XML, what other tools' deviations are tolerated, schema checks."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

from workbook.core.errors import EvidenceError, problem
from workbook.interop.guids import normalise_guid

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMA_FILES = {CODEBOOK_NS: "Codebook.xsd", PROJECT_NS: "Project.xsd"}
CONTAINERS = frozenset({"Users", "Codes", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs"})
"""Elements the schema requires to hold at least one child; other tools write them empty (e.g. `<Sets/>`)."""
MAX_XML_BYTES = 200 * 1024 * 1024


def _parser() -> etree.XMLParser:
    """An XML parser that never loads a DTD, never resolves an entity and never touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def parse_untrusted(data: bytes, where: str) -> etree._Element:
    """Parse XML from another program; a DOCTYPE or entity declaration is refused, never resolved."""
    fix = "export the file again from the tool that made it; REFI-QDA files never need a DTD or entities."
    if len(data) > MAX_XML_BYTES:
        raise EvidenceError(problem(where, f"is {len(data)} bytes, more than the {MAX_XML_BYTES} accepted.", fix))
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise EvidenceError(problem(where, "declares a DOCTYPE or entities, which are refused (never resolved).", fix))
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if getattr(exc, "lineno", None) else None
        raise EvidenceError(problem(where, f"is not well-formed XML ({exc.msg}).", fix, line=line)) from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise EvidenceError(problem(where, f"cannot be read as XML ({exc}).", fix)) from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise EvidenceError(problem(where, "declares a DOCTYPE, which is refused (never resolved).", fix))
    return root


def local(tag: object) -> str:
    """An element's name without its namespace ('' for comments and the like)."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def normalise(root: etree._Element, namespace: str, where: str) -> list[str]:
    """Bring another tool's document to the schema's form in place; returns what was tolerated, in words.

    Tolerated: no namespace or another QDA-XML version's namespace (moved into `namespace`), elements and
    attributes in foreign namespaces (dropped), containers the schema requires to be non-empty written
    empty (dropped), and a Code without isCodable (taken as codable).
    """
    tolerated: list[str] = []
    root_ns = etree.QName(root).namespace
    if root_ns != namespace:
        if root_ns in SCHEMA_FILES:
            kind = {CODEBOOK_NS: "a codebook (.qdc)", PROJECT_NS: "a project (project.qde of a .qdpx)"}[root_ns]
            raise EvidenceError(problem(where, f"is {kind}, not what this command reads.",
                                        "use `workbook import-qdc` for a .qdc and `workbook import-qdpx` for a .qdpx."))
        if root_ns is None or root_ns.lower().startswith("urn:qda-xml:"):
            tolerated.append(f"namespace {root_ns or '(none)'} read as {namespace}")
        else:
            raise EvidenceError(problem(where, f"root element is in namespace {root_ns}, not REFI-QDA's {namespace}.",
                                        "give a REFI-QDA file (.qdc codebook or .qdpx project)."))
    foreign_elements = foreign_attributes = 0
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        ns = etree.QName(el).namespace
        if ns not in (None, root_ns, namespace):
            if el.getparent() is not None:
                el.getparent().remove(el)
                foreign_elements += 1
            continue
        if ns != namespace:
            el.tag = etree.QName(namespace, local(el.tag)).text
        for name in list(el.attrib):
            attr_ns = etree.QName(name).namespace
            if attr_ns is not None and attr_ns != XSI_NS:
                del el.attrib[name]
                foreign_attributes += 1
    if foreign_elements or foreign_attributes:
        tolerated.append(f"{foreign_elements} element(s) and {foreign_attributes} attribute(s) in other "
                         f"namespaces ignored")
    etree.cleanup_namespaces(root)
    emptied = 0
    for el in list(root.iter()):
        if isinstance(el.tag, str) and local(el.tag) in CONTAINERS and len(el) == 0 and el.getparent() is not None \
                and not (local(el.tag) == "Codes" and local(el.getparent().tag) == "CodeBook"):
            el.getparent().remove(el)
            emptied += 1
    if emptied:
        tolerated.append(f"{emptied} empty container element(s) (such as <Sets/>) dropped; the schema refuses them")
    no_flag = 0
    for el in root.iter(f"{{{namespace}}}Code"):
        if "isCodable" not in el.attrib:
            el.set("isCodable", "true")
            no_flag += 1
    if no_flag:
        tolerated.append(f"{no_flag} code(s) without isCodable taken as codable")
    return tolerated


@lru_cache(maxsize=None)
def schema(namespace: str) -> etree.XMLSchema:
    """The shipped REFI-QDA schema of a namespace (Codebook.xsd or Project.xsd)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / SCHEMA_FILES[namespace]), _parser()))


def schema_errors(root: etree._Element, namespace: str) -> list[tuple[int, str]]:
    """(line, message) for every way the document breaks its schema (empty when valid)."""
    checker = schema(namespace)
    if checker.validate(root.getroottree()):
        return []
    return [(e.line, e.message) for e in checker.error_log]


def check_schema(root: etree._Element, namespace: str, where: str) -> None:
    """Raise one EvidenceError listing the first schema violations (line and message) of a document."""
    errors = schema_errors(root, namespace)
    if errors:
        line, msg = errors[0]
        more = f" ({len(errors) - 1} more schema error(s) after it)" if len(errors) > 1 else ""
        raise EvidenceError(problem(where, f"fails the REFI-QDA schema {SCHEMA_FILES[namespace]}: {msg}{more}",
                                    "export it again from its tool, or correct the element named.", line=line or None))


def check_unique_guids(root: etree._Element, where: str) -> None:
    """Refuse a document in which two elements carry the same guid (with both lines named)."""
    seen: dict[str, int] = {}
    problems = []
    for el in root.iter():
        if not isinstance(el.tag, str) or "guid" not in el.attrib or local(el.tag) == "MemberCode":
            continue  # a codebook's <MemberCode guid=...> refers to a code; it is not a GUID of its own
        key = normalise_guid(el.get("guid"))
        if key in seen:
            problems.append(problem(where, f"duplicate GUID {el.get('guid')} on <{local(el.tag)}> (first used on "
                                    f"line {seen[key]}).", "give every element its own GUID (export again from "
                                    "its tool).", line=el.sourceline))
        else:
            seen[key] = el.sourceline or 0
    if problems:
        raise EvidenceError(problems[0])  # one message: the first duplicate, located


def serialise(root: etree._Element) -> bytes:
    """A document as UTF-8 bytes with an XML declaration, indented."""
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def load_document(data: bytes, namespace: str, where: str) -> tuple[etree._Element, list[str]]:
    """Parse, normalise and check (schema, unique GUIDs) a REFI-QDA document; returns it and what was tolerated."""
    root = parse_untrusted(data, where)
    tolerated = normalise(root, namespace, where)
    # line numbers of the original survive normalisation, so errors point into the user's file
    check_schema(root, namespace, where)
    check_unique_guids(root, where)
    return root, tolerated
