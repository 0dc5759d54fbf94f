"""`workbook init`: a new, empty project, made all at once or not at all, whose evidence every stage accepts."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from workbook.cli import main
from workbook.core.errors import EvidenceError, ParameterError
from workbook.evidence import project
from workbook.evidence.cases import load_cases
from workbook.pipeline.validate import validate_evidence

from project_helpers import ONE_CASE, add_one_case

ROOT = Path(__file__).resolve().parents[2]


def leftovers(parent: Path) -> list[str]:
    """Staging folders an interrupted init would leave behind."""
    return [p.name for p in parent.iterdir() if ".init-" in p.name]


def test_init_makes_an_empty_project_every_check_accepts(tmp_path: Path):
    root = project.init_project(tmp_path / "review")
    assert root == tmp_path / "review"
    for rel in ("README.md", "Makefile", ".gitignore", "reports/README.md", "evidence/README.md",
                "evidence/FORMATS.md", "evidence/cases.yaml", "evidence/framework.yaml", "evidence/outcomes.csv",
                "evidence/sources/README.md", "evidence/reviews/README.md", "evidence/checklist/README.md",
                "evidence/synthesis/README.md"):
        assert (root / rel).is_file(), rel
    assert (root / "evidence" / "framework.yaml").read_bytes() == (ROOT / "evidence" / "framework.yaml").read_bytes()
    assert not (root / "evidence" / "synthesis" / "review_findings.yaml").exists()
    assert load_cases(root / "evidence") == {}
    assert validate_evidence(root / "evidence") == []
    assert "#" in (root / "evidence" / "cases.yaml").read_text()  # commented for the reviewer
    assert (root / "README.md").read_text().startswith("# review\n")
    assert root.stat().st_mode & 0o777 != 0o700  # not the staging folder's private mode


def test_init_copies_the_pipeline_notebooks_without_outputs(tmp_path: Path):
    import nbformat

    root = project.init_project(tmp_path / "review")
    for name in project.PIPELINE_NOTEBOOKS:
        assert (root / "notebooks" / f"{name}.py").read_text() == (ROOT / "notebooks" / f"{name}.py").read_text()
        nb = nbformat.read(root / "notebooks" / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.outputs == [] and c.execution_count is None for c in code)
        assert any("parameters" in c.metadata.get("tags", []) for c in code)


def test_makefile_uses_the_installing_environments_workbook(tmp_path: Path):
    root = project.init_project(tmp_path / "review")
    makefile = (root / "Makefile").read_text()
    assert "@@" not in makefile
    bin_line = re.search(r"^BIN \?= (.*)$", makefile, re.M).group(1)
    assert (Path(bin_line) / "workbook").exists()
    for target in ("report", "validate", "test", "lab", "clean", "help"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    assert "\n\t" in makefile and "\n    $(" not in makefile  # recipes indented with tabs


def test_init_takes_another_framework(tmp_path: Path):
    other = tmp_path / "other.yaml"
    text = (ROOT / "evidence" / "framework.yaml").read_text().replace("Petch", "Petch (a copy)", 1)
    other.write_text(text)
    root = project.init_project(tmp_path / "review", other)
    assert (root / "evidence" / "framework.yaml").read_text() == text


@pytest.mark.parametrize("content", ["dimensions: [", "title: only a title\n"])
def test_a_broken_framework_is_refused_and_nothing_is_made(tmp_path: Path, content: str):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    with pytest.raises(EvidenceError, match="bad.yaml"):
        project.init_project(tmp_path / "review", bad)
    assert not (tmp_path / "review").exists() and leftovers(tmp_path) == []


def test_a_missing_framework_file_is_named(tmp_path: Path):
    with pytest.raises(ParameterError, match="no such file"):
        project.init_project(tmp_path / "review", tmp_path / "nope.yaml")
    assert not (tmp_path / "review").exists()


def test_a_non_empty_folder_is_refused_and_left_alone(tmp_path: Path):
    target = tmp_path / "review"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(ParameterError, match=r"is not empty \(it holds notes.txt\).*Fix:"):
        project.init_project(target)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "mine" and leftovers(tmp_path) == []


def test_an_empty_folder_is_used(tmp_path: Path):
    target = tmp_path / "review"
    target.mkdir()
    inode = target.stat().st_ino
    project.init_project(target)
    assert (target / "evidence" / "cases.yaml").is_file()
    assert target.stat().st_ino == inode and leftovers(tmp_path) == []  # the folder itself is kept


def test_the_current_folder_when_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    here = tmp_path / "review"
    here.mkdir()
    monkeypatch.chdir(here)
    assert project.init_project(".") == here
    assert Path.cwd() == here and (Path.cwd() / "evidence" / "cases.yaml").is_file()  # the shell's folder still works
    assert leftovers(tmp_path) == []


def test_a_failure_while_filling_an_empty_folder_takes_everything_out(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "review"
    target.mkdir()
    real_rename = project.os.rename
    calls = []

    def rename(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_rename(src, dst)

    monkeypatch.setattr(project.os, "rename", rename)
    with pytest.raises(OSError):
        project.init_project(target)
    assert list(target.iterdir()) == [] and leftovers(tmp_path) == []


def test_a_file_or_a_missing_parent_is_refused(tmp_path: Path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ParameterError, match="not a folder"):
        project.init_project(tmp_path / "afile")
    with pytest.raises(ParameterError, match="does not exist"):
        project.init_project(tmp_path / "no" / "such" / "review")
    assert not (tmp_path / "no").exists()


def test_a_failure_midway_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def fail(target: Path) -> None:
        (target / "notebooks").mkdir()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project, "_copy_notebooks", fail)
    with pytest.raises(OSError):
        project.init_project(tmp_path / "review")
    assert list(tmp_path.iterdir()) == []


def test_the_guides_examples_are_valid(tmp_path: Path):
    """The formats shown in the new project's READMEs parse (source front matter, review findings, checklist)."""
    from workbook.core.yamlio import parse_yaml
    from workbook.evidence.framework import load_framework
    from workbook.evidence.sources import load_source
    from workbook.synthesis.checklist import load_decisions
    from workbook.synthesis.confidence import parse_review_findings

    root = project.init_project(tmp_path / "review")
    guide = (root / "evidence" / "sources" / "README.md").read_text()
    example = re.search(r"```markdown\n(.*?)```", guide, re.S).group(1)
    path = tmp_path / "author_2024.md"
    path.write_text(example)
    source = load_source(path)
    assert source.id == "author_2024"
    guide = (root / "evidence" / "synthesis" / "README.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", guide, re.S).group(1)
    items, problems = parse_review_findings(parse_yaml(example, "review_findings.yaml"))
    assert problems == [] and [rf.id for rf in items] == ["rf1_vision"]
    guide = (root / "evidence" / "checklist" / "README.md").read_text()
    example = re.search(r"```\n(.*?)```", guide, re.S).group(1)
    path = tmp_path / "checklist.csv"
    path.write_text(example)
    loaded = load_decisions(path, load_framework(root / "evidence" / "framework.yaml"))
    assert loaded.problems == [] and len(loaded.decisions) == 1


# ---------------------------------------------------------------- every stage with (almost) nothing


@pytest.fixture
def new_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project made by init, made the active one (found from the working directory)."""
    root = project.init_project(tmp_path / "review")
    for var in ("WORKBOOK_ROOT", "WORKBOOK_EVIDENCE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("WORKBOOK_REPORTS", str(root / "reports"))
    monkeypatch.chdir(root / "evidence")
    return root


def synthesis_tables(settings) -> dict[str, pd.DataFrame]:
    """Every table the synthesis notebook builds, from whatever the project holds."""
    from workbook.coding.reviews import all_reviews
    from workbook.evidence import outcomes
    from workbook.pipeline import stages
    from workbook.synthesis import checklist, confidence, statistics
    from workbook.synthesis import matrix as m

    fw, case_ids = settings.framework, list(load_cases(settings.evidence))
    coded = stages.load_coded(settings)
    items, _ = checklist.checklist(coded, fw, case_ids, settings.evidence)
    rfs = confidence.load_review_findings(confidence.review_findings_path(settings.evidence),
                                          set(coded["finding_id"]), fw.dimension_ids)
    co = statistics.cooccurrence(coded, fw)
    return {
        "coded": coded, "overview": m.case_overview(coded, load_cases(settings.evidence), {}),
        "matrix": m.framework_matrix(coded, fw, case_ids), "detail": m.matrix_detail(coded, fw, case_ids),
        "polarity": m.barriers_facilitators(coded, fw, case_ids), "by_dimension": m.findings_by_dimension(coded, fw),
        "checklist": items, "status_counts": checklist.status_counts(items, case_ids),
        "status_matrix": checklist.status_matrix(items, fw, case_ids),
        "outcomes": outcomes.outcomes_table(outcomes.load_outcomes(settings.evidence), {}),
        "association": statistics.association_test(coded, fw, case_ids).as_frame(),
        "contingency": statistics.contingency_table(coded, fw, case_ids),
        "proportions": statistics.wilson_proportions(coded, fw, case_ids),
        "cooccurrence": co, "pairs": statistics.cooccurrence_pairs(co),
        "agreement": stages.agreement_table(coded, all_reviews(case_ids, fw, settings.evidence), fw),
        "soqf": confidence.soqf_table(rfs, coded, {}), "judgements": confidence.judgements_table(rfs),
        "uncoded": m.uncoded(coded)}


def test_every_synthesis_table_is_well_formed_with_no_cases(new_project: Path):
    from workbook.pipeline import stages
    from workbook.synthesis.statistics import NOT_TESTED

    settings = stages.resolve()
    assert settings.evidence == new_project / "evidence"
    tables = synthesis_tables(settings)
    assert list(tables["coded"].columns) == list(stages.CODED_COLUMNS) and tables["coded"].empty
    for name in ("overview", "detail", "checklist", "contingency", "proportions", "soqf", "judgements"):
        assert tables[name].empty and len(tables[name].columns) > 0, name
    assert list(tables["matrix"].columns) == list(settings.framework.dimension_ids)
    assert "summary" in tables["detail"].columns and "review_finding" in tables["soqf"].columns
    assert tables["association"].loc[0, "method"] == NOT_TESTED
    gaps = stages.missing_evidence(settings, tables["coded"])
    assert gaps[0].startswith("No cases yet")
    assert any(g.startswith("No review findings yet") for g in gaps)
    assert any(g.startswith("No outcome figures") for g in gaps)


def test_one_case_with_one_markdown_source_runs_every_stage(new_project: Path):
    from workbook.pipeline import stages
    from workbook.synthesis.statistics import NOT_TESTED

    add_one_case(new_project)
    (new_project / "evidence" / "outcomes.csv").unlink()  # absent, not just empty
    settings = stages.resolve()
    assert stages.run_extract("riverside", settings)["finding_id"].str.startswith("doe_2021-").all()
    coded, orphans = stages.run_code("riverside", settings)
    assert len(coded) == 3 and orphans.empty
    assert (new_project / "reports" / "coded" / "riverside.csv").is_file()
    tables = synthesis_tables(settings)
    assert tables["outcomes"].empty and "measure" in tables["outcomes"].columns
    assert int(tables["matrix"].loc["riverside"].sum()) >= 3
    assert len(tables["checklist"]) == len(settings.framework.requirements)
    assert tables["association"].loc[0, "method"] == NOT_TESTED
    assert "1 case(s)" in tables["association"].loc[0, "reason"]
    gaps = stages.missing_evidence(settings, tables["coded"])
    assert [g.split(":")[0] for g in gaps] == [
        "Only one case", "No outcome figures", "No review findings yet", "No reviewer decisions yet",
        "No checklist decisions yet"]


def test_what_is_missing_shrinks_as_evidence_arrives(new_project: Path):
    from workbook.pipeline import stages

    add_one_case(new_project)
    settings = stages.resolve()
    stages.run_extract("riverside", settings)
    coded, _ = stages.run_code("riverside", settings)
    fid = coded["finding_id"].iloc[0]
    evidence = new_project / "evidence"
    with open(evidence / "outcomes.csv", "a") as handle:
        handle.write("riverside,beds,10,2020,8,2022,,beds,doe_2021,p. 1,\n")
    (evidence / "checklist" / "riverside.csv").write_text(
        f"requirement_id,status,finding_ids,reviewer,date,note\nvision.r1,supported,{fid},ab,2026-01-31,why\n")
    gaps = stages.missing_evidence(settings, stages.load_coded(settings))
    assert not any(g.startswith(("No outcome figures", "No checklist decisions")) for g in gaps)
    assert any(g.startswith("No review findings yet") for g in gaps)


def test_a_case_without_sources_is_valid_and_named(new_project: Path):
    from workbook.pipeline import stages

    (new_project / "evidence" / "cases.yaml").write_text(ONE_CASE.replace("[doe_2021]", "[]"))
    assert validate_evidence(new_project / "evidence") == []
    settings = stages.resolve()
    assert stages.run_extract("riverside", settings).empty
    assert stages.run_code("riverside", settings)[0].empty
    coded = stages.load_coded(settings)
    assert coded.empty and synthesis_tables(settings)["checklist"]["status"].eq("not addressed").all()
    gaps = stages.missing_evidence(settings, coded)
    assert any(g.startswith("No sources yet for riverside") for g in gaps)
    assert any(g.startswith("No findings yet") for g in gaps)


def test_the_review_notebook_opens_on_the_first_case_or_says_there_is_none(new_project: Path):
    from workbook.pipeline import stages

    settings = stages.resolve()
    with pytest.raises(ParameterError, match="lists no cases yet.*Fix: add a case"):
        stages.default_case(settings)
    add_one_case(new_project)
    assert stages.default_case(settings) == "riverside"
    assert stages.default_case(settings, "other") == "other"
    text = (new_project / "notebooks" / "review.py").read_text()
    assert 'case_id = ""' in text and "stages.default_case(settings, case_id)" in text


def test_validate_says_what_is_not_there_yet(new_project: Path, capsys: pytest.CaptureFixture):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("evidence OK: 0 cases, 0 sources") and "Not there yet" in out
    assert "- No cases yet" in out and "- No review findings yet" in out
    add_one_case(new_project)
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "- Only one case" in out and "No cases yet" not in out
    assert "No findings yet" not in out  # validate does not extract, so it does not claim there are none
