"""Tests of workbook.coding.features: negation and contrast scope, sentence and rule features, hashing."""
from __future__ import annotations

import numpy as np

from workbook.coding.features import (HASH_NORM, SCOPE_WORDS, Featurizer, rule_flags, scoped_terms, section_role,
                                      sentence_flags)
from workbook.coding.rules import rule_coder
from workbook.coding.suggestion import Coding


def test_negation_scope_marks_the_words_after_a_negator_up_to_the_limit():
    terms = scoped_terms("There was no shared record for patients in the scheme")
    assert {"NEG_share", "NEG_record", "NEG_for", "NEG_patient"} <= set(terms)
    assert "NEG_scheme" not in terms  # beyond SCOPE_WORDS words
    assert SCOPE_WORDS == 4
    assert "NEG_there" not in terms and "NEG_was" not in terms  # before the negator


def test_negation_scope_stops_at_a_clause_break():
    terms = scoped_terms("Staff had no time, and leadership was strong")
    assert "NEG_time" in terms
    assert "NEG_leadership" not in terms and "leadership" in terms


def test_a_sentence_without_negation_has_no_negated_terms():
    assert not [t for t in scoped_terms("Leaders shared a clear vision for the partnership") if t.startswith("NEG_")]


def test_contrast_scope_marks_what_follows_but_and_however():
    terms = scoped_terms("Staff trusted each other but budgets were cut")
    assert "CON_budget" in terms and "CON_cut" in terms
    assert "CON_staff" not in terms and "CON_trust" not in terms
    later = scoped_terms("However, the pilot was short; teams dissolved")
    assert "CON_pilot" in later and "CON_team" in later  # 'however' reaches the rest of the sentence


def test_concession_reaches_only_its_own_clause():
    terms = scoped_terms("Although funding was pooled, admissions rose")
    assert "CON_fund" in terms
    assert "CON_admiss" not in terms


def test_bigrams_are_included():
    assert "share record" in scoped_terms("shared records")


def test_section_roles():
    assert section_role("Methods") == "methods"
    assert section_role("Results and findings") == "results"
    assert section_role("Conclusions") == "conclusions"
    assert section_role("Key messages") == "summary"
    assert section_role("Acknowledgements") == "other"
    assert section_role("") == "none"


def test_sentence_flags_tell_a_recommendation_from_a_reported_result():
    rec = sentence_flags("Commissioners should pool budgets", "Conclusions")
    found = sentence_flags("We found that admissions fell by 12%", "Results")
    assert rec["recommendation"] == 1.0 and rec["reporting verb"] == 0.0 and rec["section=conclusions"] == 1.0
    assert found["reporting verb"] == 1.0 and found["recommendation"] == 0.0
    assert found["percent"] == 1.0 and found["change down"] == 1.0 and found["section=results"] == 1.0


def test_rule_flags_read_scores_negation_and_polarity_evidence():
    coding = Coding(("leadership",), "barrier", {"leadership": 1.0, "culture": 0.5},
                    "leadership 1: 'leadership' (negated); polarity barrier (barrier 1.5, facilitator 0): barrier "
                    "'lack of + leadership'")
    f = rule_flags(coding, ("leadership", "culture"), (1.0, 1.0))
    assert f["rule leadership coded"] == 1.0 and f["rule leadership negated"] == 1.0
    assert f["rule culture coded"] == 0.0 and f["rule culture score"] == 0.5 and f["rule culture negated"] == 0.0
    assert f["rule polarity barrier"] == 1.0 and f["rule barrier evidence"] == 1.5
    assert f["rule facilitator evidence"] == 0.0


def test_featurizer_builds_rows_and_names_the_hashed_terms(framework):
    fz = Featurizer(framework, rule_coder(framework))
    texts = ["There was a lack of leadership", "Admissions fell after co-location"]
    X = fz.transform(texts, ["Results", "Key messages"])
    assert X.shape == (2, fz.width)
    row = X.getrow(0)
    assert row[0, fz.index["rule leadership coded"]] == 1.0
    assert row[0, fz.index["section=results"]] == 1.0
    hashed = row.toarray()[0, len(fz.named):]
    assert np.isclose(np.linalg.norm(hashed), HASH_NORM)
    names = fz.term_columns(texts[0])
    assert "leadership" in names.values() and "NEG_leadership" in names.values()
    for col in names:
        assert X[0, col] > 0
    assert fz.column_name(fz.index["negation"]) == "negation"
    neg_col = next(c for c, t in names.items() if t == "NEG_leadership")
    assert fz.column_name(neg_col, names) == "'not leadership'"


def test_empty_text_gives_a_zero_hashed_part(framework):
    fz = Featurizer(framework, rule_coder(framework))
    X = fz.transform([""])
    assert X[:, len(fz.named):].nnz == 0
