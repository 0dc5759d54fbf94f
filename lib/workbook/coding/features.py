"""Features of a finding sentence for the model coder: the rule coder's output (cue scores, polarity
evidence, negated cues), word and phrase stems marked by negation and contrast scope, and sentence
features (section role, reporting verbs, recommendation versus reported result, numbers).

Words are hashed (sklearn's FeatureHasher), so a fitted model stores weights for hashed features,
never a vocabulary or a sentence. `Featurizer.transform` gives a sparse matrix; `explain` names the
features of one text, so a model's strongest features can be shown as readable reasons.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction import FeatureHasher

from workbook.coding.cues import stems, tokens
from workbook.coding.suggestion import Coder, Coding
from workbook.evidence.framework import POLARITIES, Framework

HASH_FEATURES = 2 ** 16
"""Width of the hashed word and phrase space."""
HASH_NORM = 2.0
"""Length (L2 norm) of a text's hashed word and phrase part; relative to the named features, this sets how
much the words weigh under regularisation (chosen by grouped cross-validation among 0.5, 1, 2, 3, 4)."""

NEGATORS = frozenset({"no", "not", "never", "none", "nor", "without", "lack", "lacked", "lacking", "absence",
                      "absent", "failed", "fail", "fails", "failure", "unable", "cannot", "can't", "didn't",
                      "doesn't", "don't", "wasn't", "weren't", "isn't", "aren't", "little", "limited",
                      "insufficient", "inadequate", "poor", "neither", "barely", "rarely", "hardly"})
"""Words that open a negation scope: the words after them, up to SCOPE_WORDS or a clause break."""
CONTRASTS = frozenset({"but", "however", "yet", "although", "though", "despite", "whereas", "while",
                       "nevertheless", "nonetheless", "still", "conversely"})
"""Words that open a contrast scope: the rest of the clause (or sentence, for 'however' and 'but')."""
SCOPE_WORDS = 4
REPORTING = frozenset({"found", "find", "show", "showed", "shown", "shows", "report", "reported", "reports",
                       "reveal", "revealed", "identify", "identified", "demonstrate", "demonstrated",
                       "indicate", "indicated", "observe", "observed", "perceive", "perceived", "describe",
                       "described", "suggest", "suggested", "suggests", "experienced", "felt"})
"""Reporting verbs: a sentence that reports what a study found."""
NORMATIVE = frozenset({"should", "must", "need", "needs", "needed", "recommend", "recommended",
                       "recommendations", "require", "requires", "required", "ought", "important", "essential",
                       "key", "crucial", "necessary", "could", "would", "may", "might"})
"""Recommendation and modality: a statement of what ought to be rather than what was found."""
METHOD = frozenset({"we", "study", "studies", "aim", "aimed", "aims", "objective", "method", "methods",
                    "interviews", "interviewed", "survey", "participants", "data", "analysis", "analysed",
                    "analyzed", "review", "evaluation", "evaluated", "qualitative", "design", "conducted",
                    "explore", "explored", "examine", "examined", "purpose"})
"""Study-description words: aims, methods and data."""
CHANGE_UP = frozenset({"increase", "increased", "increases", "rose", "risen", "higher", "more", "grew",
                       "improve", "improved", "improvement", "improvements", "better", "gain", "gains"})
CHANGE_DOWN = frozenset({"reduce", "reduced", "reduction", "reductions", "decrease", "decreased", "fell",
                         "fewer", "lower", "less", "decline", "declined", "worse", "worsened"})
SECTION_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("methods", ("method", "design", "setting", "participant", "data", "approach", "material")),
    ("aims", ("aim", "objective", "purpose", "question")),
    ("background", ("background", "introduction", "context", "rationale")),
    ("results", ("result", "finding", "outcome", "evaluation", "impact", "effect")),
    ("conclusions", ("conclusion", "discussion", "implication", "recommendation", "lesson", "policy",
                     "interpretation")),
    ("summary", ("key", "summary", "abstract", "messages", "point", "highlight", "overview")),
)
"""Section headings grouped by what their sentences do (first matching role wins; else 'other')."""
_BREAK = re.compile(r"[,;:.!?()\[\]\u2013\u2014]")
_NUMBER = re.compile(r"\d")
_PERCENT = re.compile(r"\d\s?%|per ?cent")
_RULE_DIM = re.compile(r"(\w+) [\d.]+: (.*?)(?=; \w+ [\d.]+: |; polarity |$)")
_RULE_EVIDENCE = re.compile(r"\(barrier ([\d.]+), facilitator ([\d.]+)\)")


def section_role(section: str) -> str:
    """The role of a section heading: methods, aims, background, results, conclusions, summary or other."""
    low = (section or "").lower()
    for role, words in SECTION_ROLES:
        if any(w in low for w in words):
            return role
    return "other" if low.strip() else "none"


def scoped_terms(text: str) -> list[str]:
    """Stem unigrams and bigrams, plus copies marked NEG_ (in a negation's scope) and CON_ (after a contrast)."""
    out: list[str] = []
    low = text.lower()
    clauses = [c for c in _BREAK.split(low) if c.strip()]
    contrast_sentence = False
    for clause in clauses:
        words = tokens(clause)
        st = stems(clause)
        if len(st) != len(words):  # the stemmer keeps one stem per token; be safe if that ever changes
            st = [w for w in words]
        neg_left = 0
        contrast_clause = contrast_sentence
        for w, s in zip(words, st):
            out.append(s)
            if neg_left > 0:
                out.append("NEG_" + s)
                neg_left -= 1
            if contrast_clause:
                out.append("CON_" + s)
            if w in NEGATORS:
                neg_left = SCOPE_WORDS
            if w in CONTRASTS:
                contrast_clause = True
                if w in ("however", "but", "yet"):
                    contrast_sentence = True
        out += [f"{a} {b}" for a, b in zip(st, st[1:])]
    return out


def sentence_flags(text: str, section: str = "") -> dict[str, float]:
    """Named sentence features: section role, reporting verbs, recommendation, methods words, negation,
    contrast, change words, numbers, length."""
    words = tokens(text)
    wset = set(words)
    role = section_role(section)
    flags = {f"section={role}": 1.0}
    flags["reporting verb"] = float(bool(wset & REPORTING))
    flags["recommendation"] = float(bool(wset & NORMATIVE))
    flags["study words"] = min(len(wset & METHOD), 3) / 3.0
    flags["negation"] = float(bool(wset & NEGATORS))
    flags["contrast"] = float(bool(wset & CONTRASTS))
    flags["change up"] = float(bool(wset & CHANGE_UP))
    flags["change down"] = float(bool(wset & CHANGE_DOWN))
    flags["number"] = float(bool(_NUMBER.search(text)))
    flags["percent"] = float(bool(_PERCENT.search(text.lower())))
    flags["long sentence"] = min(len(words), 60) / 60.0
    return flags


def rule_flags(coding: Coding, dimension_ids: Sequence[str], thresholds: Sequence[float]) -> dict[str, float]:
    """Named features from the rule coder's suggestion: each dimension's cue score, coded and negated
    flags, polarity and its barrier / facilitator evidence, and the study-description and
    recommendation markers."""
    flags: dict[str, float] = {}
    negated = {m.group(1) for m in _RULE_DIM.finditer(coding.reasons) if "(negated)" in m.group(2)}
    for dim, thr in zip(dimension_ids, thresholds):
        score = float(coding.scores.get(dim, 0.0))
        flags[f"rule {dim} score"] = min(score / max(thr, 1e-6), 3.0)
        flags[f"rule {dim} coded"] = float(dim in coding.dimensions)
        flags[f"rule {dim} negated"] = float(dim in negated)
    for p in POLARITIES:
        flags[f"rule polarity {p}"] = float(coding.polarity == p)
    m = _RULE_EVIDENCE.search(coding.reasons)
    b, f = (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)
    flags["rule barrier evidence"] = min(b, 3.0)
    flags["rule facilitator evidence"] = min(f, 3.0)
    flags["rule study description"] = float("study description" in coding.reasons)
    flags["rule recommendation"] = float("recommendation, not a result" in coding.reasons)
    flags["rule dimensions"] = float(len(coding.dimensions))
    return flags


_COMMON = frozenset(stems("the and for with that this from their they them have has are was were been being "
                          "which what when where whom into over also other more most such than then there these "
                          "those through about across between within without care integr servic health social "
                          "work support"))


def definition_stems(framework: Framework) -> dict[str, frozenset[str]]:
    """Each dimension's distinctive content stems, from its label, definition and "delivery requires" items."""
    out: dict[str, frozenset[str]] = {}
    for dim in framework.dimensions:
        text = " ".join([dim.label, dim.definition] + [r.text for r in dim.requires])
        out[dim.id] = frozenset(s for s in stems(text) if len(s) > 3 and s not in _COMMON)
    return out


@dataclass
class Featurizer:
    """Turns texts (and their sections) into one sparse feature matrix: named dense features first,
    then HASH_FEATURES hashed word and phrase features (binary, scaled to length HASH_NORM)."""

    framework: Framework
    rules: Coder
    """The rule coder (workbook.coding.rules.rule_coder) whose suggestions are features."""
    n_hash: int = HASH_FEATURES

    def __post_init__(self) -> None:
        self.dimension_ids = self.framework.dimension_ids
        self.thresholds = tuple(d.threshold for d in self.framework.dimensions)
        self.hasher = FeatureHasher(n_features=self.n_hash, input_type="string", alternate_sign=False)
        probe = rule_flags(Coding((), "neutral", {}, ""), self.dimension_ids, self.thresholds)
        roles = [f"section={r}" for r, _ in SECTION_ROLES] + ["section=other", "section=none"]
        self.definition_stems = definition_stems(self.framework)
        names = (list(probe) + roles + [k for k in sentence_flags("") if not k.startswith("section=")]
                 + [f"definition {d} words" for d in self.dimension_ids])
        self.named: tuple[str, ...] = tuple(names)
        self.index = {n: i for i, n in enumerate(self.named)}

    @property
    def width(self) -> int:
        """Number of columns of the feature matrix."""
        return len(self.named) + self.n_hash

    def rule_codings(self, texts: Sequence[str]) -> list[Coding]:
        """The rule coder's suggestions for the texts."""
        return self.rules.code(list(texts))

    def transform(self, texts: Sequence[str], sections: "Sequence[str] | None" = None,
                  codings: "list[Coding] | None" = None) -> sp.csr_matrix:
        """The feature matrix of the texts (rows in input order); hashed terms are binary, scaled to length HASH_NORM."""
        texts = ["" if t is None else str(t) for t in texts]
        sections = list(sections) if sections is not None else [""] * len(texts)
        codings = codings if codings is not None else self.rule_codings(texts)
        dense = np.zeros((len(texts), len(self.named)))
        for i, (t, s, c) in enumerate(zip(texts, sections, codings)):
            own = set(stems(t))
            defs = {f"definition {d} words": min(len(own & ws), 4) / 4.0 for d, ws in self.definition_stems.items()}
            for k, v in {**rule_flags(c, self.dimension_ids, self.thresholds), **sentence_flags(t, s), **defs}.items():
                j = self.index.get(k)
                if j is not None:
                    dense[i, j] = v
        hashed = self.hasher.transform([sorted(set(scoped_terms(t))) for t in texts]).tocsr()
        hashed.data[:] = 1.0
        norms = np.sqrt(np.asarray(hashed.multiply(hashed).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        hashed = sp.diags(HASH_NORM / norms) @ hashed
        return sp.hstack([sp.csr_matrix(dense), hashed], format="csr")

    def term_columns(self, text: str) -> dict[int, str]:
        """The hashed columns of one text's terms, named by the term (for readable reasons)."""
        return self.term_columns_many([text])[0]

    def term_columns_many(self, texts: Sequence[str]) -> list[dict[int, str]]:
        """The hashed columns of each text's terms, named by the term; every distinct term hashed once."""
        per_text = [sorted(set(scoped_terms("" if t is None else str(t)))) for t in texts]
        distinct = sorted(set().union(*per_text)) if per_text else []
        if not distinct:
            return [{} for _ in per_text]
        cols = self.hasher.transform([[t] for t in distinct]).tocsr()
        column_of = {t: len(self.named) + int(cols.indices[cols.indptr[i]]) for i, t in enumerate(distinct)
                     if cols.indptr[i + 1] > cols.indptr[i]}
        return [{column_of[t]: t for t in terms if t in column_of} for terms in per_text]

    def column_name(self, column: int, text_terms: "dict[int, str] | None" = None) -> str:
        """A readable name of a feature column ('rule culture score', "'trust'", or 'hashed term')."""
        if column < len(self.named):
            return self.named[column]
        term = (text_terms or {}).get(column)
        return f"'{term.replace('NEG_', 'not ').replace('CON_', 'but ')}'" if term else "a word or phrase"


__all__ = ["Featurizer", "scoped_terms", "sentence_flags", "rule_flags", "section_role", "HASH_FEATURES"]
