"""Property-based tests: arbitrary text through the source parser, the segmenter and the coder.

No crash other than a located EvidenceError, and ids that depend only on the source id and the normalised text.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from workbook.core.errors import EvidenceError
from workbook.extract.findings import finding_id, normalise
from workbook.evidence.framework import POLARITIES
from workbook.evidence.sources import parse_source, segment, split_sentences

FRONT = ('---\nid: demo_2020\ncase: torbay\nauthors: ["Smith A"]\nyear: 2020\ntitle: A demo\n'
         'publisher: Demo Press\nlicence: CC BY 4.0\n---\n')
FRONT_LINES = FRONT.count("\n")

# Text that looks like a source: headings, list items, comments, sentences, odd whitespace and any Unicode.
MARKUP = st.sampled_from(["# ", "## p. 3, Results", "### ", "[p. 4]", "- ", "* ", "1. ", "2) ", "<!--", "-->", "\n",
                          "\n\n", "  ", "\t", ". ", "et al. ", "e.g. ", "? ", "! ", "\"", "(", ")", "#", "---\n",
                          "\r\n", "\u2028", "\x85", "\u00a0", "A", "The team said", "Ling et al. 2012"])
DOCUMENT = st.lists(st.one_of(MARKUP, st.text(max_size=12)), max_size=40).map("".join)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(body=DOCUMENT, plain=st.booleans())
@example(body="# a" + " " * 3000 + "b\n- x\n", plain=False)  # once cubic in the spaces of a heading
@example(body="<!--" * 20000, plain=False)  # once quadratic in unclosed comments
def test_segment_never_crashes_and_statements_are_clean(body: str, plain: bool):
    start = time.perf_counter()
    statements, problems = segment(body, "demo_2020.md", plain=plain, first_line=FRONT_LINES + 1)
    assert time.perf_counter() - start < 2
    last_line = FRONT_LINES + body.count("\n") + 1
    for s in statements:
        assert s.text and s.text == " ".join(s.text.split())
        assert FRONT_LINES + 1 <= s.line <= last_line
        assert s.locator == " ".join(s.locator.split())
    assert all(p.line is not None and "locator" in p.message for p in problems)


@FAST
@given(body=DOCUMENT)
def test_parse_source_raises_only_located_evidence_errors(body: str):
    try:
        source = parse_source(FRONT + body, "demo_2020.md")
    except EvidenceError as exc:
        assert exc.problems and all(p.file == "demo_2020.md" for p in exc.problems)
        assert all(p.line is not None for p in exc.problems)
        return
    assert source.id == "demo_2020" and source.statements


@FAST
@given(front=st.text(max_size=200), body=DOCUMENT)
def test_any_front_matter_gives_a_source_or_an_evidence_error(front: str, body: str):
    try:
        parse_source(f"---\n{front}\n---\n{body}", "demo_2020.md")
    except EvidenceError as exc:
        assert all(p.file == "demo_2020.md" for p in exc.problems)


@FAST
@given(st.text())
@example("Ling et al. found it, e.g. at p. 3. Then more!  Yes? (Really.) \u00a0Done")
def test_split_sentences_loses_no_text(text: str):
    sentences = split_sentences(text)
    assert " ".join(sentences) == " ".join(text.split())
    assert all(s and s == s.strip() for s in sentences)


@FAST
@given(source=st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True), text=st.text())
def test_finding_ids_depend_only_on_source_and_normalised_text(source: str, text: str):
    fid = finding_id(source, text)
    assert fid == finding_id(source, text)
    assert fid.startswith(f"{source}-") and len(fid) == len(source) + 9
    assert finding_id(source, f"  {text.replace(' ', '   ')} !? ") == fid  # spacing and punctuation
    assert finding_id(source, normalise(text)) == finding_id(source, normalise(normalise(text)))


def test_finding_ids_are_the_same_in_another_process():
    texts = ["Strong leadership helped.", "Café société — 1,2", "", "\u00a0 Ünïcode ß ﬁ",
             "<script>x</script>"]
    here = [finding_id("demo", t) for t in texts]
    script = ("import json, sys; from workbook.extract.findings import finding_id; "
              "print(json.dumps([finding_id('demo', t) for t in json.loads(sys.stdin.read())]))")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    result = subprocess.run([sys.executable, "-c", script], input=json.dumps(texts), capture_output=True, text=True,
                            env=env, timeout=60)
    assert json.loads(result.stdout) == here


# ------------------------------------------------------------------ the coder

@pytest.fixture(scope="module")
def coder_module():
    """workbook.coding.rules (an import error fails the tests; it no longer skips them)."""
    from workbook.coding import rules

    return rules


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(texts=st.lists(st.one_of(st.text(max_size=200), DOCUMENT), max_size=8))
@example(texts=["", " ", "no shared records", "NOT " * 50, "lack of lack of leadership", "(((((", "\x00\ud7ff"])
def test_the_coder_never_crashes_and_is_deterministic(coder_module, framework, texts: list[str]):
    first = coder_module.rule_coder(framework).code(texts)
    again = coder_module.rule_coder(framework).code(texts)
    assert first == again
    assert len(first) == len(texts)
    for coding in first:
        assert coding.polarity in POLARITIES
        assert set(coding.dimensions) <= set(framework.dimension_ids)
        assert list(coding.dimensions) == [d for d in framework.dimension_ids if d in coding.dimensions]


def test_the_coder_codes_each_text_on_its_own(coder_module, framework):
    texts = ["A lack of leadership held the work back.", "Shared records helped teams work together.", ""]
    coder = coder_module.rule_coder(framework)
    assert coder.code(texts) == [coder.code([t])[0] for t in texts] == coder.code(texts[::-1])[::-1]
