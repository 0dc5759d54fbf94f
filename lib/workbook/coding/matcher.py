"""The cue matcher: every cue of a framework found in a text in one pass over its word tokens.

Built from cue terms (the pattern language of workbook.coding.cues) with public APIs only, in a few
milliseconds: each cue becomes a short program of word slots (alternatives, word forms, `*` endings,
inner hyphens), separators, optional words and `...` gaps. At each word of a text, a dictionary from the
word to the cues whose first slot can start with it (filled in as words are first seen) gives the
candidates; they are tried in order of specificity (more word slots, then longer cue text), and the
first that matches gives the span. The cues that match exactly that span are the span's cues.

What it matches is defined by the regular expressions `cue_regex` writes for the same terms, and is
identical to them: per text, the spans are the ones found by one combined regex of all cues, each a
lookahead alternative at every word boundary (the first alternative that matches wins), and a span's
cues are those whose regex fullmatches it. Raw `re:` cues, and the rare term that the word programs
cannot express (a cue word with punctuation inside), are matched with their own regex (`re.compile`).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from workbook.coding.cues import (
    GAP_WORDS,
    HYPHEN,
    SEPARATOR,
    CueSyntaxError,
    cue_examples,
    cue_regex,
    first_chars,
    word_form_set,
)

_WORD = re.compile(r"\w+")
_WORD_RUN = re.compile(r"\w*")
_SEP = re.compile(SEPARATOR)
_HYPHEN = re.compile(HYPHEN[:-1])  # one optional hyphen-like character (the "?" is handled here)
_SKIP = re.compile(r"[\w'\u2019]+")
_PART = re.compile(r"^[a-z0-9]+$")
_QUOTES = ("'", "\u2019")
_FOLD = str.maketrans({"\u0131": "i", "\u017f": "s"})  # re.IGNORECASE also equates these with i and s

# Operations of a cue program.
_SLOT, _SEP_OP, _GAP, _OPT_PRE, _OPT_POST, _END = range(6)
# How the last part of a word alternative matches.
_PREFIX, _FORMS = 0, 1

Alt = tuple  # (head parts, last part, mode, forms, possessive)
"""One alternative of a word slot: parts joined by optional hyphens; the last part is a prefix (`*`)
or one of a set of word forms (possibly followed by a possessive)."""


def fold(text: str) -> str:
    """The text in lower case, character for character (same length), as re.IGNORECASE compares it."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower()[0] for c in text)
    return low.translate(_FOLD) if not low.isascii() else low


def _is_word(ch: str) -> bool:
    """True for a character `\\w` matches."""
    return ch.isalnum() or ch == "_"


@functools.lru_cache(maxsize=4096)
def _alternative(alt: str) -> Alt | None:
    """One alternative of a word slot as a program piece (None when it needs a regex)."""
    exact = alt.startswith("=")
    alt = alt[1:] if exact else alt
    star = alt.endswith("*")
    alt = alt[:-1] if star else alt
    parts = [p.lower() for p in re.split(r"[-\u2010-\u2015]", alt)]
    if not all(_PART.match(p) for p in parts):
        return None
    *heads, last = parts
    if star:
        return (tuple(heads), last, _PREFIX, None, False)
    if exact:
        return (tuple(heads), last, _FORMS, frozenset({last}), False)
    forms, possessive = word_form_set(last)
    return (tuple(heads), last, _FORMS, forms, possessive)


def _slot(word: str) -> tuple[Alt, ...] | None:
    """A word slot: its alternatives (None when one of them needs a regex)."""
    alts = tuple(_alternative(a) for a in word.split("|"))
    return None if any(a is None for a in alts) else alts


def compile_program(term: str) -> tuple | None:
    """The word program of a (valid) cue term, or None for raw and other regex-only cues."""
    raw = term.strip()
    if raw.startswith("re:") or not re.match(r"[\[=]?[a-z0-9]", raw, re.IGNORECASE):
        return None
    ops: list[tuple] = []
    pending: list[tuple] = []
    gap = False
    first = True
    for word in raw.split():
        if word == "...":
            gap = True
            continue
        optional = word.startswith("[") and word.endswith("]")
        slot = _slot(word[1:-1] if optional else word)
        if slot is None:
            return None
        if optional:
            pending.append(slot)
            continue
        if not first:
            if gap:
                ops.append((_GAP,))
            ops.append((_SEP_OP,))
        ops += [(_OPT_PRE, p) for p in pending]
        ops.append((_SLOT, slot))
        pending, gap, first = [], False, False
    ops += [(_OPT_POST, p) for p in pending]
    ops.append((_END,))
    return tuple(ops)


def _ends(alt: Alt, low: str, pos: int, n: int) -> list[int]:
    """Where one word alternative can end when it starts at pos, in the order a regex would try them."""
    heads, last, mode, forms, possessive = alt
    starts = [pos]
    for part in heads:
        nxt = []
        for q in starts:
            if low.startswith(part, q):
                q += len(part)
                if q < n and _HYPHEN.match(low, q):
                    nxt.append(q + 1)
                nxt.append(q)
        starts = nxt
    out = []
    for q in starts:
        if mode == _PREFIX:
            if low.startswith(last, q):
                out.append(_WORD_RUN.match(low, q + len(last)).end())
            continue
        e = _WORD_RUN.match(low, q).end()
        if low[q:e] in forms:
            out += _word_ends(low, n, e, possessive)
    return out


def _word_ends(low: str, n: int, e: int, possessive: bool) -> list[int]:
    """Where a matched word ending at e can end: after a possessive 's or ' first (when allowed), then at e."""
    if possessive and e < n and low[e] in _QUOTES:
        return [e + 2, e + 1, e] if e + 1 < n and low[e + 1] == "s" else [e + 1, e]
    return [e]


def _slot_ends(alts: tuple[Alt, ...], low: str, n: int, pos: int) -> list[int]:
    """Where a word slot can end when it starts at pos: each alternative's ends, alternatives in order."""
    e = _WORD_RUN.match(low, pos).end()
    word = low[pos:e]
    out: list[int] = []
    for alt in alts:
        heads, last, mode, forms, possessive = alt
        if heads:
            out += _ends(alt, low, pos, n)
        elif mode == _PREFIX:
            if word.startswith(last):
                out.append(e)
        elif word in forms:
            out += _word_ends(low, n, e, possessive)
    return out


def _run(ops: tuple, i: int, low: str, n: int, pos: int, want: int) -> int:
    """End of the first way ops[i:] match from pos (want >= 0: only a way that ends at want), or -1."""
    op = ops[i]
    code = op[0]
    if code == _SLOT:
        for e in _slot_ends(op[1], low, n, pos):
            r = _run(ops, i + 1, low, n, e, want)
            if r >= 0:
                return r
        return -1
    if code == _SEP_OP:
        m = _SEP.match(low, pos)
        return _run(ops, i + 1, low, n, m.end(), want) if m else -1
    if code == _END:
        if want >= 0:
            return pos if pos == want else -1
        return pos if pos >= n or not _is_word(low[pos]) else -1
    if code == _GAP:
        q = pos
        for k in range(GAP_WORDS + 1):
            r = _run(ops, i + 1, low, n, q, want)
            if r >= 0 or k == GAP_WORDS:
                return r
            m = _SEP.match(low, q)
            w = _SKIP.match(low, m.end()) if m else None
            if w is None:
                return -1
            q = w.end()
        return -1
    if code == _OPT_PRE:
        for e in _slot_ends(op[1], low, n, pos):
            m = _SEP.match(low, e)
            if m:
                r = _run(ops, i + 1, low, n, m.end(), want)
                if r >= 0:
                    return r
        return _run(ops, i + 1, low, n, pos, want)
    # _OPT_POST
    m = _SEP.match(low, pos)
    if m:
        for e in _slot_ends(op[1], low, n, m.end()):
            r = _run(ops, i + 1, low, n, e, want)
            if r >= 0:
                return r
    return _run(ops, i + 1, low, n, pos, want)


def _first_slots(ops: tuple) -> list[tuple[Alt, ...]]:
    """The slots a match can start with (leading optional words and the first word)."""
    out = []
    for op in ops:
        if op[0] == _OPT_PRE:
            out.append(op[1])
        elif op[0] == _SLOT:
            out.append(op[1])
            break
    return out


def _can_start(slots: list[tuple[Alt, ...]], word: str) -> bool:
    """Whether a match of these first slots could start with this whole word (a quick necessary test)."""
    for slot in slots:
        for heads, last, mode, forms, _ in slot:
            rest = word
            for part in heads:
                if not rest.startswith(part):
                    break
                rest = rest[len(part):]
                if not rest:
                    return True  # the next part is in the next word
            else:
                if rest.startswith(last) if mode == _PREFIX else rest in forms:
                    return True
    return False


def _next_word_test(program: tuple) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """For a cue whose first word is one plain word slot followed by a separator and a second slot: the
    words (forms, prefixes) the second slot can start with, a quick test on the next word."""
    if len(program) < 3 or program[0][0] != _SLOT or program[1][0] != _SEP_OP or program[2][0] != _SLOT:
        return None
    if any(alt[0] for alt in program[0][1]):
        return None  # a first word with inner hyphens may span several words
    forms: set[str] = set()
    prefixes: list[str] = []
    for heads, last, mode, alt_forms, _ in program[2][1]:
        if heads:
            prefixes.append(heads[0])
        elif mode == _PREFIX:
            prefixes.append(last)
        else:
            forms |= alt_forms
    return frozenset(forms), tuple(prefixes)


def _specificity(term: str) -> tuple[int, int]:
    """Sort key: cues with more word slots, then longer cue text, are tried first."""
    if term.startswith("re:"):
        return (3, len(term))
    return (len(term.split()), len(term))


@dataclass
class Entry:
    """One distinct cue (terms that write the same regex share an entry)."""

    regex: str
    terms: list[str]
    examples: list[str]
    heads: frozenset[str] | None
    one_char: bool
    program: tuple | None
    compiled: re.Pattern[str] | None = field(default=None, repr=False)

    def pattern(self) -> re.Pattern[str]:
        """The cue's own regex (compiled when first needed)."""
        if self.compiled is None:
            self.compiled = re.compile(self.regex, re.IGNORECASE)
        return self.compiled


class TermError(CueSyntaxError):
    """A cue term that cannot be compiled, with the position of the term in the list given."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


class CueMatcher:
    """All cues of a framework: find the matched spans of a text, and which cues match a span."""

    MAX_CACHE = 200_000

    def __init__(self, terms: Sequence[str]) -> None:
        regex_of: list[str] = []
        by_regex: dict[str, int] = {}
        seen_order: list[str] = []
        specificity: dict[str, tuple[int, int]] = {}
        terms_of: dict[str, list[str]] = {}
        for index, term in enumerate(terms):
            try:
                rx = cue_regex(term)
            except CueSyntaxError as exc:
                raise TermError(index, str(exc)) from None
            regex_of.append(rx)
            if rx not in terms_of:
                terms_of[rx] = []
                seen_order.append(rx)
            terms_of[rx].append(term)
            specificity[rx] = max(specificity.get(rx, (0, 0)), _specificity(term))
        ranked = sorted(seen_order, key=lambda rx: (-specificity[rx][0], -specificity[rx][1], rx))
        self.entries: list[Entry] = []
        for rx in ranked:
            by_regex[rx] = len(self.entries)
            self.entries.append(self._entry(rx, terms_of[rx]))
        self.term_entry: list[int] = [by_regex[rx] for rx in regex_of]
        """The entry of each term given, in the order given."""
        self.first_seen: list[int] = [by_regex[rx] for rx in seen_order]
        """Entries in the order their first term was given."""
        self.buckets: dict[str, list[int]] = {}
        self.anywhere: list[int] = []
        words: list[int] = []
        bounded: list[str] = []
        free: list[str] = []
        for i, entry in enumerate(self.entries):
            if entry.heads is None:
                self.anywhere.append(i)
                (bounded if entry.regex.startswith(r"\b") else free).append(entry.regex)
                continue
            for head in sorted(entry.heads):
                self.buckets.setdefault(head, []).append(i)
            words.append(i)
        self._words = words
        alternatives = []
        if bounded:
            alternatives.append(r"\b(?=(" + "|".join(bounded) + "))")
        if free:
            alternatives.append("(?=(" + "|".join(free) + "))")
        self._raw_source = "|".join(alternatives)
        self._raw: re.Pattern[str] | None = None
        self._starts: dict[str, tuple[int, ...]] = {}
        self._spans: dict[str, tuple[int, ...]] = {}

    @staticmethod
    def _entry(rx: str, terms: list[str]) -> Entry:
        """One entry: examples, first characters and word program of its terms."""
        examples = [e for t in terms for e in cue_examples(t)]
        heads: frozenset[str] | None = None
        one_char = False
        if rx.startswith(r"\b"):
            two = [first_chars(t, 2) for t in terms]
            one = [first_chars(t, 1) for t in terms]
            if all(h is not None for h in two):
                heads = frozenset().union(*two)  # type: ignore[arg-type]
            elif all(h is not None for h in one):
                heads, one_char = frozenset().union(*one), True  # type: ignore[arg-type]
        return Entry(rx, terms, examples, heads, one_char, compile_program(terms[0]) if heads else None)

    def _candidates(self, word: str) -> tuple[tuple[int, tuple | None, tuple | None], ...]:
        """Entries that may match at a word, in the order they are tried, each with its program cut to
        the first-word alternatives that can start with this word (filled in per new word)."""
        found: list[tuple[int, tuple | None, tuple | None]] = []
        pools = ((False, self.buckets.get(word[:2], ()) if len(word) > 1 else ()),
                 (True, self.buckets.get(word[:1], ())))
        for one_char, pool in pools:
            for i in pool:
                entry = self.entries[i]
                if entry.one_char != one_char:
                    continue
                program = entry.program
                if program is None:
                    found.append((i, None, None))
                    continue
                if not _can_start(_first_slots(program), word):
                    continue
                if program[0][0] == _SLOT:
                    alts = tuple(a for a in program[0][1] if _can_start([(a,)], word))
                    program = ((_SLOT, alts),) + program[1:]
                found.append((i, program, _next_word_test(program)))
        result = tuple(found)
        if len(self._starts) >= self.MAX_CACHE:
            self._starts.clear()
        self._starts[word] = result
        return result

    def scan(self, text: str) -> list[tuple[int, int]]:
        """The matched cue spans of a text, (start, end) in text order: at each position, the first cue
        (most specific first) that matches there."""
        low = fold(text)
        n = len(low)
        starts = self._starts
        entries = self.entries
        found: dict[int, int] = {}
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(low)]
        last = len(words) - 1
        for k, (p, e, word) in enumerate(words):
            cands = starts.get(word)
            if cands is None:
                cands = self._candidates(word)
            if not cands:
                continue
            following: str | None = None  # the next word, when only separators lead to it
            known = False
            for i, program, test in cands:
                if test is not None:
                    if not known:
                        known = True
                        if e < n and low[e] in _QUOTES:
                            following = None
                            test = None  # a possessive may follow: no shortcut
                        else:
                            sep = _SEP.match(low, e)
                            following = words[k + 1][2] if sep and k < last and words[k + 1][0] == sep.end() else ""
                    elif following is None:
                        test = None
                    if test is not None and not (following in test[0] or following.startswith(test[1])):
                        continue  # the cue's second word cannot follow
                if program is not None:
                    end = _run(program, 0, low, n, p, -1)
                else:
                    hit = entries[i].pattern().match(text, p)
                    end = hit.end() if hit else -1
                if end >= 0:
                    found[p] = end
                    break
        if self._raw_source:
            if self._raw is None:
                self._raw = re.compile(self._raw_source, re.IGNORECASE)
            for m in self._raw.finditer(text):
                p = m.start()
                if p not in found:
                    found[p] = m.end(m.lastindex)  # type: ignore[arg-type]
        return sorted(found.items())

    def fullmatch(self, index: int, span: str) -> bool:
        """Whether entry `index` matches the whole of span (on its own, as a regex fullmatch would)."""
        entry = self.entries[index]
        if entry.program is None:
            return entry.pattern().fullmatch(span) is not None
        if not span or not _is_word(span[0]):
            return False
        low = fold(span)
        return _run(entry.program, 0, low, len(low), 0, len(low)) >= 0

    def span_entries(self, span: str) -> tuple[int, ...]:
        """The entries (most specific first) that match exactly this span."""
        found = self._spans.get(span)
        if found is not None:
            return found
        idx = set(self.anywhere)
        first = _WORD.match(fold(span))
        if first is not None:
            allowed = set(self.buckets.get(span[:2].lower(), ())) | set(self.buckets.get(span[:1].lower(), ()))
            word = first.group()
            cands = self._starts.get(word)
            if cands is None:
                cands = self._candidates(word)
            idx.update(c[0] for c in cands if c[0] in allowed)
        result = tuple(i for i in sorted(idx) if self.fullmatch(i, span))
        if len(self._spans) >= self.MAX_CACHE:
            self._spans.clear()
        self._spans[span] = result
        return result


def build_matcher(terms: Sequence[str]) -> CueMatcher:
    """The matcher of these cue terms (TermError names the first term that cannot be compiled)."""
    return CueMatcher(terms)


__all__ = ["CueMatcher", "Entry", "TermError", "build_matcher", "compile_program", "fold"]
