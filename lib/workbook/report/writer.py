"""The report's files: the synthesis document written as one standalone HTML page, as Markdown and as XLSX.

The synthesis notebook builds the document block by block (`workbook.report.document.Report`), showing each
block as it goes. This module writes the finished document out. The HTML page is made from the same
blocks the notebook shows, so it has no code by construction and needs no notebook exporter.
"""
from __future__ import annotations

import html
from pathlib import Path

from workbook.core.atomic import write_text
from workbook.report.document import CONTENTS_PLACEHOLDER, Report
from workbook.report.xlsx import write_xlsx

PAGE_STYLE = """<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.45; color: #1a1a1a; margin: 0 auto; padding: 1em 1.5em 3em 1.5em; max-width: 80em; }
h1, h2, h3 { line-height: 1.2; }
h2 { border-bottom: 1px solid #d0d0d0; padding-bottom: 0.2em; margin-top: 1.8em; }
code { font-size: 0.95em; }
@media print { .wb-report .wb-scroll { overflow: visible; } }
</style>"""


def contents_html(doc: Report) -> str:
    """The contents list: a link to each level-2 section of the document."""
    items = "".join(f'<li><a href="#{anchor}">{html.escape(title)}</a></li>' for anchor, title in doc.sections)
    return f"<ol>{items}</ol>"


def html_page(doc: Report) -> str:
    """The whole document as one standalone HTML page (contents filled in, figures embedded, no code)."""
    body = "".join(block.html for block in doc.blocks).replace(CONTENTS_PLACEHOLDER, contents_html(doc), 1)
    return ("<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="generator" content="Integrated Care Evidence Workbook">\n'
            f"<title>{html.escape(doc.title)}</title>\n{PAGE_STYLE}\n</head>\n"
            f'<body>\n<main class="wb-report">\n{body}\n</main>\n</body>\n</html>\n')


def write_html(doc: Report, path: "str | Path") -> Path:
    """Write the document as a standalone HTML page."""
    return write_text(path, html_page(doc))


def write_report(doc: Report, reports: "str | Path") -> dict[str, Path]:
    """Write synthesis.html, synthesis.md and synthesis.xlsx (a sheet per table) into the reports directory."""
    reports = Path(reports)
    return {"html": write_html(doc, reports / "synthesis.html"),
            "markdown": doc.write_markdown(reports / "synthesis.md"),
            "xlsx": write_xlsx(doc.tables, reports / "synthesis.xlsx")}
