"""The pre-save hook: a paired notebook is saved as committed; anything else is saved as it is."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from workbook.core.errors import ParameterError
from workbook.ui.lab import KERNELSPEC, clean_for_git, install

ROOT = Path(__file__).resolve().parents[2]


def _ran(path: Path) -> dict:
    """A committed notebook as the browser sends it after running: outputs, counts, timing, kernel info."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell["source"] = "".join(cell["source"])
        if cell["cell_type"] == "code":
            cell["execution_count"] = 3
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
            cell["metadata"]["execution"] = {"iopub.status.busy": "2026-11-27T10:00:00Z"}
            cell["metadata"]["scrolled"] = True
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.11.7"}
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    nb["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3 (someone's)", "language": "python"}
    return nb


@pytest.mark.parametrize("name", ["review.ipynb", "01_extract.ipynb", "teaching/02_coding_exercise.ipynb"])
def test_a_run_and_saved_project_notebook_is_written_as_committed(name: str):
    path = ROOT / "notebooks" / name
    model = {"type": "notebook", "content": _ran(path)}
    clean_for_git(model, path=name, contents_manager=None)
    committed = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    saved = nbformat.from_dict(model["content"])
    assert nbformat.writes(saved) == nbformat.writes(committed)


def test_tags_and_hidden_source_are_kept():
    nb = {"metadata": {"jupytext": {"formats": "ipynb,py:percent"}},
          "cells": [{"cell_type": "code", "source": "x", "outputs": [1], "execution_count": 1,
                     "metadata": {"tags": ["parameters"], "jupyter": {"source_hidden": True}, "trusted": True}}]}
    clean_for_git({"type": "notebook", "content": nb})
    assert nb["cells"][0]["metadata"] == {"tags": ["parameters"], "jupyter": {"source_hidden": True}}
    assert nb["cells"][0]["outputs"] == [] and nb["cells"][0]["execution_count"] is None
    assert nb["metadata"]["kernelspec"] == KERNELSPEC


def test_an_unpaired_notebook_keeps_its_outputs():
    nb = {"metadata": {}, "cells": [{"cell_type": "code", "source": "x", "outputs": [1], "execution_count": 1,
                                     "metadata": {}}]}
    clean_for_git({"type": "notebook", "content": nb})
    assert nb["cells"][0]["outputs"] == [1] and nb["cells"][0]["execution_count"] == 1
    text = {"type": "file", "content": "print(1)"}
    clean_for_git(text)
    assert text == {"type": "file", "content": "print(1)"}


def test_install_merges_into_the_environment_config_and_refuses_broken_json(tmp_path: Path):
    target = tmp_path / "etc" / "jupyter" / "jupyter_server_config.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"ServerApp": {"port": 9999}, "ContentsManager": {"hide_globs": ["x"]}}))
    assert install(tmp_path) == target
    config = json.loads(target.read_text())
    assert config["ServerApp"] == {"port": 9999}
    assert config["ContentsManager"] == {"hide_globs": ["x"], "pre_save_hook": "workbook.ui.lab.clean_for_git"}
    target.write_text("{not json")
    with pytest.raises(ParameterError, match="jupyter_server_config.json is not valid JSON"):
        install(tmp_path)
    assert target.read_text() == "{not json"
