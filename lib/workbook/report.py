"""The human-readable report: the executed synthesis notebook exported to HTML without code."""
from __future__ import annotations

from pathlib import Path

from .atomic import write_text
from .document import fill_contents


def export_html(executed: "str | Path", target: "str | Path", title: str = "Integrated care: framework synthesis") -> Path:
    """Export an executed notebook to HTML with no code cells and no prompts, and fill in its contents list."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input"}
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=config)
    nb = nbformat.read(str(executed), as_version=4)
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb)
    return write_text(target, fill_contents(body))
