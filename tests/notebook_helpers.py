"""Tiny real notebooks for tests of the runner and the kernels."""
from __future__ import annotations

import json
from pathlib import Path


def write_notebook(path: Path, *sources: str) -> None:
    import nbformat

    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    cells[0].metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def pids(build: Path, name: str) -> str:
    nb = json.loads((build / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", [])).strip()
