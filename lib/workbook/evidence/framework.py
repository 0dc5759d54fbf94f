"""The coding framework as data: dimensions, definitions, cues and "delivery requires" items."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbook.core.errors import EvidenceError, problem
from workbook.core.paths import evidence_dir
from workbook.core.yamlio import Located, load_yaml, schema_problems

POLARITIES: tuple[str, ...] = ("barrier", "facilitator", "neutral")
PETCH_DIMENSIONS: tuple[str, ...] = (
    "vision", "leadership", "culture", "local_context", "integrated_teams", "time", "outcomes")

_CUE = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "object", "required": ["term"], "additionalProperties": False,
         "properties": {"term": {"type": "string", "minLength": 1},
                        "weight": {"type": "number"},
                        "adverse": {"type": "boolean"}}},
    ]
}

_CUE_LIST = {"type": "array", "items": _CUE}

CODING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "default_coder": {"enum": ["rules", "model", "learned", "auto"]},
        "polarity_threshold": {"type": "number", "minimum": 0},
        "scope_words": {"type": "integer", "minimum": 0, "maximum": 12},
        "lookback_words": {"type": "integer", "minimum": 0, "maximum": 20},
        "negated_dimension_weight": {"type": "number", "minimum": 0},
        "descriptive_threshold": {"type": "number", "minimum": 0},
        "descriptive_penalty": {"type": "number", "minimum": 0},
        "contrast_weight": {"type": "number", "minimum": 0},
        "concession_weight": {"type": "number", "minimum": 0},
        "polarity_dominance": {"type": "number", "minimum": 1},
        "normative_penalty": {"type": "number", "minimum": 0},
        "barrier": _CUE_LIST,
        "facilitator": _CUE_LIST,
        "negation": _CUE_LIST,
        "decrease": _CUE_LIST,
        "remedy": _CUE_LIST,
        "increase": _CUE_LIST,
        "contrast": _CUE_LIST,
        "concession": _CUE_LIST,
        "descriptive": _CUE_LIST,
        "normative": _CUE_LIST,
        "ignore": _CUE_LIST,
    },
}
"""The top-level `coding:` mapping that configures the automatic coders (see lib/workbook/coding.py)."""

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "title", "dimensions"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
        "title": {"type": "string", "minLength": 1},
        "citation": {"type": "string"},
        "url": {"type": "string"},
        "coding": CODING_SCHEMA,
        "dimensions": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "label", "definition", "requires"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
                    "label": {"type": "string", "minLength": 1},
                    "definition": {"type": "string", "minLength": 1},
                    "cues": _CUE_LIST,
                    "threshold": {"type": "number", "minimum": 0},
                    "requires": {
                        "type": "array", "minItems": 1,
                        "items": {
                            "type": "object", "required": ["id", "text"], "additionalProperties": False,
                            "properties": {"id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$"},
                                           "text": {"type": "string", "minLength": 1},
                                           "cues": {"type": "array", "items": _CUE}},
                        },
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Cue:
    """A term (a word, a phrase, or a word-form pattern) and how much it counts towards a code."""

    term: str
    weight: float = 1.0
    adverse: bool = False
    """For dimension cues: the thing named is bad when it rises (admissions, costs, waiting times)."""


@dataclass(frozen=True)
class Requirement:
    """One "delivery requires" item of a dimension, with a stable id such as `leadership.r3`."""

    id: str
    dimension: str
    text: str
    cues: tuple[Cue, ...] = ()


@dataclass(frozen=True)
class Dimension:
    """One dimension of the framework."""

    id: str
    label: str
    definition: str
    requires: tuple[Requirement, ...]
    cues: tuple[Cue, ...] = ()
    threshold: float = 1.0


@dataclass(frozen=True)
class Framework:
    """A coding framework loaded from YAML; dimension order is the canonical order of ids."""

    id: str
    title: str
    dimensions: tuple[Dimension, ...]
    citation: str = ""
    url: str = ""
    coding: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    path: str = ""

    @property
    def dimension_ids(self) -> tuple[str, ...]:
        """Dimension ids in framework order."""
        return tuple(d.id for d in self.dimensions)

    def dimension(self, dim_id: str) -> Dimension:
        """The dimension with this id; an unknown id raises with the list of known ones."""
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise EvidenceError(problem(self.path, f"unknown dimension id {dim_id!r}.",
                                    f"use one of: {', '.join(self.dimension_ids)}."))

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """Every "delivery requires" item, in framework order."""
        return tuple(r for d in self.dimensions for r in d.requires)

    def order(self, dims: "list[str] | tuple[str, ...] | set[str]") -> tuple[str, ...]:
        """The given dimension ids sorted into framework order (unknown ids raise)."""
        known = set(self.dimension_ids)
        unknown = sorted(set(dims) - known)
        if unknown:
            raise EvidenceError(problem(self.path, f"unknown dimension id(s): {', '.join(unknown)}.",
                                        f"use only: {', '.join(self.dimension_ids)}."))
        return tuple(d for d in self.dimension_ids if d in set(dims))


def default_framework_path() -> Path:
    """evidence/framework.yaml of the current evidence directory."""
    return evidence_dir() / "framework.yaml"


def _cues(raw: list[Any] | None) -> tuple[Cue, ...]:
    out = []
    for item in raw or []:
        if isinstance(item, str):
            out.append(Cue(item))
        else:
            out.append(Cue(item["term"], float(item.get("weight", 1.0)), bool(item.get("adverse", False))))
    return tuple(out)


def coding_cues(framework: "Framework", key: str) -> tuple[Cue, ...]:
    """The cues of one list under the framework's `coding:` mapping (barrier, negation, ...)."""
    return _cues(framework.coding.get(key))


def framework_problems(doc: Located) -> list:
    """Schema and consistency problems of a framework document (duplicate ids, misnamed items)."""
    found = schema_problems(doc, SCHEMA)
    if found:
        return found
    seen: dict[str, int] = {}
    for i, dim in enumerate(doc.data["dimensions"]):
        where = ("dimensions", i, "id")
        if dim["id"] in seen:
            found.append(problem(doc.source, f"duplicate dimension id {dim['id']!r}.",
                                 "give each dimension a unique id.", line=doc.line_of(where),
                                 record=f"dimensions/{i}"))
        seen[dim["id"]] = i
        req_seen: set[str] = set()
        for j, req in enumerate(dim["requires"]):
            rec = f"dimensions/{i}/requires/{j}"
            line = doc.line_of(("dimensions", i, "requires", j, "id"))
            if not req["id"].startswith(dim["id"] + "."):
                found.append(problem(doc.source, f"requirement id {req['id']!r} does not start with "
                                     f"its dimension id {dim['id']!r}.",
                                     f"rename it {dim['id']}.rN.", line=line, record=rec))
            if req["id"] in req_seen:
                found.append(problem(doc.source, f"duplicate requirement id {req['id']!r}.",
                                     "give each item a unique id.", line=line, record=rec))
            req_seen.add(req["id"])
    return found


def load_framework(path: "str | Path | None" = None) -> Framework:
    """Load and check a framework file (default: evidence/framework.yaml)."""
    path = Path(path) if path is not None else default_framework_path()
    doc = load_yaml(path)
    found = framework_problems(doc)
    if found:
        raise EvidenceError(found)
    dims = []
    for raw in doc.data["dimensions"]:
        reqs = tuple(Requirement(r["id"], raw["id"], " ".join(r["text"].split()), _cues(r.get("cues")))
                     for r in raw["requires"])
        dims.append(Dimension(raw["id"], raw["label"], " ".join(raw["definition"].split()), reqs,
                              _cues(raw.get("cues")), float(raw.get("threshold", 1.0))))
    data = doc.data
    return Framework(data["id"], data["title"], tuple(dims), data.get("citation", ""),
                     data.get("url", ""), data.get("coding", {}) or {}, str(path))
