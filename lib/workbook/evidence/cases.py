"""The case studies: evidence/cases.yaml, with each case's setting, period, programme and sources."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbook.core.errors import EvidenceError, ParameterError, problem
from workbook.core.paths import check_id, evidence_dir
from workbook.core.yamlio import Located, load_yaml, schema_problems

_ID = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,63}$"}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["cases"],
    "additionalProperties": False,
    "properties": {
        "cases": {
            "type": "array",  # a new project starts with none
            "items": {
                "type": "object",
                "required": ["id", "name", "setting", "period", "programme", "sources"],
                "additionalProperties": False,
                "properties": {
                    "id": _ID,
                    "name": {"type": "string", "minLength": 1},
                    "setting": {"type": "string", "minLength": 1},
                    "period": {"type": ["string", "integer"]},
                    "programme": {"type": "string", "minLength": 1},
                    "summary": {"type": "string"},
                    "sources": {"type": "array", "items": _ID},  # none yet: the case has no findings
                },
            },
        }
    },
}


@dataclass(frozen=True)
class Case:
    """One case study and the ids of its source documents."""

    id: str
    name: str
    setting: str
    period: str
    programme: str
    sources: tuple[str, ...]
    summary: str = ""


def cases_path(evidence: "Path | None" = None) -> Path:
    """evidence/cases.yaml."""
    return (evidence or evidence_dir()) / "cases.yaml"


def case_problems(doc: Located) -> list:
    """Schema problems and duplicate case or source ids in a cases document."""
    found = schema_problems(doc, SCHEMA)
    if found:
        return found
    seen_cases: set[str] = set()
    seen_sources: dict[str, str] = {}
    for i, raw in enumerate(doc.data["cases"]):
        if raw["id"] in seen_cases:
            found.append(problem(doc.source, f"duplicate case id {raw['id']!r}.", "give each case a unique id.",
                                 line=doc.line_of(("cases", i, "id")), record=f"cases/{i}"))
        seen_cases.add(raw["id"])
        for j, sid in enumerate(raw["sources"]):
            if sid in seen_sources:
                found.append(problem(doc.source, f"source {sid!r} is listed twice (also under case "
                                     f"{seen_sources[sid]!r}).", "list each source once, under its case.",
                                     line=doc.line_of(("cases", i, "sources", j)), record=f"cases/{i}/sources/{j}"))
            seen_sources[sid] = raw["id"]
    return found


def load_cases(evidence: "Path | None" = None) -> dict[str, Case]:
    """All cases, in file order, keyed by id."""
    doc = load_yaml(cases_path(evidence))
    found = case_problems(doc)
    if found:
        raise EvidenceError(found)
    return {raw["id"]: Case(raw["id"], raw["name"], raw["setting"], str(raw["period"]), raw["programme"],
                            tuple(raw["sources"]), " ".join(str(raw.get("summary", "")).split()))
            for raw in doc.data["cases"]}


def get_case(case_id: object, evidence: "Path | None" = None) -> Case:
    """The case with this id; an unknown id is refused with the list of known ones."""
    check_id(case_id, "case_id")
    cases = load_cases(evidence)
    if case_id not in cases:
        raise ParameterError(f"unknown case_id {case_id!r}. Fix: use one of: {', '.join(cases)} "
                             f"(defined in {cases_path(evidence)}).")
    return cases[case_id]  # type: ignore[index]


PLACEHOLDER = "to be described (added by workbook add-source)"
"""What a case created by add-source says for its setting, period and programme until a person writes them."""


def _round_trip(text: str) -> tuple[object, object]:
    """A ruamel.yaml round-trip loader set to the file's own indentation, and the loaded data."""
    import io

    from ruamel.yaml import YAML

    def make(mapping: int, sequence: int, offset: int) -> "YAML":
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        return yaml

    data = make(2, 4, 2).load(text)
    for mapping, sequence, offset in ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (2, 4, 0), (4, 4, 0), (4, 2, 0)):
        yaml = make(mapping, sequence, offset)
        out = io.StringIO()
        yaml.dump(data, out)
        if out.getvalue() == text:
            return yaml, data
    return make(2, 4, 2), data  # no layout reproduces the file exactly; comments and order are still kept


def with_source_added(text: str, case_id: str, source_id: str, name: str = "",
                      path: "Path | None" = None) -> tuple[str, bool]:
    """cases.yaml text with source_id listed under case_id (the case created if missing); comments and order kept.

    Returns the new text and whether the case was created. Nothing is written.
    """
    import io

    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError

    where = path or cases_path()
    check_id(case_id, "case id")
    check_id(source_id, "source id")
    try:
        yaml, data = _round_trip(text)
    except YAMLError as exc:
        raise EvidenceError(problem(where, f"is not valid YAML ({exc}).", "fix it (run workbook validate) and "
                                    "add the source again.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise EvidenceError(problem(where, "has no 'cases:' list.", "fix it (see evidence/README.md)."))
    for case in data["cases"]:
        if isinstance(case, dict) and source_id in (case.get("sources") or []):
            raise EvidenceError(problem(where, f"already lists source {source_id!r} (under case "
                                        f"{case.get('id')!r}).", "give the new source another id with --id."))
    created = False
    target = next((c for c in data["cases"] if isinstance(c, dict) and c.get("id") == case_id), None)
    if target is None:
        target = CommentedMap()
        target["id"] = case_id
        target["name"] = name or case_id.replace("_", " ").title()
        for field in ("setting", "period", "programme"):
            target[field] = PLACEHOLDER
        sources = CommentedSeq()
        sources.fa.set_flow_style()
        target["sources"] = sources
        data["cases"].append(target)
        created = True
    target.setdefault("sources", CommentedSeq()).append(source_id)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue(), created
