"""The synthesis document: sections, text, tables and figures shown in the notebook (HTML) and kept for Markdown/XLSX.

Every text that came from evidence is escaped (``html.escape``) before it reaches HTML or Markdown,
and every finding id shown becomes a link to its entry in the findings appendix. A link lands with its
target below the sticky table header (CSS ``scroll-margin-top``), and each appendix entry links back to
the framework-matrix cells that show it. The page needs no JavaScript: long cells expand with ``<details>``.
"""
from __future__ import annotations

import base64
import html
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pandas as pd

from workbook.core.atomic import write_text
from workbook.core.tables import write_csv
from workbook.synthesis.figures import save_figure
from workbook.synthesis.matrix import CellSummaries, decision_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FINDING_ID = re.compile(r"(?<![\w-])([a-z][a-z0-9_]*-[0-9a-f]{8})(?![\w-])")
CONTENTS_PLACEHOLDER = "<!--wb:contents-->"
STYLE = """<style>
.wb-report { max-width: 78em; }
.wb-report table.wb-table { border-collapse: collapse; font-size: 0.85em; margin: 0.4em 0 1.2em 0; }
.wb-report table.wb-table th { background: #f0f0f0; text-align: left; }
.wb-report table.wb-table thead th { position: sticky; top: 0; z-index: 1; }
.wb-report table.wb-table td, .wb-report table.wb-table th { border: 1px solid #c8c8c8; padding: 3px 6px;
  vertical-align: top; max-width: 40em; overflow-wrap: break-word; text-align: left; }
.wb-report caption, .wb-report p.wb-caption { caption-side: top; text-align: left; font-style: italic;
  padding: 0.2em 0; margin: 0.8em 0 0.2em 0; }
.wb-report .wb-scroll { overflow-x: auto; }
.wb-report figure { margin: 0.5em 0 1.5em 0; }
.wb-report figure img { max-width: 100%; height: auto; }
.wb-report figcaption { font-style: italic; }
.wb-report .wb-note { border-left: 4px solid #0072B2; padding: 0.3em 0.8em; background: #f4f8fb; }
.wb-report tr:target, .wb-report li:target, .wb-report td:target { background: #fff3c4; }
.wb-report [id] { scroll-margin-top: 4rem; }
.wb-report a.finding-link { font-family: monospace; }
.wb-report table.wb-appendix td.wb-statement { min-width: 26em; }
.wb-report table.wb-matrix { table-layout: fixed; width: 100%; }
.wb-report table.wb-matrix td, .wb-report table.wb-matrix th { max-width: none; }
.wb-report table.wb-matrix tbody th { width: 9em; }
.wb-report table.wb-matrix thead th:first-child { width: 9em; }
.wb-report .wb-cell ul { margin: 0.2em 0; padding-left: 1.1em; }
.wb-report .wb-cell li { margin: 0.15em 0; list-style: none; text-indent: -1.1em; }
.wb-report .wb-cell-summary { border-left: 3px solid #009E73; padding-left: 0.4em; margin-bottom: 0.3em; }
.wb-report .wb-cell-count, .wb-report .wb-empty, .wb-report .wb-who { color: #555; font-size: 0.92em; }
.wb-report abbr.wb-pol { text-decoration: none; font-weight: bold; display: inline-block; width: 1.1em;
  text-indent: 0; }
.wb-report .wb-pol-facilitator { color: #0072B2; }
.wb-report .wb-pol-barrier { color: #D55E00; }
.wb-report .wb-pol-neutral { color: #555; }
.wb-report .wb-cell a.finding-link { font-family: inherit; }
.wb-report .wb-cell details summary { cursor: pointer; color: #0072B2; }
.wb-report a.wb-back { white-space: nowrap; }
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


def cell_anchor(case: str, dimension: str) -> str:
    """The anchor of a framework-matrix cell (case and dimension ids cannot contain '--')."""
    return f"cell-{case}--{dimension}"


POLARITY_MARKS: dict[str, str] = {"facilitator": "+", "barrier": "\u2212", "neutral": "\u25cb"}
"""The mark shown before a statement of each polarity (colour is never the only cue)."""

CELL_SHOWN = 3
"""How many statements a matrix cell shows before the rest expand (<details>)."""


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
    cell_links: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

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

    def figure(self, fig: "Figure", name: str, caption: str) -> Block:
        """A figure saved as reports/figures/<name>.png and .svg (then closed), embedded with its caption."""
        paths = save_figure(fig, self.reports / "figures", name)
        data = base64.b64encode(paths["png"].read_bytes()).decode("ascii")
        body = (f'<figure id="figure-{slug(name)}"><img src="data:image/png;base64,{data}" alt="{esc(caption)}">'
                f"<figcaption>{esc(caption)} (figures/{esc(name)}.png, .svg)</figcaption></figure>")
        md = f"![{md_text(caption)}](figures/{name}.png)\n\n*{md_text(caption)}* (also `figures/{name}.svg`)\n\n"
        return self._add(Block(body, md))

    def keep(self, df: pd.DataFrame, name: str) -> pd.DataFrame:
        """A table written to reports/tables/<name>.csv (export-safe) and kept for the XLSX, not shown on the page."""
        data = df.reset_index(drop=True)
        write_csv(data, self.reports / "tables" / f"{name}.csv", safe=True)
        self.tables[name] = data
        return data

    def statement_matrix(self, statements: pd.DataFrame, case_names: "dict[str, str]",
                         dimension_labels: "dict[str, str]", citations: "dict[str, str]", name: str, caption: str,
                         summaries: "CellSummaries | None" = None, shown: int = CELL_SHOWN) -> Block:
        """The matrix a reviewer reads: a row per dimension, a column per case; each cell gives the reviewer's
        summary (when written), then its statements (short, with polarity, a link to the finding and who decided
        the code), the rest expandable. The statements (`cell_statements`, with each source's short citation) go to
        tables/<name>.csv and the XLSX, one row per statement."""
        kept = statements.copy()
        kept.insert(kept.columns.get_loc("source") + 1, "citation",
                    [citations.get(s, s) for s in kept["source"]])
        self.keep(kept, name)
        summaries = summaries or CellSummaries()
        by_cell: dict[tuple[str, str], list[dict]] = {}  # each cell's statements as records, built in one pass
        for rec in statements.to_dict("records"):
            by_cell.setdefault((rec["case"], rec["dimension"]), []).append(rec)
        head = "<th>dimension</th>" + "".join(f'<th scope="col">{esc(n)}</th>' for n in case_names.values())
        rows_html, rows_md = [], []
        for dim, label in dimension_labels.items():
            cells_html, cells_md = [], []
            for case, case_name in case_names.items():
                anchor = cell_anchor(case, dim)
                cell = by_cell.get((case, dim), [])
                for rec in cell:
                    self.cell_links.setdefault(rec["finding_id"], []).append((anchor, f"{case_name} \u00b7 {label}"))
                cell_html, cell_md = self._matrix_cell(cell, summaries.get(case, dim), summaries.reviewer,
                                                       citations, shown)
                cells_html.append(f'<td id="{esc(anchor)}" class="wb-cell">{cell_html}</td>')
                cells_md.append(f'<a id="{anchor}"></a>{cell_md}')
            rows_html.append(f'<tr><th scope="row">{esc(label)}</th>{"".join(cells_html)}</tr>')
            rows_md.append(f"| **{md_cell(label)}** | " + " | ".join(cells_md) + " |")
        legend = (f"{POLARITY_MARKS['facilitator']} facilitator, {POLARITY_MARKS['barrier']} barrier, "
                  f"{POLARITY_MARKS['neutral']} neutral. Each statement links (source, locator) to its finding in "
                  "the appendix, which links back here. 'automatic' marks a code no person has checked; otherwise "
                  "the person who decided it is named.")
        body = (f'<p class="wb-caption">{esc(caption)}</p><p class="wb-legend">{esc(legend)}</p>'
                f'<table class="dataframe wb-table wb-matrix" id="table-{slug(name)}">'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows_html)}</tbody></table>")
        md = (f"*{md_text(caption)}* (`tables/{name}.csv`: one row per statement)\n\n{md_text(legend)}\n\n"
              "| dimension | " + " | ".join(md_cell(n) for n in case_names.values()) + " |\n|"
              + "---|" * (len(case_names) + 1) + "\n" + "\n".join(rows_md) + "\n\n")
        return self._add(Block(body, md))

    def _matrix_cell(self, records: "list[dict]", summary: str, reviewer: str, citations: "dict[str, str]",
                     shown: int) -> tuple[str, str]:
        """One matrix cell (its statements' records) as HTML and as Markdown (statements joined by <br>)."""
        html_parts, md_parts = [], []
        if summary:
            who = f" ({reviewer})" if reviewer else ""
            html_parts.append(f'<div class="wb-cell-summary"><b>Reviewer\'s summary{esc(who)}:</b> '
                              f"{self.link_html(esc(summary))}</div>")
            md_parts.append(f"**Reviewer's summary{' (' + md_cell(reviewer) + ')' if reviewer else ''}:** "
                            f"{self.link_markdown(md_cell(summary))}")
        if not records:
            html_parts.append('<span class="wb-empty">no findings</span>')
            md_parts.append("*no findings*")
            return "".join(html_parts), "<br>".join(md_parts)
        counts = Counter(r["polarity"] for r in records)
        tally = ", ".join(f"{counts[p]} {POLARITY_MARKS[p]}" for p in POLARITY_MARKS if counts.get(p, 0))
        n = len(records)
        html_parts.append(f'<div class="wb-cell-count">{n} finding{"s" if n != 1 else ""} ({esc(tally)})</div>')
        html_parts.append('<ul class="wb-statements">'
                          + "".join(self._statement_html(r, citations, short=True) for r in records[:shown]) + "</ul>")
        if n > shown or any(r["short_statement"] != r["statement"] for r in records):
            more = f"all {n} statements in full" if n > 1 else "the statement in full"
            html_parts.append(f'<details class="wb-more"><summary>{esc(more)}</summary><ul class="wb-statements">'
                              + "".join(self._statement_html(r, citations, short=False) for r in records)
                              + "</ul></details>")
        for r in records:
            where = md_cell(citations.get(r["source"], r["source"]) + ", " + str(r["locator"]))
            md_parts.append(f"{POLARITY_MARKS.get(r['polarity'], '?')} {md_cell(r['short_statement'])} "
                            f"([{where}](#{finding_anchor(r['finding_id'])}); {md_cell(r['decided_by'])})")
        return "".join(html_parts), "<br>".join(md_parts)

    def _statement_html(self, rec: "dict[str, object]", citations: "dict[str, str]", short: bool) -> str:
        """A statement in a matrix cell: polarity mark, text, link to its finding, who decided its code."""
        polarity = str(rec["polarity"])
        text = rec["short_statement"] if short else rec["statement"]
        fid = str(rec["finding_id"])
        where = f"{citations.get(str(rec['source']), rec['source'])}, {rec['locator']}"
        link = (f'<a class="finding-link" href="#{esc(finding_anchor(fid))}" title="finding {esc(fid)}">{esc(where)}</a>'
                if fid in self.finding_ids else esc(where))
        return (f'<li><abbr class="wb-pol wb-pol-{esc(polarity)}" title="{esc(polarity)}">'
                f"{POLARITY_MARKS.get(polarity, '?')}</abbr>{esc(text)} ({link}; "
                f'<span class="wb-who">{esc(rec["decided_by"])}</span>)</li>')

    def appendix(self, coded: pd.DataFrame, sources: "dict[str, object]", case_names: "dict[str, str]",
                 title: str = "Appendix: the findings") -> Block:
        """Every finding with its anchor: id, statement, case, source (short citation, linked) and locator."""
        head = self.section(title, "Each finding as extracted from its source, with the codes the synthesis used "
                                   "and who decided them ('automatic' when no person has checked them). Finding ids "
                                   "elsewhere in the report link here; each entry links back to the framework-matrix "
                                   "cells that show it (the browser's Back button also returns).")
        rows_html, rows_md = [], []
        for rec in coded.to_dict("records"):
            fid, src = rec["finding_id"], sources.get(rec["source"])
            short = getattr(src, "short", rec["source"])
            decided = decision_label(rec)
            date = rec.get("review_date", "")
            if decided != "automatic" and isinstance(date, str) and date.strip():
                decided += f", {date.strip()}"
            dims = rec["dimensions"] if isinstance(rec["dimensions"], str) else ""
            cells = [rec["finding_id"], case_names.get(rec["case"], rec["case"]), short, rec["locator"],
                     dims.replace(";", ", "), rec["polarity"], decided]
            back = self.cell_links.get(fid, [])
            back_html = " ".join(f'<a class="wb-back" href="#{esc(a)}">\u21a9 {esc(label)}</a>' for a, label in back)
            back_md = " ".join(f"[\u21a9 {md_cell(label)}](#{a})" for a, label in back)
            rows_html.append(
                f'<tr id="{finding_anchor(fid)}" class="wb-finding"><td><code>{esc(fid)}</code></td>'
                f"<td>{esc(cells[1])}</td><td><a href=\"#{source_anchor(rec['source'])}\">{esc(short)}</a></td>"
                + "".join(f"<td>{esc(c)}</td>" for c in cells[3:])
                + f'<td class="wb-statement">{esc(rec["statement"])}</td><td>{back_html}</td></tr>')
            rows_md.append(f'| <a id="{finding_anchor(fid)}"></a>`{fid}` | {md_cell(cells[1])} | '
                           f"[{md_cell(short)}](#{source_anchor(rec['source'])}) | "
                           + " | ".join(md_cell(c) for c in [*cells[3:], rec["statement"]]) + f" | {back_md} |")
        columns = ["finding", "case", "source", "locator", "dimensions", "polarity", "decided by", "statement",
                   "in the matrix"]
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

