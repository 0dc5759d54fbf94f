"""Safe YAML with line numbers."""
import pytest

from workbook.core.errors import EvidenceError
from workbook.core.yamlio import check_schema, parse_yaml


def test_lines_of_nested_values_are_remembered():
    doc = parse_yaml("a: 1\nb:\n  - x\n  - y: 2\n", "f.yaml")
    assert doc.data == {"a": 1, "b": ["x", {"y": 2}]}
    assert doc.line_of(("b", 1, "y")) == 4
    assert doc.line_of(("b", 7)) == 2


def test_syntax_errors_report_line_and_column():
    with pytest.raises(EvidenceError) as err:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "f.yaml")
    assert "f.yaml:3:" in str(err.value)


def test_python_tags_are_refused_not_executed():
    with pytest.raises(EvidenceError, match="tag refused"):
        parse_yaml("a: !!python/object/apply:os.system ['echo hi']\n", "f.yaml")


def test_duplicate_keys_are_refused():
    with pytest.raises(EvidenceError, match="duplicate key 'a'"):
        parse_yaml("a: 1\na: 2\n", "f.yaml")


def test_schema_problems_carry_line_and_record():
    doc = parse_yaml("items:\n  - name: x\n  - name: 3\n", "f.yaml")
    schema = {"type": "object", "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {"name": {"type": "string"}}}}}}
    with pytest.raises(EvidenceError) as err:
        check_schema(doc, schema)
    assert "f.yaml:3 [items/1/name]" in str(err.value)


@pytest.mark.parametrize("name", ["framework.yaml", "cases.yaml", "synthesis/review_findings.yaml"])
def test_libyaml_and_pure_python_parsers_give_the_same_values_and_lines(name, monkeypatch):
    from pathlib import Path

    from workbook.core import yamlio

    if yamlio._FastLoader is yamlio._Loader:
        pytest.skip("PyYAML was built without libyaml")
    text = (Path(__file__).resolve().parents[2] / "evidence" / name).read_text(encoding="utf-8")
    fast = parse_yaml(text, name, line_offset=3)
    monkeypatch.setattr(yamlio, "_FastLoader", yamlio._Loader)
    slow = parse_yaml(text, name, line_offset=3)
    assert fast.data == slow.data and fast.lines == slow.lines and len(fast.lines) > 20


def test_an_error_is_reported_in_pure_python_parsers_words():
    with pytest.raises(EvidenceError, match=r"f.yaml:2:1: found character '\\t'"):
        parse_yaml("a: 1\n\tb: 2\n", "f.yaml")


def test_text_libyaml_cannot_take_is_still_reported_by_line_and_column():
    with pytest.raises(EvidenceError, match=r"f.yaml:2:4: contains the control character '\\ud800'"):
        parse_yaml("a: 1\nb: \ud800\n", "f.yaml")
