"""Reviewer decisions: one file per reviewer and case, consensus, precedence, unreadable rows, the sample, git merges."""
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from workbook.coding.reviews import (REVIEW_COLUMNS, apply_decisions, case_dir, consensus_path, decision_counts,
                                     draw_sample, load_reviews, load_sample, record_consensus, record_decision,
                                     require_readable, reviewer_id, reviewer_path, reviews_path, write_sample)
from workbook.core.errors import EvidenceError, ParameterError, ReviewError

HEADER = ",".join(REVIEW_COLUMNS)


def _coded() -> pd.DataFrame:
    return pd.DataFrame({"finding_id": ["a-1", "a-2", "a-3"], "case": ["torbay"] * 3,
                         "dimensions": ["vision", "time", "culture"], "polarity": ["neutral", "barrier", "neutral"]})


def _write(path: Path, *rows: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_decision_goes_to_the_reviewers_own_file_and_round_trips(tmp_path: Path, framework):
    path = record_decision("torbay", "a-1", ["outcomes", "vision"], "facilitator", "Jane Doe", framework,
                           note="clear, with a comma", date="2026-01-02", evidence=tmp_path)
    assert path == tmp_path / "reviews" / "torbay" / "jane_doe.csv" == reviewer_path("torbay", "Jane Doe", tmp_path)
    assert path.read_text().splitlines()[0] == HEADER
    rs = load_reviews("torbay", framework, tmp_path)
    assert rs.problems == []
    row = rs.decisions.iloc[0]
    assert (row["finding_id"], row["dimensions"], row["polarity"], row["reviewer"], row["date"], row["note"]) == (
        "a-1", "vision;outcomes", "facilitator", "Jane Doe", "2026-01-02", "clear, with a comma")
    assert not reviews_path("torbay", tmp_path).exists()  # the shared file of earlier versions is never written


def test_the_default_date_is_a_utc_timestamp_so_same_day_decisions_order(tmp_path: Path, framework):
    record_decision("torbay", "a-1", ["vision"], "barrier", "AB", framework, evidence=tmp_path)
    date = load_reviews("torbay", framework, tmp_path).decisions.iloc[0]["date"]
    assert len(date) == 20 and date[10] == "T" and date.endswith("Z")


def test_reviewer_ids_are_slugged_checked_and_never_a_reserved_file_name():
    assert reviewer_id("  Jane   Doe ") == "jane_doe"
    assert reviewer_id("Zoë O'Neil") == "zoe_o_neil"
    assert reviewer_id("2nd coder") == "r_2nd_coder"
    assert reviewer_id("李明") == reviewer_id("李明") and reviewer_id("李明").startswith("r_")
    assert reviewer_id("../../etc/passwd") == "etc_passwd"
    with pytest.raises(ReviewError, match="type your name or initials in Reviewer"):
        reviewer_id("   ")
    with pytest.raises(ReviewError, match="cannot be a reviewer's name"):
        reviewer_id("Consensus")


def test_an_unknown_dimension_or_polarity_is_refused_at_write_time(tmp_path: Path, framework):
    with pytest.raises(ReviewError, match="unknown dimension.*'visoin'"):
        record_decision("torbay", "a-1", ["visoin"], "barrier", "AB", framework, evidence=tmp_path)
    with pytest.raises(ReviewError, match="unknown polarity 'good'"):
        record_decision("torbay", "a-1", ["vision"], "good", "AB", framework, evidence=tmp_path)
    assert not case_dir("torbay", tmp_path).exists()


def test_the_shared_file_of_earlier_versions_is_still_read_beside_the_reviewer_files(tmp_path: Path, framework):
    _write(reviews_path("torbay", tmp_path), "a-1,vision,barrier,coder_a,2026-01-01,old file",
           "a-2,time,neutral,coder_b,2026-01-01,old file")
    record_decision("torbay", "a-1", ["culture"], "facilitator", "AB", framework, date="2026-02-01", evidence=tmp_path)
    rs = load_reviews("torbay", framework, tmp_path)
    assert rs.problems == []
    assert rs.decisions[["finding_id", "reviewer"]].values.tolist() == [["a-1", "coder_a"], ["a-2", "coder_b"],
                                                                         ["a-1", "AB"]]
    assert rs.effective().set_index("finding_id").loc["a-1", "reviewer"] == "AB"


def test_a_bad_row_is_reported_by_file_and_line_and_the_others_still_load(tmp_path: Path, framework):
    _write(reviews_path("torbay", tmp_path), "a-1,vision,barrier,AB,2026-01-01,ok",
           "a-2,nonsense,barrier,AB,2026-01-01,bad dim", "a-3,time,facilitator,AB,2026-01-01,ok")
    rs = load_reviews("torbay", framework, tmp_path)
    assert list(rs.decisions["finding_id"]) == ["a-1", "a-3"]
    assert len(rs.problems) == 1 and rs.problems[0].line == 3 and "nonsense" in str(rs.problems[0])
    assert str(rs.problems[0]).startswith(str(reviews_path("torbay", tmp_path)) + ":3 [a-2]")


@pytest.mark.parametrize("row, words", [
    ("a-1,Leadership,barrier,AB,2026-01-01,typed by hand", "unknown dimension(s) 'Leadership'"),
    ("a-1,leadership,barrier,AB,27/11/2026,typed by hand", "date '27/11/2026' is not YYYY-MM-DD"),
    ("a-1,leadership,barrier,AB,2026-01-01,a note, with an unquoted comma", "has 7 fields, the header has 6"),
])
def test_each_kind_of_hand_typed_mistake_is_an_unreadable_row_that_stops_the_case(tmp_path: Path, framework, row,
                                                                                  words):
    path = _write(reviewer_path("torbay", "AB", tmp_path), "a-2,time,neutral,AB,2026-01-01,fine", row)
    rs = load_reviews("torbay", framework, tmp_path)
    assert rs.decisions["finding_id"].tolist() == ["a-2"]
    assert [(p.line, words in p.message) for p in rs.problems] == [(3, True)]
    with pytest.raises(EvidenceError) as err:
        require_readable(rs)
    message = str(err.value)
    assert message.startswith(f"{path}:3") and words in message
    assert "would be lost" in message and "workbook report --allow-unreadable-reviews" in message
    require_readable(load_reviews("east_london", framework, tmp_path))  # nothing wrong: no error


def test_a_row_in_someone_elses_file_or_a_stray_file_is_a_problem(tmp_path: Path, framework):
    _write(reviewer_path("torbay", "AB", tmp_path), "a-1,vision,barrier,CD,2026-01-01,wrong file")
    (case_dir("torbay", tmp_path) / "notes.txt").write_text("scribbles", encoding="utf-8")
    _write(case_dir("torbay", tmp_path) / "Jane Doe.csv", "a-1,vision,barrier,Jane Doe,2026-01-01,bad name")
    rs = load_reviews("torbay", framework, tmp_path)
    assert rs.decisions.empty
    text = "\n".join(map(str, rs.problems))
    assert "reviewer 'CD' does not own this file" in text and "move the row to cd.csv" in text
    assert "notes.txt: is not a CSV of decisions" in text
    assert "Jane Doe.csv:1: is not named after a reviewer id" in text and "rename it jane_doe.csv" in text


def test_precedence_is_consensus_then_latest_decision_then_automatic(tmp_path: Path, framework):
    record_decision("torbay", "a-1", ["vision"], "barrier", "AB", framework, date="2026-01-01", evidence=tmp_path)
    record_decision("torbay", "a-1", ["time"], "neutral", "CD", framework, date="2026-01-02", evidence=tmp_path)
    record_decision("torbay", "a-2", ["leadership"], "barrier", "AB", framework, date="2026-01-01", evidence=tmp_path)
    record_consensus("torbay", "a-1", ["vision", "time"], "barrier", ["AB", "CD"], "EF", framework,
                     note="agreed after discussion", date="2026-01-03", evidence=tmp_path)
    record_decision("torbay", "gone-9", ["culture"], "neutral", "AB", framework, date="2026-01-01", evidence=tmp_path)
    coded, orphans = apply_decisions(_coded(), load_reviews("torbay", framework, tmp_path))
    by_id = coded.set_index("finding_id")
    assert by_id.loc["a-1", ["dimensions", "polarity", "decision_source", "decided_by"]].tolist() == [
        "vision;time", "barrier", "consensus", "AB;CD;EF"]
    assert by_id.loc["a-2", ["dimensions", "decision_source", "decided_by"]].tolist() == [
        "leadership", "reviewer", "AB"]
    assert by_id.loc["a-3", ["dimensions", "decision_source", "decided_by"]].tolist() == [
        "culture", "automatic", "auto"]
    assert list(orphans["finding_id"]) == ["gone-9"]
    counts = decision_counts(coded).set_index("case")
    assert counts.loc["torbay", ["consensus", "reviewer", "automatic", "findings"]].tolist() == [1, 1, 1, 3]


def test_the_latest_decision_wins_and_agreement_uses_each_reviewers_first(tmp_path: Path, framework):
    record_decision("torbay", "a-1", ["vision"], "barrier", "AB", framework, date="2026-02-01", evidence=tmp_path)
    record_decision("torbay", "a-1", ["time"], "neutral", "CD", framework, date="2026-01-01", evidence=tmp_path)
    record_decision("torbay", "a-1", ["culture"], "facilitator", "EF", framework, date="2026-02-01T10:00:00Z",
                    evidence=tmp_path)
    record_decision("torbay", "a-1", ["time", "vision"], "neutral", "CD", framework, date="2026-03-01",
                    evidence=tmp_path)
    rs = load_reviews("torbay", framework, tmp_path)
    assert rs.effective().iloc[0][["dimensions", "reviewer"]].tolist() == ["vision;time", "CD"]
    first = rs.independent().set_index("reviewer")
    assert first.loc["CD", "dimensions"] == "time" and len(first) == 3


def test_disagreements_go_to_adjudication_until_a_consensus_is_recorded(tmp_path: Path, framework):
    record_decision("torbay", "a-1", ["vision"], "barrier", "AB", framework, date="2026-01-01", evidence=tmp_path)
    record_decision("torbay", "a-1", ["vision"], "neutral", "CD", framework, date="2026-01-01", evidence=tmp_path)
    record_decision("torbay", "a-2", ["time"], "barrier", "AB", framework, date="2026-01-01", evidence=tmp_path)
    record_decision("torbay", "a-2", ["time"], "barrier", "CD", framework, date="2026-01-01", evidence=tmp_path)
    record_decision("torbay", "a-3", ["time"], "barrier", "AB", framework, date="2026-01-01", evidence=tmp_path)
    rs = load_reviews("torbay", framework, tmp_path)
    assert rs.disagreements() == ["a-1"]
    assert rs.by_finding("a-1")["reviewer"].tolist() == ["AB", "CD"]
    record_consensus("torbay", "a-1", ["vision"], "barrier", ["AB", "CD"], "AB", framework, evidence=tmp_path)
    assert load_reviews("torbay", framework, tmp_path).disagreements() == []
    assert consensus_path("torbay", tmp_path).read_text().splitlines()[1].split(",")[3] == "AB;CD"


def test_a_consensus_needs_two_people_and_a_hand_edited_one_of_one_is_a_problem(tmp_path: Path, framework):
    with pytest.raises(ReviewError, match="at least two people"):
        record_consensus("torbay", "a-1", ["vision"], "barrier", ["AB"], "AB", framework, evidence=tmp_path)
    assert not consensus_path("torbay", tmp_path).exists()
    path = consensus_path("torbay", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("finding_id,dimensions,polarity,participants,reviewer,date,note\n"
                    "a-1,vision,barrier,AB,AB,2026-01-01,alone\n", encoding="utf-8")
    rs = load_reviews("torbay", framework, tmp_path)
    assert rs.consensus.empty and "name fewer than two people" in str(rs.problems[0])


def test_recording_keeps_every_earlier_row_byte_for_byte(tmp_path: Path, framework):
    record_decision("torbay", "a-1", ["vision"], "barrier", "AB", framework, date="2026-01-01", evidence=tmp_path)
    before = reviewer_path("torbay", "AB", tmp_path).read_bytes()
    record_decision("torbay", "a-2", ["time"], "neutral", "AB", framework, date="2026-01-01", evidence=tmp_path)
    assert reviewer_path("torbay", "AB", tmp_path).read_bytes().startswith(before)


# ---------------------------------------------------------------- the double-coding sample

def _findings() -> pd.DataFrame:
    sources = ["s1"] * 10 + ["s2"] * 6 + ["s3"] * 4
    return pd.DataFrame({"finding_id": [f"{s}-{i:02d}" for i, s in enumerate(sources)], "source": sources})


def test_the_sample_is_reproducible_stratified_by_source_and_the_right_size():
    findings = _findings()
    first = draw_sample(findings, 0.2, seed=7)
    assert len(first) == 4
    assert first["source"].value_counts().to_dict() == {"s1": 2, "s2": 1, "s3": 1}
    shuffled = findings.sample(frac=1, random_state=3)
    assert draw_sample(shuffled, 0.2, seed=7).equals(first)  # input order does not matter
    others = {tuple(draw_sample(findings, 0.2, seed=s)["finding_id"]) for s in range(10)}
    assert len(others) > 1  # the seed changes the draw
    assert len(draw_sample(findings, 1.0)) == 20
    for bad in (0, 1.5, -0.2, float("nan"), "0.2", True):
        with pytest.raises(ParameterError, match="share"):
            draw_sample(findings, bad)
    with pytest.raises(ParameterError, match="seed"):
        draw_sample(findings, 0.2, seed=-1)


def test_the_sample_file_is_written_and_a_different_one_is_kept_unless_replaced(tmp_path: Path):
    one = draw_sample(_findings(), 0.2, seed=1)
    path = write_sample("torbay", one, tmp_path)
    assert load_sample("torbay", tmp_path) == (one["finding_id"].tolist(), [])
    write_sample("torbay", one, tmp_path)  # the same draw again: fine
    other = draw_sample(_findings(), 0.5, seed=1)
    before = path.read_bytes()
    with pytest.raises(ParameterError, match="already holds a different sample.*--replace"):
        write_sample("torbay", other, tmp_path)
    assert path.read_bytes() == before
    write_sample("torbay", other, tmp_path, replace=True)
    assert load_sample("torbay", tmp_path)[0] == other["finding_id"].tolist()


# ---------------------------------------------------------------- two reviewers, two clones, one merge

def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main",
                           "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_two_reviewers_on_separate_clones_merge_without_conflict(tmp_path: Path, framework):
    origin = tmp_path / "origin"
    _write(reviews_path("torbay", origin / "evidence"), "a-1,vision,barrier,coder_a,2026-01-01,shipped")
    shutil.copy(Path(__file__).resolve().parents[2] / ".gitattributes", origin / ".gitattributes")
    assert _git(origin, "init", "-q").returncode == 0
    _git(origin, "add", "-A")
    assert _git(origin, "commit", "-qm", "shipped").returncode == 0
    for name in ("alice", "bob"):
        assert _git(tmp_path, "clone", "-q", str(origin), name).returncode == 0
    for name, dims, pol in (("alice", ["vision"], "barrier"), ("bob", ["time"], "neutral")):
        clone = tmp_path / name
        record_decision("torbay", "a-2", dims, pol, name.title(), framework, evidence=clone / "evidence")
        record_decision("torbay", "a-3", ["culture"], "facilitator", name.title(), framework,
                        evidence=clone / "evidence")
        # each also adjudicates a different finding: both append to the one consensus.csv
        record_consensus("torbay", f"c-{name}", ["time"], "barrier", ["X", "Y"], name.title(), framework,
                         evidence=clone / "evidence")
        _git(clone, "add", "-A")
        assert _git(clone, "commit", "-qm", f"{name}'s decisions").returncode == 0
    alice = tmp_path / "alice"
    assert _git(alice, "fetch", "-q", str(tmp_path / "bob"), "main").returncode == 0
    merged = _git(alice, "merge", "--no-edit", "FETCH_HEAD")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "CONFLICT" not in merged.stdout
    rs = load_reviews("torbay", framework, alice / "evidence")
    assert rs.problems == []
    assert sorted(map(tuple, rs.decisions[["finding_id", "reviewer"]].values.tolist())) == [
        ("a-1", "coder_a"), ("a-2", "Alice"), ("a-2", "Bob"), ("a-3", "Alice"), ("a-3", "Bob")]
    assert rs.disagreements() == ["a-2"]
    assert sorted(rs.consensus["finding_id"]) == ["c-alice", "c-bob"]  # .gitattributes: union merge
    assert consensus_path("torbay", alice / "evidence").read_text().count("finding_id,") == 1  # one header


def test_validate_reports_a_review_folder_of_an_unknown_case_and_unreadable_rows(evidence_copy: Path, framework):
    from workbook.pipeline.validate import validate_evidence

    assert validate_evidence(evidence_copy) == []
    _write(reviewer_path("leeds", "AB", evidence_copy), "a-1,vision,barrier,AB,2026-01-01,fine")
    _write(reviewer_path("torbay", "AB", evidence_copy), "a-1,vision,barrier,AB,27/11/2026,hand-typed date")
    found = [str(p) for p in validate_evidence(evidence_copy)]
    assert any("reviews/leeds: is a review folder that names no known case" in p for p in found)
    assert any("reviews/torbay/ab.csv:2 [a-1]: date '27/11/2026'" in p for p in found)


def test_one_reviewer_typing_their_name_two_ways_is_still_one_reviewer(tmp_path: Path, framework):
    record_decision("torbay", "a-1", ["vision"], "barrier", "AB", framework, date="2026-01-01", evidence=tmp_path)
    record_decision("torbay", "a-1", ["time"], "barrier", "ab", framework, date="2026-01-02", evidence=tmp_path)
    rs = load_reviews("torbay", framework, tmp_path)
    assert rs.disagreements() == [] and len(rs.latest_by_reviewer()) == 1 and len(rs.independent()) == 1
    assert rs.independent().iloc[0]["dimensions"] == "vision"


def test_odd_things_in_a_review_folder_are_reported_never_a_crash(tmp_path: Path, framework):
    folder = case_dir("torbay", tmp_path)
    (folder / "sub.csv").mkdir(parents=True)
    _write(folder / "Consensus.csv", "a-1,vision,barrier,AB,2026-01-01,capitalised")
    (folder / "bad.csv").write_bytes(b"finding_id,dimensions,polarity,reviewer,date,note\na-1,vision,\xff\n")
    rs = load_reviews("torbay", framework, tmp_path)
    text = "\n".join(map(str, rs.problems))
    assert rs.decisions.empty
    assert "sub.csv: is not a CSV of decisions" in text
    assert "Consensus.csv:1: is not named after a reviewer id" in text
    assert "bad.csv:2: is not UTF-8 text" in text
