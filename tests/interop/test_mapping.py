"""Maps from other tools' codes to the framework: certain matches, suggestions, and map files checked."""
import pytest
import yaml

from refi_fixtures import CNS, G
from workbook.core.errors import EvidenceError
from workbook.interop.codebook import framework_codebook, read_qdc
from workbook.interop.mapping import load_map, resolve, suggest_map, write_suggested_map


@pytest.fixture
def other_book(tmp_path):
    xml = (f'<CodeBook xmlns="{CNS}"><Codes>'
           f'<Code guid="{G["code_lead"]}" name="LEADERSHIP" isCodable="true"/>'
           f'<Code guid="{G["code_barrier"]}" name="Barriers" isCodable="true"/>'
           f'<Code guid="{G["code_parent"]}" name="Shared records" isCodable="true">'
           f'<Description>Data and records shared across the local system.</Description></Code>'
           f'<Code guid="{G["code_stigma"]}" name="Stigma" isCodable="true"/></Codes></CodeBook>')
    path = tmp_path / "other.qdc"
    path.write_text(xml)
    return read_qdc(path)


def test_the_workbook_codebook_maps_back_completely(framework):
    book = framework_codebook(framework)
    res = resolve(book, framework)
    assert res.unmapped == []
    assert {t.value for t in res.targets.values() if t.kind == "dimension"} == set(framework.dimension_ids)
    assert {t.value for t in res.targets.values() if t.kind == "requirement"} == {r.id for r in framework.requirements}


def test_without_a_map_only_certain_matches_are_used_and_the_rest_listed(framework, other_book):
    res = resolve(other_book, framework)
    assert {t.value for t in res.targets.values()} == {"leadership", "barrier"}
    assert [c.name for c in res.unmapped] == ["Shared records", "Stigma"]


def test_suggested_map_guesses_from_words_and_leaves_the_rest_empty(framework, other_book):
    data = yaml.safe_load(suggest_map(other_book, framework))["codes"]
    assert data == {"LEADERSHIP": "leadership", "Barriers": "barrier", "Shared records": "local_context",
                    "Stigma": None}
    assert "GUESS" in suggest_map(other_book, framework)


def test_a_map_file_is_applied(framework, other_book, tmp_path):
    path = tmp_path / "map.yaml"
    write_suggested_map(other_book, framework, path)
    res = resolve(other_book, framework, load_map(path, framework, other_book))
    assert [c.name for c in res.unmapped] == ["Stigma"]
    with pytest.raises(EvidenceError, match="never overwrites"):
        write_suggested_map(other_book, framework, path)


def test_a_bad_map_names_the_line_and_the_fix(framework, other_book, tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text('codes:\n  "Stigma": culture\n  "Barriers": hindrance\n  "Nope": vision\n')
    with pytest.raises(EvidenceError) as info:
        load_map(path, framework, other_book)
    text = str(info.value)
    assert "map.yaml:3" in text and "'hindrance'" in text and "map.yaml:4" in text and "'Nope'" in text
