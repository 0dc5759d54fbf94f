"""Safe YAML with line numbers."""
import pytest

from workbook.errors import EvidenceError
from workbook.yamlio import check_schema, parse_yaml


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
