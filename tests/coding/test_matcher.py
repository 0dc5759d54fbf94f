"""Tests of the token cue matcher (workbook.coding.matcher): what it matches, and that it matches
exactly what the cue regexes of workbook.coding.cues match (the regex coder it replaced)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from own_sentences import HELDOUT, NEUTRAL_NONE, SENTENCES
from workbook.coding.cues import cue_examples, cue_regex, first_chars
from workbook.coding.matcher import TermError, build_matcher, fold
from workbook.coding.rules import POLARITY_KINDS, rule_coder
from workbook.coding.rules import settings as rule_settings
from workbook.core.errors import EvidenceError
from workbook.evidence.framework import coding_cues, load_framework

GOLDEN = Path(__file__).with_name("own_sentences_coded.json")


def spans(matcher, text: str) -> list[str]:
    return [text[s:e] for s, e in matcher.scan(text)]


def terms_of(framework) -> list[str]:
    return ([c.term for d in framework.dimensions for c in d.cues]
            + [c.term for k in POLARITY_KINDS for c in coding_cues(framework, k)])


# --- what single cues match ----------------------------------------------------------------------

def test_word_forms_match_inflections_not_other_words():
    m = build_matcher(["share", "community", "plan"])
    assert spans(m, "Sharing, shared and shares; communities planned") == [
        "Sharing", "shared", "shares", "communities", "planned"]
    assert spans(m, "sharer shareholder communal planet") == []


def test_wildcard_hyphen_and_possessive():
    m = build_matcher(["leader*", "co-locat*", "team"])
    assert spans(m, "Leadership's co located CO\u2013LOCATION colocated team's teams' misleader") == [
        "Leadership", "co located", "CO\u2013LOCATION", "colocated", "team's", "teams'"]


def test_multi_word_cue_takes_flexible_separators_only():
    m = build_matcher(["shared record"])
    assert spans(m, "shared-records, shared / record, Shared\nRecords") == [
        "shared-records", "shared / record", "Shared\nRecords"]
    assert spans(m, "shared, records; shared recorders") == []


def test_gap_skips_up_to_three_words_within_a_clause():
    m = build_matcher(["share ... record"])
    assert spans(m, "sharing of patient records") == ["sharing of patient records"]
    assert spans(m, "share records") == ["share records"]
    assert spans(m, "share a b c d records") == []
    assert spans(m, "share, then records") == []
    assert spans(m, "share don't records") == ["share don't records"]  # an apostrophe stays in a word


def test_optional_words_before_between_and_after():
    m = build_matcher(["single point [of] access|contact", "[the] front door", "care plan [review]"])
    assert spans(m, "a single point of access") == ["single point of access"]
    assert spans(m, "a single point contact") == ["single point contact"]
    assert spans(m, "the front door and front door") == ["the front door", "front door", "front door"]  # at each word
    assert spans(m, "care plan review, care plans") == ["care plan review", "care plans"]


def test_exact_words_and_raw_cues():
    m = build_matcher(["=IT", r"re:\b\w+n['\u2019]t\b", r"re:\(\s*n\s*=\s*\d+", "=A&E"])
    assert spans(m, "IT, its, didn't, (n = 12), A&E") == ["IT", "didn't", "(n = 12", "A&E"]


def test_more_specific_cue_wins_the_span_and_all_cues_of_the_span_are_found():
    m = build_matcher(["shared", "shared care", "share*"])
    assert spans(m, "shared care") == ["shared care"]  # not 'shared': the two-word cue is tried first
    words = {m.entries[i].terms[0] for i in m.span_entries("shared")}
    assert words == {"shared", "share*"}


def test_case_is_folded_like_re_ignorecase():
    assert fold("\u0130\u017f\u0131K") == "isik"
    m = build_matcher(["is*"])
    assert spans(m, "\u0130\u017fsue") == ["\u0130\u017fsue"]


def test_bad_term_is_named_by_position():
    with pytest.raises(TermError) as info:
        build_matcher(["team", "lead*er"])
    assert info.value.index == 1 and "'*' may only end a word" in str(info.value)


def test_bad_cue_in_a_framework_is_a_located_error(tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text(SMALL.replace("'leader*'", "'lead*er'"), encoding="utf-8")
    with pytest.raises(EvidenceError, match="dimension 'alpha'.*'\\*' may only end a word"):
        rule_coder(load_framework(path))


# --- the rule coder on top of it: negation scope, contrast, multi-word cues ----------------------

SMALL = textwrap.dedent("""\
    id: tiny
    title: A tiny framework for matcher tests
    coding:
      polarity_threshold: 1.0
      scope_words: 3
      facilitator: ['improv*']
      barrier: ['barrier*']
      negation: ['lack of', {term: '=no', weight: 0.3}, 'did not']
      contrast: ['=but']
      concession: ['=although']
      ignore: ['NHS trust']
    dimensions:
      - id: alpha
        label: Alpha
        definition: Leading things.
        cues: ['leader*', 'shared record', 'share ... plan', 'single point [of] access']
        requires: [{id: alpha.r1, text: Someone leads.}]
      - id: beta
        label: Beta
        definition: Trust.
        cues: ['trust']
        requires: [{id: beta.r1, text: People trust.}]
    """)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("fw") / "framework.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return rule_coder(load_framework(path))


def test_negation_reaches_a_few_words_in_its_clause(tiny):
    near = tiny.code(["A lack of strong visible leadership."])[0]
    assert near.polarity == "barrier" and "(negated)" in near.reasons
    far = tiny.code(["A lack of money, time and many other things for leadership."])[0]
    assert "(negated)" not in far.reasons
    clause = tiny.code(["A lack of money; leadership"])[0]
    assert "(negated)" not in clause.reasons


def test_negated_multi_word_cue_and_gap(tiny):
    records = tiny.code(["There were no shared records."])[0]
    assert records.dimensions == ("alpha",) and "'shared records' (negated)" in records.reasons
    assert records.polarity == "barrier"
    plan = tiny.code(["Staff shared one care plan."])[0]
    assert "'shared one care plan'" in plan.reasons
    access = tiny.code(["A single point access helped."])[0]
    assert "'single point access'" in access.reasons


def test_contrast_and_concession_weigh_polarity(tiny):
    after_but = tiny.code(["Leaders met barriers but improved"])[0]
    assert after_but.polarity == "facilitator"  # 1.5 after 'but' against 1
    conceded = tiny.code(["Although leaders improved, barriers"])[0]
    assert conceded.polarity == "barrier"  # 0.5 inside the concession against 1


def test_ignored_phrase_hides_its_words(tiny):
    assert tiny.code(["The NHS trust board met."])[0].dimensions == ()
    assert tiny.code(["Mutual trust grew."])[0].dimensions == ("beta",)


# --- the same behaviour as the regex coder ----------------------------------------------------

def rule_inputs(framework) -> str:
    """SHA-256 of everything the rule coder reads from a framework: cues, thresholds and its settings."""
    key = json.dumps({
        "dimensions": [[d.id, d.threshold, [(c.term, c.weight, c.adverse) for c in d.cues]] for d in framework.dimensions],
        "kinds": {k: [(c.term, c.weight, c.adverse) for c in coding_cues(framework, k)] for k in POLARITY_KINDS},
        "settings": dataclasses.asdict(rule_settings(framework))}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()


def _reference(terms: list[str]) -> tuple[re.Pattern[str], list[tuple[str, re.Pattern[str], set[str] | None]]]:
    """The regex coder's matching, rebuilt with re.compile: one combined lookahead regex whose
    alternatives are tried most specific first, grouped by first letters, and each cue's own regex."""
    spec: dict[str, tuple[int, int]] = {}
    heads: dict[str, set[str] | None] = {}
    heads1: dict[str, set[str] | None] = {}
    for term in terms:
        rx = cue_regex(term)
        s = (3, len(term)) if term.startswith("re:") else (len(term.split()), len(term))
        spec[rx] = max(spec.get(rx, (0, 0)), s)
        for store, width in ((heads, 2), (heads1, 1)):
            h = first_chars(term, width)
            store[rx] = None if h is None or (rx in store and store[rx] is None) else (store.get(rx) or set()) | h
    ranked = sorted(spec, key=lambda rx: (-spec[rx][0], -spec[rx][1], rx))
    groups: dict[str, dict[str, list[str]]] = {}
    unknown, free, entries = [], [], []
    for rx in ranked:
        h = (heads.get(rx) or heads1.get(rx)) if rx.startswith(r"\b") else None
        entries.append((rx, re.compile(rx, re.IGNORECASE), h))
        if not rx.startswith(r"\b"):
            free.append(rx)
        elif not h:
            unknown.append(rx)
        else:
            for head in sorted(h):
                groups.setdefault(head[0], {}).setdefault(head, []).append(rx)
    branches = []
    for ch in sorted(groups):
        sub = [f"(?={re.escape(h)})(?:" + "|".join(r[2:] for r in groups[ch][h]) + ")" if len(h) > 1
               else "|".join(r[2:] for r in groups[ch][h])
               for h in sorted(groups[ch], key=lambda h: (len(h) == 1, h))]
        branches.append(f"(?={re.escape(ch)})(?:" + "|".join(sub) + ")")
    branches += [r[2:] for r in unknown]
    alternatives = [r"\b(?=(" + "|".join(branches) + "))"] + (["(?=(" + "|".join(free) + "))"] if free else [])
    return re.compile("|".join(alternatives), re.IGNORECASE), entries


@pytest.fixture(scope="module")
def shipped():
    framework = load_framework()
    terms = terms_of(framework)
    return framework, build_matcher(terms), _reference(terms)


def _same_as_reference(shipped, texts: list[str]) -> None:
    _, matcher, (combined, entries) = shipped
    for text in texts:
        want = [(m.start(m.lastindex), m.end(m.lastindex)) for m in combined.finditer(text)]
        assert matcher.scan(text) == want, text
        for s, e in want:
            span = text[s:e]
            expected = [rx for rx, pattern, h in entries
                        if (h is None or span[:2].lower() in h or span[:1].lower() in h) and pattern.fullmatch(span)]
            assert [matcher.entries[i].regex for i in matcher.span_entries(span)] == expected, (text, span)


def _cue_soup(framework, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    examples = [e for t in terms_of(framework) for e in cue_examples(t, 4)]
    glue = ["the", "of", "no", "not", "didn't", "but", ",", ";", "-", "/", "(n = 3)", "12/40", "trust's", "IT",
            "it", "King's Fund", "two studies", "five years", "staff", "'s", "\u2019", "\u2013", "\n"]
    ends = ["", "", "s", "ed", "ing", "'s", "\u2019s", "'", "\u2019", "es", "x"]
    out = []
    for _ in range(n):
        words = [rng.choice(examples) + rng.choice(ends) if rng.random() < 0.6 else rng.choice(glue)
                 for _ in range(rng.randint(3, 14))]
        words = [w.replace(" ", rng.choice([" ", "-", "  ", " / "])) for w in words]
        out.append(" ".join(w.upper() if rng.random() < 0.1 else w for w in words))
    return out


def test_same_spans_and_cues_as_the_regex_on_own_sentences(shipped):
    texts = [t for v in SENTENCES.values() for t, _ in v] + [t for v in HELDOUT.values() for t, _ in v]
    _same_as_reference(shipped, texts + list(NEUTRAL_NONE))


def test_same_spans_and_cues_as_the_regex_on_cue_soup(shipped):
    _same_as_reference(shipped, _cue_soup(shipped[0], 1500, 14))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aceilnorstu -'/,(=1\u2019\u2013\u017f\u0130I")), max_size=60))
def test_same_spans_and_cues_as_the_regex_on_arbitrary_text(shipped, text):
    _same_as_reference(shipped, [text, "shared " + text, text + " records"])


def test_same_codes_polarity_and_reasons_as_before_on_own_sentences():
    framework = load_framework()
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    if rule_inputs(framework) != golden["framework_cues"]:
        pytest.skip("the rule coder's cues or settings in evidence/framework.yaml changed since "
                    "own_sentences_coded.json was recorded; "
                    "the reference tests above still compare the matcher with the cue regexes")
    rows = golden["sentences"]
    coded = rule_coder(framework).code([r["text"] for r in rows])
    for row, c in zip(rows, coded):
        assert (list(c.dimensions), c.polarity, c.reasons) == (row["dimensions"], row["polarity"], row["reasons"])
