"""Safe YAML loading that remembers the line of every value, and schema checks that report those lines."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import EvidenceError, Problem, problem
from .textio import read_text

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


class _Loader(yaml.SafeLoader):
    """SafeLoader: builds only plain data; python/* tags are refused."""


def _walk(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], loader: _Loader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        raise yaml.constructor.ConstructorError(None, None, f"could not determine a constructor for the tag {node.tag!r}",
                                                node.start_mark)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a scalar",
                                                        key_node.start_mark)
            if key in out:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}",
                                                        key_node.start_mark)
            out[key] = _walk(value_node, path + (key,), lines, loader)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, path + (i,), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, source: "str | Path", *, line_offset: int = 0) -> Located:
    """Parse YAML text safely; a syntax error or unsafe tag becomes an EvidenceError with line and column."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located(None, str(source))
        lines: dict[PathKey, int] = {}
        data = _walk(node, (), lines, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        column = mark.column + 1 if mark else None
        what = (exc.problem or exc.context or "invalid YAML").strip()
        fix = "correct the YAML syntax at that position (indentation, a missing colon or quote)."
        if "python/" in str(exc) or "could not determine a constructor" in str(exc):
            what = f"YAML tag refused: {what}"
            fix = "remove the tag; evidence files hold plain data only (strings, numbers, lists, mappings)."
        raise EvidenceError(problem(source, what, fix, line=line, column=column)) from None
    except yaml.YAMLError as exc:
        raise EvidenceError(problem(source, f"invalid YAML: {exc}", "correct the YAML syntax.")) from None
    finally:
        loader.dispose()
    if line_offset:
        lines = {k: v + line_offset for k, v in lines.items()}
    return Located(data, str(source), lines)


def load_yaml(path: "str | Path") -> Located:
    """Read and parse a YAML file safely, with line numbers."""
    return parse_yaml(read_text(path), path)


def schema_problems(doc: Located, schema: dict[str, Any], fixes: dict[str, str] | None = None) -> list[Problem]:
    """Every way `doc` breaks `schema`, each located by line and record path."""
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
        elif err.validator == "additionalProperties":
            message = err.message.replace("Additional properties are not allowed", "unknown field(s)")
        found.append(problem(doc.source, message, fix, line=doc.line_of(path), record=record))
    return found


def check_schema(doc: Located, schema: dict[str, Any]) -> None:
    """Raise one EvidenceError listing every schema problem in `doc`."""
    found = schema_problems(doc, schema)
    if found:
        raise EvidenceError(found)


def _default_fix(err: jsonschema.ValidationError) -> str:
    kind = err.validator
    if kind == "required":
        return "add the missing field."
    if kind == "additionalProperties":
        return "remove or rename the unknown field (check its spelling)."
    if kind == "type":
        return f"give a value of type {err.validator_value}."
    if kind == "enum":
        return f"use one of: {', '.join(map(str, err.validator_value))}."
    if kind == "pattern":
        return f"use lower-case letters, digits and underscores matching {err.validator_value}."
    if kind in ("minItems", "minLength"):
        return "add a value; it may not be empty."
    return "correct the value."
