"""Which of another tool's codes mean which dimension, delivery item or polarity: maps, read and suggested."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import snowballstemmer

from workbook.core.atomic import write_text
from workbook.core.errors import EvidenceError, problem
from workbook.core.yamlio import load_yaml
from workbook.evidence.framework import POLARITIES, Framework
from workbook.interop.codebook import (Code, Codebook, dimension_guid, polarity_guid, requirement_guid,
                                       requirement_name)
from workbook.interop.guids import normalise_guid

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an and are as at be by for from in into is it its of on or that the their there this to "
                  "with not only are was were can any each both".split())
_POLARITY_WORDS = {"barrier": "barrier", "barriers": "barrier", "facilitator": "facilitator",
                   "facilitators": "facilitator", "neutral": "neutral", "enabler": "facilitator",
                   "enablers": "facilitator"}
_STEMMER = snowballstemmer.stemmer("english")


@dataclass(frozen=True)
class Target:
    """What a code means here: a dimension, a "delivery requires" item (of its dimension) or a polarity."""

    kind: str
    value: str
    dimension: str = ""

    def __str__(self) -> str:
        return self.value


@dataclass
class Resolution:
    """Every code's meaning (by normalised GUID), the codes with none, and how each meaning was found."""

    targets: dict[str, Target] = field(default_factory=dict)
    unmapped: list[Code] = field(default_factory=list)
    how: dict[str, str] = field(default_factory=dict)


def _key(text: str) -> str:
    """Text as compared: case-folded words joined by single spaces."""
    return " ".join(_WORD.findall(text.casefold()))


def target_of(value: str, framework: Framework) -> "Target | None":
    """The target a map value names (dimension id, requirement id or polarity), or None when unknown."""
    if value in framework.dimension_ids:
        return Target("dimension", value, value)
    if value in POLARITIES:
        return Target("polarity", value)
    for req in framework.requirements:
        if req.id == value:
            return Target("requirement", value, req.dimension)
    return None


def _exact(code: Code, framework: Framework, parent: "Target | None") -> "tuple[Target, str] | None":
    """The target a code certainly means: the workbook's own GUID, or its name equal to a label, id or item."""
    guid = normalise_guid(code.guid)
    for dim in framework.dimensions:
        if guid == normalise_guid(dimension_guid(framework, dim.id)):
            return Target("dimension", dim.id, dim.id), "workbook GUID"
        for req in dim.requires:
            if guid == normalise_guid(requirement_guid(framework, req.id)):
                return Target("requirement", req.id, dim.id), "workbook GUID"
    for pol in POLARITIES:
        if guid == normalise_guid(polarity_guid(framework, pol)):
            return Target("polarity", pol), "workbook GUID"
    name = _key(code.name)
    if name in _POLARITY_WORDS:
        return Target("polarity", _POLARITY_WORDS[name]), "name"
    for dim in framework.dimensions:
        if name in (_key(dim.label), _key(dim.id)):
            return Target("dimension", dim.id, dim.id), "name"
        for req in dim.requires:
            short = req.id.split(".", 1)[1]
            if name in (_key(requirement_name(req.id, req.text)), _key(req.text), _key(req.id)):
                return Target("requirement", req.id, dim.id), "name"
            if parent is not None and parent.dimension == dim.id and (name == short or name.startswith(short + " ")):
                return Target("requirement", req.id, dim.id), "name under its dimension"
    return None


def resolve(codebook: Codebook, framework: Framework, mapping: "dict[str, str | None] | None" = None) -> Resolution:
    """Every code's target: from the map when given (by path or GUID), else only certain matches by GUID or name."""
    out = Resolution()

    def visit(code: Code, parent: "Target | None") -> None:
        guid = normalise_guid(code.guid)
        found: "tuple[Target, str] | None" = None
        if mapping is not None and (code.path in mapping or guid in mapping or code.guid in mapping):
            value = mapping.get(code.path, mapping.get(guid, mapping.get(code.guid)))
            found = (target_of(value, framework), "map") if value else None  # type: ignore[assignment]
        elif (hit := _exact(code, framework, parent)) is not None:
            found = hit
        if found is not None and found[0] is not None:
            out.targets[guid], out.how[guid] = found
        for child in code.children:
            visit(child, found[0] if found else None)
        grouping = bool(code.children) and all(normalise_guid(c.guid) in out.targets for c in code.children)
        if guid not in out.targets and code.codable and not grouping:  # a parent of mapped codes only groups them
            out.unmapped.append(code)

    for code in codebook.codes:
        visit(code, None)
    return out


def _stems(text: str) -> set[str]:
    """The content words of a text as stems."""
    return {_STEMMER.stemWord(w) for w in _WORD.findall(text.casefold()) if w not in _STOP and len(w) > 2}


def guess(code: Code, framework: Framework) -> "tuple[Target, list[str]] | None":
    """A dimension whose label, definition and items share the most words with the code's name and description."""
    mine = _stems(f"{code.name} {code.description}")
    if not mine:
        return None
    best: "tuple[float, str, list[str]] | None" = None
    for dim in framework.dimensions:
        theirs = _stems(" ".join([dim.label, dim.definition, *(r.text for r in dim.requires)]))
        shared = sorted(mine & theirs)
        score = len(shared) / len(mine)
        if shared and (best is None or score > best[0]):
            best = (score, dim.id, shared)
    if best is None or best[0] < 0.34:
        return None
    return Target("dimension", best[1], best[1]), best[2]


def suggest_map(codebook: Codebook, framework: Framework) -> str:
    """A map file (YAML text) for a codebook: certain matches, guesses from shared words, and the rest empty."""
    resolution = resolve(codebook, framework)
    lines = ["# Which of the other tool's codes mean which framework dimension, delivery item or polarity.",
             "# Values: a dimension id (" + ", ".join(framework.dimension_ids) + "),",
             "# a delivery item id (e.g. " + (framework.requirements[0].id if framework.requirements else "vision.r1")
             + "), a polarity (" + ", ".join(POLARITIES) + "), or ~ (no meaning here:",
             "# the code is kept in the decision's note). Check every guess before importing with --map.",
             "codes:"]
    for code in codebook.walk():
        guid = normalise_guid(code.guid)
        target = resolution.targets.get(guid)
        if target is not None:
            lines.append(f"  {json.dumps(code.path, ensure_ascii=False)}: {target.value}   "
                         f"# {resolution.how[guid]}")
        elif not code.codable:
            continue
        elif (hit := guess(code, framework)) is not None:
            lines.append(f"  {json.dumps(code.path, ensure_ascii=False)}: {hit[0].value}   "
                         f"# GUESS from shared words: {', '.join(hit[1][:6])}")
        else:
            lines.append(f"  {json.dumps(code.path, ensure_ascii=False)}: ~   # no match found")
    return "\n".join(lines) + "\n"


def write_suggested_map(codebook: Codebook, framework: Framework, path: "str | Path") -> Path:
    """Write a suggested map (refusing to overwrite an existing file, which may hold a reviewer's edits)."""
    path = Path(path)
    if path.exists():
        raise EvidenceError(problem(path, "already exists; a suggested map never overwrites a map.",
                                    "remove it or give another --map path."))
    return write_text(path, suggest_map(codebook, framework))


def load_map(path: "str | Path", framework: Framework, codebook: Codebook) -> dict[str, "str | None"]:
    """Read a map file: every value must name a dimension, item or polarity, every key a code of the codebook."""
    doc = load_yaml(Path(path))
    data = doc.data
    fix = "write `codes:` then one `\"code path\": dimension-id` line per code (see --suggest-map)."
    if not isinstance(data, dict) or not isinstance(data.get("codes"), dict):
        raise EvidenceError(problem(path, "is not a map: it needs a `codes:` mapping.", fix, line=1))
    known = {c.path for c in codebook.walk()} | {normalise_guid(c.guid) for c in codebook.walk()}
    problems = []
    out: dict[str, "str | None"] = {}
    for key, value in data["codes"].items():
        line = doc.line_of(("codes", key))
        if str(key) not in known and normalise_guid(str(key)) not in known:
            problems.append(problem(path, f"code {key!r} is not in the project's codebook.",
                                    "use the code's path as --suggest-map writes it, or remove the line.", line=line))
        elif value is not None and target_of(str(value), framework) is None:
            problems.append(problem(path, f"{value!r} (for code {key!r}) is not a dimension, delivery item or "
                                    "polarity.", f"use one of {', '.join(framework.dimension_ids)}, an item id such "
                                    f"as {framework.requirements[0].id}, {', '.join(POLARITIES)}, or ~.", line=line))
        else:
            out[normalise_guid(str(key)) if normalise_guid(str(key)) in known and str(key) not in known else str(key)] \
                = None if value is None else str(value)
    if problems:
        raise EvidenceError(problems)
    return out
