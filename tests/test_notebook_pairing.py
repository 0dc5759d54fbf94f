"""Every notebook under notebooks/ is a py:percent pair in sync with its .ipynb, and no .ipynb carries outputs."""
from __future__ import annotations

import json
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
GENERATED = NOTEBOOKS / "handout"  # `make handout` output: not paired, not committed (.gitignore)
IPYNBS = sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and GENERATED not in p.parents)
SCRIPTS = sorted(p for p in NOTEBOOKS.rglob("*.py") if ".ipynb_checkpoints" not in p.parts)


def cells(nb) -> list[tuple[str, str, tuple[str, ...]]]:
    """What must agree between the two sides: cell type, source and tags."""
    return [(c.cell_type, c.source, tuple(c.metadata.get("tags", []))) for c in nb.cells]


def rel(path: Path) -> str:
    return str(path.relative_to(NOTEBOOKS.parent))


def test_there_are_notebooks_to_check():
    assert len(IPYNBS) >= 7  # the pipeline's three, review, and three teaching notebooks


@pytest.mark.parametrize("ipynb", IPYNBS, ids=rel)
def test_pair_is_py_percent_and_in_sync(ipynb: Path):
    py = ipynb.with_suffix(".py")
    assert py.exists(), (f"{rel(ipynb)} has no paired script. "
                         f"Fix: .venv/bin/jupytext --set-formats ipynb,py:percent {rel(ipynb)}")
    text = jupytext.read(py)
    assert text.metadata.get("jupytext", {}).get("text_representation", {}).get("format_name") == "percent", \
        f"{rel(py)} is not in py:percent format. Fix: .venv/bin/jupytext --set-formats ipynb,py:percent {rel(ipynb)}"
    assert cells(jupytext.read(ipynb)) == cells(text), \
        f"{rel(ipynb)} and {rel(py)} differ. Fix: edit the .py, then .venv/bin/jupytext --sync {rel(py)}"


@pytest.mark.parametrize("ipynb", IPYNBS, ids=rel)
def test_notebook_is_committed_without_outputs(ipynb: Path):
    raw = json.loads(ipynb.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(raw["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{rel(ipynb)} has outputs in cell(s) {dirty}. Fix: .venv/bin/jupyter nbconvert " \
                      f"--clear-output --inplace {rel(ipynb)}"


@pytest.mark.parametrize("py", SCRIPTS, ids=rel)
def test_every_percent_script_has_its_notebook(py: Path):
    head = py.read_text(encoding="utf-8")[:600]
    if "format_name: percent" not in head:
        pytest.skip("not a jupytext notebook")
    assert py.with_suffix(".ipynb").exists(), f"{rel(py)} has no .ipynb. Fix: .venv/bin/jupytext --sync {rel(py)}"
