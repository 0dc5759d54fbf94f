"""Automatic coding of findings against the framework: the rule coder and the public coding API.

The rule coder builds one matcher (workbook.coding.matcher) of every cue of the framework (dimension
cues, and the polarity, negation, change, contrast, descriptive and ignore cues under `coding:` in
evidence/framework.yaml). Each text is scanned once, word by word; each matched span is looked up in a
cache of roles (which cues match exactly that span), and only light bookkeeping happens per match:

- a dimension is coded when the summed weights of its distinct matched cues reach its threshold;
- a negation ("lack of", "no", "did not") reaches up to `scope_words` words ahead in its clause: a
  negated dimension cue is barrier evidence, a negated facilitator word is a barrier, a negated
  barrier word a facilitator;
- "decrease" words (reduced, fewer) turn a nearby barrier or adverse result (admissions, costs) into
  facilitator evidence, before ("admissions fell") or after ("fewer barriers"); "remedy" words
  (overcame, prevented) do so only forwards; "increase" words turn an adverse result into a barrier;
- evidence after "but"/"however" counts more, inside an "although"/"despite" clause less;
- a sentence describing study design (sample sizes, interviews, included reviews) raises every
  dimension threshold, so methods sentences stay uncoded; a recommendation ("should", "is needed")
  raises the polarity threshold, since it reports no result;
- polarity: a side wins when its evidence reaches `polarity_threshold` and exceeds the other side
  times `polarity_dominance`; otherwise the finding is neutral.

Matches may overlap (a span is found at every word): inside a longer matched cue, a shorter cue adds only
polarity or negation that the longer one does not already carry (never another dimension), and nothing
inside an `ignore` cue counts.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from workbook.coding.cues import CLAUSE_BREAK, in_scope
from workbook.coding.matcher import CueMatcher, TermError, build_matcher
from workbook.coding.suggestion import Coder, Coding
from workbook.core.atomic import atomic_open
from workbook.core.errors import EvidenceError, ParameterError, WorkbookError, problem
from workbook.evidence.framework import POLARITIES, Cue, Framework, coding_cues

POLARITY_KINDS: tuple[str, ...] = (
    "facilitator", "barrier", "negation", "decrease", "remedy", "increase", "contrast", "concession",
    "descriptive", "normative", "ignore")
"""The cue lists under `coding:` and what each kind of cue does (see the module docstring)."""

DEFAULT_SETTINGS: dict[str, Any] = {
    "default_coder": "rules",
    "polarity_threshold": 1.0,
    "scope_words": 4,
    "lookback_words": 8,
    "negated_dimension_weight": 1.0,
    "descriptive_threshold": 1.0,
    "descriptive_penalty": 1.0,
    "contrast_weight": 1.5,
    "concession_weight": 0.5,
    "polarity_dominance": 1.0,
    "normative_penalty": 1.0,
}
"""Values used when `coding:` in the framework file leaves a setting out (the shipped
evidence/framework.yaml sets each of them explicitly)."""

_EPS = 1e-9


@dataclass(frozen=True)
class Role:
    """What one matched cue means: a dimension cue or one of POLARITY_KINDS, with its weight."""

    kind: str
    weight: float
    dim: int = -1
    adverse: bool = False
    term: str = ""

    @property
    def key(self) -> tuple[str, int]:
        """Identity used when an overlapping cue adds only what a longer one does not say."""
        return (self.kind, self.dim)


@dataclass(frozen=True)
class Settings:
    """The numeric settings of the rule coder, read from `coding:`."""

    polarity_threshold: float
    scope_words: int
    lookback_words: int
    negated_dimension_weight: float
    descriptive_threshold: float
    descriptive_penalty: float
    contrast_weight: float
    concession_weight: float
    polarity_dominance: float
    normative_penalty: float


def settings(framework: Framework) -> Settings:
    """The rule coder settings of a framework, defaults filled in."""
    merged = {**DEFAULT_SETTINGS, **(framework.coding or {})}
    return Settings(float(merged["polarity_threshold"]), int(merged["scope_words"]), int(merged["lookback_words"]),
                    float(merged["negated_dimension_weight"]), float(merged["descriptive_threshold"]),
                    float(merged["descriptive_penalty"]), float(merged["contrast_weight"]),
                    float(merged["concession_weight"]), float(merged["polarity_dominance"]),
                    float(merged["normative_penalty"]))


class CueTable:
    """The matcher of all cues, and the roles of whatever span it matches.

    The matcher (workbook.coding.matcher) finds, at each position, the span of the most specific cue
    that matches there; the roles of a span are those of every cue that matches the whole span, looked
    up once per distinct span and cached."""

    MAX_CACHE = 200_000

    def __init__(self, matcher: CueMatcher, entry_roles: list[list[Role]]) -> None:
        self.matcher = matcher
        self.entry_roles = entry_roles
        self.cache: dict[str, tuple[Role, ...]] = {}
        self._shared: dict[int, list[Role]] = {}

    def matches(self, text: str) -> list[tuple[int, int, str, tuple[Role, ...]]]:
        """(start, end, span, roles) of every matched span with a role, in text order."""
        out = []
        lookup = self.cache
        for s, e in self.matcher.scan(text):
            word = text[s:e]
            roles = lookup.get(word)
            if roles is None:
                roles = self.roles(word)
            if roles:
                out.append((s, e, word, roles))
        return out

    def roles(self, span: str) -> tuple[Role, ...]:
        """Roles of the cues that match exactly this span (an ignore cue hides all others)."""
        found = self.cache.get(span)
        if found is not None:
            return found
        roles: list[Role] = []
        keys: set[tuple[str, int]] = set()
        for i in self.matcher.span_entries(span):
            for r in self.entry_roles[i] + self._shared_roles(i):
                if r.key not in keys:
                    roles.append(r)
                    keys.add(r.key)
        ignore = [r for r in roles if r.kind == "ignore"]
        result = tuple(ignore[:1]) if ignore else tuple(roles)
        if len(self.cache) >= self.MAX_CACHE:
            self.cache.clear()
        self.cache[span] = result
        return result

    def _shared_roles(self, b: int) -> list[Role]:
        """Roles entry b takes from other cues that match all its example words (e.g. 'resist*' covers
        'resistance'), since only one cue's span is taken at a position (worked out once per entry)."""
        done = self._shared.get(b)
        if done is not None:
            return done
        m = self.matcher
        roles_b = self.entry_roles[b]
        exs = m.entries[b].examples
        extra: list[Role] = []
        if not any(r.kind == "ignore" for r in roles_b) and exs:
            keys = {r.key for r in roles_b}
            covers = set.intersection(*(self._matching(ex) for ex in exs))  # entries matching every example
            for a in self._example_bucket(exs[0][0]):
                if a == b or a not in covers:
                    continue
                for role in self.entry_roles[a]:
                    if role.kind != "ignore" and role.key not in keys:
                        extra.append(role)
                        keys.add(role.key)
            if (any(r.kind == "dim" for r in roles_b)
                    and all(r.kind in ("dim", "facilitator", "barrier") for r in roles_b)
                    and len(exs[0].split()) >= 2):
                firsts = [ex.split()[0] for ex in exs]
                covers = set.intersection(*(self._matching(w) for w in firsts))
                for a in self._polar():
                    if a != b and a in covers:
                        for role in self.entry_roles[a]:
                            if role.kind in ("facilitator", "barrier") and role.key not in keys:
                                extra.append(role)
                                keys.add(role.key)
        self._shared[b] = extra
        return extra

    def _example_bucket(self, ch: str) -> list[int]:
        """Entries with an example starting with ch, then entries without examples (first-seen order)."""
        if not hasattr(self, "_by_first"):
            by_first: dict[str, list[int]] = {}
            free: list[int] = []
            for i in self.matcher.first_seen:
                firsts = {e[0] for e in self.matcher.entries[i].examples if e}
                if not firsts:
                    free.append(i)
                for c in firsts:
                    by_first.setdefault(c, []).append(i)
            self._by_first, self._free = by_first, free
        return self._by_first.get(ch, []) + self._free

    def _matching(self, words: str) -> set[int]:
        """The entries that match the whole of these example words."""
        return set(self.matcher.span_entries(words))

    def _polar(self) -> list[int]:
        """Facilitator and barrier cues, in first-seen order."""
        if not hasattr(self, "_polar_entries"):
            self._polar_entries = [i for i in self.matcher.first_seen
                                   if any(r.kind in ("facilitator", "barrier") for r in self.entry_roles[i])]
        return self._polar_entries


_COMPILED: dict[str, CueTable] = {}


def compile_cues(framework: Framework) -> CueTable:
    """All cues of the framework in one matcher, plus the lookup from a matched span to its roles."""
    key = json.dumps([[(c.term, c.weight, c.adverse) for c in d.cues] for d in framework.dimensions]
                     + [framework.coding or {}], sort_keys=True, default=str)
    if key not in _COMPILED:
        if len(_COMPILED) > 16:
            _COMPILED.clear()
        _COMPILED[key] = _compile_cues(framework)
    return _COMPILED[key]


def _compile_cues(framework: Framework) -> CueTable:
    """Build the matcher and the roles of each of its cues (uncached)."""
    sources: list[tuple[str, Cue, str, int]] = []
    for i, dim in enumerate(framework.dimensions):
        sources += [(f"dimension {dim.id!r}", cue, "dim", i) for cue in dim.cues]
    for kind in POLARITY_KINDS:
        sources += [(f"coding.{kind}", cue, kind, -1) for cue in coding_cues(framework, kind)]
    try:
        matcher = build_matcher([cue.term for _, cue, _, _ in sources])
    except TermError as exc:
        raise EvidenceError(problem(framework.path or "framework", f"{sources[exc.index][0]}: {exc}",
                                    "correct the cue (see the cue syntax in lib/workbook/coding/cues.py).")) from None
    entry_roles: list[list[Role]] = [[] for _ in matcher.entries]
    for (where, cue, kind, dim), index in zip(sources, matcher.term_entry):
        roles = entry_roles[index]
        role = Role(kind, cue.weight, dim, cue.adverse, cue.term)
        if all(r.key != role.key for r in roles):
            roles.append(role)
    return CueTable(matcher, entry_roles)


class _Operator:
    """A negation / decrease / increase word whose scope is still open."""

    __slots__ = ("kind", "end", "weight", "label", "mult", "eff_b", "eff_f", "targets", "negated", "dim_hit", "before")

    def __init__(self, kind: str, end: int, weight: float, label: str, mult: float) -> None:
        self.kind, self.end, self.weight, self.label, self.mult = kind, end, weight, label, mult
        self.eff_b = 0.0
        self.eff_f = 0.0
        self.targets: list[str] = []
        self.negated = False
        self.dim_hit = False
        self.before: list[str] = []


class _Scan:
    """The evidence gathered in one pass over a text's cue matches: dimension hits, barrier and facilitator
    weights with their words, the open negation/decrease/increase scope, and contrast or concession."""

    def __init__(self, text: str, st: Settings) -> None:
        self.text, self.st = text, st
        self.hits: dict[int, dict[str, tuple[float, str, bool]]] = {}
        self.b = self.f = self.desc = self.normative = 0.0
        self.b_why: list[str] = []
        self.f_why: list[str] = []
        self.d_why: list[str] = []
        self.n_why: list[str] = []
        self.op: _Operator | None = None
        self.mult = 1.0
        self.concession_at = -1
        self.cover_end = -1
        self.cover_keys: set[tuple[str, int]] = set()
        self.cover_ignore = False
        self.cover_dim = False
        self.recent: list[tuple[int, Role, str]] = []
        """The cues since the last operator (end, role, word), which a later change word may reach back to."""
        self.seen: set[str] = set()

    def uncovered(self, s: int, e: int, roles: "tuple[Role, ...]") -> "tuple[Role, ...]":
        """The roles of a match not already given by a longer match covering it (none inside an ignored span)."""
        if s < self.cover_end:
            if self.cover_ignore:
                return ()
            roles = tuple(r for r in roles if not (self.cover_dim and r.kind == "dim") and r.key not in self.cover_keys)
            if not roles:
                return ()
        if e > self.cover_end:
            self.cover_end = e
            self.cover_keys = {r.key for r in roles}
            self.cover_ignore = roles[0].kind == "ignore"
            self.cover_dim = any(r.kind == "dim" for r in roles)
        return roles

    def match(self, s: int, e: int, word: str, roles: "tuple[Role, ...]") -> None:
        """Take in one matched span and each of its roles."""
        if self.concession_at >= 0 and CLAUSE_BREAK.search(self.text, self.concession_at, s):
            self.concession_at = -1
            self.mult = self.st.contrast_weight
        scoped = self.op is not None and in_scope(self.text, self.op.end, s, self.st.scope_words)
        for r in roles:
            if r.kind == "dim":
                self.dimension(r, word, e, scoped)
            elif r.kind in ("facilitator", "barrier"):
                self.direction(r, word, e, scoped)
            elif r.kind in ("negation", "decrease", "remedy", "increase"):
                self.operator(r, word, s, e, scoped)
                scoped = False
            elif r.kind in ("contrast", "concession"):
                self.recent = []
                self.close()
                self.concession_at = e if r.kind == "concession" else -1
                self.mult = self.st.concession_weight if r.kind == "concession" else self.st.contrast_weight
            elif r.kind == "descriptive":
                self.desc += r.weight
                self.d_why.append(word)
            elif r.kind == "normative":
                self.normative = max(self.normative, r.weight)
                self.n_why.append(word)

    def dimension(self, r: Role, word: str, e: int, scoped: bool) -> None:
        """A dimension cue: a hit (negated inside a negation's scope), and what an open scope does to it."""
        negated = scoped and self.op is not None and self.op.kind == "negation"
        dim_hits = self.hits.setdefault(r.dim, {})
        prev = dim_hits.get(r.term)
        if prev is None or negated and not prev[2]:
            dim_hits[r.term] = (r.weight, word, negated)
        if scoped and self.op is not None:
            _affect(self.op, r, word, self.st)
            self.op.dim_hit = self.op.dim_hit or r.weight >= 0.5
        else:
            self.recent.append((e, r, word))

    def direction(self, r: Role, word: str, e: int, scoped: bool) -> None:
        """A facilitator or barrier cue: to the open scope when it reaches it, else counted once by its term."""
        if scoped and self.op is not None and self.op.kind != "increase" and not self.op.dim_hit:
            _affect(self.op, r, word, self.st)
            return
        if r.term in self.seen:
            return
        self.seen.add(r.term)
        weight = r.weight * self.mult
        if r.kind == "facilitator":
            self.f += weight
            self.f_why.append(word)
        else:
            self.b += weight
            self.b_why.append(word)
        self.recent.append((e, r, word))

    def operator(self, r: Role, word: str, s: int, e: int, scoped: bool) -> None:
        """A negation, decrease or increase word opens a scope (a negated one inside a negation's scope); a
        change word also reaches back to the dimension cues just before it."""
        kind = "decrease" if r.kind == "remedy" else r.kind
        new = _Operator(kind, e, r.weight, word, self.mult)
        if scoped and self.op is not None and self.op.kind == "negation" and kind != "negation":
            new.negated = True
            new.label = f"{self.op.label} {word}"
        else:
            self.close()
        self.op = new
        if r.kind in ("decrease", "increase") and self.recent and self.look_back(s):
            self.close()
        self.recent = []

    def look_back(self, start: int) -> bool:
        """Apply the open change word to the dimension cues just before it in its clause ("admissions fell");
        True when one of them is an adverse result (the change word then does not reach forward)."""
        op, st = self.op, self.st
        assert op is not None
        closed = False
        for end, r, word in self.recent:
            if r.kind != "dim" or not in_scope(self.text, end, start,
                                               st.lookback_words if r.adverse else st.scope_words):
                continue
            _affect(op, r, word, st)
            if word in op.targets:
                op.targets.remove(word)
            if word not in op.before:
                op.before.append(word)
            closed = closed or r.adverse
        return closed

    def close(self) -> None:
        """Add the evidence of the open negation/decrease/increase scope, if any, and close it."""
        op, self.op = self.op, None
        if op is None:
            return
        if op.targets or op.before:
            if op.negated:
                op.eff_b, op.eff_f = op.eff_f, op.eff_b
            label = " + ".join(op.before + [op.label] + op.targets)
            if op.eff_b:
                self.b += op.eff_b * op.mult
                self.b_why.append(label)
            if op.eff_f:
                self.f += op.eff_f * op.mult
                self.f_why.append(label)
        elif op.kind == "negation" and op.weight:
            self.b += op.weight * op.mult
            self.b_why.append(op.label)


class RuleCoder:
    """Deterministic coder driven by the cues and settings in the framework file."""

    name = "rules"

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self.dimension_ids = framework.dimension_ids
        self.thresholds = tuple(d.threshold for d in framework.dimensions)
        self.settings = settings(framework)
        self.cues = compile_cues(framework)
        self.matcher = self.cues.matcher
        """The matcher all cues are found with (one pass over each text's words)."""

    def code(self, texts: Sequence[str], progress: bool = False) -> list[Coding]:
        """Code each text (a tqdm progress bar when progress=True)."""
        items: Iterable[str] = texts
        if progress:
            from tqdm.auto import tqdm
            items = tqdm(texts, desc="coding", unit="finding", total=len(texts))
        return [self.code_one(t) for t in items]

    def code_one(self, text: str) -> Coding:
        """Code one finding text."""
        if not isinstance(text, str):
            text = "" if text is None or (isinstance(text, float) and text != text) else str(text)
        scan = _Scan(text, self.settings)
        for s, e, word, roles in self.cues.matches(text):
            roles = scan.uncovered(s, e, roles)
            if roles:
                scan.match(s, e, word, roles)
        scan.close()
        return self._decide(scan)

    def _decide(self, scan: _Scan) -> Coding:
        """Turn the evidence of a scan into dimensions, polarity, scores and reasons."""
        st = self.settings
        hits, desc, normative = scan.hits, scan.desc, scan.normative
        b, f = round(scan.b, 6), round(scan.f, 6)
        b_why, f_why, d_why, n_why = scan.b_why, scan.f_why, scan.d_why, scan.n_why
        penalty = st.descriptive_penalty if desc >= st.descriptive_threshold - _EPS and desc > 0 else 0.0
        scores: dict[str, float] = {}
        coded: list[str] = []
        parts: list[str] = []
        below: list[str] = []
        for i, dim_id in enumerate(self.dimension_ids):
            dim_hits = hits.get(i)
            if not dim_hits:
                scores[dim_id] = 0.0
                continue
            score = round(max(0.0, sum(w for w, _, _ in dim_hits.values()) - penalty), 6)
            scores[dim_id] = score
            words = ", ".join(f"'{_show(w)}'" + (" (negated)" if neg else "")
                              for _, w, neg in dim_hits.values())
            if score >= self.thresholds[i] - _EPS:
                coded.append(dim_id)
                parts.append(f"{dim_id} {score:g}: {words}")
            else:
                below.append(f"{dim_id} {score:g} ({words})")
        pt = st.polarity_threshold + (st.normative_penalty if normative else 0.0)
        if b >= pt - _EPS and b > f * st.polarity_dominance + _EPS:
            polarity = "barrier"
        elif f >= pt - _EPS and f > b * st.polarity_dominance + _EPS:
            polarity = "facilitator"
        else:
            polarity = "neutral"
        if b_why or f_why:
            pol = f"polarity {polarity} (barrier {b:g}, facilitator {f:g})"
            if b_why:
                pol += ": barrier " + ", ".join(f"'{_show(w)}'" for w in b_why)
            if f_why:
                pol += ("; " if b_why else ": ") + "facilitator " + ", ".join(f"'{_show(w)}'" for w in f_why)
            parts.append(pol)
        else:
            parts.append(f"polarity {polarity}: no polarity cues")
        if below:
            parts.append("below threshold: " + ", ".join(below))
        if penalty:
            parts.append(f"study description (+{penalty:g} to dimension thresholds): "
                         + ", ".join(f"'{_show(w)}'" for w in d_why))
        if normative:
            parts.append(f"recommendation, not a result (+{st.normative_penalty:g} to polarity threshold): "
                         + ", ".join(f"'{_show(w)}'" for w in n_why))
        return Coding(tuple(coded), polarity, scores, "; ".join(parts))


def _affect(op: _Operator, r: Role, word: str, st: Settings) -> None:
    """Record what a negation / decrease / increase does to one cue in its scope."""
    if r.kind == "dim":
        if op.kind == "negation":
            op.eff_b = max(op.eff_b, st.negated_dimension_weight)
        elif op.kind == "decrease":
            if r.adverse:
                op.eff_f = max(op.eff_f, 1.0)
            else:
                op.eff_b = max(op.eff_b, op.weight)
        elif r.adverse:
            op.eff_b = max(op.eff_b, 1.0)
        else:
            op.eff_f = max(op.eff_f, op.weight)
    elif r.kind == "facilitator":
        if op.kind == "increase":
            op.eff_f = max(op.eff_f, r.weight)
        else:
            op.eff_b = max(op.eff_b, r.weight)
    elif r.kind == "barrier":
        if op.kind == "increase":
            op.eff_b = max(op.eff_b, r.weight)
        else:
            op.eff_f = max(op.eff_f, r.weight)
    if word not in op.targets:
        op.targets.append(word)


def _show(word: str) -> str:
    """A matched span as shown in reasons."""
    return " ".join(word.split())


def rule_coder(framework: Framework) -> RuleCoder:
    """The rule coder configured by the framework's cues, thresholds and `coding:` settings."""
    return RuleCoder(framework)


def default_coder(framework: Framework, training: pd.DataFrame | None = None) -> Coder:
    """The coder chosen by `coding.default_coder` (rules | learned | auto) in the framework file."""
    choice = (framework.coding or {}).get("default_coder", DEFAULT_SETTINGS["default_coder"])
    if choice == "rules":
        return rule_coder(framework)
    if choice == "model":  # the model coder: the project's own (workbook train) when present, else the shipped one
        from workbook.coding.model import model_coder
        from workbook.core.paths import evidence_dir
        return model_coder(framework, rule_coder(framework), evidence_dir())
    from workbook.coding.learned import enough_training, learned_coder
    if choice == "auto":
        if training is not None and enough_training(training):
            return learned_coder(framework, training)
        return rule_coder(framework)
    if choice == "learned":
        if training is None or not enough_training(training):
            raise ParameterError(problem(
                framework.path or "framework", "coding.default_coder is 'learned' but there is not "
                "enough reviewer-coded training data.",
                "code more findings in review (see learned.enough_training), or set "
                "coding.default_coder to 'auto' or 'rules'."))
        return learned_coder(framework, training)
    raise ParameterError(problem(framework.path or "framework", f"unknown coding.default_coder {choice!r}.",
                                 "use rules, model, learned or auto."))


OUTPUT_COLUMNS: tuple[str, ...] = ("dimensions", "polarity", "reasons")
"""Columns code_frame adds (a same-named input column is replaced in place)."""


def code_frame(df: pd.DataFrame, framework: Framework, text_column: str = "text", coder: Coder | None = None,
               progress: bool = False, scores: bool = False, section_column: "str | None" = None) -> pd.DataFrame:
    """A copy of df with every input column plus dimensions, polarity, reasons (and score_<dim>); a coder that
    reads sections (`uses_sections`) gets each row's `section_column` value."""
    if text_column not in df.columns:
        raise ParameterError(
            f"the text column {text_column!r} is not in the table; its columns are: "
            f"{', '.join(map(str, df.columns)) or '(none)'}. Fix: name the column that holds the finding "
            f"text (for example --text-column {df.columns[0] if len(df.columns) else 'text'}).")
    coder = coder if coder is not None else default_coder(framework)
    column = df[text_column].tolist()
    section_values = (["" if _missing(v) else str(v) for v in df[section_column].tolist()]
                      if section_column and section_column in df.columns and getattr(coder, "uses_sections", False)
                      else None)
    dims_col: list[str] = []
    pol_col: list[str] = []
    why_col: list[str] = []
    conf_col: list[float] = []  # the coder's calibrated confidence, when it gives one (the model coder)
    score_cols: dict[str, list[float]] = {d: [] for d in framework.dimension_ids} if scores else {}
    interned: dict[tuple[str, ...], str] = {}
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(column), desc=f"coding ({coder.name})", unit="finding")
    for start in range(0, len(column), CHUNK):
        chunk = ["" if _missing(v) else str(v) for v in column[start:start + CHUNK]]
        codings = (coder.code(chunk, sections=section_values[start:start + CHUNK])  # type: ignore[call-arg]
                   if section_values is not None else coder.code(chunk))
        for c in codings:
            dims_col.append(interned.setdefault(c.dimensions, ";".join(c.dimensions)))
            pol_col.append(c.polarity)
            why_col.append(c.reasons)
            conf_col.append(getattr(c, "confidence", float("nan")))
            for d, values in score_cols.items():
                values.append(float(c.scores.get(d, 0.0)))
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    out = df.copy()
    out["dimensions"] = dims_col
    out["polarity"] = pol_col
    out["reasons"] = why_col
    if any(x == x for x in conf_col):
        out["confidence"] = conf_col
    for d, values in score_cols.items():
        out[f"score_{d}"] = values
    return out


CHUNK = 10_000
"""code_frame codes this many texts at a time, so memory holds columns, not Coding objects."""


def _missing(value: Any) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and value != value)


def read_findings_csv(path: "str | Path") -> pd.DataFrame:
    """Read a CSV exactly as written (every value text, headers untouched), refusing missing, empty
    and malformed files with the file, the line and the fix."""
    path = Path(path)
    if not path.exists():
        raise ParameterError(problem(path, "file not found.", "check the path of the CSV to code."))
    if not path.is_file():
        raise ParameterError(problem(path, "is not a file.", "give the path of a CSV file."))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParameterError(problem(path, "is not UTF-8 text.", "save the CSV as UTF-8.", line=line)) from None
    if not text.strip():
        raise ParameterError(problem(path, "is empty.", "give a CSV with a header row and one finding per row."))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        header = next(reader)
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise ParameterError(problem(
                    path, f"is not a well-formed CSV: this row has {len(row)} fields, the header has "
                    f"{len(header)}.", "make every row have as many fields as the header (quote values "
                    "that contain commas).", line=reader.line_num))
            rows.append(row)
    except csv.Error as exc:
        raise ParameterError(problem(path, f"is not a well-formed CSV ({exc}).",
                                     "close every quote and quote values that contain commas or newlines.",
                                     line=reader.line_num)) from None
    if not rows:
        raise ParameterError(problem(path, "has a header but no rows.", "add findings, one per row."))
    return pd.DataFrame(rows, columns=header, dtype=object)


def code_csv(input_path: "str | Path", output_path: "str | Path", framework: Framework,
             text_column: str = "text", progress: bool = False) -> int:
    """Code every row of a CSV and write it (all input columns kept) atomically; returns the row count."""
    df = read_findings_csv(input_path)
    if list(df.columns).count(text_column) > 1:
        raise ParameterError(problem(input_path, f"has the column {text_column!r} more than once.",
                                     "rename the duplicate columns so the text column is unique."))
    if text_column not in df.columns:
        raise ParameterError(problem(
            input_path, f"has no column {text_column!r}; its columns are: {', '.join(df.columns)}.",
            "name the column holding the finding text (text_column / --text-column), or rename it."))
    out = code_frame(df, framework, text_column=text_column, progress=progress, section_column="section")
    with atomic_open(output_path, "w", newline="") as handle:
        out.to_csv(handle, index=False, quoting=csv.QUOTE_MINIMAL)
    return len(out)


__all__ = ["Coding", "Coder", "RuleCoder", "rule_coder", "default_coder", "code_frame", "code_csv",
           "compile_cues", "read_findings_csv", "POLARITIES", "WorkbookError"]
