"""Safe YAML with line numbers."""
from __future__ import annotations

from pathlib import Path
from random import Random

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


# ------------------------------------------------------------------ the fast check agrees with jsonschema

def _documents() -> "list[tuple[str, object, dict]]":
    """(name, data, schema) for every shipped YAML document and source front matter."""
    from workbook.core.yamlio import load_yaml, parse_yaml
    from workbook.evidence import cases, framework, sources
    from workbook.synthesis import confidence
    from workbook.ui import exercise

    evidence = Path(__file__).resolve().parents[2] / "evidence"
    docs = [("framework.yaml", load_yaml(evidence / "framework.yaml").data, framework.SCHEMA),
            ("cases.yaml", load_yaml(evidence / "cases.yaml").data, cases.SCHEMA),
            ("review_findings.yaml", load_yaml(evidence / "synthesis" / "review_findings.yaml").data,
             confidence.SCHEMA),
            ("reference_coding.yaml", load_yaml(evidence / "teaching" / "reference_coding.yaml").data,
             exercise.REFERENCE_SCHEMA)]
    for path in sorted((evidence / "sources").rglob("*.md")):
        head = path.read_text(encoding="utf-8").split("---")[1]
        docs.append((path.name, parse_yaml(head, path).data, sources.SCHEMA))
    return docs


def _mutate(data: object, rng: "Random") -> object:
    """A deep copy of data with one value (at any depth) replaced, removed or added."""
    import copy
    import datetime

    data = copy.deepcopy(data)
    values = [None, 0, -3, 2.5, 1.0, True, "", "x", "Leadership", "2026-11-27", datetime.date(2026, 11, 27),
              [], ["a"], [1], {}, {"id": "x"}, "UPPER_case", 10**9]
    holders, stack = [], [data]
    while stack:
        node = stack.pop()
        if isinstance(node, (dict, list)):
            holders.append(node)
            stack.extend(node.values() if isinstance(node, dict) else node)
    target = rng.choice(holders)
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    action = rng.random()
    if keys and action < 0.6:
        target[rng.choice(keys)] = rng.choice(values)
    elif keys and action < 0.8:
        key = rng.choice(keys)
        del target[key]
    elif isinstance(target, dict):
        target[rng.choice(["extra", "id", "label", "year", "polarity"])] = rng.choice(values)
    else:
        target.append(rng.choice(values))
    return data


def test_the_fast_check_and_jsonschema_agree_on_shipped_and_broken_documents():
    import random

    import jsonschema

    from workbook.core.yamlio import is_valid

    rng = random.Random(20261127)
    checked = invalid = 0
    for name, data, schema in _documents():
        full = jsonschema.Draft202012Validator(schema)
        assert is_valid(data, schema) and not list(full.iter_errors(data)), name
        for _ in range(150):
            broken = _mutate(data, rng)
            fast = is_valid(broken, schema)
            slow = not any(True for _ in full.iter_errors(broken))
            assert fast == slow, f"{name}: fastjsonschema says {fast}, jsonschema {slow} for {broken!r:.300}"
            checked += 1
            invalid += not slow
    assert checked > 1000 and invalid > checked // 4  # the mutations do break documents


def test_an_optional_file_has_no_problems_when_absent_and_its_parse_error_otherwise(tmp_path):
    from workbook.core.yamlio import optional_file_problems

    seen = []
    assert optional_file_problems(tmp_path / "absent.yaml", seen.append) == [] and seen == []
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n", encoding="utf-8")
    found = optional_file_problems(bad, seen.append)
    assert len(found) == 1 and "bad.yaml" in str(found[0]) and seen == []
    good = tmp_path / "good.yaml"
    good.write_text("a: 1\n", encoding="utf-8")
    assert optional_file_problems(good, lambda doc: [doc.data["a"]]) == [1]
