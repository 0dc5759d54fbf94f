"""The candidate-finding classifier: explainable scores from evidence/extraction.yaml, located config errors,
and stable candidate ids."""
from pathlib import Path

import pytest

from workbook.core.errors import EvidenceError
from workbook.core.yamlio import parse_yaml
from workbook.extract.candidates import build, load_classifier, word_regex
from workbook.extract.findings import finding_id
from workbook.extract.sentences import Sentence, located_sentences


def _s(text: str, role: str = "results", block: str = "text") -> Sentence:
    return Sentence(text, "3", role.title(), role, 0, 1, block)


@pytest.fixture(scope="module")
def clf():
    return load_classifier()


@pytest.mark.parametrize("text, role", [
    ("Emergency admissions of people over 75 fell by 14% in the first two years.", "results"),
    ("Staff said that sharing an office with social workers helped them solve problems quickly.", "results"),
    ("Results: length of stay fell from 9.1 to 7.4 days.", "abstract"),
    ("Managers described the pooled budget as the key to the new service.", "discussion"),
    ("The lack of a shared record system was the main barrier to joint working.", "conclusions"),
])
def test_result_sentences_are_findings(clf, text, role):
    verdict = clf.judge(_s(text, role))
    assert verdict.finding, verdict.reason
    assert verdict.score >= clf.threshold


@pytest.mark.parametrize("text, role", [
    ("We interviewed 32 managers and front-line staff between 2016 and 2017.", "methods"),
    ("Interviews were transcribed and analysed thematically.", "results"),
    ("This paper describes the first three years of the programme.", "abstract"),
    ("Previous studies have reported mixed effects of integration (Smith et al. 2015; Jones 2016).", "background"),
    ("Integrated care has been promoted in many countries [1, 2].", "discussion"),
    ("Methods: a mixed-methods evaluation with interviews and routine data.", "abstract"),
])
def test_methods_aims_and_cited_background_are_not(clf, text, role):
    verdict = clf.judge(_s(text, role))
    assert not verdict.finding, verdict.reason


def test_references_acknowledgements_front_matter_and_captions_never_are(clf):
    text = "Admissions fell by 14% and staff said that the teams helped."
    assert clf.judge(_s(text)).finding
    for role in ("references", "acknowledgements", "front"):
        verdict = clf.judge(_s(text, role))
        assert not verdict.finding and verdict.reason == f"{role} section: never a finding"
    for block in ("caption", "table"):
        verdict = clf.judge(_s(text, block=block))
        assert not verdict.finding and verdict.reason == f"{block}: never a finding"


def test_the_reason_names_every_part_of_the_score(clf):
    verdict = clf.judge(_s("Emergency admissions fell by 14% (Smith 2010)."))
    assert verdict.reason.startswith("results section +1.0; ")
    assert "change 'fell' +0.6" in verdict.reason and "result figure '14%' +0.5" in verdict.reason
    assert "citation '(Smith 2010)' -0.8" in verdict.reason
    assert verdict.reason.endswith(f"= {verdict.score:.1f} >= 1")
    assert verdict.score == pytest.approx(1.0 + 0.6 + 0.5 - 0.8)


def test_citations_count_each_time_up_to_the_maximum(clf):
    one = clf.judge(_s("Teams helped [1].", "discussion")).score
    three = clf.judge(_s("Teams helped [1], [2] and [3].", "discussion")).score
    assert three == pytest.approx(one - 2 * 0.8)
    assert "x3" in clf.judge(_s("Teams helped [1], [2], [3] and [4].", "discussion")).reason


def test_word_cues_match_whole_words_endings_and_flexible_spacing():
    import re
    assert re.search(word_regex("report*"), "they reported it")
    assert not re.search(word_regex("fell"), "the fellow")
    assert re.search(word_regex("co-locat*"), "co located teams") and re.search(word_regex("told us"), "told\n us")


def _config(evidence: Path) -> Path:
    return evidence / "extraction.yaml"


def test_the_threshold_and_weights_come_from_the_file(evidence_copy: Path):
    path = _config(evidence_copy)
    sentence = _s("Staff valued the new teams.", "discussion")
    assert load_classifier(evidence_copy).judge(sentence).finding
    path.write_text(path.read_text(encoding="utf-8").replace("threshold: 1.0", "threshold: 3.5"), encoding="utf-8")
    assert not load_classifier(evidence_copy).judge(sentence).finding


@pytest.mark.parametrize("edit, message, line", [
    (("threshold: 1.0", "threshold: high"), "'high' is not of type 'number'", 0),
    (("  results: 1.0\n", "  results: 1.0\n  resuls: 2\n"), "unknown field(s)", None),
    (("    weight: 1.2\n    patterns: ['^(results", "    weight: 1.2\n    patterns: ['^((results"),
     "is not a valid regular expression", 1),
    (("never_roles: [front,", "never_roles: [title,"), "'title' is not one of", 0),
    (("    words: [found, find,", "    words: ['£', find,"), "cue word '£' of cue 'reporting verb' does not start", 0),
])
def test_a_bad_config_is_refused_naming_the_line_and_the_fix(evidence_copy: Path, edit, message, line):
    """`line` is the offset of the faulty line from the line where the edit starts (None: not checked)."""
    path = _config(evidence_copy)
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(EvidenceError) as err:
        load_classifier(evidence_copy)
    shown = str(err.value)
    assert "extraction.yaml" in shown and message in shown and "Fix:" in shown
    if line is not None:
        assert f"extraction.yaml:{text[:text.index(edit[0])].count(chr(10)) + 1 + line} " in shown


def test_a_missing_config_says_how_to_restore_it(evidence_copy: Path):
    _config(evidence_copy).unlink()
    with pytest.raises(EvidenceError, match="extraction.yaml: is missing.*Fix: restore"):
        load_classifier(evidence_copy)


def test_an_overlong_pattern_is_refused():
    doc = parse_yaml("threshold: 1\nrole_weights: {}\ncues:\n  - {name: x, weight: 1, patterns: ['" + "a" * 600 + "']}\n",
                     "extraction.yaml")
    with pytest.raises(EvidenceError, match="600 characters long"):
        build(doc)


def test_candidate_ids_survive_rewrapped_lines_and_readding():
    one = "## p. 4\n\n### Results\n\nStaff said that shared records helped. Admissions fell by 14%.\n"
    two = ("## p. 4\n\n### Results\n\nStaff said that shared\nrecords   helped.\nAdmissions\n"
           "fell by 14%.\n")
    ids_one = [finding_id("northvale_2019", s.text) for s in located_sentences(one)]
    ids_two = [finding_id("northvale_2019", s.text) for s in located_sentences(two)]
    assert ids_one == ids_two and len(set(ids_one)) == 2
    assert ids_one != [finding_id("northvale_2020", s.text) for s in located_sentences(one)]


def test_validate_reports_a_broken_extraction_yaml_before_any_full_text_source(evidence_copy: Path):
    from workbook.pipeline.validate import validate_evidence

    assert validate_evidence(evidence_copy) == []
    path = _config(evidence_copy)
    path.write_text(path.read_text(encoding="utf-8").replace("threshold: 1.0", "threshold: [1]"), encoding="utf-8")
    problems = [str(p) for p in validate_evidence(evidence_copy)]
    assert len(problems) == 1 and "extraction.yaml:" in problems[0] and "[threshold]" in problems[0]
    path.write_text(path.read_text(encoding="utf-8").replace("threshold: [1]", "threshold: 1.0"), encoding="utf-8")
    decisions = evidence_copy / "reviews" / "torbay" / "candidates.csv"
    decisions.parent.mkdir(parents=True, exist_ok=True)
    decisions.write_text("finding_id,decision,statement,reviewer,date,note\nx,accept,,,,\n", encoding="utf-8")
    problems = [str(p) for p in validate_evidence(evidence_copy)]
    assert len(problems) == 1 and "torbay/candidates.csv:2 [x]: has a decision without a reviewer" in problems[0]
