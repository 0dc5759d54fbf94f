"""Checks of the optional evidence files (outcomes, review findings, checklist decisions), run by validate."""
from __future__ import annotations

from pathlib import Path

from workbook.core.errors import EvidenceError, Problem, problem
from workbook.evidence.framework import Framework
from workbook.evidence.outcomes import outcome_problems, outcomes_path, source_headings
from workbook.evidence.sources import source_path
from workbook.extract.findings import finding_id, load_case_sources
from workbook.synthesis.checklist import decisions_path, load_decisions
from workbook.synthesis.confidence import review_finding_problems, review_findings_path


def case_finding_ids(cases: dict, evidence: Path) -> dict[str, set[str]]:
    """The finding ids of each case, derived from its sources (cases whose sources do not load are left out)."""
    out: dict[str, set[str]] = {}
    for case in cases.values():
        try:
            sources = load_case_sources(case, evidence)
        except EvidenceError:
            continue
        out[case.id] = {finding_id(src.id, st.text) for src in sources for st in src.statements}
    return out


def check_outcomes(evidence: Path, framework: "Framework | None", cases: dict) -> list[Problem]:
    """evidence/outcomes.csv: numbers, known case and source, a locator that is a heading of that source."""
    path = outcomes_path(evidence)
    if not path.exists() or not cases:
        return []
    headings = {}
    for case in cases.values():
        for sid in case.sources:
            try:
                headings[sid] = source_headings(source_path(case.id, sid, evidence))
            except (EvidenceError, OSError, UnicodeDecodeError):
                continue
    return outcome_problems(path, {c.id: c.sources for c in cases.values()}, headings)


def check_review_findings(evidence: Path, framework: "Framework | None", cases: dict) -> list[Problem]:
    """evidence/synthesis/review_findings.yaml: schema, and every finding id an extracted finding."""
    path = review_findings_path(evidence)
    if not path.exists():
        return []
    ids_by_case = case_finding_ids(cases, evidence)
    complete = len(ids_by_case) == len(cases) and bool(cases)
    known = set().union(*ids_by_case.values()) if complete else None
    return review_finding_problems(path, known, framework.dimension_ids if framework else None)


def check_checklist_decisions(evidence: Path, framework: "Framework | None", cases: dict) -> list[Problem]:
    """evidence/checklist/<case>.csv: known case, requirement, status and finding ids of that case."""
    folder = evidence / "checklist"
    if not folder.is_dir() or framework is None or not cases:
        return []
    found: list[Problem] = []
    ids_by_case = case_finding_ids(cases, evidence)
    for path in sorted(folder.glob("*.csv")):
        if path.stem not in cases:
            found.append(problem(path, f"names no known case ({', '.join(cases)}).", "rename it <case_id>.csv."))
            continue
        found += load_decisions(decisions_path(path.stem, evidence), framework, ids_by_case.get(path.stem)).problems
    return found


OPTIONAL_CHECKS = (check_outcomes, check_review_findings, check_checklist_decisions)
"""The checks validate_evidence runs after the required files: fn(evidence, framework, cases) -> problems."""
