"""Candidate findings: an explainable score per full-text sentence, configured by evidence/extraction.yaml.

score = the weight of the sentence's section role + the weights of the cues it matches (reporting verbs,
result figures, citations, first-person method statements...). A sentence scoring at least the threshold is a
candidate finding, unless its role or block kind (caption, table) is one that never is. Every verdict carries
a reason naming each part of the score.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbook.core.errors import EvidenceError, problem
from workbook.core.paths import evidence_dir
from workbook.core.yamlio import Located, load_yaml, schema_problems
from workbook.extract.sentences import ROLES, Sentence

_WORDS = {"type": "array", "items": {"type": "string", "minLength": 1}}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["threshold", "role_weights", "cues"],
    "additionalProperties": False,
    "properties": {
        "threshold": {"type": "number"},
        "sections": {"type": "object", "additionalProperties": False,
                     "properties": {role: _WORDS for role in ROLES}},
        "never_roles": {"type": "array", "items": {"enum": list(ROLES)}},
        "subsections_inherit": {"type": "array", "items": {"enum": list(ROLES)}},
        "never_blocks": {"type": "array", "items": {"enum": ["caption", "table", "text"]}},
        "role_weights": {"type": "object", "additionalProperties": False,
                         "properties": {role: {"type": "number"} for role in ROLES}},
        "cues": {"type": "array", "items": {
            "type": "object", "required": ["name", "weight"], "additionalProperties": False,
            "anyOf": [{"required": ["words"]}, {"required": ["patterns"]}],
            "properties": {"name": {"type": "string", "minLength": 1}, "weight": {"type": "number"},
                           "words": _WORDS, "patterns": _WORDS, "each": {"type": "boolean"},
                           "max": {"type": "integer", "minimum": 1}}}},
    },
}

MAX_PATTERN = 500
"""Longer regular expressions in extraction.yaml are refused (a cue is a phrase, not a program)."""


@dataclass(frozen=True)
class Cue:
    """One configured cue: its name, weight and compiled pattern."""

    name: str
    weight: float
    pattern: "re.Pattern[str] | None"
    """The cue's regular expressions (`patterns`), if any; its words are looked up by Classifier.words."""
    each: bool = False
    max: int = 1


@dataclass(frozen=True)
class Classifier:
    """The finding classifier built from extraction.yaml."""

    threshold: float
    sections: "dict[str, tuple[str, ...]] | None"
    role_weights: dict[str, float]
    never_roles: frozenset[str]
    never_blocks: frozenset[str]
    cues: tuple[Cue, ...]
    path: str = ""
    inherit: "frozenset[str] | None" = None
    """Roles whose subsections take their role (None: the default, sentences.INHERITING)."""
    words: "dict[str, list[tuple[int, re.Pattern[str]]]] | None" = None
    """Cue words by their first word (lower case): (cue index, the whole phrase anchored at that word)."""
    stems: "dict[str, list[tuple[int, re.Pattern[str]]]] | None" = None
    """The same for cue words whose first word ends in '*', by that word's stem."""

    def judge(self, sentence: Sentence) -> "Verdict":
        """The score, verdict and reason of one sentence."""
        return judge(self, sentence)


@dataclass(frozen=True)
class Verdict:
    """A sentence's finding score, whether it is a candidate finding, and why."""

    score: float
    finding: bool
    reason: str


def extraction_path(evidence: "Path | None" = None) -> Path:
    """evidence/extraction.yaml."""
    return (evidence or evidence_dir()) / "extraction.yaml"


def _word_body(word: str) -> str:
    """A cue word's regular expression without its word boundaries."""
    parts = []
    for token in word.split():
        stem = token.rstrip("*")
        body = r"[\s\-]*".join(re.escape(piece) for piece in stem.split("-"))
        parts.append(body + (r"\w*" if token.endswith("*") else ""))
    return r"\s+".join(parts)


def word_regex(word: str) -> str:
    """A cue word as a regular expression: whole words, '*' for any ending, any spacing between words."""
    return r"(?<!\w)" + _word_body(word) + r"(?!\w)"


def _index_word(word: str, cue: int, words: dict, stems: dict) -> None:
    """File a cue word under its first word (or that word's stem when it ends in '*')."""
    first = word.split()[0]
    pieces = first.rstrip("*").split("-")
    key = pieces[0].casefold()
    table = stems if first.endswith("*") and len(pieces) == 1 else words
    table.setdefault(key, []).append((cue, re.compile(_word_body(word) + r"(?!\w)", re.I)))


_TOKEN = re.compile(r"\w+")


def build(doc: Located) -> Classifier:
    """Check a parsed extraction.yaml and build its classifier; every problem is reported with its line."""
    found = schema_problems(doc, SCHEMA)
    if found:
        raise EvidenceError(found)
    data = doc.data
    cues: list[Cue] = []
    words: dict[str, list] = {}
    stems: dict[str, list] = {}
    for i, cue in enumerate(data["cues"]):
        for j, word in enumerate(cue.get("words", [])):
            if not re.match(r"\w", word.strip()):
                found.append(problem(doc.source, f"cue word {word!r} of cue {cue['name']!r} does not start with a "
                                     "letter or digit, so it can never match.", "start it with a word, or put it "
                                     "under patterns as a regular expression.", line=doc.line_of(("cues", i, "words", j)),
                                     record=f"cues/{i}/words/{j}"))
                continue
            _index_word(word, i, words, stems)
        alternatives: list[str] = []
        for j, pattern in enumerate(cue.get("patterns", [])):
            where = doc.line_of(("cues", i, "patterns", j))
            if len(pattern) > MAX_PATTERN:
                found.append(problem(doc.source, f"pattern of cue {cue['name']!r} is {len(pattern)} characters long.",
                                     f"keep each pattern under {MAX_PATTERN} characters or use words.", line=where,
                                     record=f"cues/{i}/patterns/{j}"))
                continue
            try:
                re.compile(pattern)
            except re.error as exc:
                found.append(problem(doc.source, f"pattern of cue {cue['name']!r} is not a valid regular expression "
                                     f"({exc}).", "correct it, or use words instead of patterns.", line=where,
                                     record=f"cues/{i}/patterns/{j}"))
                continue
            alternatives.append(f"(?:{pattern})")
        cues.append(Cue(cue["name"], float(cue["weight"]),
                        re.compile("|".join(alternatives), re.I) if alternatives else None,
                        bool(cue.get("each", False)), int(cue.get("max", 1 if not cue.get("each") else 99))))
    if found:
        raise EvidenceError(found)
    sections = ({role: tuple(" ".join(w.casefold().split()) for w in words)
                 for role, words in data["sections"].items()} if "sections" in data else None)
    return Classifier(float(data["threshold"]), sections, {k: float(v) for k, v in data["role_weights"].items()},
                      frozenset(data.get("never_roles", ["front", "references", "acknowledgements"])),
                      frozenset(data.get("never_blocks", ["caption", "table"])), tuple(cues), doc.source,
                      frozenset(data["subsections_inherit"]) if "subsections_inherit" in data else None, words, stems)


def load_classifier(evidence: "Path | None" = None) -> Classifier:
    """The classifier configured by evidence/extraction.yaml."""
    path = extraction_path(evidence)
    if not path.exists():
        raise EvidenceError(problem(path, "is missing: full-text sources need it to judge candidate findings.",
                                    "restore evidence/extraction.yaml from the repository."))
    return build(load_yaml(path))


def _fmt(weight: float) -> str:
    return f"{weight:+.1f}"


def _cue_matches(classifier: Classifier, text: str) -> dict[int, list[str]]:
    """The matched text of each cue in `text`, by cue index: word cues looked up word by word (one pass),
    pattern cues searched; overlapping matches of one cue count once."""
    spans: dict[int, list[tuple[int, int, str]]] = {}
    words, stems = classifier.words or {}, classifier.stems or {}
    for token in _TOKEN.finditer(text):
        word = token.group(0).casefold()
        candidates = list(words.get(word, ()))
        if stems:
            for k in range(1, len(word) + 1):
                candidates += stems.get(word[:k], ())
        for index, pattern in candidates:
            m = pattern.match(text, token.start())
            if m:
                spans.setdefault(index, []).append((m.start(), m.end(), m.group(0)))
    for index, cue in enumerate(classifier.cues):
        if cue.pattern is not None:
            for m in cue.pattern.finditer(text):
                spans.setdefault(index, []).append((m.start(), m.end(), m.group(0)))
    found: dict[int, list[str]] = {}
    for index, hits in spans.items():
        end = -1
        for start, stop, matched in sorted(hits, key=lambda h: (h[0], -h[1])):
            if start >= end:
                found.setdefault(index, []).append(matched)
                end = stop
    return found


def judge(classifier: Classifier, sentence: Sentence) -> Verdict:
    """Score a sentence: role weight plus matched cue weights; a finding when at or above the threshold."""
    role_weight = classifier.role_weights.get(sentence.role, 0.0)
    score = role_weight
    parts = [f"{sentence.role.replace('_', ' ')} section {_fmt(role_weight)}"]
    found = _cue_matches(classifier, sentence.text)
    for index, cue in enumerate(classifier.cues):
        matches = found.get(index)
        if not matches:
            continue
        count = min(len(matches), cue.max) if cue.each else 1
        score += cue.weight * count
        shown = ", ".join(repr(m) for m in dict.fromkeys(matches[:3]))
        times = f" x{count}" if count > 1 else ""
        parts.append(f"{cue.name} {shown}{times} {_fmt(cue.weight * count)}")
    score = round(score, 2)
    if sentence.block in classifier.never_blocks:
        return Verdict(score, False, f"{sentence.block}: never a finding")
    if sentence.role in classifier.never_roles:
        return Verdict(score, False, f"{sentence.role.replace('_', ' ')} section: never a finding")
    finding = score >= classifier.threshold
    relation = ">=" if finding else "<"
    return Verdict(score, finding, "; ".join(parts) + f" = {score:.1f} {relation} {classifier.threshold:g}")
