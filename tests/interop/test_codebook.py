"""Codebooks: the framework exported as a schema-valid .qdc with stable GUIDs; other tools' codebooks read back."""
import pytest

from refi_fixtures import CNS, G, validate_with_shared
from workbook.core.errors import EvidenceError
from workbook.interop.codebook import framework_codebook, qdc_bytes, read_qdc


def test_export_passes_the_published_schema(framework):
    assert validate_with_shared(qdc_bytes(framework_codebook(framework)), "Codebook.xsd") == []


def test_export_holds_dimensions_items_and_polarity_with_stable_guids(framework, tmp_path):
    first, second = qdc_bytes(framework_codebook(framework)), qdc_bytes(framework_codebook(framework))
    assert first == second
    path = tmp_path / "book.qdc"
    path.write_bytes(first)
    book = read_qdc(path)
    top = {c.name: c for c in book.codes}
    assert [d.label for d in framework.dimensions] == [c.name for c in book.codes[:-1]]
    vision = framework.dimension("vision")
    assert top["Vision"].description == vision.definition
    assert [c.name.split(":")[0] for c in top["Vision"].children] == [r.id.split(".")[1] for r in vision.requires]
    assert not top["Polarity"].codable and [c.name for c in top["Polarity"].children] == ["barrier", "facilitator",
                                                                                            "neutral"]
    assert book.tolerated == []
    assert b"<Sets" not in first  # an empty <Sets/> fails the schema


def write(tmp_path, xml: str):
    path = tmp_path / "other.qdc"
    path.write_text(xml, encoding="utf-8")
    return path


def test_taguette_style_codebook_is_read_with_every_code(tmp_path):
    # Taguette 1.5.2: no descriptions, hierarchy as 'parent/child' in one name, an empty <Sets/>
    xml = (f'<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="{CNS}" origin="Taguette 1.5.2"><Codes>'
           f'<Code guid="{G["code_lead"]}" name="people" isCodable="true"/>'
           f'<Code guid="{G["code_child"]}" name="places/coastal towns" isCodable="true"/>'
           f'<Code guid="{G["code_stigma"]}" name="places" isCodable="true"/>'
           f'<Code guid="{G["code_parent"]}" name="feelings/shame/hidden" isCodable="true"/>'
           f'</Codes><Sets/></CodeBook>')
    book = read_qdc(write(tmp_path, xml))
    paths = {c.path for c in book.walk()}
    assert {"people", "places", "places/coastal towns", "feelings/shame/hidden"} <= paths
    assert next(c for c in book.walk() if c.path == "feelings").codable is False  # made up as a grouping
    assert any("<Sets/>" in t for t in book.tolerated) and any("parent/child" in t for t in book.tolerated)


def test_nested_codes_sets_and_other_attribute_orders_are_read(tmp_path):
    xml = (f'<CodeBook origin="ATLAS.ti" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           f'xsi:schemaLocation="urn:QDA-XML:codebook:1.0 Codebook.xsd" xmlns="{CNS}"><Codes>'
           f'<Code isCodable="false" name="Context" guid="{{{G["code_parent"].lower()}}}" color="#46AA00">'
           f'<Description>Where it happened</Description>'
           f'<Code color="#fff" name="Rural" guid="{G["code_child"]}" isCodable="true"/></Code></Codes>'
           f'<Sets><Set name="group" guid="{G["set"]}"><Description>a set</Description>'
           f'<MemberCode guid="{G["code_child"]}"/></Set></Sets></CodeBook>')
    book = read_qdc(write(tmp_path, xml))
    assert [c.path for c in book.walk()] == ["Context", "Context/Rural"]
    assert book.sets[0].name == "group" and book.sets[0].members == [G["code_child"]]
    assert book.tolerated == []


def test_a_set_naming_an_unknown_code_is_refused(tmp_path):
    xml = (f'<CodeBook xmlns="{CNS}"><Codes><Code name="A" guid="{G["code_child"]}" isCodable="true"/></Codes>'
           f'<Sets><Set name="s" guid="{G["set"]}"><MemberCode guid="{G["code_lead"]}"/></Set></Sets></CodeBook>')
    with pytest.raises(EvidenceError, match="not in the codebook"):
        read_qdc(write(tmp_path, xml))


def test_a_codebook_failing_the_schema_is_refused(tmp_path):
    xml = f'<CodeBook xmlns="{CNS}"><Codes><Code name="A" isCodable="true"/></Codes></CodeBook>'  # no guid
    with pytest.raises(EvidenceError, match="Codebook.xsd"):
        read_qdc(write(tmp_path, xml))
