"""The synthesis document: sections, text, tables and figures shown in the notebook (HTML) and kept for Markdown/XLSX.

Every text that came from evidence is escaped (``html.escape``) before it reaches HTML or Markdown,
and every finding id shown becomes a link to its entry in the findings appendix.
"""
from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from workbook.core.atomic import write_text
from workbook.core.tables import write_csv
from workbook.synthesis.figures import save_figure

FINDING_ID = re.compile(r"(?<![\w-])([a-z][a-z0-9_]*-[0-9a-f]{8})(?![\w-])")
CONTENTS_PLACEHOLDER = "<!--wb:contents-->"
STYLE = """<style>
.wb-report { max-width: 78em; }
.wb-report table.wb-table { border-collapse: collapse; font-size: 0.85em; margin: 0.4em 0 1.2em 0; }
.wb-report table.wb-table th { background: #f0f0f0; text-align: left; position: sticky; top: 0; }
.wb-report table.wb-table td, .wb-report table.wb-table th { border: 1px solid #c8c8c8; padding: 3px 6px;
  vertical-align: top; max-width: 40em; overflow-wrap: break-word; text-align: left; }
.wb-report caption, .wb-report p.wb-caption { caption-side: top; text-align: left; font-style: italic;
  padding: 0.2em 0; margin: 0.8em 0 0.2em 0; }
.wb-report .wb-scroll { overflow-x: auto; }
.wb-report figure { margin: 0.5em 0 1.5em 0; }
.wb-report figure img { max-width: 100%; height: auto; }
.wb-report figcaption { font-style: italic; }
.wb-report .wb-note { border-left: 4px solid #0072B2; padding: 0.3em 0.8em; background: #f4f8fb; }
.wb-report tr:target, .wb-report li:target { background: #fff3c4; }
.wb-report a.finding-link { font-family: monospace; }
.wb-report table.wb-appendix td:last-child { min-width: 26em; }
</style>"""


def esc(value: object) -> str:
    """A value as escaped HTML text ('' for missing values, numbers without a trailing '.0')."""
    return html.escape(cell_text(value), quote=True)


def cell_text(value: object) -> str:
    """A table cell as plain text: '' for missing, integral floats without '.0', others rounded to 4 places."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{round(value, 4):g}"
    return str(value)


def slug(text: str) -> str:
    """An anchor-safe id from a title: lower-case words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def finding_anchor(finding_id: str) -> str:
    """The appendix anchor of a finding."""
    return f"finding-{finding_id}"


def source_anchor(source_id: str) -> str:
    """The reference-list anchor of a source."""
    return f"source-{source_id}"


@dataclass
class Block:
    """One piece of the document: what the notebook shows (HTML) and its Markdown twin."""

    html: str
    markdown: str

    def _repr_html_(self) -> str:
        return f'<div class="wb-report">{self.html}</div>'

    def __repr__(self) -> str:
        """A short plain-text stand-in (the notebook shows the HTML; the text would repeat all of it)."""
        title = re.search(r"<h[1-3][^>]*>(.*?)</h[1-3]>", self.html, re.S)
        what = html.unescape(re.sub(r"<[^>]+>", "", title.group(1))) if title else "text"
        return f"<report block: {what}; {len(self.html):,} characters of HTML>"

    def __add__(self, other: "Block") -> "Block":
        """Both blocks shown as one output (each was already recorded in the document)."""
        return Block(self.html + other.html, self.markdown + other.markdown)


@dataclass
class Report:
    """Builds the synthesis document block by block; tables go to CSV, figures to PNG and SVG."""

    title: str
    reports: Path
    finding_ids: set[str] = field(default_factory=set)
    blocks: list[Block] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    # ------------------------------------------------------------ escaping and links
    def link_html(self, escaped: str) -> str:
        """Turn every known finding id in already-escaped HTML text into a link to its appendix entry."""
        def repl(m: re.Match) -> str:
            fid = m.group(1)
            if fid not in self.finding_ids:
                return fid
            return f'<a class="finding-link" href="#{finding_anchor(fid)}">{fid}</a>'
        return FINDING_ID.sub(repl, escaped)

    def link_markdown(self, escaped: str) -> str:
        """Markdown links from every known finding id in already-escaped text to its appendix entry."""
        return FINDING_ID.sub(lambda m: f"[{m.group(1)}](#{finding_anchor(m.group(1))})"
                              if m.group(1) in self.finding_ids else m.group(1), escaped)

    def _add(self, block: Block) -> Block:
        self.blocks.append(block)
        return block

    # ------------------------------------------------------------ blocks
    def header(self, subtitle: str = "") -> Block:
        """The title, an optional subtitle and the contents list (filled in when the report is written)."""
        sub_html = f"<p>{self.link_html(esc(subtitle))}</p>" if subtitle else ""
        nav = (f'<nav id="contents" class="wb-contents"><h2>Contents</h2>{CONTENTS_PLACEHOLDER}'
               "</nav>")
        md = f"# {md_text(self.title)}\n\n" + (f"{self.link_markdown(md_text(subtitle))}\n\n" if subtitle else "")
        return self._add(Block(f"{STYLE}<h1 id=\"top\">{esc(self.title)}</h1>{sub_html}{nav}", md))

    def section(self, title: str, text: str = "", level: int = 2) -> Block:
        """A heading (listed in the contents when level 2) and optional paragraphs ('\\n\\n' between them)."""
        anchor = f"sec-{slug(title)}"
        if level == 2:
            self.sections.append((anchor, title))
        body = self._paragraphs_html(text)
        md = (f'<a id="{anchor}"></a>\n\n' if level == 2 else "") + f"{'#' * level} {md_text(title)}\n\n"
        md += self._paragraphs_md(text)
        return self._add(Block(f'<h{level} id="{anchor}" class="wb-section">{esc(title)}</h{level}>{body}', md))

    def text(self, text: str, note: bool = False) -> Block:
        """Paragraphs of text (a highlighted note when `note`)."""
        body = self._paragraphs_html(text)
        if note:
            body = f'<div class="wb-note">{body}</div>'
            md = "\n".join("> " + line if line else ">" for line in self._paragraphs_md(text).rstrip().split("\n"))
            return self._add(Block(body, md + "\n\n"))
        return self._add(Block(body, self._paragraphs_md(text)))

    def bullets(self, items: "Iterable[str]") -> Block:
        """A bulleted list."""
        items = list(items)
        body = "<ul>" + "".join(f"<li>{self.link_html(esc(i))}</li>" for i in items) + "</ul>"
        return self._add(Block(body, "".join(f"- {self.link_markdown(md_text(i))}\n" for i in items) + "\n"))

    def table(self, df: pd.DataFrame, name: str, caption: str, *, csv: bool = True, index: bool = False,
              show: "list[str] | None" = None, max_rows: int | None = None) -> Block:
        """A table: written to reports/tables/<name>.csv (export-safe) and kept for the XLSX unless `csv` is False;
        shown with linked finding ids, limited to the `show` columns when given (the files keep every column)."""
        data = df.reset_index() if index else df.reset_index(drop=True)
        if csv:
            write_csv(data, self.reports / "tables" / f"{name}.csv", safe=True)
            self.tables[name] = data
        shown = data[show] if show else data
        shown = shown if max_rows is None else shown.head(max_rows)
        more = "" if max_rows is None or len(data) <= max_rows else f" (first {max_rows} of {len(data)} rows)"
        head = "".join(f"<th>{esc(c)}</th>" for c in shown.columns)
        body = "".join("<tr>" + "".join(f"<td>{self._cell_html(c, v)}</td>" for c, v in zip(shown.columns, row))
                       + "</tr>" for row in shown.itertuples(index=False))
        table_html = (f'<p class="wb-caption">{esc(caption + more)}</p><div class="wb-scroll">'
                      f'<table class="dataframe wb-table" id="table-{slug(name)}">'
                      f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")
        where = f" (`tables/{name}.csv`)" if csv else ""
        md = f"*{md_text(caption + more)}*{where}\n\n" + self._table_md(shown) + "\n"
        return self._add(Block(table_html, md))

    def figure(self, fig, name: str, caption: str) -> Block:
        """A figure saved as reports/figures/<name>.png and .svg (then closed), embedded with its caption."""
        paths = save_figure(fig, self.reports / "figures", name)
        data = base64.b64encode(paths["png"].read_bytes()).decode("ascii")
        body = (f'<figure id="figure-{slug(name)}"><img src="data:image/png;base64,{data}" alt="{esc(caption)}">'
                f"<figcaption>{esc(caption)} (figures/{esc(name)}.png, .svg)</figcaption></figure>")
        md = f"![{md_text(caption)}](figures/{name}.png)\n\n*{md_text(caption)}* (also `figures/{name}.svg`)\n\n"
        return self._add(Block(body, md))

    def appendix(self, coded: pd.DataFrame, sources: "dict[str, object]", case_names: "dict[str, str]",
                 title: str = "Appendix: the findings") -> Block:
        """Every finding with its anchor: id, statement, case, source (short citation, linked) and locator."""
        head = self.section(title, "Each finding as extracted from its source, with the codes the synthesis used. "
                                   "Finding ids elsewhere in the report link here.")
        rows_html, rows_md = [], []
        for rec in coded.to_dict("records"):
            fid, src = rec["finding_id"], sources.get(rec["source"])
            short = getattr(src, "short", rec["source"])
            cells = [rec["finding_id"], case_names.get(rec["case"], rec["case"]), short, rec["locator"],
                     rec["dimensions"].replace(";", ", "), rec["polarity"], rec["statement"]]
            rows_html.append(
                f'<tr id="{finding_anchor(fid)}" class="wb-finding"><td><code>{esc(fid)}</code></td>'
                f"<td>{esc(cells[1])}</td><td><a href=\"#{source_anchor(rec['source'])}\">{esc(short)}</a></td>"
                + "".join(f"<td>{esc(c)}</td>" for c in cells[3:]) + "</tr>")
            rows_md.append(f'| <a id="{finding_anchor(fid)}"></a>`{fid}` | {md_cell(cells[1])} | '
                           f"[{md_cell(short)}](#{source_anchor(rec['source'])}) | "
                           + " | ".join(md_cell(c) for c in cells[3:]) + " |")
        columns = ["finding", "case", "source", "locator", "dimensions", "polarity", "statement"]
        body = (f'<table class="dataframe wb-table wb-appendix"><caption>{len(rows_html)} findings</caption><thead><tr>'
                + "".join(f"<th>{h}</th>" for h in columns) + "</tr></thead><tbody>" + "".join(rows_html)
                + "</tbody></table>")
        md = ("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n" + "\n".join(rows_md) + "\n\n")
        return head + self._add(Block(body, md))

    def references(self, sources: "Iterable[object]", title: str = "References",
                   other: "Iterable[str]" = ()) -> Block:
        """The sources as a numbered reference list with anchors, kind and what of each was read; then `other`."""
        head = self.section(title)
        items_html, items_md = [], []
        for src in sources:
            extra = "; ".join(x for x in (f"kind: {src.kind}" if src.kind else "",
                                           f"read: {src.read}" if src.read else "") if x)
            shown_link = src.link and src.link not in src.citation()
            link = f' <a href="{esc(src.link)}">{esc(src.link)}</a>' if shown_link else ""
            items_html.append(f'<li id="{source_anchor(src.id)}"><b>{esc(src.short)}</b> '
                              f"<code>{esc(src.id)}</code>. {esc(src.citation())}{link}"
                              + (f" <i>({esc(extra)})</i>" if extra else "") + "</li>")
            items_md.append(f'1. <a id="{source_anchor(src.id)}"></a>**{md_text(src.short)}** `{src.id}`. '
                            f"{md_text(src.citation())}" + (f" *({md_text(extra)})*" if extra else ""))
        other = [o for o in other if o]
        extra_html = ("<p>Framework and other works:</p><ul>" + "".join(f"<li>{esc(o)}</li>" for o in other)
                      + "</ul>") if other else ""
        extra_md = ("Framework and other works:\n\n" + "".join(f"- {md_text(o)}\n" for o in other) + "\n"
                    if other else "")
        return head + self._add(Block("<ol>" + "".join(items_html) + "</ol>" + extra_html,
                                      "\n".join(items_md) + "\n\n" + extra_md))

    # ------------------------------------------------------------ markdown
    def contents_markdown(self) -> str:
        """The contents list in Markdown."""
        return "## Contents\n\n" + "".join(f"1. [{md_text(t)}](#{a})\n" for a, t in self.sections) + "\n"

    def markdown(self) -> str:
        """The whole document as Markdown (the contents list after the header)."""
        parts = [b.markdown for b in self.blocks]
        if parts:
            parts.insert(1, self.contents_markdown())
        return "".join(parts)

    def write_markdown(self, path: "str | Path") -> Path:
        """Write the Markdown document."""
        return write_text(path, self.markdown())

    # ------------------------------------------------------------ helpers
    def _paragraphs_html(self, text: str) -> str:
        return "".join(f"<p>{self.link_html(esc(' '.join(p.split())))}</p>" for p in _paragraphs(text))

    def _paragraphs_md(self, text: str) -> str:
        return "".join(f"{self.link_markdown(md_text(' '.join(p.split())))}\n\n" for p in _paragraphs(text))

    def _cell_html(self, column: object, value: object) -> str:
        text = esc(value)
        if str(column).endswith("_ids") or str(column) in ("finding_ids", "finding_id"):
            text = text.replace(";", "; ")
        return self.link_html(text)

    def _table_md(self, df: pd.DataFrame) -> str:
        head = "| " + " | ".join(md_cell(c) for c in df.columns) + " |\n"
        rule = "|" + "---|" * len(df.columns) + "\n"
        rows = "".join("| " + " | ".join(self.link_markdown(md_cell(v)) for v in row) + " |\n"
                       for row in df.itertuples(index=False))
        return head + rule + rows


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def md_text(value: object) -> str:
    """Text safe in Markdown: HTML escaped and link brackets escaped, so tags and links from evidence show as text."""
    text = html.escape(cell_text(value), quote=False)
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def md_cell(value: object) -> str:
    """Text safe in a Markdown table cell: escaped, pipes escaped, on one line."""
    return " ".join(md_text(value).replace("|", "\\|").split())

