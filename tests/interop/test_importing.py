"""Importing a project into evidence/: the round trip keeps everything; a failed import changes nothing."""
import pytest

from refi_fixtures import (G, content, coding, empty_evidence, export_cases, interview_qdpx, make_zip, project_xml,
                           selection, snapshot, text_source)
from workbook.core.errors import EvidenceError
from workbook.interop.importing import apply_import, plan_import
from workbook.interop.mapping import resolve
from workbook.interop.project import read_project


def import_file(path, case_id, framework, evidence, mapping=None):
    project = read_project(path)
    plan = plan_import(project, case_id, resolve(project.codebook, framework, mapping), framework, evidence,
                       today="2026-11-27")
    apply_import(plan, framework, evidence)
    return plan


def test_round_trip_export_import_export_keeps_everything(tmp_path, monkeypatch, framework):
    first = export_cases()
    (tmp_path / "all.qdpx").write_bytes(first)
    evidence = empty_evidence(tmp_path, monkeypatch)
    from workbook.evidence.cases import load_cases

    for case_id in ("torbay", "english_pilots", "east_london"):
        import_file(tmp_path / "all.qdpx", case_id, framework, evidence)
    assert list(load_cases(evidence)) == ["torbay", "english_pilots", "east_london"]
    from workbook.pipeline.validate import validate_evidence

    assert validate_evidence(evidence) == []
    again = content(export_cases())
    before = content(first)
    for part in ("users", "sources", "selections", "codings", "notes"):
        assert again[part] == before[part], part
    assert len(before["notes"]) > 0 and len(before["codings"]) > len(before["selections"])
    from refi_fixtures import ROOT
    from workbook.evidence.sources import load_source, source_path

    fields = ("authors", "year", "title", "venue", "doi", "url", "publisher", "licence", "kind", "read")
    for md in sorted((evidence / "sources").rglob("*.md")):
        mine, shipped = load_source(md), load_source(source_path(md.parent.name, md.stem, ROOT / "evidence"))
        assert [getattr(mine, f) for f in fields] == [getattr(shipped, f) for f in fields], md.name
        assert [(s.locator, s.text) for s in mine.statements] == [(s.locator, s.text) for s in shipped.statements]
    assert "date: 28 March 2011" in (evidence / "sources" / "torbay" / "davies_2011.md").read_text()


def test_importing_the_same_project_twice_adds_nothing(tmp_path, monkeypatch, framework):
    evidence = empty_evidence(tmp_path, monkeypatch)
    path = interview_qdpx(tmp_path)
    import_file(path, "interviews", framework, evidence)
    once = snapshot(evidence)
    plan = import_file(path, "interviews", framework, evidence)
    assert snapshot(evidence) == once and plan.decisions == [] and plan.files == {}


def test_another_tools_project_becomes_sources_findings_and_decisions(tmp_path, monkeypatch, framework):
    from workbook.coding.reviews import load_reviews
    from workbook.evidence.sources import load_source

    evidence = empty_evidence(tmp_path, monkeypatch)
    plan = import_file(interview_qdpx(tmp_path), "interviews", framework, evidence)
    src = load_source(evidence / "sources" / "interviews" / "interview_1.md")
    assert [s.text for s in src.statements] == ["The new manager gave us clear leadership from the start.",
                                                 "But people still felt judged when they asked for help."]
    assert {s.locator for s in src.statements} == {"line 3", "line 4"}
    assert (evidence / "imports" / "interviews" / "interview_1.txt").read_text().startswith("Interview with")
    decisions = load_reviews("interviews", framework, evidence).decisions.set_index("finding_id")
    lead, stigma = decisions.iloc[0], decisions.iloc[1]
    assert (lead["dimensions"], lead["polarity"], lead["reviewer"], lead["date"]) == ("leadership", "neutral",
                                                                                   "Ann Coder", "2026-10-01T14:03:00Z")
    assert stigma["polarity"] == "barrier" and stigma["dimensions"] == ""
    assert "Stigma came up twice." in stigma["note"] and "[other codes: Stigma]" in stigma["note"]
    assert plan.unmapped == ["Stigma"]


def test_a_project_with_only_a_codebook_imports_no_source(tmp_path, monkeypatch, framework):
    evidence = empty_evidence(tmp_path, monkeypatch)
    before = snapshot(evidence)
    plan = import_file(make_zip(tmp_path / "cb.qdpx", {"project.qde": project_xml()}), "x", framework, evidence)
    assert plan.sources == [] and snapshot(evidence) == before
    assert any("only its codebook" in t for t in plan.tolerated)


def test_a_selection_that_does_not_fit_its_text_fails_and_writes_nothing(tmp_path, monkeypatch, framework):
    evidence = empty_evidence(tmp_path, monkeypatch)
    before = snapshot(evidence)
    sel = selection(G["sel1"], 2, 900, coding(G["coding1"], G["code_lead"]))
    xml = project_xml(sources=f"<Sources>{text_source(G['source'], 'short', sel)}</Sources>")
    path = make_zip(tmp_path / "p.qdpx", {"project.qde": xml, f"sources/{G['source']}.txt": "only a few words"})
    with pytest.raises(EvidenceError) as info:
        import_file(path, "x", framework, evidence)
    assert "does not fit its text of 16 characters" in str(info.value)
    assert snapshot(evidence) == before


def test_an_existing_different_source_is_never_overwritten(tmp_path, monkeypatch, framework):
    evidence = empty_evidence(tmp_path, monkeypatch)
    import_file(interview_qdpx(tmp_path), "interviews", framework, evidence)
    md = evidence / "sources" / "interviews" / "interview_1.md"
    md.write_text(md.read_text() + "- A line a reviewer added.\n")
    before = snapshot(evidence)
    with pytest.raises(EvidenceError, match="already exists with other content"):
        import_file(interview_qdpx(tmp_path), "interviews", framework, evidence)
    assert snapshot(evidence) == before


def test_a_failure_while_writing_puts_every_file_back(tmp_path, monkeypatch, framework):
    import workbook.interop.importing as importing

    evidence = empty_evidence(tmp_path, monkeypatch)
    before = snapshot(evidence)
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    real = importing.record_decision
    monkeypatch.setattr(importing, "record_decision", failing)
    with pytest.raises(OSError):
        import_file(interview_qdpx(tmp_path), "interviews", framework, evidence)
    assert len(calls) == 2 and snapshot(evidence) == before
    assert sorted(p.name for p in evidence.iterdir()) == ["framework.yaml"]


def test_import_into_the_shipped_evidence_keeps_cases_yaml_comments(evidence_copy, tmp_path, framework):
    cases = evidence_copy / "cases.yaml"
    head = cases.read_text().splitlines()[:3]
    import_file(interview_qdpx(tmp_path), "torbay", framework, evidence_copy)
    text = cases.read_text()
    assert text.splitlines()[:3] == head and "interview_1]" in text.replace("\n", "").replace(" ", "")
    from workbook.pipeline.validate import validate_evidence

    assert validate_evidence(evidence_copy) == []


def test_a_user_named_like_a_reserved_review_file_is_imported_under_another_name(tmp_path, monkeypatch, framework):
    from workbook.coding.reviews import load_reviews

    evidence = empty_evidence(tmp_path, monkeypatch)
    path = interview_qdpx(tmp_path, users=f'<Users><User name="consensus" guid="{G["user"]}"/></Users>')
    import_file(path, "interviews", framework, evidence)
    assert set(load_reviews("interviews", framework, evidence).decisions["reviewer"]) == {"imported consensus"}


def test_a_consensus_decision_round_trips_with_who_took_part(evidence_copy, tmp_path, monkeypatch, framework):
    from workbook.coding.reviews import load_reviews, record_consensus

    fid = load_reviews("torbay", framework, evidence_copy).decisions["finding_id"].iloc[0]
    record_consensus("torbay", fid, ["leadership", "culture"], "barrier", ["coder_a", "coder_b"], "Chair Person",
                     framework, note="Agreed after discussion.", date="2026-11-26T10:15:00Z", evidence=evidence_copy)
    first = export_cases(["torbay"])
    (tmp_path / "t.qdpx").write_bytes(first)
    evidence = empty_evidence(tmp_path / "empty", monkeypatch)
    import_file(tmp_path / "t.qdpx", "torbay", framework, evidence)
    agreed = load_reviews("torbay", framework, evidence).consensus
    assert len(agreed) == 1
    row = agreed.iloc[0]
    assert (row["finding_id"], row["dimensions"], row["polarity"], row["reviewer"], row["date"], row["note"]) == \
        (fid, "leadership;culture", "barrier", "Chair Person", "2026-11-26T10:15:00Z", "Agreed after discussion.")
    assert row["participants"].split(";") == ["coder_a", "coder_b", "Chair Person"]
    assert content(export_cases(["torbay"])) == content(first)
