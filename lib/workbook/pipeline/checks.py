"""Checks of the optional evidence files (outcomes, review findings, checklist decisions), run by validate."""
from __future__ import annotations

import hashlib
from pathlib import Path

from workbook.core.errors import EvidenceError, Problem, problem
from workbook.evidence.cases import Case
from workbook.evidence.framework import Framework
from workbook.evidence.outcomes import outcome_problems, outcomes_path, source_headings
from workbook.evidence.sources import load_source, source_path
from workbook.extract.findings import finding_id, load_case_sources
from workbook.synthesis.checklist import decisions_path, load_decisions
from workbook.synthesis.confidence import review_finding_problems, review_findings_path
from workbook.synthesis.matrix import cell_summaries_path, cell_summary_problems


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


def _sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_originals(evidence: Path, framework: "Framework | None", cases: dict) -> list[Problem]:
    """Full-text sources: the original in evidence/documents/ exists and still matches its recorded SHA-256."""
    found: list[Problem] = []
    for case in cases.values():
        for sid in case.sources:
            try:
                path = source_path(case.id, sid, evidence)
                src = load_source(path)
            except (EvidenceError, OSError, UnicodeDecodeError):
                continue  # reported by the source checks
            if not src.fulltext or not src.original:
                continue
            original = evidence / src.original
            readd = (f"restore the original, or remove {path.name}, {src.original} and '{sid}' in cases.yaml and "
                     f"add the new file with: workbook add-source FILE --case {case.id} --id {sid}")
            if not original.is_file():
                found.append(problem(path, f"its original {src.original} is missing.", readd + "."))
            elif _sha256(original) != src.sha256:
                found.append(problem(original, f"no longer matches the checksum recorded in {path.name} "
                                     f"(sha256 {src.sha256[:12]}..., now {_sha256(original)[:12]}...): the "
                                     "original was changed after its text was extracted.", readd + "."))
    return found


def check_cell_summaries(evidence: Path, framework: "Framework | None", cases: dict) -> list[Problem]:
    """evidence/synthesis/cell_summaries.yaml: schema, known case and dimension ids, finding ids that exist."""
    path = cell_summaries_path(evidence)
    if not path.exists():
        return []
    ids_by_case = case_finding_ids(cases, evidence)
    known = set().union(*ids_by_case.values()) if len(ids_by_case) == len(cases) and cases else None
    return cell_summary_problems(path, list(cases), framework.dimension_ids if framework else None, known)


def check_extraction(evidence: Path, framework: "Framework | None", cases: dict) -> list[Problem]:
    """extraction.yaml and candidate decisions of cases with no full-text source yet (extraction checks the
    others when it reads their sources)."""
    from workbook.extract.candidates import extraction_path, load_classifier
    from workbook.extract.findings import FULLTEXT, load_candidate_decisions

    def has_fulltext(case: Case) -> bool:
        """Whether a case has a full-text source (False when its sources cannot be read)."""
        try:
            return any(s.kind == FULLTEXT for s in load_case_sources(case, evidence))
        except EvidenceError:
            return False  # reported by the source checks

    found: list[Problem] = []
    quiet = [case for case in cases.values() if not has_fulltext(case)]
    checks = ([lambda: load_classifier(evidence)] if len(quiet) == len(cases) and extraction_path(evidence).exists()
              else [])
    checks += [lambda cid=case.id: load_candidate_decisions(cid, evidence) for case in quiet]
    for check in checks:
        try:
            check()
        except EvidenceError as exc:
            found += exc.problems
    return found


OPTIONAL_CHECKS = (check_outcomes, check_review_findings, check_checklist_decisions, check_originals,
                   check_cell_summaries, check_extraction)
"""The checks validate_evidence runs after the required files: fn(evidence, framework, cases) -> problems."""
