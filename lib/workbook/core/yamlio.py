"""Safe YAML loading that remembers the line of every value, and schema checks that report those lines.

Schemas are checked in two steps. fastjsonschema (a dependency of nbformat, imported in milliseconds) answers
"valid or not"; only a document it rejects is checked again with jsonschema, whose errors carry the paths and
validator keywords the located messages are made from. jsonschema is imported only then: its import costs
1 to 1.5 s here because it imports rfc3987_syntax, which builds a grammar at import time (installed through
JupyterLab's jupyter-events). The schemas use only keywords both libraries read alike (type, properties,
required, additionalProperties, items, enum, pattern, oneOf, minimum/maximum, minItems/minLength); a test
checks that the two agree on every shipped document and on many broken ones.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import fastjsonschema
import yaml

from workbook.core.errors import EvidenceError, Problem, problem
from workbook.core.textio import read_text

if TYPE_CHECKING:
    import jsonschema

PathKey = tuple[Any, ...]


@dataclass
class Located:
    """YAML data with the 1-based line of each value, keyed by its path of keys and indices."""

    data: Any
    source: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: "PathKey | list[Any]") -> int | None:
        """The line of the value at `path`, or of its nearest ancestor that has one."""
        key = tuple(path)
        while True:
            if key in self.lines:
                return self.lines[key]
            if not key:
                return None
            key = key[:-1]


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


MAX_VALUES = 200_000
"""More values than this (after expanding YAML aliases) is not an evidence file but an alias bomb or a dump."""


class _Loader(yaml.SafeLoader):
    """SafeLoader: builds only plain data; python/* tags are refused; dates stay text."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same loader on libyaml's parser when PyYAML has it (about 9 times faster on framework.yaml). Its
    error messages are terser, so a document it rejects is parsed again with _Loader to report the error."""


_Loader.yaml_implicit_resolvers = _FastLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class _Budget:
    """The values still allowed, and the collections being built (to catch an alias that contains itself)."""

    def __init__(self) -> None:
        self.left = MAX_VALUES
        self.open: set[int] = set()


def _refuse(message: str, node: yaml.Node) -> yaml.constructor.ConstructorError:
    """A located ConstructorError for `node`."""
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


def _construct(loader: _Loader, node: yaml.Node) -> Any:
    """Build a scalar; a value the constructor cannot build (a 13th month, a 5000-digit number) is located."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError) as exc:
        shown = node.value if len(str(node.value)) <= 40 else f"{str(node.value)[:40]}..."
        raise _refuse(f"cannot read the value {shown!r}: {exc}", node) from None


def _walk(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], loader: _Loader,
          budget: "_Budget | None" = None) -> Any:
    """Build plain data from a node, recording the line of every value; refuse tags, bombs and odd values."""
    budget = budget or _Budget()
    budget.left -= 1
    if budget.left < 0:
        raise _refuse(f"the document expands to more than {MAX_VALUES:,} values (YAML aliases?)", node)
    if id(node) in budget.open:
        raise _refuse("a YAML alias refers to the value that contains it", node)
    lines[path] = node.start_mark.line + 1
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        raise yaml.constructor.ConstructorError(None, None, f"could not determine a constructor for the tag {node.tag!r}",
                                                node.start_mark)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        budget.open.add(id(node))
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                tagged = key_node.tag not in _PLAIN_TAGS
                raise _refuse(f"could not determine a constructor for the tag {key_node.tag!r}" if tagged
                              else "a mapping key must be a scalar", key_node)
            key = _construct(loader, key_node)
            if key in out:
                raise _refuse(f"duplicate key {key!r}", key_node)
            out[key] = _walk(value_node, path + (key,), lines, loader, budget)
            lines[path + (key,)] = key_node.start_mark.line + 1
        budget.open.discard(id(node))
        return out
    if isinstance(node, yaml.SequenceNode):
        budget.open.add(id(node))
        items = [_walk(item, path + (i,), lines, loader, budget) for i, item in enumerate(node.value)]
        budget.open.discard(id(node))
        return items
    return _construct(loader, node)


def _compose(loader_class: type, text: str) -> tuple[Any, dict[PathKey, int]]:
    """Plain data and the line of every value, built with the given loader class; YAML errors propagate."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        lines: dict[PathKey, int] = {}
        return (None if node is None else _walk(node, (), lines, loader)), lines
    finally:
        loader.dispose()


def parse_yaml(text: str, source: "str | Path", *, line_offset: int = 0) -> Located:
    """Parse YAML text safely; a syntax error or unsafe tag becomes an EvidenceError with line and column."""
    try:
        data, lines = _compose(_FastLoader, text)
    except (yaml.YAMLError, RecursionError, ValueError):  # reported in the words of PyYAML's own parser, below
        data, lines = _parse_reporting(text, source, line_offset)
    if line_offset:
        lines = {k: v + line_offset for k, v in lines.items()}
    return Located(data, str(source), lines)


def _parse_reporting(text: str, source: "str | Path", line_offset: int) -> tuple[Any, dict[PathKey, int]]:
    """Parse with PyYAML's pure-Python loader, turning any error into an EvidenceError that locates it."""
    try:
        return _compose(_Loader, text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        column = mark.column + 1 if mark else None
        what = (exc.problem or exc.context or "invalid YAML").strip()
        fix = "correct the YAML syntax at that position (indentation, a missing colon or quote)."
        if "python/" in str(exc) or "could not determine a constructor" in str(exc):
            what = f"YAML tag refused: {what}"
            fix = "remove the tag; evidence files hold plain data only (strings, numbers, lists, mappings)."
        elif "alias" in what:
            fix = "write the value out instead of referring to it with an alias (*name)."
        elif what.startswith("cannot read the value"):
            fix = "put the value in quotes to keep it as text, or correct it."
        raise EvidenceError(problem(source, what, fix, line=line, column=column)) from None
    except yaml.reader.ReaderError as exc:
        raise EvidenceError(_reader_problem(exc, text, source, line_offset)) from None
    except yaml.YAMLError as exc:
        raise EvidenceError(problem(source, f"invalid YAML: {exc}", "correct the YAML syntax.")) from None
    except RecursionError:
        raise EvidenceError(problem(source, "is nested too deeply to be an evidence file.",
                                    "flatten the lists and mappings (a few levels are enough).")) from None


def _reader_problem(exc: yaml.reader.ReaderError, text: str, source: "str | Path", line_offset: int) -> Problem:
    """A character YAML may not contain (a control character), located by line and column."""
    before = text[: exc.position]
    line = before.count("\n") + 1 + line_offset
    column = exc.position - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return problem(source, f"contains the control character {char!r}, which YAML does not allow.",
                   "delete it (it is invisible in most editors; retype the text around it).",
                   line=line, column=column)


def load_yaml(path: "str | Path") -> Located:
    """Read and parse a YAML file safely, with line numbers."""
    return parse_yaml(read_text(path), path)


def optional_file_problems(path: "str | Path", check: Callable[[Located], list[Problem]]) -> list[Problem]:
    """Every problem of an optional YAML file: none when it is absent, else its parse errors or what `check` finds."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        doc = load_yaml(path)
    except EvidenceError as exc:
        return exc.problems
    return check(doc)


_FAST: dict[str, Callable[[Any], Any]] = {}


def fast_validator(schema: dict[str, Any]) -> Callable[[Any], Any]:
    """The compiled fastjsonschema validator of a schema (compiled once per process and schema)."""
    key = json.dumps(schema, sort_keys=True)
    if key not in _FAST:
        _FAST[key] = fastjsonschema.compile(schema)
    return _FAST[key]


def is_valid(data: Any, schema: dict[str, Any]) -> bool:
    """Whether data meets the schema (the fast check; schema_problems says how it does not)."""
    try:
        fast_validator(schema)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def schema_problems(doc: Located, schema: dict[str, Any], fixes: dict[str, str] | None = None) -> list[Problem]:
    """Every way `doc` breaks `schema`, each located by line and record path."""
    if is_valid(doc.data, schema):
        return []
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    found: list[Problem] = []
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        record = "/".join(str(p) for p in path) or None
        fix = (fixes or {}).get(str(err.validator), "") or _default_fix(err)
        message = err.message
        if err.validator == "anyOf" and all("required" in alt for alt in err.validator_value):
            names = ", ".join(name for alt in err.validator_value for name in alt["required"])
            message = f"needs at least one of the fields: {names}."
            fix = "add one of them."
        elif err.validator in ("oneOf", "anyOf"):
            expected = " or ".join(_expected(alt) for alt in err.validator_value)
            message = f"{err.instance!r} is not valid here: expected {expected}."
            fix = fix if (fixes or {}).get(str(err.validator)) else f"give {expected}."
        elif err.validator == "additionalProperties":
            message = err.message.replace("Additional properties are not allowed", "unknown field(s)")
        found.append(problem(doc.source, message, fix, line=doc.line_of(path), record=record))
    return found


def check_schema(doc: Located, schema: dict[str, Any]) -> None:
    """Raise one EvidenceError listing every schema problem in `doc`."""
    found = schema_problems(doc, schema)
    if found:
        raise EvidenceError(found)


def _default_fix(err: "jsonschema.ValidationError") -> str:
    kind = err.validator
    if kind == "required":
        return "add the missing field."
    if kind == "additionalProperties":
        return "remove or rename the unknown field (check its spelling)."
    if kind == "type":
        return f"give {_expected({'type': err.validator_value})}."
    if kind == "enum":
        return f"use one of: {', '.join(map(str, err.validator_value))}."
    if kind == "pattern":
        return f"use lower-case letters, digits and underscores matching {err.validator_value}."
    if kind in ("minItems", "minLength"):
        return "add a value; it may not be empty."
    return "correct the value."


_ARTICLE = {"string": "a text", "integer": "an integer", "number": "a number", "boolean": "true or false",
            "array": "a list", "object": "a mapping of fields", "null": "nothing (null)"}


def _expected(schema: dict[str, Any]) -> str:
    """What a (sub)schema accepts, in words: 'an integer (1900 to 2100)', "'n.d.'", 'a text or an integer'."""
    if "const" in schema:
        return repr(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(map(repr, schema["enum"]))
    types = schema.get("type")
    if types is None:
        return "a valid value"
    words = " or ".join(_ARTICLE.get(t, t) for t in ([types] if isinstance(types, str) else types))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        words += f" ({low} to {high})"
    elif low is not None:
        words += f" (at least {low})"
    elif high is not None:
        words += f" (at most {high})"
    return words
