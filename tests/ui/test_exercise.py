"""The coding exercise: the reference coding, a student's codes compared with it (kappa, differences with the
rationale), the answer form, and the exercise notebook."""
from __future__ import annotations

import math
from pathlib import Path

import jupytext
import pandas as pd
import pytest

from workbook.ui import exercise as coding_exercise
from workbook.ui.handout import strip_answers
from workbook.evidence.cases import load_cases
from workbook.core.errors import EvidenceError, ParameterError
from workbook.extract.findings import finding_id, load_case_sources

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "notebooks" / "teaching" / "02_coding_exercise.py"


def hand_reference() -> pd.DataFrame:
    return pd.DataFrame([
        {"item": 1, "finding_id": "f1", "dimensions": "vision", "polarity": "facilitator", "rationale": "r1"},
        {"item": 2, "finding_id": "f2", "dimensions": "culture;time", "polarity": "barrier", "rationale": "r2"},
        {"item": 3, "finding_id": "f3", "dimensions": "", "polarity": "neutral", "rationale": "r3"},
        {"item": 4, "finding_id": "f4", "dimensions": "vision", "polarity": "barrier", "rationale": "r4"},
        {"item": 5, "finding_id": "f5", "dimensions": "outcomes", "polarity": "facilitator", "rationale": "r5"},
    ])


def test_compare_gives_kappa_per_dimension_and_the_differences_with_rationale(framework):
    answers = {1: (["vision"], "facilitator"),
               2: {"dimensions": ["time"], "polarity": "barrier"},  # misses culture
               3: (["vision"], "neutral"),                          # adds vision
               4: (["vision"], "facilitator"),                      # wrong polarity
               5: None}                                             # not answered
    student = coding_exercise.student_codes(answers, framework)
    result = coding_exercise.compare(student, hand_reference(), framework)
    assert (result.answered, result.total) == (4, 5)
    dims = result.by_dimension.set_index("dimension")
    # vision: reference [1,0,0,1], student [1,0,1,1] -> observed 3/4, chance (2*3 + 2*1)/16 = 1/2 -> kappa 1/2
    assert dims.loc["vision", "kappa"] == pytest.approx(0.5)
    assert dims.loc["vision", "ci_low"] < 0.5 < dims.loc["vision", "ci_high"]
    assert dims.loc["vision", "agreement"] == pytest.approx(0.75)
    assert tuple(dims.loc["vision", ["student", "reference", "both"]]) == (3, 2, 2)
    # culture: reference [0,1,0,0], student never -> observed 3/4, chance 3/4 -> kappa 0
    assert dims.loc["culture", "kappa"] == pytest.approx(0.0)
    assert dims.loc["time", "kappa"] == pytest.approx(1.0)
    assert math.isnan(dims.loc["leadership", "kappa"])
    assert "undefined" in dims.loc["leadership", "note"]
    assert result.mean_kappa == pytest.approx((0.5 + 0 + 1) / 3)
    # polarity: reference [f,b,n,b], student [f,b,n,f] -> observed 3/4, chance (1*2 + 2*1 + 1*1)/16 = 5/16
    assert result.polarity_agreement == pytest.approx(0.75)
    assert result.polarity_kappa == pytest.approx((0.75 - 5 / 16) / (1 - 5 / 16))
    diff = result.differences.set_index("item")
    assert list(diff.index) == [2, 3, 4]
    assert (diff.loc[2, "missed"], diff.loc[2, "extra"]) == ("culture", "")
    assert (diff.loc[3, "missed"], diff.loc[3, "extra"]) == ("", "vision")
    assert (diff.loc[4, "student_polarity"], diff.loc[4, "reference_polarity"]) == ("facilitator", "barrier")
    assert diff.loc[4, "rationale"] == "r4"


def test_student_codes_refuse_unknown_codes_naming_the_item(framework):
    with pytest.raises(ParameterError) as info:
        coding_exercise.student_codes({1: (["visions"], "facilitator"), 2: (["time"], "good"), 3: "time"}, framework)
    message = str(info.value)
    assert "item 1: unknown dimension(s) ['visions']" in message
    assert "item 2: unknown polarity 'good'" in message
    assert "item 3: write (['dimension', ...], 'polarity')" in message
    table = coding_exercise.student_codes({2: ("time", "barrier"), 1: ([], "neutral"), 3: None}, framework)
    assert table.to_dict("records") == [{"item": 1, "dimensions": "", "polarity": "neutral"},
                                        {"item": 2, "dimensions": "time", "polarity": "barrier"}]


def test_student_codes_take_labels_and_refuse_unknown_items_and_wrong_shapes(framework):
    table = coding_exercise.student_codes({"2": (["Integrated teams and other ways of working", "local context"], "barrier")},
                                   framework, items=range(1, 13))
    assert table.to_dict("records") == [{"item": 2, "dimensions": "local_context;integrated_teams",
                                         "polarity": "barrier"}]
    with pytest.raises(ParameterError) as info:
        coding_exercise.student_codes({13: (["time"], "barrier"), "x": None, 4: {"dims": ["time"]}, 5: ([1, 2], "barrier"),
                                6: (["time"], "")}, framework, items=range(1, 13))
    message = str(info.value)
    assert "item 13 is not in this exercise (its items are 1-12)" in message
    assert "'x' is not an item number" in message
    assert "item 4: unknown field(s) ['dims']" in message
    assert "item 5: the dimensions must be a list of names, got [1, 2]" in message
    assert "item 6: choose a polarity" in message
    assert "\n" not in message and "Traceback" not in message
    with pytest.raises(ParameterError, match="not a table of items"):
        coding_exercise.student_codes([(["time"], "barrier")], framework)


def test_shipped_reference_has_twelve_items_that_all_exist_in_the_sources(framework):
    reference = coding_exercise.load_reference(framework)
    assert list(reference["item"]) == list(range(1, 13))
    assert reference["rationale"].str.len().min() > 80
    current = {finding_id(src.id, st.text): case.id
               for case in load_cases().values() for src in load_case_sources(case) for st in src.statements}
    missing = [fid for fid in reference["finding_id"] if fid not in current]
    assert not missing, f"reference items whose finding text changed; re-point them in evidence/teaching/: {missing}"
    per_case = pd.Series([current[f] for f in reference["finding_id"]]).value_counts()
    assert per_case.to_dict() == {"torbay": 4, "english_pilots": 4, "east_london": 4}


def test_reference_with_an_unknown_dimension_is_refused_with_its_line(evidence_copy, framework):
    path = evidence_copy / "teaching" / "reference_coding.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("dimensions: [culture]", "dimensions: [culturre]", 1),
                    encoding="utf-8")
    with pytest.raises(EvidenceError) as info:
        coding_exercise.load_reference(framework, evidence_copy)
    assert "unknown dimension(s) ['culturre']" in str(info.value)
    assert "reference_coding.yaml:" in str(info.value)


def test_exercise_items_and_missing_items(framework):
    coded = pd.DataFrame({"finding_id": ["f2", "f1", "zz"], "case": ["c"] * 3, "source": ["s"] * 3,
                          "locator": ["l"] * 3, "statement": ["two", "one", "other"]})
    items = coding_exercise.exercise_items(hand_reference(), coded)
    assert items[["item", "statement"]].values.tolist() == [[1, "one"], [2, "two"]]
    assert coding_exercise.missing_items(hand_reference(), coded) == ["f3", "f4", "f5"]


def test_exercise_notebook_keeps_answers_apart_from_the_exercise():
    nb = jupytext.read(EXERCISE)
    tags = [set(c.metadata.get("tags", [])) for c in nb.cells]
    assert sum("exercise" in t for t in tags) == 1
    assert not any({"exercise", "answer"} <= t for t in tags)
    assert sum("answer" in t for t in tags) >= 4
    stripped = strip_answers(nb)
    assert len(stripped.cells) == len(nb.cells) - sum(bool(t & {"answer", "teacher"}) for t in tags)
    text = "\n".join(c.source for c in stripped.cells)
    assert not any(word in text for word in ("compar", "rationale", "reference_table", "maintenance", "teacher"))


def test_exercise_notebook_hides_its_code_and_takes_answers_in_a_form_not_a_dict():
    nb = jupytext.read(EXERCISE)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.metadata.get("jupyter", {}).get("source_hidden") for c in code)
    exercise_cell = next(c for c in code if "exercise" in c.metadata.get("tags", []))
    assert "exercise.form()" in exercise_cell.source and "{" not in exercise_cell.source
    visible = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "integrated_teams" not in visible and "local_context" not in visible  # labels, not ids
    assert "evidence/" not in visible  # no maintainers' paths for students


def checked_form(framework):
    """The shipped exercise's form and its comparison view (the teacher's copy), from the shipped evidence."""
    exercise = coding_exercise.Exercise.load()
    form = exercise.form()
    return exercise, form, exercise.comparison(form)


def test_form_has_a_row_per_item_with_labelled_checkboxes_and_starts_empty(framework):
    exercise, form, view = checked_form(framework)
    assert form.numbers == list(range(1, 13))
    assert [c.description for c in form.dims[1].values()] == [d.label for d in framework.dimensions]
    assert all(form.answers()[n] is None for n in form.numbers)  # no pre-filled example
    assert "Nothing answered yet" in view.widget.value
    assert form.submit() is not None and "You have answered 0 of 12 items" in form.status.value


def test_form_answers_are_checked_and_compared_with_the_reference(framework):
    exercise, form, view = checked_form(framework)
    ref = exercise.reference.set_index("item")
    form.dims[1][split(ref.loc[1, "dimensions"])[0]].value = True  # as the reference
    form.polarity[1].value = ref.loc[1, "polarity"]
    form.dims[3]["culture"].value = True  # not the reference's codes for item 3
    form.polarity[3].value = "barrier"
    student = form.submit()
    assert student["item"].tolist() == [1, 3]
    assert "You have answered 2 of 12 items" in form.status.value
    shown = view.widget.value
    assert "Where and why you differ" in shown and "You answered 2 of 12 items; 1 exactly as the reference" in shown
    assert ref.loc[3, "rationale"][:60].replace("'", "&#x27;") in shown  # the reasoning for the item that differs
    assert ref.loc[1, "rationale"][:60].replace("'", "&#x27;") not in shown
    assert "Culture" in shown and ">culture<" not in shown
    assert "table-layout:fixed" in shown and "white-space:normal" in shown  # wraps at notebook width


def test_form_refuses_half_answers_and_unknown_items_without_raising(framework):
    exercise, form, view = checked_form(framework)
    form.dims[5]["time"].value = True  # a dimension but no polarity
    assert form.submit() is None
    assert "Not checked: item 5: choose a polarity" in form.status.value
    assert "Nothing answered yet" in view.widget.value  # nothing compared
    form.clear(5)
    assert form.answers()[5] is None
    with pytest.raises(ParameterError, match="item 40 is not in this exercise"):
        form.fill({40: (["time"], "barrier")})
    assert all(form.answers()[n] is None for n in form.numbers)  # a refused fill changes nothing
    form.fill({2: (["Time"], "neutral")})
    assert form.answers()[2] == (["time"], "neutral")


def split(value: str) -> list[str]:
    return [v for v in value.split(";") if v]
