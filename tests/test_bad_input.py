"""Bad evidence: every broken file gets one located message (file, line or record, what is wrong, the fix).

Each test breaks a private copy of the shipped evidence (fixture `evidence_copy`) and checks what the
loader raises and what `workbook validate` prints (exit 1, one line per problem).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbook.evidence.cases import get_case, load_cases
from workbook.cli import main
from workbook.core.errors import EvidenceError, ParameterError, ReviewError
from workbook.extract.findings import load_case_sources
from workbook.pipeline.stages import extract_case
from workbook.evidence.framework import load_framework
from workbook.coding.reviews import load_reviews, record_decision, reviews_path
from workbook.evidence.sources import load_source
from workbook.core.textio import MAX_DOCUMENT_BYTES, read_text
from workbook.core.yamlio import MAX_VALUES, parse_yaml

SOURCE = Path("sources/torbay/davies_2011.md")
"""A shipped source whose front matter has id on line 2, case on 3, authors on 4, year on 5."""


def validate(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run `workbook validate` in-process: its exit code and the problem lines it printed."""
    code = main(["validate"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, [line[2:] for line in err.splitlines() if line.startswith("- ")]


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` (which must be there) by `new` in a text file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """The 1-based line on which `needle` first occurs."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def only(problems: list[str], name: str) -> str:
    """The one problem about file `name` (and no "not listed" noise about every source when cases.yaml breaks)."""
    about = [p for p in problems if f"{name}:" in p]
    assert len(about) == 1, problems
    assert not [p for p in problems if "is not listed under any case" in p], problems
    return about[0]


# ------------------------------------------------------------------ malformed YAML: line and column

def test_malformed_cases_yaml_names_line_and_column(evidence_copy: Path, capsys):
    path = evidence_copy / "cases.yaml"
    line = line_of(path, "name: Torbay")
    edit(path, "    name: Torbay\n", "\tname: Torbay\n")
    with pytest.raises(EvidenceError, match=rf"cases.yaml:{line}:1: found character '\\t'"):
        load_cases(evidence_copy)
    code, problems = validate(capsys)
    assert code == 1
    message = only(problems, "cases.yaml")
    assert f"cases.yaml:{line}:1: found character '\\t' that cannot start any token." in message
    assert "Fix: correct the YAML syntax" in message


def test_malformed_framework_yaml_names_line_and_column(evidence_copy: Path, capsys):
    path = evidence_copy / "framework.yaml"
    line = line_of(path, "- id: leadership")
    edit(path, "  - id: leadership\n", "  - id: [leadership\n")
    with pytest.raises(EvidenceError, match=r"framework.yaml:\d+:\d+: "):
        load_framework(path)
    code, problems = validate(capsys)
    assert code == 1
    message = only(problems, "framework.yaml")
    found = re.search(r"framework.yaml:(\d+):(\d+): (.*) Fix: correct the YAML syntax", message)
    assert found and int(found[1]) in (line, line + 1)


def test_malformed_front_matter_names_the_line_in_the_source_file(evidence_copy: Path, capsys):
    edit(evidence_copy / SOURCE, "year: 2011\n", "\tyear: 2011\n")
    with pytest.raises(EvidenceError, match=r"davies_2011.md:5:1: found character '\\t'"):
        load_source(evidence_copy / SOURCE)
    code, problems = validate(capsys)
    assert code == 1 and "davies_2011.md:5:1:" in only(problems, "davies_2011.md")


def test_a_broken_cases_yaml_is_one_problem_not_a_cascade(evidence_copy: Path, capsys):
    edit(evidence_copy / "cases.yaml", "    name: Torbay\n", "\tname: Torbay\n")
    code, problems = validate(capsys)
    assert code == 1 and len(problems) == 1, problems


# ------------------------------------------------------------------ wrong types and missing fields

def test_wrong_types_name_the_record_and_what_is_expected(evidence_copy: Path, capsys):
    cases = evidence_copy / "cases.yaml"
    period_line = line_of(cases, 'period: "2009')
    edit(cases, 'period: "2009–2011"', "period: [2009, 2011]")
    edit(evidence_copy / SOURCE, "year: 2011", 'year: "twenty eleven"')
    with pytest.raises(EvidenceError, match=r"davies_2011.md:5 \[year\]: 'twenty eleven' is not valid here: "
                                            r"expected an integer \(1900 to 2100\) or 'n.d.'"):
        load_source(evidence_copy / SOURCE)
    code, problems = validate(capsys)
    assert code == 1
    message = only(problems, "cases.yaml")
    assert message == (f"{cases}:{period_line} [cases/1/period]: [2009, 2011] is not of type 'string', "
                              f"'integer'. Fix: give a text or an integer.")
    load_cases_error = pytest.raises(EvidenceError, match=r"\[cases/1/period\]")
    with load_cases_error:
        load_cases(evidence_copy)


def test_a_framework_threshold_of_the_wrong_type_is_located(evidence_copy: Path, capsys):
    path = evidence_copy / "framework.yaml"
    path.write_text(re.sub(r"(?m)^  polarity_threshold: [\d.]+", "  polarity_threshold: high",
                           path.read_text(encoding="utf-8")), encoding="utf-8")
    line = line_of(path, "polarity_threshold: high")
    code, problems = validate(capsys)
    assert code == 1
    assert f"framework.yaml:{line} [coding/polarity_threshold]: 'high' is not of type 'number'. " \
           f"Fix: give a number." in only(problems, "framework.yaml")


def test_missing_required_fields_are_named(evidence_copy: Path, capsys):
    cases = evidence_copy / "cases.yaml"
    edit(cases, "    name: East London\n", "")
    edit(evidence_copy / SOURCE, 'licence: "not stated"\n', "")
    code, problems = validate(capsys)
    assert code == 1
    assert any(re.search(r"cases.yaml:\d+ \[cases/2\]: 'name' is a required property. Fix: add the missing field.", p)
               for p in problems), problems
    with pytest.raises(EvidenceError, match=r"davies_2011.md:2: 'licence' is a required property. Fix: add"):
        load_source(evidence_copy / SOURCE)


def test_a_misspelt_field_is_reported_as_unknown(evidence_copy: Path, capsys):
    edit(evidence_copy / SOURCE, "licence:", "license:")
    with pytest.raises(EvidenceError) as err:
        load_source(evidence_copy / SOURCE)
    text = str(err.value)
    assert "unknown field(s) ('license' was unexpected)" in text and "check its spelling" in text
    assert "'licence' is a required property" in text


# ------------------------------------------------------------------ unknown ids

def test_an_unknown_dimension_in_a_review_row_is_reported_by_line(evidence_copy: Path, capsys):
    path = evidence_copy / "reviews" / "torbay.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(rows + ["x-1,visoin,barrier,AB,2026-01-01,typo"]) + "\n", encoding="utf-8")
    code, problems = validate(capsys)
    assert code == 1
    message = only(problems, "torbay.csv")
    assert message.endswith(f"torbay.csv:{len(rows) + 1} [x-1]: unknown dimension(s) 'visoin'; use: vision, "
                                   "leadership, culture, local_context, integrated_teams, time, outcomes. "
                                   "Fix: correct the row; the other rows still load.")


def test_a_requirement_id_naming_an_unknown_dimension_is_located(evidence_copy: Path, capsys):
    path = evidence_copy / "framework.yaml"
    line = line_of(path, "- id: vision.r2")
    edit(path, "- id: vision.r2", "- id: visoin.r2")
    code, problems = validate(capsys)
    assert code == 1
    assert (f"framework.yaml:{line} [dimensions/0/requires/1]: requirement id 'visoin.r2' does not start with its "
            f"dimension id 'vision'. Fix: rename it vision.rN.") in only(problems, "framework.yaml")


def test_a_source_naming_an_unknown_case_is_refused(evidence_copy: Path, capsys):
    edit(evidence_copy / SOURCE, "case: torbay", "case: leeds")
    code, problems = validate(capsys)
    assert code == 1
    assert "davies_2011.md: front matter says case 'leeds' but the file is listed under case 'torbay'. " \
           "Fix: set case: torbay or move the file." in only(problems, "davies_2011.md")


def test_a_review_file_for_an_unknown_case_is_reported(evidence_copy: Path, capsys):
    (evidence_copy / "reviews" / "leeds.csv").write_text("finding_id,dimensions,polarity,reviewer,date,note\n",
                                                         encoding="utf-8")
    code, problems = validate(capsys)
    assert code == 1
    assert "leeds.csv: names no known case (torbay, english_pilots, east_london). Fix: rename it <case_id>.csv." \
        in only(problems, "leeds.csv")


def test_an_unknown_case_id_is_named_with_the_known_ones(evidence_copy: Path):
    with pytest.raises(ParameterError, match="unknown case_id 'leeds'. Fix: use one of: torbay, english_pilots"):
        get_case("leeds", evidence_copy)


# ------------------------------------------------------------------ duplicates

def test_a_duplicate_case_id_is_located(evidence_copy: Path, capsys):
    path = evidence_copy / "cases.yaml"
    line = line_of(path, "id: east_london")
    edit(path, "id: east_london", "id: torbay")
    code, problems = validate(capsys)
    assert code == 1
    assert f"cases.yaml:{line} [cases/2]: duplicate case id 'torbay'. Fix: give each case a unique id." in problems[0]


def test_a_source_listed_twice_is_located(evidence_copy: Path, capsys):
    path = evidence_copy / "cases.yaml"
    edit(path, "sources: [ling_2012,", "sources: [ling_2012, davies_2011,")
    line = line_of(path, "sources: [ling_2012, davies_2011,")
    code, problems = validate(capsys)
    assert code == 1
    assert (f"cases.yaml:{line} [cases/1/sources/1]: source 'davies_2011' is listed twice (also under case 'torbay'). "
            f"Fix: list each source once, under its case.") in only(problems, "cases.yaml")


def test_a_duplicate_finding_statement_is_located(evidence_copy: Path, capsys):
    path = evidence_copy / SOURCE
    first = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("- "))
    first_line = line_of(path, first)
    path.write_text(path.read_text(encoding="utf-8") + "\n## Again\n\n" + first.upper() + "\n", encoding="utf-8")
    last_line = len(path.read_text(encoding="utf-8").splitlines())
    code, problems = validate(capsys)
    assert code == 1
    assert re.search(rf"davies_2011.md:{last_line} \[davies_2011-[0-9a-f]{{8}}\]: duplicate finding: the statement "
                     rf"repeats line {first_line} \(same id davies_2011-[0-9a-f]{{8}}\). Fix: remove one copy",
                     only(problems, "davies_2011.md"))


def test_a_duplicate_dimension_id_is_located(evidence_copy: Path, capsys):
    path = evidence_copy / "framework.yaml"
    line = line_of(path, "  - id: leadership")
    edit(path, "  - id: leadership\n", "  - id: vision\n")
    code, problems = validate(capsys)
    assert code == 1
    assert f"framework.yaml:{line} [dimensions/1]: duplicate dimension id 'vision'. Fix: give each dimension a " \
           f"unique id." in problems[0]


def test_a_duplicate_yaml_key_is_located(evidence_copy: Path):
    edit(evidence_copy / SOURCE, "year: 2011\n", "year: 2011\nyear: 2012\n")
    with pytest.raises(EvidenceError, match=r"davies_2011.md:6:1: duplicate key 'year'"):
        load_source(evidence_copy / SOURCE)


# ------------------------------------------------------------------ files: missing, empty, encodings, size

def test_a_missing_source_file_is_named_with_its_case(evidence_copy: Path, capsys):
    (evidence_copy / SOURCE).unlink()
    code, problems = validate(capsys)
    assert code == 1
    assert "davies_2011.md: source 'davies_2011' of case 'torbay' is missing. Fix: add davies_2011.md (or .txt)" \
        in only(problems, "davies_2011.md")


def test_an_empty_source_file_is_refused(evidence_copy: Path, capsys):
    (evidence_copy / SOURCE).write_bytes(b"")
    code, problems = validate(capsys)
    assert code == 1
    message = only(problems, "davies_2011.md")
    assert message.endswith("davies_2011.md: is empty. Fix: add its content, or remove the file and what "
                                   "names it.")


def test_a_whitespace_only_source_is_empty_too(evidence_copy: Path):
    (evidence_copy / SOURCE).write_bytes(b" \r\n\t\n")
    with pytest.raises(EvidenceError, match="is empty"):
        load_source(evidence_copy / SOURCE)


def test_a_non_utf8_source_names_the_line_of_the_bad_byte(evidence_copy: Path, capsys):
    path = evidence_copy / SOURCE
    first = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("- "))
    line = line_of(path, first)
    path.write_bytes(path.read_bytes().replace(first.encode(), first.encode() + b" caf\xe9", 1))
    code, problems = validate(capsys)
    assert code == 1
    assert re.search(rf"davies_2011.md:{line}: is not UTF-8 text \(byte 0xe9 at offset \d+\). Fix: save the file "
                     r"as UTF-8", only(problems, "davies_2011.md"))


def test_a_utf16_source_is_refused_as_not_utf8(evidence_copy: Path):
    path = evidence_copy / SOURCE
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(EvidenceError, match=r"davies_2011.md:1: is not UTF-8 text"):
        load_source(path)


def test_a_bom_source_loads_like_the_plain_one(evidence_copy: Path, capsys):
    path = evidence_copy / SOURCE
    plain = load_source(path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with_bom = load_source(path)
    assert with_bom.statements == plain.statements and with_bom.id == "davies_2011"
    assert validate(capsys) == (0, [])


def test_windows_line_endings_give_the_same_findings(evidence_copy: Path, framework, capsys):
    case = get_case("torbay", evidence_copy)
    before = extract_case(case, framework, evidence_copy)
    for path in (evidence_copy / "sources" / "torbay").iterdir():
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    (evidence_copy / "cases.yaml").write_bytes((evidence_copy / "cases.yaml").read_bytes().replace(b"\n", b"\r\n"))
    after = extract_case(get_case("torbay", evidence_copy), framework, evidence_copy)
    assert after[["finding_id", "locator", "statement", "line"]].equals(before[["finding_id", "locator", "statement",
                                                                               "line"]])
    assert validate(capsys) == (0, [])


def test_a_source_too_large_to_be_a_document_is_refused_before_reading(evidence_copy: Path, capsys):
    path = evidence_copy / SOURCE
    with path.open("ab") as handle:
        handle.write(b"- padding\n" * (MAX_DOCUMENT_BYTES // 10 + 1))
    code, problems = validate(capsys)
    assert code == 1
    assert re.search(r"davies_2011.md: is [\d,]+ bytes, more than the 2,000,000 a source document may have. "
                     r"Fix: split it", only(problems, "davies_2011.md"))


def test_a_binary_file_is_refused(tmp_path: Path):
    path = tmp_path / "x.md"
    path.write_bytes(b"---\nid: x\n---\n\x00\x01\x02")
    with pytest.raises(EvidenceError, match="contains NUL bytes"):
        read_text(path)


def test_a_directory_where_a_source_should_be_is_refused(evidence_copy: Path):
    (evidence_copy / SOURCE).unlink()
    (evidence_copy / SOURCE).mkdir()
    with pytest.raises(EvidenceError, match="davies_2011.md: is not a regular file"):
        load_case_sources(get_case("torbay", evidence_copy), evidence_copy)


# ------------------------------------------------------------------ YAML that would run code, or explode

EXPLOIT = "!!python/object/apply:os.system ['touch {marker}']"


@pytest.mark.parametrize("where, old, template", [
    ("cases.yaml", "    name: Torbay\n", "    name: {exploit}\n"),
    ("framework.yaml", "title: Delivering", "title: {exploit}\nx_title: Delivering"),
    (str(SOURCE), "year: 2011", "year: {exploit}"),
])
def test_python_tags_are_refused_and_never_run(evidence_copy: Path, tmp_path: Path, capsys, where, old, template):
    marker = tmp_path / "PWNED"
    edit(evidence_copy / where, old, template.format(exploit=EXPLOIT.format(marker=marker)))
    code, problems = validate(capsys)
    assert code == 1
    message = only(problems, Path(where).name)
    assert re.search(r"YAML tag refused: could not determine a constructor for the tag "
                     r"'tag:yaml.org,2002:python/object/apply:os.system'. Fix: remove the tag", message)
    assert not marker.exists()


@pytest.mark.parametrize("text", [
    "a: !!python/name:os.system\n",
    "a: !!python/object/new:os.system [echo]\n",
    "? !!python/object/apply:os.system [echo]\n: 1\n",
    "a: !custom value\n",
    "a: !!set {x, y}\n",
])
def test_every_non_plain_tag_is_refused(text: str):
    with pytest.raises(EvidenceError, match=r"f.yaml:1:\d+: YAML tag refused"):
        parse_yaml(text, "f.yaml")


def test_an_alias_bomb_is_refused_quickly():
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefgh"):
        prev = "abcdefgh"[i]
        levels.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    with pytest.raises(EvidenceError, match=f"expands to more than {MAX_VALUES:,} values"):
        parse_yaml("\n".join(levels) + "\n", "f.yaml")


def test_an_alias_that_contains_itself_is_refused():
    with pytest.raises(EvidenceError, match=r"f.yaml:1:4: a YAML alias refers to the value that contains it"):
        parse_yaml("a: &a [1, *a]\n", "f.yaml")


def test_absurd_nesting_is_refused():
    with pytest.raises(EvidenceError, match="nested too deeply"):
        parse_yaml("a: " + "[" * 700 + "]" * 700 + "\n", "f.yaml")


@pytest.mark.parametrize("text, where, what", [
    ("a: 1\nb: x\x07y\n", "f.yaml:2:5", "control character '\\x07'"),
    ("a: 2026-13-45\n", None, None),
    ("a: !!int 99999999999999999999999999999999999999999999999999" + "9" * 5000 + "\n", "f.yaml:1:4",
     "cannot read the value"),
])
def test_odd_scalars_are_located_or_kept_as_text(text: str, where: "str | None", what: "str | None"):
    if where is None:
        assert parse_yaml(text, "f.yaml").data == {"a": "2026-13-45"}  # dates stay text; a bad one cannot crash
        return
    with pytest.raises(EvidenceError, match=re.escape(where) + ": .*" + re.escape(what)):
        parse_yaml(text, "f.yaml")


# ------------------------------------------------------------------ reviews

def test_a_decision_with_an_unknown_dimension_or_polarity_is_refused_and_the_file_unchanged(evidence_copy, framework):
    path = reviews_path("torbay", evidence_copy)
    before = path.read_bytes()
    with pytest.raises(ReviewError) as err:
        record_decision("torbay", "x-1", ["visoin"], "barrier", "AB", framework, evidence=evidence_copy)
    assert str(err.value).endswith("torbay/ab.csv: decision for 'x-1' refused: unknown dimension(s) 'visoin'; use: "
                                   "vision, leadership, culture, local_context, integrated_teams, time, outcomes. "
                                   "Fix: correct the decision and save again.")
    with pytest.raises(ReviewError, match="unknown polarity 'good'; use: barrier, facilitator, neutral"):
        record_decision("torbay", "x-1", ["vision"], "good", "AB", framework, evidence=evidence_copy)
    with pytest.raises(ReviewError, match="date '01/02/2026' is not YYYY-MM-DD"):
        record_decision("torbay", "x-1", ["vision"], "barrier", "AB", framework, date="01/02/2026",
                        evidence=evidence_copy)
    assert path.read_bytes() == before
    assert not (evidence_copy / "reviews" / "torbay").exists()  # no reviewer file was started


def test_a_review_file_with_old_mac_line_endings_loads_like_any_other(tmp_path: Path, framework):
    path = reviews_path("torbay", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"finding_id,dimensions,polarity,reviewer,date,note\ra-1,vision,barrier,AB,2026-01-01,ok\r")
    loaded = load_reviews("torbay", framework, tmp_path)
    assert loaded.problems == []
    assert loaded.decisions[["finding_id", "dimensions", "polarity"]].values.tolist() == [["a-1", "vision", "barrier"]]


def test_an_unreadable_review_row_is_a_located_problem_not_a_crash(tmp_path: Path, framework):
    path = reviews_path("torbay", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"finding_id,dimensions,polarity,reviewer,date,note\na-1,vision,barrier,AB,2026-01-01,"
                     + b"x" * 200_000 + b"\n")
    loaded = load_reviews("torbay", framework, tmp_path)
    assert loaded.decisions.empty
    assert [(p.line, "cannot be read as CSV" in p.message) for p in loaded.problems] == [(2, True)]


def test_a_hand_edited_bad_row_is_reported_by_line_while_the_others_load(evidence_copy: Path, framework, capsys):
    path = reviews_path("torbay", evidence_copy)
    good = load_reviews("torbay", framework, evidence_copy)
    rows = path.read_text(encoding="utf-8").splitlines()
    bad = ["x-1,vision,excellent,AB,2026-01-01,bad polarity", "x-2,vision,barrier,AB,2026-01-01,too,many,fields"]
    path.write_text("\n".join(rows[:2] + bad + rows[2:]) + "\n", encoding="utf-8")
    loaded = load_reviews("torbay", framework, evidence_copy)
    assert len(loaded.decisions) == len(good.decisions)
    assert [(p.line, p.record) for p in loaded.problems] == [(3, "x-1"), (4, None)]
    code, problems = validate(capsys)
    assert code == 1 and len(problems) == 2
    assert "torbay.csv:3 [x-1]: unknown polarity 'excellent'" in problems[0]
    assert "torbay.csv:4: has 8 fields, the header has 6. Fix: quote any text containing commas" in problems[1]


# ------------------------------------------------------------------ reviewers' cell summaries of the matrix

def test_cell_summaries_with_unknown_case_or_dimension_are_located_by_validate(evidence_copy: Path, capsys):
    path = evidence_copy / "synthesis" / "cell_summaries.yaml"
    path.write_text("cell_summaries:\n  torbay:\n    leadership: Leaders mattered.\n    leadrship: Typo.\n"
                    "  tor_bay:\n    vision: Typo.\n", encoding="utf-8")
    code, problems = validate(capsys)
    assert code == 1 and len(problems) == 2, problems
    assert "cell_summaries.yaml:4 [torbay/leadrship]: unknown dimension id 'leadrship'" in problems[0]
    assert "Fix: use one of: vision, leadership," in problems[0]
    assert "cell_summaries.yaml:5 [tor_bay]: unknown case id 'tor_bay'" in problems[1]
    path.write_text("cell_summaries:\n  torbay:\n    leadership: Leaders mattered.\n", encoding="utf-8")
    assert validate(capsys) == (0, [])
