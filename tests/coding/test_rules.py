"""Tests of the rule coder and the public coding API (code_frame, code_csv)."""
from __future__ import annotations

import textwrap

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from workbook.coding.rules import Coding, code_csv, code_frame, default_coder, rule_coder
from workbook.core.errors import EvidenceError, ParameterError, WorkbookError
from workbook.evidence.framework import PETCH_DIMENSIONS, load_framework

from own_sentences import HELDOUT, NEUTRAL_NONE, SENTENCES  # noqa: E402

SMALL = """\
id: tiny
title: A tiny framework for tests
coding:
  default_coder: rules
  polarity_threshold: 1.0
  scope_words: 3
  facilitator: ['improv*', {term: 'help', weight: 0.5}]
  barrier: ['barrier*']
  negation: ['lack of', {term: '=no', weight: 0.3}, {term: 'without', weight: 0.3}, 'did not']
  decrease: ['reduc*']
  contrast: ['=but']
  descriptive: ['interview*']
  ignore: ['NHS trust']
dimensions:
  - id: alpha
    label: Alpha
    definition: Leading things.
    threshold: 1.0
    cues: ['leader*', {term: 'manager', weight: 0.5}, {term: 'boss', weight: 0.5}]
    requires: [{id: alpha.r1, text: Someone leads.}]
  - id: beta
    label: Beta
    definition: Records and places.
    threshold: 2.0
    cues: ['shared record', 'co-locat*', {term: 'trust', weight: 2.0}]
    requires: [{id: beta.r1, text: Records are shared.}]
  - id: gamma
    label: Gamma
    definition: Results.
    cues: [{term: 'admission*', adverse: true}]
    requires: [{id: gamma.r1, text: Results are shown.}]
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> object:
    path = tmp_path_factory.mktemp("fw") / "framework.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return load_framework(path)


@pytest.fixture(scope="module")
def petch():
    from dataclasses import replace
    fw = load_framework()  # these tests are about the rule coder, whatever the shipped default coder is
    return replace(fw, coding={**fw.coding, "default_coder": "rules"})


@pytest.fixture(scope="module")
def rules(petch):
    return rule_coder(petch)


def code(coder, text: str) -> Coding:
    return coder.code([text])[0]


# --- the tiny framework: weights, thresholds, negation, reasons -------------------------------

def test_weights_and_threshold_from_framework_file(tiny):
    coder = rule_coder(tiny)
    assert code(coder, "The manager decided.").dimensions == ()
    assert code(coder, "The manager decided.").scores["alpha"] == pytest.approx(0.5)
    both = code(coder, "The manager and the boss decided.")
    assert both.dimensions == ("alpha",) and both.scores["alpha"] == pytest.approx(1.0)
    # beta needs 2.0: one full cue is not enough, two are
    assert code(coder, "Teams were co-located.").dimensions == ()
    assert code(coder, "Co-located teams kept a shared record.").dimensions == ("beta",)


def test_repeated_cue_counts_once(tiny):
    coder = rule_coder(tiny)
    assert code(coder, "Colocation, co-location and co located offices.").scores["beta"] == pytest.approx(1.0)


def test_negation_makes_barrier_and_keeps_dimension(tiny):
    coder = rule_coder(tiny)
    c = code(coder, "There was a lack of leadership.")
    assert c.dimensions == ("alpha",)
    assert c.polarity == "barrier"
    assert "'leadership' (negated)" in c.reasons and "lack of" in c.reasons


def test_negation_scope_is_limited(tiny):
    coder = rule_coder(tiny)
    # more than scope_words words between the negation and the cue: not negated
    far = code(coder, "Without any of the usual formal structures, leadership improved.")
    assert far.polarity == "facilitator"
    assert "(negated)" not in far.reasons
    # punctuation ends the scope
    assert "(negated)" not in code(coder, "No, leadership was fine.").reasons


def test_negated_facilitator_is_barrier(tiny):
    coder = rule_coder(tiny)
    assert code(coder, "The leaders did not improve anything.").polarity == "barrier"
    assert code(coder, "The leaders improved things.").polarity == "facilitator"


def test_decrease_of_adverse_result_is_facilitator(tiny):
    coder = rule_coder(tiny)
    c = code(coder, "The service reduced admissions.")
    assert c.dimensions == ("gamma",) and c.polarity == "facilitator"
    after = code(coder, "Admissions were reduced.")
    assert after.polarity == "facilitator"
    assert code(coder, "It did not reduce admissions.").polarity == "barrier"


def test_contrast_weighs_the_second_clause(tiny):
    coder = rule_coder(tiny)
    assert code(coder, "Leaders improved things but barriers remained.").polarity == "barrier"


def test_descriptive_sentences_raise_thresholds(tiny):
    coder = rule_coder(tiny)
    assert code(coder, "Leaders were interviewed.").dimensions == ()
    assert code(coder, "Leaders were interviewed.").polarity == "neutral"
    assert "study description" in code(coder, "Leaders were interviewed.").reasons


def test_ignored_phrase_hides_its_words(tiny):
    coder = rule_coder(tiny)
    assert code(coder, "The NHS trust board met.").scores["beta"] == 0.0
    assert code(coder, "Staff built trust.").scores["beta"] == pytest.approx(2.0)


def test_reasons_name_matched_words_and_polarity(tiny):
    c = code(rule_coder(tiny), "Leadership improved.")
    assert "alpha 1: 'Leadership'" in c.reasons
    assert "polarity facilitator" in c.reasons and "'improved'" in c.reasons


def test_bad_cue_in_framework_is_a_located_error(tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text(SMALL.replace("'leader*'", "'lead*er'"), encoding="utf-8")
    with pytest.raises(EvidenceError, match="alpha.*'\\*' may only end a word"):
        rule_coder(load_framework(path))


def test_unknown_coding_key_is_refused(tmp_path):
    path = tmp_path / "framework.yaml"
    path.write_text(SMALL.replace("  scope_words: 3", "  scope_wrds: 3"), encoding="utf-8")
    with pytest.raises(EvidenceError, match="scope_wrds"):
        load_framework(path)


def test_cues_are_found_by_the_token_matcher(tiny):
    coder = rule_coder(tiny)
    text = "leadership and shared records"
    spans = [text[s:e] for s, e in coder.matcher.scan(text)]
    assert "leadership" in spans and "shared records" in spans


def test_no_module_uses_private_regex_internals():
    import ast
    import pathlib

    private = {"_sre", "re._parser", "re._compiler", "re._constants", "sre_parse", "sre_compile", "sre_constants"}
    lib = pathlib.Path(__file__).resolve().parents[2] / "lib"
    offenders = []
    for path in lib.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
                names = [f"re.{node.attr}"]
            offenders += [f"{path.name}:{node.lineno} {n}" for n in names if n in private]
    assert offenders == []


# --- the shipped Petch framework -----------------------------------------------------------------

def test_brief_examples(rules):
    lack = code(rules, "There was a lack of leadership across the partnership.")
    assert "leadership" in lack.dimensions and lack.polarity == "barrier"
    records = code(rules, "There were no shared records between the agencies.")
    assert {"local_context", "integrated_teams"} & set(records.dimensions)
    assert records.polarity == "barrier"
    vision = code(rules, "The partners worked without a shared vision.")
    assert "vision" in vision.dimensions and vision.polarity == "barrier"
    failed = code(rules, "The programme failed to reduce emergency admissions.")
    assert "outcomes" in failed.dimensions and failed.polarity == "barrier"
    absent = code(rules, "The absence of pooled budgets slowed the team down.")
    assert "integrated_teams" in absent.dimensions and absent.polarity == "barrier"


@pytest.mark.parametrize("text", ["Staff were co-located.", "Staff were co located.",
                                  "Colocation of staff was common.", "Co\u2013location of staff was common."])
def test_colocation_spellings(rules, text):
    assert "integrated_teams" in code(rules, text).dimensions


@pytest.mark.parametrize("text", ["A leader emerged.", "The leaders met.", "Leadership was shared.",
                                  "Their leadership's style mattered."])
def test_leadership_word_forms(rules, text):
    assert "leadership" in code(rules, text).dimensions


@pytest.mark.parametrize("dim", PETCH_DIMENSIONS)
def test_own_sentences_per_dimension(rules, dim):
    items = SENTENCES[dim]
    assert len(items) >= 20
    found = [dim in c.dimensions for c in rules.code([t for t, _ in items])]
    assert sum(found) / len(found) >= 0.8, [t for (t, _), ok in zip(items, found) if not ok]


def test_heldout_sentences(rules):
    items = [(dim, t, p) for dim, rows in HELDOUT.items() for t, p in rows]
    codings = rules.code([t for _, t, _ in items])
    found = sum(dim in c.dimensions for c, (dim, _, _) in zip(codings, items))
    right = sum(c.polarity == p for c, (_, _, p) in zip(codings, items))
    assert found / len(items) >= 0.8 and right / len(items) >= 0.65


def test_own_sentences_polarity(rules):
    items = [item for dim in PETCH_DIMENSIONS for item in SENTENCES[dim]]
    codings = rules.code([t for t, _ in items])
    right = sum(c.polarity == p for c, (_, p) in zip(codings, items))
    assert right / len(items) >= 0.7


def test_methods_sentences_are_uncoded_and_neutral(rules):
    for c, text in zip(rules.code(NEUTRAL_NONE), NEUTRAL_NONE):
        assert c.dimensions == () and c.polarity == "neutral", (text, c.reasons)


def test_default_coder_is_rules(petch):
    assert default_coder(petch).name == "rules"


# --- code_frame and code_csv ---------------------------------------------------------------------

def test_code_frame_keeps_columns_and_order(petch):
    df = pd.DataFrame({"id": ["a", "b"], "text": ["A lack of leadership.", "Fifteen reviews were included."],
                       "source": ["s1", "s2"]})
    out = code_frame(df, petch)
    assert list(out.columns) == ["id", "text", "source", "dimensions", "polarity", "reasons"]
    assert out["id"].tolist() == ["a", "b"] and out["source"].tolist() == ["s1", "s2"]
    assert out["dimensions"].tolist()[0] == "leadership"
    assert out["dimensions"].tolist()[1] == ""
    assert list(df.columns) == ["id", "text", "source"]  # input untouched
    scored = code_frame(df, petch, scores=True)
    assert [c for c in scored.columns if c.startswith("score_")] == [f"score_{d}" for d in PETCH_DIMENSIONS]


def test_code_frame_dimensions_in_framework_order(petch):
    out = code_frame(pd.DataFrame({"text": ["Poor outcomes followed weak leadership and no shared vision."]}),
                     petch)
    dims = out["dimensions"].iat[0].split(";")
    assert dims == [d for d in PETCH_DIMENSIONS if d in dims] and len(dims) >= 2


def test_code_frame_missing_column_names_columns(petch):
    with pytest.raises(ParameterError, match="'finding'.*id, body"):
        code_frame(pd.DataFrame({"id": ["1"], "body": ["x"]}), petch, text_column="finding")


def test_code_frame_handles_missing_values(petch):
    out = code_frame(pd.DataFrame({"text": [None, float("nan"), ""]}), petch)
    assert out["dimensions"].tolist() == ["", "", ""] and out["polarity"].tolist() == ["neutral"] * 3


def test_code_csv_roundtrip_keeps_text_unmangled(tmp_path, petch):
    src = tmp_path / "in.csv"
    src.write_text('id,text,note\n001,"A lack of leadership, sadly.",NA\n002,Teams were co-located.,\n',
                   encoding="utf-8")
    dst = tmp_path / "out.csv"
    assert code_csv(src, dst, petch) == 2
    out = pd.read_csv(dst, dtype=str, keep_default_na=False)
    assert out["id"].tolist() == ["001", "002"]
    assert out["note"].tolist() == ["NA", ""]
    assert out["dimensions"].tolist() == ["leadership", "integrated_teams"]
    assert list(out.columns) == ["id", "text", "note", "dimensions", "polarity", "reasons"]


def test_code_csv_missing_file(tmp_path, petch):
    with pytest.raises(WorkbookError, match="nope.csv.*not found"):
        code_csv(tmp_path / "nope.csv", tmp_path / "o.csv", petch)


def test_code_csv_empty_file(tmp_path, petch):
    src = tmp_path / "empty.csv"
    src.write_text("", encoding="utf-8")
    with pytest.raises(WorkbookError, match="empty.csv.*empty"):
        code_csv(src, tmp_path / "o.csv", petch)
    src.write_text("id,text\n", encoding="utf-8")
    with pytest.raises(WorkbookError, match="no rows"):
        code_csv(src, tmp_path / "o.csv", petch)


def test_code_csv_missing_text_column(tmp_path, petch):
    src = tmp_path / "cols.csv"
    src.write_text("id,finding\n1,Leaders led.\n", encoding="utf-8")
    with pytest.raises(WorkbookError, match="no column 'text'.*id, finding"):
        code_csv(src, tmp_path / "o.csv", petch)
    assert code_csv(src, tmp_path / "o.csv", petch, text_column="finding") == 1


def test_code_csv_malformed_names_line(tmp_path, petch):
    src = tmp_path / "bad.csv"
    src.write_text("id,text\n1,ok\n2,too,many,fields\n", encoding="utf-8")
    with pytest.raises(WorkbookError, match=r"bad.csv:3.*well-formed"):
        code_csv(src, tmp_path / "o.csv", petch)
    assert not (tmp_path / "o.csv").exists()


# --- properties ----------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes_and_is_deterministic(text):
    coder = _shared_coder()
    first = coder.code([text])[0]
    again = coder.code([text])[0]
    assert first == again
    assert first.polarity in ("barrier", "facilitator", "neutral")
    assert set(first.scores) == set(PETCH_DIMENSIONS)
    assert list(first.dimensions) == [d for d in PETCH_DIMENSIONS if d in first.dimensions]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["lack of", "leadership", "no", "shared records", "reduced", "admissions",
                                 "but", "although", ",", "co-located", "team", "(n = 5)", "not only",
                                 "barriers", "improved", "vision", "NHS trust", "over time", "."]),
                max_size=25))
def test_cue_soup_never_crashes(words):
    coder = _shared_coder()
    text = " ".join(words)
    assert coder.code([text]) == coder.code([text])


_CODER = []


def _shared_coder():
    if not _CODER:
        _CODER.append(rule_coder(load_framework()))
    return _CODER[0]


def test_progress_bar_option(rules):
    assert len(rules.code(["Leaders led."] * 3, progress=True)) == 3


def test_small_framework_text(tiny):
    assert textwrap.dedent(SMALL).startswith("id: tiny")


def test_code_csv_keeps_duplicate_headers_and_quoted_newlines(tmp_path, petch):
    src = tmp_path / "dup.csv"
    src.write_text('id,note,text,note\n1,a,"Poor communication,\nacross teams",b\n', encoding="utf-8")
    dst = tmp_path / "out.csv"
    assert code_csv(src, dst, petch) == 1
    lines = dst.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,note,text,note,dimensions,polarity,reasons"


def test_code_csv_unclosed_quote_is_malformed(tmp_path, petch):
    src = tmp_path / "quote.csv"
    src.write_text('id,text\n1,"never closed\n', encoding="utf-8")
    with pytest.raises(WorkbookError, match="quote.csv.*well-formed"):
        code_csv(src, tmp_path / "o.csv", petch)


def test_code_csv_shows_a_progress_bar_when_asked(tmp_path, petch, capsys):
    src = tmp_path / "in.csv"
    src.write_text("text\nA lack of leadership held the work back.\nTeams were co-located.\n", encoding="utf-8")
    assert code_csv(src, tmp_path / "out.csv", petch, progress=True) == 2
    assert "coding (" in capsys.readouterr().err
    assert code_csv(src, tmp_path / "quiet.csv", petch) == 2
    assert "coding (" not in capsys.readouterr().err


class _SectionRecorder:
    """A coder that reads sections and records what it was given."""

    name = "recorder"
    uses_sections = True

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def code(self, texts, progress=False, sections=None):
        self.seen.append(list(sections) if sections is not None else None)
        return [Coding((), "neutral", {}, "") for _ in texts]


def test_code_frame_gives_section_reading_coders_each_rows_section(framework):
    df = pd.DataFrame({"text": ["a", "b", "c"], "section": ["Methods", None, "Results"]})
    coder = _SectionRecorder()
    code_frame(df, framework, coder=coder, section_column="section")
    assert coder.seen == [["Methods", "", "Results"]]
    coder = _SectionRecorder()
    code_frame(df, framework, coder=coder)  # no section column named: none given
    assert coder.seen == [None]


def test_model_coder_codes_findings_with_their_sections():
    from workbook.coding.model import SHIPPED_MODEL, load_model
    fw = load_framework()
    model = load_model(SHIPPED_MODEL, fw, rule_coder(fw))
    text = "Staff from health and social care were interviewed about joint working."
    df = pd.DataFrame({"text": [text, text], "section": ["Methods", "Key findings"]})
    out = code_frame(df, fw, coder=model, section_column="section")
    assert "section=methods" in out["reasons"][0] and out["confidence"][0] != out["confidence"][1]
