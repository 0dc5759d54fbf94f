"""Confidence in the review findings (GRADE-CERQual): evidence/synthesis/review_findings.yaml and the SoQF table.

The overall rule (documented in the report too):

- Start at **high** confidence: the review finding is taken to be a reasonable representation of
  the phenomenon of interest.
- Go down one level for each component with **moderate** concerns, two levels for each with
  **serious** concerns.
- **Minor** concerns alone do not lower confidence, except that minor concerns in three or more of
  the four components together lower it by one level.
- The floor is **very low**.

Levels: high > moderate > low > very low. The judgements per component are the reviewer's; the
workbook adds what it can count: the findings, sources, source kinds and cases behind each.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbook.core.errors import EvidenceError, Problem, problem
from workbook.core.paths import evidence_dir
from workbook.core.yamlio import Located, load_yaml, optional_file_problems, schema_problems

COMPONENTS: tuple[str, ...] = ("methodological_limitations", "coherence", "adequacy", "relevance")
COMPONENT_LABELS: dict[str, str] = {"methodological_limitations": "methodological limitations",
                                    "coherence": "coherence", "adequacy": "adequacy", "relevance": "relevance"}
CONCERNS: tuple[str, ...] = ("no", "minor", "moderate", "serious")
LEVELS: tuple[str, ...] = ("high", "moderate", "low", "very low")
STEPS: dict[str, int] = {"no": 0, "minor": 0, "moderate": 1, "serious": 2}
MINOR_LIMIT = 3
"""Minor concerns in this many components or more lower confidence by one level."""

_JUDGEMENT = {"type": "object", "required": ["concern", "explanation"], "additionalProperties": False,
              "properties": {"concern": {"enum": list(CONCERNS)},
                             "explanation": {"type": "string", "minLength": 10}}}
SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["review_findings"], "additionalProperties": False,
    "properties": {"review_findings": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["id", "statement", "finding_ids", "cerqual"], "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,31}$"},
            "statement": {"type": "string", "minLength": 20},
            "dimensions": {"type": "array", "items": {"type": "string"}},
            "finding_ids": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
            "cerqual": {"type": "object", "required": list(COMPONENTS), "additionalProperties": False,
                        "properties": {c: _JUDGEMENT for c in COMPONENTS}},
        }}}},
}


@dataclass(frozen=True)
class ReviewFinding:
    """A cross-case review finding with its supporting findings and CERQual judgements."""

    id: str
    statement: str
    finding_ids: tuple[str, ...]
    concerns: dict[str, str]
    explanations: dict[str, str]
    dimensions: tuple[str, ...] = ()
    line: int | None = None


def review_findings_path(evidence: "Path | None" = None) -> Path:
    """evidence/synthesis/review_findings.yaml."""
    return (evidence or evidence_dir()) / "synthesis" / "review_findings.yaml"


def overall_confidence(concerns: "dict[str, str]") -> tuple[str, int]:
    """The overall confidence level and the number of levels it went down, from the component concerns."""
    steps = sum(STEPS[concerns[c]] for c in COMPONENTS)
    if sum(concerns[c] == "minor" for c in COMPONENTS) >= MINOR_LIMIT:
        steps += 1
    steps = min(steps, len(LEVELS) - 1)
    return LEVELS[steps], steps


def explain(concerns: "dict[str, str]", explanations: "dict[str, str]") -> str:
    """Why the finding has its overall confidence: each concern that lowered it, and the minor ones."""
    level, steps = overall_confidence(concerns)
    parts = [f"{level.capitalize()} confidence."]
    lowering = [c for c in COMPONENTS if STEPS[concerns[c]] > 0]
    minor = [c for c in COMPONENTS if concerns[c] == "minor"]
    if not steps:
        parts.append("Started at high and not lowered:" + (" no component had more than minor concerns"
                                                           if minor else " no concerns in any component") + ".")
    else:
        parts.append(f"Started at high and lowered {steps} level{'s' if steps > 1 else ''}.")
    for c in lowering:
        down = STEPS[concerns[c]]
        parts.append(f"{concerns[c].capitalize()} concerns about {COMPONENT_LABELS[c]} "
                     f"(-{down}): {explanations[c].rstrip('.')}.")
    if minor:
        joined = ", ".join(COMPONENT_LABELS[c] for c in minor)
        effect = "together -1" if len(minor) >= MINOR_LIMIT else "not lowering on their own"
        parts.append(f"Minor concerns about {joined} ({effect}): "
                     + " ".join(f"{explanations[c].rstrip('.')}." for c in minor))
    return " ".join(parts)


def parse_review_findings(doc: Located, known_ids: "set[str] | None" = None,
                          dimension_ids: "tuple[str, ...] | None" = None) -> tuple[list[ReviewFinding], list[Problem]]:
    """Review findings from a parsed YAML document, and every problem (schema, unknown or repeated ids)."""
    _unbool_concerns(doc.data)
    found = schema_problems(doc, SCHEMA)
    if found:
        return [], found
    items, seen = [], {}
    for i, raw in enumerate(doc.data["review_findings"]):
        rec = raw["id"]
        if rec in seen:
            found.append(problem(doc.source, f"duplicate review finding id {rec!r} (first on line {seen[rec]}).",
                                 "give each review finding a unique id.",
                                 line=doc.line_of(("review_findings", i, "id")),
                                 record=rec))
        seen.setdefault(rec, doc.line_of(("review_findings", i, "id")))
        for j, fid in enumerate(raw["finding_ids"]):
            line = doc.line_of(("review_findings", i, "finding_ids", j))
            if known_ids is not None and fid not in known_ids:
                found.append(problem(doc.source, f"unknown finding id {fid!r}: no extracted finding has it.",
                                     "copy the id from reports/findings/<case>.csv (run 'workbook extract --case "
                                     "<id>'); a reworded bullet gets a new id.", line=line, record=rec))
            if fid in raw["finding_ids"][:j]:
                found.append(problem(doc.source, f"finding id {fid!r} is listed twice.", "list it once.",
                                     line=line, record=rec))
        for j, dim in enumerate(raw.get("dimensions", [])):
            if dimension_ids is not None and dim not in dimension_ids:
                found.append(problem(doc.source, f"unknown dimension {dim!r}.",
                                     f"use one of: {', '.join(dimension_ids)}.",
                                     line=doc.line_of(("review_findings", i, "dimensions", j)), record=rec))
        cq = raw["cerqual"]
        items.append(ReviewFinding(rec, " ".join(raw["statement"].split()), tuple(raw["finding_ids"]),
                                   {c: cq[c]["concern"] for c in COMPONENTS},
                                   {c: " ".join(cq[c]["explanation"].split()) for c in COMPONENTS},
                                   tuple(raw.get("dimensions", [])), doc.line_of(("review_findings", i))))
    return items, found


def _unbool_concerns(data: Any) -> None:
    """YAML 1.1 reads an unquoted `no` as false: turn such a concern back into 'no'."""
    if not isinstance(data, dict) or not isinstance(data.get("review_findings"), list):
        return
    for item in data["review_findings"]:
        judgements = item.get("cerqual") if isinstance(item, dict) else None
        if isinstance(judgements, dict):
            for value in judgements.values():
                if isinstance(value, dict) and value.get("concern") is False:
                    value["concern"] = "no"


def review_finding_problems(path: "str | Path", known_ids: "set[str] | None" = None,
                            dimension_ids: "tuple[str, ...] | None" = None) -> list[Problem]:
    """Every problem of a review findings file (none when it is absent)."""
    return optional_file_problems(path, lambda doc: parse_review_findings(doc, known_ids, dimension_ids)[1])


def load_review_findings(path: "str | Path", known_ids: "set[str] | None" = None,
                         dimension_ids: "tuple[str, ...] | None" = None) -> list[ReviewFinding]:
    """The review findings of a file ([] when it is absent), or an EvidenceError naming every problem with its line."""
    if not Path(path).exists():
        return []
    items, found = parse_review_findings(load_yaml(path), known_ids, dimension_ids)
    if found:
        raise EvidenceError(found)
    return items


def evidence_basis(finding_ids: "tuple[str, ...]", coded: pd.DataFrame,
                   source_kinds: "dict[str, str]") -> dict[str, Any]:
    """What the workbook can count behind a review finding: findings, cases, sources and their kinds."""
    rows = coded.set_index("finding_id").reindex(list(finding_ids))
    rows = rows[rows["case"].notna()]
    order = list(dict.fromkeys(coded["case"]))
    per_case = rows.groupby("case", sort=False).size()
    per_case = per_case.reindex([c for c in order if c in per_case.index])
    sources = list(dict.fromkeys(rows["source"]))
    kinds = pd.Series([source_kinds.get(s, "") or "unstated" for s in sources]).value_counts()
    return {"findings": len(rows), "cases": int(per_case.size), "sources": len(sources),
            "per_case": "; ".join(f"{c} {n}" for c, n in per_case.items()),
            "source_ids": ";".join(sources),
            "source_kinds": "; ".join(f"{k} {n}" for k, n in kinds.items())}


def soqf_table(items: "list[ReviewFinding]", coded: pd.DataFrame, source_kinds: "dict[str, str]") -> pd.DataFrame:
    """The Summary of Qualitative Findings: each review finding, its basis, judgements and overall confidence."""
    rows = []
    for rf in items:
        basis = evidence_basis(rf.finding_ids, coded, source_kinds)
        level, _ = overall_confidence(rf.concerns)
        rows.append({"id": rf.id, "review_finding": rf.statement, "finding_ids": ";".join(rf.finding_ids),
                     "findings": basis["findings"], "cases": basis["cases"], "findings_per_case": basis["per_case"],
                     "sources": basis["sources"], "source_kinds": basis["source_kinds"],
                     "basis": (f"{basis['findings']} findings from {basis['cases']} case(s) ({basis['per_case']}); "
                               f"{basis['sources']} sources ({basis['source_kinds']})"),
                     **{c: rf.concerns[c] for c in COMPONENTS},
                     "confidence": level, "explanation": explain(rf.concerns, rf.explanations)})
    columns = ["id", "review_finding", "finding_ids", "findings", "cases", "findings_per_case", "sources",
               "source_kinds", "basis", *COMPONENTS, "confidence", "explanation"]
    return pd.DataFrame(rows, columns=columns)


def judgements_table(items: "list[ReviewFinding]") -> pd.DataFrame:
    """One row per review finding and component: the concern and the reviewer's explanation."""
    return pd.DataFrame([{"id": rf.id, "component": COMPONENT_LABELS[c], "concern": rf.concerns[c],
                          "explanation": rf.explanations[c]} for rf in items for c in COMPONENTS],
                        columns=["id", "component", "concern", "explanation"])


RULE_TEXT = ("Overall confidence starts at high and goes down one level for each component with moderate "
             "concerns and two levels for each with serious concerns; minor concerns do not lower it on their own, "
             f"but minor concerns in {MINOR_LIMIT} or more of the four components together lower it by one level; "
             "the floor is very low.")
