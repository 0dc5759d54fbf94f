"""Checking everything in evidence/ and reporting every problem with its file, line or record, and the fix."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from workbook.coding.reviews import load_reviews
from workbook.core.errors import EvidenceError, Problem, problem
from workbook.core.yamlio import load_yaml
from workbook.evidence.cases import case_problems, cases_path
from workbook.evidence.framework import Framework, framework_problems
from workbook.evidence.sources import SOURCE_SUFFIXES
from workbook.extract.findings import findings_from_sources, load_case_sources
from workbook.pipeline.checks import OPTIONAL_CHECKS


def _collect(fn: "Callable[..., object]", *args: object) -> "tuple[object, list[Problem]]":
    """Call fn; return (result, []) or (None, problems) if it raised an EvidenceError."""
    try:
        return fn(*args), []
    except EvidenceError as exc:
        return None, exc.problems


def _no_polarity(texts: list[str]) -> list[str]:
    """Validation checks ids and duplicates only, so it skips the coder."""
    return ["neutral"] * len(texts)


def validate_evidence(evidence: Path, framework_path: "Path | None" = None) -> list[Problem]:
    """Every problem in the evidence directory (empty when all is well)."""
    from workbook.evidence.cases import load_cases
    from workbook.evidence.framework import load_framework

    problems: list[Problem] = []
    fw_path = framework_path or evidence / "framework.yaml"
    doc, found = _collect(load_yaml, fw_path)
    problems += found or (framework_problems(doc) if doc is not None else [])
    framework: Framework | None = None
    if not problems:
        framework = load_framework(fw_path)
    doc, found = _collect(load_yaml, cases_path(evidence))
    problems += found or (case_problems(doc) if doc is not None else [])
    cases = {}
    cases_read = False
    if doc is not None and not found:
        loaded, found = _collect(load_cases, evidence)
        cases, cases_read = loaded or {}, loaded is not None
    listed = {sid for case in cases.values() for sid in case.sources}
    for case in cases.values():
        sources, found = _collect(load_case_sources, case, evidence)
        problems += found
        if sources is not None and framework is not None:
            _, found = _collect(findings_from_sources, case, sources, _no_polarity)
            problems += found
        if framework is not None:
            problems += load_reviews(case.id, framework, evidence).problems
    unread = [] if not cases_read else sorted(  # with cases.yaml broken every source would look unlisted
        p for p in (evidence / "sources").rglob("*")
        if p.is_file() and p.suffix in SOURCE_SUFFIXES and p.stem.upper() != "README")  # a folder's guide
    for path in unread:
        if path.stem not in listed:
            problems.append(problem(path, "is not listed under any case in cases.yaml, so it is never read.",
                                    f"add {path.stem!r} to the sources of case {path.parent.name!r}, or remove it."))
    if cases_read:
        for path in sorted((evidence / "reviews").glob("*.csv")):
            if path.stem not in cases:
                problems.append(problem(path, f"names no known case ({', '.join(cases) or 'none yet'}).",
                                        "rename it <case_id>.csv."))
        for path in sorted(p for p in (evidence / "reviews").glob("*") if p.is_dir() and not p.name.startswith(".")):
            if path.name not in cases:
                problems.append(problem(path, f"is a review folder that names no known case "
                                        f"({', '.join(cases) or 'none yet'}), so its decisions are never read.",
                                        "rename it after its case id."))
    for extra in OPTIONAL_CHECKS:
        problems += extra(evidence, framework, cases)
    return problems

