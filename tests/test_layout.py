"""The package is layered like the pipeline: no import circles, and no package imports one below it."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "workbook"
LAYERS = ["core", "evidence", "extract", "coding", "synthesis", "report", "interop", "pipeline", "ui", "cli"]
"""The order of the README's module map: each may import only from itself and the layers before it."""


def _imports(path: Path) -> set[str]:
    """Every workbook module a file imports, at any depth (function-level imports count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("workbook")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("workbook"):
            found |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; use the absolute workbook.<package> name")
    return found


def _layer(module: str) -> str | None:
    """The layer (first package name after workbook) of a dotted module name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def _modules() -> dict[str, Path]:
    """Dotted name -> file for every module of the package."""
    out = {}
    for f in PACKAGE.rglob("*.py"):
        rel = f.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = f
    return out


@pytest.mark.parametrize("module", sorted(m for m in _modules() if _layer(m)))
def test_no_module_imports_a_later_layer(module: str):
    mine = LAYERS.index(_layer(module))
    for target in _imports(_modules()[module]):
        layer = _layer(target)
        if layer is not None:
            assert LAYERS.index(layer) <= mine, f"{module} imports {target}, a later stage"


def test_no_import_circles():
    mods = _modules()
    edges = {m: {t for t in _imports(f) if t in mods and t != m and not m.startswith(t + ".")} for m, f in mods.items()}
    seen: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        seen[m] = 1
        for t in edges[m]:
            assert seen.get(t) != 1, "import circle: " + " -> ".join(stack[stack.index(t):] + [t]) if t in stack else t
            if t not in seen:
                visit(t, stack + [t])
        seen[m] = 2

    for m in mods:
        if m not in seen:
            visit(m, [m])


def test_every_package_says_what_it_is_for():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and 1 <= len(doc.splitlines()) <= 2, f"{init}: a docstring of one or two lines"


def test_every_module_has_a_test_module_named_after_it():
    tests = PACKAGE.parents[1] / "tests"
    missing = [f"tests/{f.parent.name}/test_{f.stem}.py" for f in sorted(PACKAGE.glob("*/*.py"))
               if f.stem != "__init__" and not (tests / f.parent.name / f"test_{f.stem}.py").is_file()]
    assert not missing, f"modules without their test module: {', '.join(missing)}"
