"""The delivery checklist: automatic mapping with reasons, and reviewer decisions that override it."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbook.synthesis import checklist

HEADER = ",".join(checklist.DECISION_COLUMNS)


def coded(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """Findings of case 'alpha': (id, dimensions, polarity, statement)."""
    return pd.DataFrame([{"finding_id": fid, "case": "alpha", "source": fid.split("-")[0], "dimensions": dims,
                          "polarity": pol, "statement": text} for fid, dims, pol, text in rows])


def item(table: pd.DataFrame, rid: str) -> dict:
    return table.set_index("requirement_id").loc[rid].to_dict()


def test_facilitator_supports_barrier_contradicts_with_reasons(framework):
    # integrated_teams.r5: "There are ways to resolve uncertainty and conflict."
    t = checklist.auto_checklist(coded(
        ("s-00000001", "integrated_teams", "facilitator", "Team meetings helped staff resolve conflict quickly."),
        ("s-00000002", "integrated_teams", "barrier", "Uncertainty about roles was never settled."),
        ("s-00000003", "integrated_teams", "neutral", "The team discussed conflict at a workshop."),
    ), framework, "alpha")
    r5 = item(t, "integrated_teams.r5")
    assert r5["status"] == "mixed"
    assert r5["supporting_ids"] == "s-00000001" and r5["contradicting_ids"] == "s-00000002"
    assert r5["context_ids"] == "s-00000003" and r5["finding_ids"] == "s-00000001;s-00000002"
    assert "s-00000001 shares 'conflict', 'resolve'; facilitator, so it supports the item" in r5["reasons"]
    assert "s-00000002 shares 'uncertainty'; barrier, so it contradicts the item" in r5["reasons"]
    assert "neutral, so context only" in r5["reasons"]
    assert r5["decided_by"] == "auto" and r5["auto_status"] == "mixed"


def test_status_supported_contradicted_and_not_addressed(framework):
    t = checklist.auto_checklist(coded(
        ("s-00000001", "leadership", "facilitator", "Boundary spanners were nurtured across agencies."),
        ("s-00000002", "time", "barrier", "Timescales were never appraised realistically by the board."),
    ), framework, "alpha")
    assert item(t, "leadership.r7")["status"] == "supported"
    assert item(t, "time.r1")["status"] == "contradicted"
    assert item(t, "vision.r1")["status"] == "not addressed"
    assert "no finding coded vision shares a distinctive word" in item(t, "vision.r1")["reasons"]
    assert len(t) == len(framework.requirements)
    assert list(t["requirement_id"]) == [r.id for r in framework.requirements]


def test_only_findings_of_the_items_dimension_count(framework):
    t = checklist.auto_checklist(coded(
        ("s-00000001", "culture", "facilitator", "Boundary spanners were nurtured across agencies."),
    ), framework, "alpha")
    assert item(t, "leadership.r7")["status"] == "not addressed"


def test_dimension_name_and_vague_words_do_not_count(framework):
    # vision.r3 shares only 'vision' (the dimension's own name) and 'keep' (vague) with this statement
    t = checklist.auto_checklist(coded(
        ("s-00000001", "vision", "facilitator", "They keep the vision alive."),
    ), framework, "alpha")
    assert set(t.loc[t["dimension"] == "vision", "status"]) == {"not addressed"}
    assert "vision" not in checklist.item_terms(framework.requirements[2], framework.dimension("vision"))


def test_words_common_to_many_findings_do_not_count(framework):
    rows = [(f"s-0000000{i}", "culture", "barrier", f"Front-line staff in ward {i} were tired.") for i in range(6)]
    table = coded(*rows)
    common = checklist.common_stems(table["statement"])
    assert {"staff", "front", "line", "ward", "tire"} <= common
    t = checklist.auto_checklist(table, framework, "alpha")
    assert item(t, "culture.r5")["status"] == "not addressed"  # 'front-line staff' is in every finding
    t2 = checklist.auto_checklist(table, framework, "alpha", common=frozenset())
    assert item(t2, "culture.r5")["status"] == "contradicted"


def write_decisions(evidence: Path, case: str, *lines: str) -> Path:
    path = evidence / "checklist" / f"{case}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_reviewer_decision_overrides_automatic_mapping(framework, tmp_path):
    table = coded(("s-00000001", "leadership", "facilitator", "Boundary spanners were nurtured across agencies."),
                  ("s-00000002", "leadership", "barrier", "Leaders were distant."))
    write_decisions(tmp_path, "alpha",
                    "leadership.r7,contradicted,s-00000002,rev_a,2026-01-01,first view",
                    "leadership.r7,mixed,s-00000001;s-00000002,rev_b,2026-02-01,both apply",
                    "vision.r1,not addressed,,rev_a,2026-01-05,")
    t, problems = checklist.case_checklist(table, framework, "alpha", tmp_path)
    assert problems == []
    r7 = item(t, "leadership.r7")
    assert r7["status"] == "mixed" and r7["auto_status"] == "supported"
    assert r7["finding_ids"] == "s-00000001;s-00000002" and r7["decided_by"] == "rev_b"
    assert r7["reasons"] == "set by reviewer rev_b on 2026-02-01: both apply (automatic mapping said: supported)"
    assert item(t, "vision.r1")["decided_by"] == "rev_a"
    assert item(t, "leadership.r1")["decided_by"] == "auto"


def test_bad_decisions_are_set_aside_with_line_and_fix(framework, tmp_path):
    table = coded(("s-00000001", "leadership", "facilitator", "Boundary spanners were nurtured."))
    write_decisions(tmp_path, "alpha",
                           "leadership.r7,supported,s-00000001,rev_a,2026-01-01,ok",        # line 2
                           "leadership.r99,supported,s-00000001,rev_a,2026-01-01,",         # line 3
                           "leadership.r1,great,s-00000001,rev_a,2026-01-01,",              # line 4
                           "leadership.r1,supported,nope-00000000,rev_a,2026-01-01,",       # line 5
                           "leadership.r1,supported,,rev_a,2026-01-01,",                    # line 6
                           "leadership.r1,not addressed,s-00000001,rev_a,2026-01-01,",      # line 7
                           "leadership.r1,supported,s-00000001,,01/02/2026,")               # line 8
    t, problems = checklist.case_checklist(table, framework, "alpha", tmp_path)
    by_line = {p.line: p.message for p in problems}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert "unknown requirement_id 'leadership.r99'" in by_line[3]
    assert "unknown status 'great'" in by_line[4]
    assert "unknown finding id(s) nope-00000000" in by_line[5]
    assert "needs the finding ids" in by_line[6]
    assert "'not addressed' lists finding ids" in by_line[7]
    assert "reviewer is empty" in by_line[8] and "not YYYY-MM-DD" in by_line[8]
    assert all(p.file.endswith("alpha.csv") for p in problems)
    assert item(t, "leadership.r7")["decided_by"] == "rev_a"  # the good row still applies


def test_validate_reports_checklist_problems(evidence_copy):
    from workbook.pipeline.validate import validate_evidence

    write_decisions(evidence_copy, "torbay", "vision.r1,supported,torbay_x-00000000,rev,2026-01-01,")
    write_decisions(evidence_copy, "atlantis", "vision.r1,not addressed,,rev,2026-01-01,")
    found = [p for p in validate_evidence(evidence_copy) if "checklist" in p.file]
    messages = " ".join(str(p) for p in found)
    assert "unknown finding id(s) torbay_x-00000000" in messages and "torbay.csv:2" in messages
    assert "atlantis.csv: names no known case" in messages


def test_status_matrix_one_column_per_case(framework):
    table = pd.concat([checklist.auto_checklist(coded(
        ("s-00000001", "leadership", "facilitator", "Boundary spanners were nurtured across agencies.")),
        framework, "alpha"), checklist.auto_checklist(coded(
        ("s-00000002", "time", "neutral", "The pilot began in 2004.")), framework, "alpha").assign(case="beta")])
    m = checklist.status_matrix(table, framework, ["alpha", "beta"]).set_index("requirement_id")
    assert list(m.columns) == ["requirement", "alpha", "beta"]
    assert m.loc["leadership.r7", "alpha"] == "supported" and m.loc["leadership.r7", "beta"] == "not addressed"
    assert list(m.index) == [r.id for r in framework.requirements]


def test_status_counts(framework):
    t = checklist.auto_checklist(coded(
        ("s-00000001", "leadership", "facilitator", "Boundary spanners were nurtured across agencies."),
    ), framework, "alpha")
    counts = checklist.status_counts(t, ["alpha"]).set_index("case")
    assert counts.loc["alpha", "supported"] == 1
    assert counts.loc["alpha", "not addressed"] == len(framework.requirements) - 1


def _cases_table(framework, n: int) -> "tuple[pd.DataFrame, dict[str, str]]":
    """The automatic checklists of n cases 'c0'..'c<n-1>' (one finding each), and their names."""
    one = checklist.auto_checklist(coded(
        ("s-00000001", "leadership", "facilitator", "Boundary spanners were nurtured across agencies.")),
        framework, "alpha")
    names = {f"c{i}": f"Case {i}" for i in range(n)}
    return pd.concat([one.assign(case=cid) for cid in names], ignore_index=True), names


def test_detail_tables_a_section_per_case_up_to_the_limit(framework):
    n = checklist.MAX_CASE_SECTIONS
    table, names = _cases_table(framework, n)
    parts = checklist.detail_tables(table, names)
    assert [p.heading for p in parts] == [f"Checklist: Case {i}" for i in range(n)]
    assert [p.name for p in parts] == [f"checklist_c{i}" for i in range(n)]
    assert parts[2].caption == "Delivery checklist of Case 2, with the reasons."
    assert set(parts[2].table["case"]) == {"c2"} and len(parts[2].table) == len(framework.requirements)
    assert parts[0].show == ["requirement_id", "requirement", "status", "reasons", "auto_status", "decided_by"]


def test_detail_tables_one_table_of_all_cases_beyond_the_limit(framework):
    table, names = _cases_table(framework, checklist.MAX_CASE_SECTIONS + 1)
    (part,) = checklist.detail_tables(table, names)
    assert part.name == "checklist_all_cases" and part.heading == "Checklist of every case"
    assert part.show[0] == "case" and part.show[1:] == list(checklist.DETAIL_COLUMNS)
    assert len(part.table) == len(names) * len(framework.requirements)
    assert list(dict.fromkeys(part.table["case"])) == list(names)  # case order kept
    assert f"all {len(names)} cases" in part.caption


@pytest.fixture(scope="module")
def shipped():
    import workbook.pipeline.stages as stages
    from workbook.evidence.cases import load_cases

    settings = stages.resolve()
    return stages.load_coded(settings), settings, list(load_cases(settings.evidence))


def test_shipped_checklist_is_complete_and_traceable(shipped):
    coded_all, settings, cases = shipped
    t, problems = checklist.checklist(coded_all, settings.framework, cases, settings.evidence)
    assert problems == []
    assert len(t) == len(cases) * len(settings.framework.requirements)
    assert set(t["status"]) <= set(checklist.STATUSES)
    known = dict(zip(coded_all["finding_id"], coded_all["case"]))
    for rec in t.to_dict("records"):
        ids = [i for i in rec["finding_ids"].split(";") if i]
        assert all(known[i] == rec["case"] for i in ids)
        assert (rec["status"] == "not addressed") == (not ids)
        if rec["decided_by"] == "auto":
            assert all(i in rec["reasons"] for i in ids)


def test_shipped_reviewer_decisions_are_applied(shipped):
    coded_all, settings, cases = shipped
    t, _ = checklist.checklist(coded_all, settings.framework, cases, settings.evidence)
    t = t.set_index(["case", "requirement_id"])
    applied = 0
    for case in cases:
        decisions = checklist.load_decisions(checklist.decisions_path(case, settings.evidence), settings.framework)
        assert decisions.problems == []
        latest = decisions.decisions.drop_duplicates("requirement_id", keep="last")
        for rec in latest.to_dict("records"):
            row = t.loc[(case, rec["requirement_id"])]
            assert (row["status"], row["finding_ids"], row["decided_by"]) == (rec["status"], rec["finding_ids"],
                                                                               rec["reviewer"])
            assert row["reasons"].startswith(f"set by reviewer {rec['reviewer']}")
            applied += 1
    assert applied == int((t["decided_by"] != "auto").sum())


@pytest.mark.parametrize("body", ['vision.r1,supported,"s-00000001,rev,2026-01-01,open quote\n' + "x" * 140_000,
                                  "vision.r1,not addressed,,rev,2026-01-01,old mac\rvision.r2,bad,,rev,2026-01-01,"])
def test_unreadable_or_cr_files_give_located_problems_not_crashes(framework, tmp_path, body):
    path = tmp_path / "checklist" / "alpha.csv"
    path.parent.mkdir()
    path.write_bytes((HEADER + "\n" + body).encode("utf-8"))
    result = checklist.load_decisions(path, framework)
    assert result.problems and all(p.line for p in result.problems)
