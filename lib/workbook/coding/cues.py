"""Text helpers for coding: normalisation, tokens, word forms, cue -> regex compilation, negation scope.

Cue mini-language (used in evidence/framework.yaml; case is ignored):

- ``shared record``   words separated by spaces match any run of spaces, hyphens, dashes or slashes
                      between them ("shared-record", "shared  records").
- word forms          a plain word also matches its inflections: ``share`` -> share, shares, shared,
                      sharing; ``team`` -> team, teams, teamed; ``community`` -> community, communities.
                      A word that already ends in -ed or -ing is matched as written (plus a possessive).
- ``leader*``         ``*`` at the end of a word matches any word ending (leader, leaders, leadership).
- ``co-locat*``       a hyphen inside a word is optional and may be a space or dash
                      ("co-located", "co located", "colocation").
- ``=IT``             ``=`` before a word: match exactly that word, no inflections.
- ``record|note``     ``|`` inside a word slot: alternatives for that slot.
- ``[the]``           a word in brackets is optional.
- ``share ... record`` ``...`` allows up to three intervening words (not across punctuation).
- ``re:<regex>``      a raw regular expression (non-capturing groups only), for what the above cannot say.
"""
from __future__ import annotations

import functools
import re
import unicodedata

import snowballstemmer

SEPARATOR = r"[\s\-\u2010-\u2015/]+"
"""Between the words of a multi-word cue: spaces, hyphens, dashes or slashes (at least one)."""

HYPHEN = r"[\s\-\u2010-\u2015]?"
"""Where a cue word has a hyphen: optional, or a space or any dash."""

GAP_WORDS = 3
"""How many words ``...`` in a cue may skip."""

CLAUSE_BREAK = re.compile(r"[,;:.!?()\[\]\u2013\u2014]|\s-\s")
"""Punctuation that ends the scope of a negation or other modifier."""

_VOWELS = set("aeiou")
_POSSESSIVE = r"(?:['\u2019]s?)?"
_WORD_CHARS = re.compile(r"^[a-z]+$")
_STEMMER = snowballstemmer.stemmer("english")
_TOKEN = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?")


class CueSyntaxError(ValueError):
    """A cue term that cannot be compiled into a regular expression."""


def normalise(text: str) -> str:
    """Unicode-compatible, lower-case text with dashes/quotes unified and whitespace collapsed."""
    text = unicodedata.normalize("NFKC", str(text))
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = re.sub(r"[\u2018\u2019\u201b]", "'", text)
    text = re.sub(r"[\u201c\u201d]", '"', text)
    return " ".join(text.lower().split())


def tokens(text: str) -> list[str]:
    """Word tokens of the normalised text (hyphenated words split into their parts)."""
    return _TOKEN.findall(normalise(text))


def stems(text: str) -> list[str]:
    """Snowball (Porter 2) stems of the text's tokens, for the learned coder's features."""
    return [_stem(word) for word in tokens(text)]


@functools.lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    """The Snowball stem of one word (cached: texts repeat their words)."""
    return _STEMMER.stemWord(word)


def word_forms(word: str) -> str:
    """A regex matching the word and its regular inflections (plural, -ed, -ing, possessive)."""
    w = word.lower()
    if not _WORD_CHARS.match(w) or len(w) <= 2:
        return re.escape(w)
    if w.endswith(("ing", "ed")):
        return re.escape(w) + _POSSESSIVE
    if w.endswith("y") and w[-2] not in _VOWELS:
        return re.escape(w[:-1]) + r"(?:y|ies|ied|ying)" + _POSSESSIVE
    if w.endswith("ie"):
        return re.escape(w[:-2]) + r"(?:ie|ies|ied|ying)" + _POSSESSIVE
    if w.endswith("e"):
        return re.escape(w[:-1]) + r"(?:e|es|ed|ing)" + _POSSESSIVE
    if w.endswith(("s", "x", "z", "ch", "sh")):
        return re.escape(w) + r"(?:es|ed|ing)?" + _POSSESSIVE
    if (len(w) <= 5 and w[-1] not in _VOWELS and w[-1] not in "wxy" and w[-2] in _VOWELS
            and w[-3] not in _VOWELS):
        last = re.escape(w[-1])
        return re.escape(w) + rf"(?:s|{last}?ed|{last}?ing)?" + _POSSESSIVE
    return re.escape(w) + r"(?:s|es|ed|ing)?" + _POSSESSIVE


def word_form_set(word: str) -> tuple[frozenset[str], bool]:
    """The words `word_forms(word)` matches, and whether a possessive ('s, s') may follow them."""
    w = word.lower()
    if not _WORD_CHARS.match(w) or len(w) <= 2:
        return frozenset({w}), False
    if w.endswith(("ing", "ed")):
        return frozenset({w}), True
    if w.endswith("y") and w[-2] not in _VOWELS:
        return frozenset(w[:-1] + s for s in ("y", "ies", "ied", "ying")), True
    if w.endswith("ie"):
        return frozenset(w[:-2] + s for s in ("ie", "ies", "ied", "ying")), True
    if w.endswith("e"):
        return frozenset(w[:-1] + s for s in ("e", "es", "ed", "ing")), True
    if w.endswith(("s", "x", "z", "ch", "sh")):
        return frozenset(w + s for s in ("", "es", "ed", "ing")), True
    if (len(w) <= 5 and w[-1] not in _VOWELS and w[-1] not in "wxy" and w[-2] in _VOWELS
            and w[-3] not in _VOWELS):
        return frozenset(w + s for s in ("", "s", "ed", "ing", w[-1] + "ed", w[-1] + "ing")), True
    return frozenset(w + s for s in ("", "s", "es", "ed", "ing")), True


def _slot(word: str, term: str) -> str:
    """Regex for one word slot of a cue: alternatives, exact words, wildcards and inner hyphens."""
    options = []
    for alt in word.split("|"):
        if not alt:
            raise CueSyntaxError(f"cue {term!r}: empty alternative in {word!r}.")
        exact = alt.startswith("=")
        alt = alt[1:] if exact else alt
        star = alt.endswith("*")
        alt = alt[:-1] if star else alt
        if not alt or "*" in alt:
            raise CueSyntaxError(f"cue {term!r}: '*' may only end a word (after at least one letter).")
        parts = [p for p in re.split(r"[-\u2010-\u2015]", alt)]
        if any(not p for p in parts):
            raise CueSyntaxError(f"cue {term!r}: a hyphen must join two parts of a word.")
        head = [re.escape(p.lower()) for p in parts[:-1]]
        last = parts[-1]
        if star:
            tail = re.escape(last.lower()) + r"\w*"
        elif exact:
            tail = re.escape(last.lower())
        else:
            tail = word_forms(last)
        options.append(HYPHEN.join(head + [tail]))
    return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"


def cue_regex(term: str) -> str:
    """Translate one cue term (see the module docstring) into a regex with no capturing groups."""
    raw = term.strip()
    if not raw:
        raise CueSyntaxError("empty cue term.")
    if raw.startswith("re:"):
        body = raw[3:].strip()
        try:
            compiled = re.compile(body, re.IGNORECASE)
        except re.error as exc:
            raise CueSyntaxError(f"cue {term!r}: invalid regular expression ({exc}).") from None
        if compiled.groups:
            raise CueSyntaxError(f"cue {term!r}: use non-capturing groups (?:...) in a raw cue.")
        if compiled.match(""):
            raise CueSyntaxError(f"cue {term!r}: the regular expression matches empty text.")
        return body
    words = raw.split()
    out = ""
    gap = False
    pending_optional: list[str] = []
    first = True
    for word in words:
        if word == "...":
            if first:
                raise CueSyntaxError(f"cue {term!r}: '...' must stand between two words.")
            gap = True
            continue
        optional = word.startswith("[") and word.endswith("]")
        piece = _slot(word[1:-1] if optional else word, term)
        if optional:
            pending_optional.append(piece)
            continue
        prefix = "".join(f"(?:{p}{SEPARATOR})?" for p in pending_optional)
        pending_optional = []
        if first:
            out = prefix + piece
            first = False
        else:
            skip = rf"(?:{SEPARATOR}[\w'\u2019]+){{0,{GAP_WORDS}}}?" if gap else ""
            out += skip + SEPARATOR + prefix + piece
        gap = False
    if first:
        raise CueSyntaxError(f"cue {term!r}: needs at least one non-optional word.")
    if gap:
        raise CueSyntaxError(f"cue {term!r}: '...' must stand between two words.")
    out += "".join(f"(?:{SEPARATOR}{p})?" for p in pending_optional)
    starts_word = re.match(r"[\[=]?\w", raw) is not None
    return (r"\b" if starts_word else "") + out + r"(?!\w)"


def in_scope(text: str, op_end: int, cue_start: int, max_words: int) -> bool:
    """True when a modifier ending at op_end reaches a cue starting at cue_start (same clause, few words)."""
    if cue_start < op_end:
        return False
    if text.count(" ", op_end, cue_start) > max_words + 1:
        return False
    return CLAUSE_BREAK.search(text, op_end, cue_start) is None


def display(term: str) -> str:
    """A matched span as shown in reasons: whitespace collapsed, quotes stripped."""
    return " ".join(term.split()).replace("'", "\u2019")


def cue_examples(term: str, limit: int = 40) -> list[str]:
    """Plain example strings a cue term matches (first forms only), used to find overlapping cues."""
    raw = term.strip()
    if raw.startswith("re:"):
        return []
    slots: list[list[str]] = []
    for word in raw.split():
        if word == "..." or (word.startswith("[") and word.endswith("]")):
            continue
        options = []
        for alt in word.split("|"):
            alt = alt.lstrip("=").rstrip("*")
            if alt:
                options.append(alt.lower())
        if options:
            slots.append(options)
    out = [""]
    for options in slots:
        out = [f"{prefix} {o}".strip() for prefix in out for o in options][:limit]
    return [o for o in out if o]


def first_chars(term: str, width: int = 1) -> set[str] | None:
    """The lower-case first `width` characters a cue's match can start with (None when unknown)."""
    raw = term.strip()
    if raw.startswith("re:"):
        return None
    chars: set[str] = set()
    for word in raw.split():
        optional = word.startswith("[") and word.endswith("]")
        body = word[1:-1] if optional else word
        for alt in body.split("|"):
            alt = alt.lstrip("=").lower()
            head = alt[:width]
            if len(head) < width or not head.isalpha():
                return None
            chars.add(head)
        if not optional:
            return chars
    return None
