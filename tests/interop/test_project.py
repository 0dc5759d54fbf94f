"""Projects: the export is schema-valid with exact offsets; other tools' projects are read, offsets reconciled."""
import io
import zipfile

import pytest

from refi_fixtures import (G, INTERVIEW, coding, content, export_cases, interview_qdpx, make_zip, project_xml,
                           selection, text_source, validate_with_shared)
from workbook.core.errors import EvidenceError
from workbook.interop.project import choose_offsets, locator_at, plain_text, read_project


@pytest.fixture(scope="module")
def shipped() -> bytes:
    return export_cases(["torbay"])


def test_export_passes_the_published_schema(shipped):
    with zipfile.ZipFile(io.BytesIO(shipped)) as zf:
        assert validate_with_shared(zf.read("project.qde"), "Project.xsd") == []
        assert all(n == "project.qde" or n.startswith("sources/") and n.endswith(".txt") for n in zf.namelist())


def test_every_finding_is_a_selection_at_its_exact_offsets(shipped):
    from workbook.pipeline.stages import extract_case, resolve
    from workbook.evidence.cases import get_case

    settings = resolve()
    findings = extract_case(get_case("torbay"), settings.framework)
    got = content(shipped)
    selected = {text for (_, _, _, text) in got["selections"].values()}
    assert selected == set(findings["statement"])
    assert len(got["selections"]) == len(findings)


def test_users_codings_and_notes_are_exported(shipped, framework):
    from workbook.coding.reviews import load_reviews

    got = content(shipped)
    decisions = load_reviews("torbay", framework).decisions
    assert set(got["users"].values()) == {"automatic coder", *decisions["reviewer"]}
    reviewer_guids = {g for g, name in got["users"].items() if name != "automatic coder"}
    by_reviewers = [c for c in got["codings"].values() if c[2] in reviewer_guids]
    assert {c[3][:10] for c in by_reviewers} == set(decisions["date"])
    assert len(got["notes"]) == (decisions["note"].fillna("").str.strip() != "").sum()


def test_repeated_exports_agree(shipped):
    assert content(export_cases(["torbay"])) == content(shipped)


def test_plain_text_offsets_are_character_offsets():
    text, offsets = plain_text([("a", "p. 1", "Café naïve – über"), ("b", "p. 2", "Second 😀 one")])
    assert text[slice(*offsets["a"])] == "Café naïve – über" and text[slice(*offsets["b"])] == "Second 😀 one"
    assert locator_at(text, offsets["b"][0]) == "p. 2" and locator_at("no heads\nhere", 10) == "line 2"


@pytest.mark.parametrize("crlf_counted", [True, False])
def test_crlf_offsets_counted_either_way_land_on_the_same_text(tmp_path, crlf_counted):
    project = read_project(interview_qdpx(tmp_path, crlf_counted=crlf_counted))
    mode, placed, misfits = choose_offsets(project.sources[0])
    flat = INTERVIEW.replace("\r\n", "\n")
    assert misfits == []
    assert flat[slice(*placed[G["sel1"].lower()])] == "The new manager gave us clear leadership from the start."
    assert mode == ("characters" if crlf_counted else "characters without CR")


def test_utf8_byte_offsets_are_recognised_by_the_selection_names(tmp_path):
    text = "Überblick: die Pflege\nDas Team arbeitet gut zusammen.\n"
    target = "Das Team arbeitet gut zusammen."
    start = len(text[:text.index(target)].encode())
    sel = selection(G["sel1"], start, start + len(target.encode()), coding(G["coding1"], G["code_lead"]),
                    name="Das Team arbeitet gut")
    xml = project_xml(sources=f"<Sources>{text_source(G['source'], 'De', sel)}</Sources>")
    project = read_project(make_zip(tmp_path / "de.qdpx", {"project.qde": xml, f"sources/{G['source']}.txt": text}))
    mode, placed, _ = choose_offsets(project.sources[0])
    assert mode == "UTF-8 bytes" and text[slice(*placed[G["sel1"].lower()])] == target


def test_a_project_with_only_a_codebook_is_read(tmp_path):
    project = read_project(make_zip(tmp_path / "cb.qdpx", {"project.qde": project_xml(extra="<Sets/>")}))
    assert project.sources == [] and [c.name for c in project.codebook.codes] == ["Leadership", "Barriers", "Stigma"]
    assert any("<Sets/>" in t for t in project.tolerated)


def test_a_selection_pointing_to_a_missing_source_file_is_refused(tmp_path):
    xml = project_xml(sources=f"<Sources>{text_source(G['source'], 'gone', selection(G['sel1'], 0, 4))}</Sources>")
    with pytest.raises(EvidenceError) as info:
        read_project(make_zip(tmp_path / "p.qdpx", {"project.qde": xml}))
    assert "missing from the archive" in str(info.value) and len(info.value.problems) == 1


def test_a_case_pointing_to_a_missing_source_is_refused(tmp_path):
    cases = f'<Cases><Case guid="{G["case"]}" name="c"><SourceRef targetGUID="{G["source2"]}"/></Case></Cases>'
    with pytest.raises(EvidenceError, match="refers to source"):
        read_project(make_zip(tmp_path / "p.qdpx", {"project.qde": project_xml(cases=cases)}))


def test_a_coding_of_an_unknown_code_is_refused(tmp_path):
    sel = selection(G["sel1"], 0, 4, coding(G["coding1"], G["code_child"]))
    xml = project_xml(sources=f"<Sources>{text_source(G['source'], 's', sel)}</Sources>")
    with pytest.raises(EvidenceError, match="refers to code"):
        read_project(make_zip(tmp_path / "p.qdpx", {"project.qde": xml, f"sources/{G['source']}.txt": "abcdef"}))


def test_text_kept_outside_the_archive_is_never_read(tmp_path):
    xml = project_xml(sources=f"<Sources>{text_source(G['source'], 's', path='file:///etc/passwd')}</Sources>")
    with pytest.raises(EvidenceError, match="outside the project"):
        read_project(make_zip(tmp_path / "p.qdpx", {"project.qde": xml}))


def test_duplicate_guids_in_a_project_are_refused(tmp_path):
    sels = selection(G["sel1"], 0, 2) + selection(G["sel1"], 2, 4)
    xml = project_xml(sources=f"<Sources>{text_source(G['source'], 's', sels)}</Sources>")
    with pytest.raises(EvidenceError, match="duplicate GUID"):
        read_project(make_zip(tmp_path / "p.qdpx", {"project.qde": xml, f"sources/{G['source']}.txt": "abcd"}))


def test_a_project_failing_the_schema_is_refused(tmp_path):
    xml = project_xml(sources=f"<Sources>{text_source(G['source'], 's', selection(G['sel1'], 0, 4))}</Sources>")
    xml = xml.replace('startPosition="0"', 'startPosition="zero"')
    with pytest.raises(EvidenceError, match="Project.xsd"):
        read_project(make_zip(tmp_path / "p.qdpx", {"project.qde": xml, f"sources/{G['source']}.txt": "abcd"}))


def test_a_project_qde_with_an_external_entity_is_refused(tmp_path):
    xml = project_xml().replace('<?xml version="1.0" encoding="utf-8"?>\n',
                                '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n')
    with pytest.raises(EvidenceError, match="DOCTYPE"):
        read_project(make_zip(tmp_path / "p.qdpx", {"project.qde": xml}))


def test_an_automatic_coding_without_a_polarity_keeps_its_dimension_codes(framework):
    from refi_fixtures import NOW
    from workbook.coding.reviews import load_reviews
    from workbook.evidence.cases import get_case
    from workbook.extract.findings import load_case_sources
    from workbook.interop.codebook import dimension_guid
    from workbook.interop.project import AUTO_USER, CaseExport, export_project, user_guid
    from workbook.pipeline.stages import code_findings, extract_case, resolve

    settings = resolve()
    case = get_case("torbay")
    coded, _ = code_findings(extract_case(case, settings.framework), settings, "torbay")
    coded = coded.copy()
    first = coded.index[coded["auto_dimensions"] != ""][0]
    coded.loc[first, "auto_polarity"] = ""  # e.g. a coded table edited by hand
    empty = load_reviews("torbay", framework).decisions.iloc[0:0]
    data, _ = export_project(framework, [CaseExport(case, load_case_sources(case), coded, empty, None)], NOW)
    got = content(data)
    selection = next(g for g, s in got["selections"].items() if s[3] == coded.loc[first, "statement"])
    auto = {c[1] for c in got["codings"].values() if c[0] == selection and c[2] == user_guid(AUTO_USER)}
    wanted = {dimension_guid(framework, d) for d in coded.loc[first, "auto_dimensions"].split(";")}
    assert auto == wanted  # the dimensions, and no polarity code
