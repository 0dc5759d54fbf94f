"""Sentences of full-text sources: splitting, section roles, pages and locators."""
import pytest

from workbook.extract.sentences import block_kind, located_sentences, locator, section_role, split_sentences


@pytest.mark.parametrize("text, expected", [
    ("Smith et al. (2019) reported a fall in admissions. The effect was large.",
     ["Smith et al. (2019) reported a fall in admissions.", "The effect was large."]),
    ("Teams shared records, e.g. care plans, across services. Staff valued this.",
     ["Teams shared records, e.g. care plans, across services.", "Staff valued this."]),
    ("Dr. Jones led the pilot. She met the board monthly.", ["Dr. Jones led the pilot.", "She met the board monthly."]),
    ("As noted on p. 4 of the report, costs rose. They rose again.",
     ["As noted on p. 4 of the report, costs rose.", "They rose again."]),
    ("Admissions fell by 12.5% (95% CI 8.1 to 16.9). Stays fell to 4.2 days.",
     ["Admissions fell by 12.5% (95% CI 8.1 to 16.9).", "Stays fell to 4.2 days."]),
    ("Integration helped [3, 4]. It cost more (Brown 2010; Green et al. 2012). Staff agreed.",
     ["Integration helped [3, 4].", "It cost more (Brown 2010; Green et al. 2012).", "Staff agreed."]),
    ("Staff (n = 42) were interviewed, i.e. managers and nurses. Interviews lasted an hour.",
     ["Staff (n = 42) were interviewed, i.e. managers and nurses.", "Interviews lasted an hour."]),
    ("Approx. 40 staff moved. They stayed.", ["Approx. 40 staff moved.", "They stayed."]),
    ("Costs rose (cf. Table 2). They fell later.", ["Costs rose (cf. Table 2).", "They fell later."]),
])
def test_split_keeps_abbreviations_numbers_and_citations_inside_sentences(text, expected):
    assert split_sentences(text) == expected


def test_split_collapses_spacing_and_line_breaks():
    assert split_sentences("  Costs\n rose.\n\nThey   fell.  ") == ["Costs rose.", "They fell."]
    assert split_sentences("   ") == []


@pytest.mark.parametrize("heading, role", [
    ("Abstract", "abstract"), ("KEY MESSAGES", "key_messages"), ("1. Introduction", "background"),
    ("2 Methods", "methods"), ("Data and methods", "methods"), ("3.1 Findings", "results"),
    ("Results and discussion", "results"), ("IV. Discussion", "discussion"), ("Conclusions:", "conclusions"),
    ("References", "references"), ("Acknowledgements", "acknowledgements"), ("Funding", "acknowledgements"),
    ("Shared records in Northvale", None), ("Policy context", "background"),
])
def test_headings_map_to_roles(heading, role):
    assert section_role(heading) == role


def test_custom_section_words_replace_the_defaults():
    assert section_role("Evaluation", {"results": ("evaluation",)}) == "results"
    assert section_role("Results", {"results": ("evaluation",)}) is None


BODY = """Northvale integrated care: an evaluation

## p. 1

### Abstract

Results: admissions fell by 12.5%. Staff valued the teams.

### 1. Introduction

Approx. 40 staff moved to the
new teams, e.g. nurses and social

## p. 2

workers. Dr. Jones led them.

### Shared records in Northvale

Staff valued the co-
location of teams.

\\- A paragraph that starts with a dash.

Figure 2. Admissions by month, 2015 to 2018.

Team | Staff | Visits

<!-- a maintainer's note
     over two lines -->
### References

Smith J (2010). Integration. Journal of Care 3:4-5.
"""


def test_located_sentences_carry_page_section_role_line_and_neighbours():
    got = located_sentences(BODY, first_line=10)
    by_text = {s.text: s for s in got}
    title = by_text["Northvale integrated care: an evaluation"]
    assert (title.page, title.section, title.role, title.line) == ("", "", "front", 10)
    result = by_text["Results: admissions fell by 12.5%."]
    assert (result.page, result.section, result.role, result.locator) == ("1", "Abstract", "results", "p. 1, Abstract")
    assert by_text["Staff valued the teams."].role == "results"  # after a run-in 'Results:' label
    assert result.line == 16 and result.after == "Staff valued the teams." and result.before == title.text
    # a paragraph cut by a page break is joined, and each sentence keeps the page it starts on
    moved = by_text["Approx. 40 staff moved to the new teams, e.g. nurses and social workers."]
    assert (moved.page, moved.role, moved.line) == ("1", "background", 20)
    jones = by_text["Dr. Jones led them."]
    assert (jones.page, jones.locator, jones.line) == ("2", "p. 2, 1. Introduction", 25)
    # a document's own heading after background is 'other'; a compound wrapped at its hyphen keeps its hyphen
    coloc = by_text["Staff valued the co-location of teams."]
    assert (coloc.section, coloc.role) == ("Shared records in Northvale", "other")  # background's subsections don't inherit
    assert "- A paragraph that starts with a dash." in by_text
    assert by_text["Figure 2. Admissions by month, 2015 to 2018."].block == "caption"
    assert by_text["Team | Staff | Visits"].block == "table"
    ref = next(s for s in got if s.section == "References")
    assert ref.role == "references" and ref.line == 42
    assert not any("maintainer" in s.text for s in got)


def test_rewrapping_lines_changes_no_sentence():
    rewrapped = BODY.replace("Approx. 40 staff moved to the\nnew teams", "Approx. 40 staff\nmoved to the new teams")
    rewrapped = rewrapped.replace("Staff valued the teams.", "Staff valued\n  the   teams.")
    assert [s.text for s in located_sentences(rewrapped)] == [s.text for s in located_sentences(BODY)]


def test_a_page_heading_is_not_a_section_and_a_section_named_p_is_not_a_page():
    got = located_sentences("## p. iv\n\n### Policy context\n\nCosts rose.\n\n## Page 7\n\nThey fell.\n")
    assert [(s.page, s.section, s.role) for s in got] == [("iv", "Policy context", "background"),
                                                          ("7", "Policy context", "background")]


def test_locator_and_block_kind():
    assert locator("4", "Results") == "p. 4, Results" and locator("", "Results") == "Results"
    assert locator("4", "") == "p. 4"
    assert block_kind("Table 3: Admissions by year") == "caption"
    assert block_kind("Fig. 1. Teams") == "caption"
    assert block_kind("Tables were compared across sites.") == "text"


def test_run_in_labels_set_the_role_until_the_section_changes():
    body = ("### Abstract\n\nAims: to see. Design: a study. Findings: it fell. It rose too.\n\nConclusions: good.\n\n"
            "### Discussion\n\nIt was good. Note: this is not a section.\n\n### References\n\nResults: a title. Journal.\n")
    assert [(s.role, s.text) for s in located_sentences(body)] == [
        ("background", "Aims: to see."), ("methods", "Design: a study."), ("results", "Findings: it fell."),
        ("results", "It rose too."), ("conclusions", "Conclusions: good."), ("discussion", "It was good."),
        ("discussion", "Note: this is not a section."), ("references", "Results: a title."), ("references", "Journal.")]


from hypothesis import given, settings, strategies as st  # noqa: E402

_WORDS = st.sampled_from(["Staff", "said", "e.g.", "Dr.", "p.", "4", "12.5%", "(Smith", "et", "al.", "2010).",
                          "[3,", "4].", "fell.", "Results:", "co-", "location", "i.e.", "?", "!", "\u00a0", "-",
                          "Approx.", "teams", "x", "”", "’s"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_WORDS, min_size=1, max_size=30), min_size=1, max_size=6))
def test_every_word_of_every_paragraph_lands_in_exactly_one_sentence(paragraphs):
    texts = [" ".join(words) for words in paragraphs]
    escaped = ["\\" + t.strip() if t.strip().startswith("-") else t for t in texts]  # as add-source writes a paragraph like a bullet
    body = "## p. 1\n\n### Results\n\n" + "\n\n".join(escaped) + "\n"
    got = located_sentences(body)
    assert all(s.text == " ".join(s.text.split()) and s.text for s in got)
    assert " ".join(s.text for s in got).split() == " ".join(texts).split()
    assert {s.page for s in got} <= {"1"} and {s.role for s in got} <= {"results", "methods", "background",
                                                                       "conclusions", "abstract"}


def test_own_headings_take_the_role_of_results_discussion_and_conclusions_but_not_of_background_or_methods():
    body = ("### Introduction\n\nA.\n\n### The scheme\n\nB.\n\n### Methods\n\nC.\n\n### Money\n\nD.\n\n"
            "### Findings\n\nE.\n\n### Money\n\nF.\n\n### Discussion\n\nG.\n\n### Lessons for others\n\nH.\n")
    roles = [s.role for s in located_sentences(body)]
    assert roles == ["background", "other", "methods", "other", "results", "results", "discussion", "discussion"]
    assert [s.role for s in located_sentences(body, inherit=frozenset({"methods"}))][3] == "methods"


def test_a_title_read_as_the_first_heading_is_front_matter():
    body = "## p. 1\n\n### Northvale Together\n\nHarlow J, Peck R.\n\n### Shared records\n\nStaff said so.\n"
    assert [(s.role, s.text) for s in located_sentences(body)] == [("front", "Harlow J, Peck R."),
                                                                   ("other", "Staff said so.")]
    assert located_sentences("Title line.\n\n### Shared records\n\nStaff said so.\n")[1].role == "other"
