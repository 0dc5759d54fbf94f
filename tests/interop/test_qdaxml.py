"""Untrusted QDA-XML: DTDs and entities refused, other tools' namespaces tolerated, schema errors located."""
import pytest

from refi_fixtures import CNS, G
from workbook.core.errors import EvidenceError
from workbook.interop.qdaxml import CODEBOOK_NS, PROJECT_NS, load_document, parse_untrusted

GOOD = (f'<CodeBook xmlns="{CNS}"><Codes><Code guid="{G["code_lead"]}" name="Leadership" isCodable="true"/>'
        f'</Codes></CodeBook>').encode()


def test_external_entities_are_refused_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xml = (f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>'
           f'<Project xmlns="{PROJECT_NS}" name="&x;"/>').encode()
    with pytest.raises(EvidenceError) as info:
        parse_untrusted(xml, "project.qde")
    assert "DOCTYPE" in str(info.value) and "TOP SECRET" not in str(info.value)


def test_a_dtd_alone_is_refused():
    with pytest.raises(EvidenceError, match="DOCTYPE"):
        parse_untrusted(b'<!DOCTYPE Project SYSTEM "http://example.org/x.dtd"><Project/>', "project.qde")


def test_a_doctype_in_another_encoding_is_caught_after_parsing():
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>'.encode("utf-16")
    with pytest.raises(EvidenceError, match="DOCTYPE"):
        parse_untrusted(xml, "x.qdc")


def test_malformed_xml_names_the_line():
    with pytest.raises(EvidenceError) as info:
        parse_untrusted(b"<CodeBook>\n<Codes>\n</CodeBook>", "book.qdc")
    assert "book.qdc:3" in str(info.value) and "not well-formed" in str(info.value)


def test_foreign_namespaces_and_no_namespace_are_tolerated_and_said():
    xml = (f'<CodeBook xmlns:v="urn:vendor" v:build="7"><Codes><Code name="A" guid="{G["code_lead"]}" '
           f'isCodable="true" v:colour="red"><v:extra/></Code></Codes></CodeBook>').encode()
    root, tolerated = load_document(xml, CODEBOOK_NS, "book.qdc")
    assert root.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    assert any("namespace (none)" in t for t in tolerated)
    assert any("1 element(s) and 2 attribute(s) in other namespaces" in t for t in tolerated)


def test_empty_sets_are_dropped_and_said():
    xml = GOOD.replace(b"</Codes>", b"</Codes><Sets/>")
    _, tolerated = load_document(xml, CODEBOOK_NS, "book.qdc")
    assert any("<Sets/>" in t for t in tolerated)


def test_xml_failing_the_schema_is_refused_with_its_line():
    xml = GOOD.replace(b'isCodable="true"', b'isCodable="maybe"').replace(b"<Codes>", b"\n<Codes>\n")
    with pytest.raises(EvidenceError) as info:
        load_document(xml, CODEBOOK_NS, "book.qdc")
    assert "book.qdc:3" in str(info.value) and "Codebook.xsd" in str(info.value)


def test_duplicate_guids_are_refused_naming_both_lines():
    xml = (f'<CodeBook xmlns="{CNS}"><Codes>\n<Code guid="{G["code_lead"]}" name="A" isCodable="true"/>\n'
           f'<Code guid="{{{G["code_lead"].lower()}}}" name="B" isCodable="true"/></Codes></CodeBook>').encode()
    with pytest.raises(EvidenceError) as info:
        load_document(xml, CODEBOOK_NS, "book.qdc")
    assert "duplicate GUID" in str(info.value) and "line 2" in str(info.value) and "book.qdc:3" in str(info.value)


def test_a_codebook_given_where_a_project_is_expected_says_which_command():
    with pytest.raises(EvidenceError, match="import-qdc"):
        load_document(GOOD, PROJECT_NS, "project.qde")
