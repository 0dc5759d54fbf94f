"""Provenance of the shipped evidence: no paths outside the project, the project's own words (no run of
8 words shared with the fact packs), and the corrections of the issue-12 audit staying made.

The copied-text tests read the fact packs in ../shared, which exist on the build machines only; they
skip with the reason when it is absent. The checking code is benchmarks/evidence_audit.py."""
from __future__ import annotations

import csv
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from benchmark_helpers import load_benchmark
from workbook.evidence.cases import load_cases
from workbook.evidence.sources import load_source, source_path
from workbook.extract.findings import finding_id

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "evidence"


audit = load_benchmark("evidence_audit")
SHARED = Path(os.environ.get("EVIDENCE_AUDIT_SHARED", audit.DEFAULT_SHARED))
"""The fact packs and seeds (``../shared``; EVIDENCE_AUDIT_SHARED points elsewhere)."""


@pytest.fixture
def evidence_tree(tmp_path: Path) -> Path:
    """A private copy of the shipped evidence folder, free to spoil."""
    target = tmp_path / "evidence"
    shutil.copytree(EVIDENCE, target)
    return target


@pytest.fixture(scope="module")
def shared() -> Path:
    """The folder of fact packs and seeds; the test skips when this machine does not have it."""
    if not (SHARED / "sources").is_dir():
        pytest.skip(f"the fact packs are not on this machine ({SHARED / 'sources'} is missing); "
                    "the copied-text check runs where they exist (the build machines)")
    return SHARED


def source(source_id: str):
    """A shipped source by id, found through cases.yaml."""
    for case in load_cases(EVIDENCE).values():
        if source_id in case.sources:
            return load_source(source_path(case.id, source_id, EVIDENCE))
    raise AssertionError(f"no source {source_id}")


def front(source_id: str) -> dict:
    """The raw front matter of a shipped source (including fields the library does not keep)."""
    text = source(source_id).path
    raw = Path(text).read_text(encoding="utf-8")
    return yaml.safe_load(raw.split("---", 2)[1])


def statements(source_id: str) -> list[str]:
    """The finding statements of a shipped source."""
    return [s.text for s in source(source_id).statements]


def review_findings() -> dict[str, dict]:
    """The review findings, by id."""
    data = yaml.safe_load((EVIDENCE / "synthesis" / "review_findings.yaml").read_text(encoding="utf-8"))
    return {rf["id"]: rf for rf in data["review_findings"]}


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- 1. no path outside the project --------------------------------------------------------------

def test_no_evidence_file_names_a_path_outside_the_project():
    hits = audit.outside_paths(EVIDENCE)
    assert hits == [], "\n".join(map(str, hits))


OUTSIDE = [
    "/home/anna/notes/torbay.md",
    "/work/shared/sources/torbay.md",
    "/tmp/x",
    "see /Users/me/Desktop/facts.txt",
    r"C:\Users\me\facts.txt",
    "D:/evidence/facts.txt",
    "file:///srv/facts.txt",
    "FILE://server/share/facts.txt",
    "../shared/sources/torbay.md",
    r"..\shared\facts.txt",
    "~/notes/facts.txt",
    "~anna/facts.txt",
    r"\\server\share\facts.txt",
    "$HOME/facts.txt",
]


@pytest.mark.parametrize("where", ["sources/torbay/hsmc_2010.md", "checklist/torbay.csv", "cases.yaml",
                                   "synthesis/review_findings.yaml"])
@pytest.mark.parametrize("path", OUTSIDE)
def test_a_path_outside_the_project_is_caught_with_its_file_and_line(evidence_tree: Path, where: str, path: str):
    target = evidence_tree / where
    lines = target.read_text(encoding="utf-8").splitlines()
    line = f"# copied from {path} by hand" if target.suffix == ".yaml" else (
        f"<!-- copied from {path} by hand -->" if target.suffix == ".md" else f"# from {path}")
    lines.insert(1, line)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    hits = audit.outside_paths(evidence_tree)
    assert [h.where for h in hits] == [f"evidence/{where}:2"], hits


@pytest.mark.parametrize("text", [
    "https://www.bmj.com/content/342/bmj.d1917",
    "http://www.theguardian.com/society/2007/feb/21/x",
    "rand.org/randeurope/research/projects/2012/integrated-care-pilots.html",
    "750 in 1998/99 to 502 in 2009/10",
    "inpatient/outpatient costs and/or admissions",
    "evidence/sources/torbay/hsmc_2010.md",
    "see lib/workbook/synthesis/confidence.py",
    "doi:10.1111/hsc.13211",
    "Health and Social Care in the Community 30(2): e388–e396",
    "Abstract, Methods/Results",
    "Table 1: stages",
])
def test_addresses_dates_and_project_paths_are_not_outside_paths(text: str):
    assert audit.line_paths(text) == []


# --- 2. the project's own words --------------------------------------------------------------------

def test_words_are_normalised():
    assert audit.words("The King’s Fund: 1,920 bed-days (2009/10)!") == [
        "the", "kings", "fund", "1920", "bed", "days", "2009", "10"]


def _index(text: str, n: int = audit.RUN):
    ws, lines = audit.located_words(text)
    return audit.build_index([audit.Reference("ref.md", tuple(ws), tuple(lines))], n)


def test_a_run_of_eight_words_is_found_and_seven_are_not():
    index = _index("one two three four five six seven eight nine ten eleven")
    eight = audit.overlaps(audit.Text("x", "Before: One, two three-four five six seven EIGHT after."), index)
    assert [(o.length, o.run, o.reference) for o in eight] == [
        (8, "one two three four five six seven eight", "ref.md")]
    assert audit.overlaps(audit.Text("x", "one two three four five six seven, then other words"), index) == []


def test_overlapping_runs_are_reported_once_at_full_length():
    index = _index("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda\nmu")
    found = audit.overlaps(audit.Text("x", "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu"), index)
    assert [(o.length, o.reference_line) for o in found] == [(12, 1)]


def test_addresses_and_quoted_titles_in_comments_are_not_prose():
    index = _index("see www.example.org/a/b/c/d/e/f/g/h/i and A Very Long Report Title With Many Words In It")
    url = audit.Text("x", "at www.example.org/a/b/c/d/e/f/g/h/i today")
    title = "A Very Long Report Title With Many Words In It"
    assert audit.overlaps(url, index) == []
    assert audit.overlaps(audit.Text("c", f'Ham C "{title}"', quotes_exempt=True), index) == []
    assert audit.overlaps(audit.Text("b", f'Ham C "{title}"'), index) != []  # in a bullet it counts


def test_own_texts_cover_bullets_review_findings_and_checklist_notes():
    texts = audit.own_texts(EVIDENCE)
    kinds = {re.search(r"\(([a-z]+)", t.where).group(1) for t in texts}
    assert {"bullet", "statement", "explanation", "note", "comment", "summary", "definition", "rationale"} <= kinds
    bullets = [t for t in texts if "(bullet)" in t.where]
    n_statements = sum(len(load_source(p).statements) for p in (EVIDENCE / "sources").rglob("*.md"))
    assert len(bullets) == n_statements
    assert sum("(statement" in t.where for t in texts) == len(review_findings())
    notes = [t for t in texts if t.where.startswith("evidence/checklist/")]
    assert len(notes) == sum(len(csv_rows(p)) for p in (EVIDENCE / "checklist").glob("*.csv"))


def test_no_run_of_eight_words_is_shared_with_the_fact_packs(shared: Path):
    found = audit.copied_text(EVIDENCE, shared)
    assert found == [], "re-word these in the project's own words:\n" + "\n".join(map(str, found))


def _copied_run(shared: Path) -> str:
    """Nine consecutive words of a fact pack, taken at run time (never stored in the project)."""
    ref = max(audit.load_references(shared), key=lambda r: len(r.words))
    return " ".join(ref.words[100:109])


@pytest.mark.parametrize("where", ["bullet", "statement", "note"])
def test_a_copied_run_is_caught_in_bullets_statements_and_notes(shared: Path, evidence_tree: Path, where: str):
    run = _copied_run(shared)
    if where == "bullet":
        path = evidence_tree / "sources" / "torbay" / "hsmc_2010.md"
        path.write_text(path.read_text(encoding="utf-8") + f"- In Torbay, {run}, as reported.\n", encoding="utf-8")
    elif where == "statement":
        path = evidence_tree / "synthesis" / "review_findings.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["review_findings"][0]["statement"] = f"Across cases, {run}."
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    else:
        path = evidence_tree / "checklist" / "torbay.csv"
        rows = csv_rows(path)
        rows[0]["note"] = f"Because {run}."
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    found = audit.copied_text(evidence_tree, shared)
    assert len(found) == 1 and found[0].run == run and f"({where}" in found[0].where, found


@pytest.mark.parametrize("kind, flagged", [("summary", True), ("fulltext", False)])
def test_only_a_fulltext_source_may_carry_its_documents_own_words(shared: Path, tmp_path: Path, kind: str,
                                                                   flagged: bool):
    run = _copied_run(shared)
    folder = tmp_path / "evidence" / "sources" / "demo"
    folder.mkdir(parents=True)
    (folder / "demo_2020.md").write_text(f"---\nid: demo_2020\nkind: {kind}\n---\n\n## p. 1\n\n- {run}\n",
                                         encoding="utf-8")
    assert bool(audit.copied_text(tmp_path / "evidence", shared)) is flagged


def test_the_script_exits_1_on_copied_text_and_0_when_clean(shared: Path, evidence_tree: Path, capsys):
    assert audit.main(["--evidence", str(EVIDENCE), "--shared", str(shared)]) == 0
    path = evidence_tree / "checklist" / "torbay.csv"
    path.write_text(path.read_text(encoding="utf-8") + f'outcomes.r1,not addressed,,x,2026-11-27,"{_copied_run(shared)}"\n',
                    encoding="utf-8")
    assert audit.main(["--evidence", str(evidence_tree), "--shared", str(shared)]) == 1
    assert "copied: evidence/checklist/torbay.csv:3 (note)" in capsys.readouterr().out


def test_the_script_exits_2_without_the_fact_packs(tmp_path: Path, capsys):
    assert audit.main(["--evidence", str(EVIDENCE), "--shared", str(tmp_path / "absent")]) == 2
    assert "--shared" in capsys.readouterr().err


# --- 3. the corrections of the audit ---------------------------------------------------------------

def test_hsmc_bed_figures_are_credited_to_the_university_of_birmingham_not_the_kings_fund():
    hsmc = source("hsmc_2010")
    assert "University of Birmingham" in hsmc.publisher
    assert any("528" in s for s in statements("hsmc_2010"))
    assert not any("502" in s for s in statements("hsmc_2010"))
    assert not any("528" in s for s in statements("tsdft_torbay_model"))
    rf5 = review_findings()["rf5_hospital_use"]["cerqual"]
    limits = rf5["methodological_limitations"]["explanation"]
    assert "University of Birmingham" in limits and "Ham" in limits
    assert not re.search(r"both\s+crediting", limits)
    assert re.search(r"trust\s+page\s+750 to 502", rf5["coherence"]["explanation"])
    assert re.search(r"news\s+item\s+750 to 528", rf5["coherence"]["explanation"])
    note = csv_rows(EVIDENCE / "checklist" / "torbay.csv")[0]["note"]
    assert "University of Birmingham" in note and "news item crediting" not in note


def test_the_two_torbay_bed_series_stay_apart_each_with_its_source():
    beds = {r["follow_up"]: r for r in csv_rows(EVIDENCE / "outcomes.csv") if "Occupied hospital beds" in r["measure"]}
    assert beds["502"]["source"] == "tsdft_torbay_model" and beds["502"]["follow_up_period"] == "2009/10"
    assert beds["528"]["source"] == "hsmc_2010" and beds["528"]["follow_up_period"] == "2008/09"
    assert "Ham" in beds["528"]["note"] and "not a King's Fund paper" in beds["528"]["note"]


def test_roland_claims_not_in_the_abstract_are_gone():
    for text in statements("roland_2012"):
        assert not re.search(r"listened|co-?ordinated|after leaving hospital", text, re.I), text
    rf6 = review_findings()["rf6_staff_patients"]
    assert "better coordinated" not in yaml.safe_dump(rf6)


def test_ling_is_cited_for_the_2008_appointment_only_and_the_brief_for_the_2009_start():
    assert any("2008" in s for s in statements("ling_2012"))
    assert not any("2009" in s for s in statements("ling_2012"))
    assert any("2009" in s for s in statements("rand_research_brief"))


def test_the_research_brief_speaks_of_patients_not_older_people():
    texts = statements("rand_research_brief")
    assert not any("older people" in s for s in texts)
    assert any("case management for patients" in s for s in texts)


def test_mrs_smith_is_not_made_older_or_a_woman_on_page_1():
    mrs_smith = [s for s in statements("thistlethwaite_2011") if "Mrs Smith" in s]
    assert mrs_smith
    for text in mrs_smith:
        assert not re.search(r"\bolder\b|\bwoman\b|\b85\b", text), text


def test_east_london_period_and_summary_follow_the_sources():
    east = load_cases(EVIDENCE)["east_london"]
    assert "2020" not in east.period  # a publication year is not part of the period
    assert "2012" in east.period and "2014" in east.period
    assert "despite a shared vision" not in east.summary


def test_lalani_front_matter_names_doi_publisher_and_both_years():
    meta = front("lalani_marshall_2022")
    assert meta["doi"] == "10.1111/hsc.13211"
    assert meta["publisher"] == "Wiley"
    assert meta["year"] == 2022 and "2020" in meta["date"] and "2022" in meta["date"]
    assert "2020" in meta["venue"]  # the online year shows in the citation too
    assert "PubMed" not in meta["publisher"]


def test_dementiapartnerships_page_has_its_title_and_address():
    meta = front("dementiapartnerships_summary")
    assert not meta["title"].lower().startswith("summary of")
    assert meta["url"].startswith("https://dementiapartnerships.com/")
    raw = source("dementiapartnerships_summary").path
    assert "integer year" not in Path(raw).read_text(encoding="utf-8")


@pytest.mark.parametrize("source_id", ["thistlethwaite_2011", "dementiapartnerships_summary", "tsdft_torbay_model",
                                       "davies_2011", "hsmc_2010", "rand_research_brief", "lalani_marshall_2022",
                                       "roland_2012", "bussu_marshall_2020"])
def test_known_addresses_are_recorded(source_id: str):
    assert source(source_id).link.startswith("https://")


def test_edited_findings_kept_their_references_whole():
    """Every finding id named by review findings, checklists and the teaching reference exists."""
    known = {finding_id(s.id, st.text) for p in (EVIDENCE / "sources").rglob("*.md")
             for s in [load_source(p)] for st in s.statements}
    named = set()
    for rf in review_findings().values():
        named.update(rf["finding_ids"])
    for path in (EVIDENCE / "checklist").glob("*.csv"):
        for row in csv_rows(path):
            named.update(x for x in row["finding_ids"].split(";") if x)
    teaching = yaml.safe_load((EVIDENCE / "teaching" / "reference_coding.yaml").read_text(encoding="utf-8"))
    named.update(item["finding_id"] for item in teaching["items"])
    assert named and named <= known, sorted(named - known)
