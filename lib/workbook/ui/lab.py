"""What JupyterLab writes when a reviewer or teacher saves one of the project's notebooks.

The project's notebooks are committed without outputs and paired with a py:percent twin (jupytext). A save
from JupyterLab (autosave included) would otherwise write outputs, execution counts, the kernel's
language_info and per-cell timing into the .ipynb, and the repository would show it as changed.
`clean_for_git` is a Jupyter Server pre-save hook (installed into the project's environment by `make env`,
see `install`) that writes what is committed: sources, tags and the pairing, nothing a run produced.
The notebook open in the browser keeps its outputs; the executed copies of the pipeline's notebooks are in
reports/notebooks/. Notebooks that are not paired (a reviewer's own scratch notebook) are left as they are.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbook.core.atomic import write_text
from workbook.core.errors import ParameterError

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
"""The kernel every project notebook names (the project's environment installs it as `python3`)."""

KEPT_CELL_METADATA = ("tags", "jupyter", "editable", "deletable")
"""Cell metadata a person sets on purpose (tags, hidden source or outputs, lock state); the rest is a run's."""

KEPT_NOTEBOOK_METADATA = ("jupytext", "kernelspec")


def is_paired(nb: dict[str, Any]) -> bool:
    """Whether a notebook is one of the project's jupytext-paired notebooks."""
    return bool(nb.get("metadata", {}).get("jupytext", {}).get("formats"))


def clean_notebook(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook as committed: no outputs or execution counts, only deliberate metadata (in place)."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        meta = cell.get("metadata", {})
        for key in [k for k in meta if k not in KEPT_CELL_METADATA]:
            del meta[key]
    meta = nb.setdefault("metadata", {})
    for key in [k for k in meta if k not in KEPT_NOTEBOOK_METADATA]:
        del meta[key]
    meta["kernelspec"] = dict(KERNELSPEC)
    return nb


def clean_for_git(model: dict[str, Any], **_: Any) -> None:
    """Jupyter Server pre-save hook: a paired notebook is saved as it is committed."""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict) and is_paired(model["content"]):
        clean_notebook(model["content"])


def lab_config() -> dict[str, Any]:
    """The Jupyter Server configuration `make env` installs into the project's environment."""
    return {"ContentsManager": {"pre_save_hook": "workbook.ui.lab.clean_for_git"}}


def install(prefix: "str | Path") -> Path:
    """Merge lab_config() into <prefix>/etc/jupyter/jupyter_server_config.json (the environment's own Jupyter
    Server configuration; other settings in it are kept); returns the file."""
    target = Path(prefix) / "etc" / "jupyter" / "jupyter_server_config.json"
    config: dict[str, Any] = {}
    if target.exists():
        try:
            config = json.loads(target.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ParameterError(f"{target} is not valid JSON ({exc}). Fix: correct or delete it, then run "
                                 f"'make lab' again.") from None
    for section, values in lab_config().items():
        config.setdefault(section, {}).update(values)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text(target, json.dumps(config, indent=2) + "\n")
    return target


if __name__ == "__main__":  # python -m workbook.ui.lab: install into this interpreter's environment
    import sys

    print(f"pre-save hook configured in {install(sys.prefix)}")
