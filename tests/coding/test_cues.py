"""Tests of text helpers: normalisation, tokens, word forms, cue compilation, negation scope."""
from __future__ import annotations

import re

import pytest

from workbook.coding.cues import (CueSyntaxError, cue_examples, cue_regex, in_scope, normalise, stems, tokens,
                           word_form_set, word_forms)


def rx(term: str) -> re.Pattern[str]:
    return re.compile(cue_regex(term), re.IGNORECASE)


def test_normalise_unifies_dashes_quotes_case_and_space():
    assert normalise("Co\u2010Located  \u2018Teams\u2019\n") == "co-located 'teams'"


def test_tokens_and_stems():
    assert tokens("Leaders' shared-records, 2019!") == ["leaders", "shared", "records", "2019"]
    assert stems("leaders leading")[0] == "leader"


@pytest.mark.parametrize("word,yes,no", [
    ("share", ["share", "shares", "shared", "sharing"], ["sharer", "shareholder"]),
    ("team", ["team", "teams", "team's", "teams'"], ["teamwork", "steam"]),
    ("community", ["community", "communities"], ["communal"]),
    ("plan", ["plan", "plans", "planned", "planning"], ["planet"]),
    ("process", ["process", "processes"], ["procession"]),
    ("shared", ["shared"], ["sharing"]),
])
def test_word_forms(word, yes, no):
    pat = re.compile(r"\b" + word_forms(word) + r"(?!\w)", re.IGNORECASE)
    for w in yes:
        assert pat.fullmatch(w), (word, w)
    for w in no:
        assert not pat.fullmatch(w), (word, w)


@pytest.mark.parametrize("word", ["share", "team", "community", "plan", "process", "shared", "tie", "box", "stop",
                                  "it", "key", "agree", "church", "a1", "day", "buzz", "leading"])
def test_word_form_set_is_what_word_forms_matches(word):
    forms, possessive = word_form_set(word)
    pat = re.compile(word_forms(word))
    stem = word[:-2]
    candidates = {stem + a + b for a in ("", word[-2:-1]) for b in ("", "e", "s", "y", "ie", "es", "ed", "ing", "ies",
                                                                    "ied", "ying", word[-1] + "ed", word[-1] + "ing")}
    for candidate in candidates | forms:
        assert bool(pat.fullmatch(candidate)) == (candidate in forms), candidate
        assert bool(pat.fullmatch(candidate + "'s")) == (candidate in forms and possessive), candidate


def test_wildcard_matches_word_family():
    pat = rx("leader*")
    for w in ["leader", "leaders", "leadership", "Leadership's"]:
        assert pat.search(w), w
    assert not pat.search("misleader")


def test_inner_hyphen_is_optional_space_or_dash():
    pat = rx("co-locat*")
    for w in ["co-located", "co located", "colocation", "Co\u2013location", "CO-LOCATED"]:
        assert pat.fullmatch(w), w
    assert not pat.search("cooperation")


def test_multiword_flexible_spacing_and_hyphens():
    pat = rx("shared record")
    for w in ["shared records", "shared  record", "shared-record", "Shared\nRecords"]:
        assert pat.fullmatch(w), w
    assert not pat.search("shared recorders")


def test_gap_allows_up_to_three_words_but_not_punctuation():
    pat = rx("share ... record")
    assert pat.search("sharing of patient records")
    assert pat.search("share records")
    assert not pat.search("share a b c d records")
    assert not pat.search("share, then records")


def test_optional_word_alternatives_exact_and_raw():
    pat = rx("single point [of] access|contact")
    assert pat.fullmatch("single point of access")
    assert pat.fullmatch("single point contact")
    exact = rx("=IT")
    assert exact.fullmatch("IT") and not exact.search("ITs")
    raw = rx(r"re:\b(?-i:IT)\b")
    assert raw.search("the IT system") and not raw.search("it was")


@pytest.mark.parametrize("bad", ["", "lead*er", "... team", "team ...", "re:(unclosed", "re:(a)", "re:x*",
                                 "a||b", "co-"])
def test_bad_cues_are_refused(bad):
    with pytest.raises(CueSyntaxError):
        cue_regex(bad)


def test_cue_examples():
    assert cue_examples("care|health record") == ["care record", "health record"]
    assert cue_examples("re:foo") == []


def test_in_scope_counts_words_and_stops_at_punctuation():
    text = "lack of clear and visible leadership, and good vision"
    op_end = text.index("of") + 2
    assert in_scope(text, op_end, text.index("leadership"), 4)
    assert not in_scope(text, op_end, text.index("leadership"), 2)
    assert not in_scope(text, op_end, text.index("vision"), 8)
