"""Make `import jsonschema` cheap: defer rfc3987_syntax until an IRI is actually checked.

jsonschema (imported by the workbook's YAML schemas and by nbformat, so by papermill and nbconvert)
imports `rfc3987_syntax` when it is installed (JupyterLab pulls it in through jupyter-events). That
package compiles an Earley grammar at import time: 1.5 to 4 seconds in every process that imports
jsonschema - the `workbook` command, every notebook worker and every kernel. The workbook never checks
the "iri" format, so this module installs an import hook that hands out a stand-in module whose
functions load the real package on first use. Behaviour is unchanged; only the cost moves to the (so
far never reached) first IRI check.
"""
from __future__ import annotations

import importlib.machinery
import sys
from types import ModuleType
from typing import Any

_NAME = "rfc3987_syntax"
_real: "ModuleType | None" = None


def _load() -> ModuleType:
    """Import the real rfc3987_syntax (once) in place of the stand-in."""
    global _real
    if _real is None:
        _Finder.enabled = False
        if isinstance(sys.modules.get(_NAME), _Stub):
            del sys.modules[_NAME]
        import importlib

        _real = importlib.import_module(_NAME)
    return _real


class _Stub(ModuleType):
    """The stand-in: every attribute comes from the real module, loaded on first access."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(_load(), attr)


def is_valid_syntax(term: str, value: str) -> bool:
    """rfc3987_syntax.is_valid_syntax, loading the real package on first call."""
    return _load().is_valid_syntax(term, value)


def parse(term: str, value: str) -> Any:
    """rfc3987_syntax.parse, loading the real package on first call."""
    return _load().parse(term, value)


class _Loader:
    """Creates the stand-in (duck-typed importlib Loader; importlib.abc costs 30 ms to import)."""

    def __init__(self, real_spec: importlib.machinery.ModuleSpec) -> None:
        self.real_spec = real_spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return _Stub(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        module.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
        module.parse = parse  # type: ignore[attr-defined]
        # submodules (rfc3987_syntax.syntax_helpers) still import from the real package directory
        module.__path__ = list(self.real_spec.submodule_search_locations or [])  # type: ignore[attr-defined]


class _Finder:
    """A meta path finder answering only for rfc3987_syntax."""

    enabled = True

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> "importlib.machinery.ModuleSpec | None":
        if name != _NAME or not _Finder.enabled:
            return None
        real = importlib.machinery.PathFinder.find_spec(name)
        if real is None:  # not installed: jsonschema sees the ImportError it expects
            return None
        return importlib.machinery.ModuleSpec(name, _Loader(real), is_package=True)


def install() -> None:
    """Install the hook once, unless rfc3987_syntax (or jsonschema) has been imported already."""
    if _NAME in sys.modules or "jsonschema" in sys.modules:
        return
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
