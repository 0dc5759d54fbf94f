"""Web pages read with BeautifulSoup: the main content only; scripts, styles, navigation and hidden parts dropped."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from workbook.core.errors import EvidenceError, problem
from workbook.extract.doctext import Document, Page, Sections, clean_text, find_doi, split_authors, year_of

DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "form",
             "button", "select", "input", "textarea", "nav", "header", "footer", "aside", "menu", "dialog",
             "link", "meta", "head")
"""Elements whose content never becomes text."""
DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog"}
BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "dd", "dt", "figcaption",
              "td", "th", "caption", "div", "section", "article", "main", "body")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BOILERPLATE = re.compile(r"\b(cookie|nav|menu|breadcrumb|sidebar|footer|banner|share|social|advert|promo|"
                          r"related|comment)s?\b", re.I)


def _decode(path: Path) -> str:
    """The page's markup as text (its declared or detected encoding)."""
    data = path.read_bytes()
    from bs4 import UnicodeDammit

    dammit = UnicodeDammit(data, is_html=True)
    if dammit.unicode_markup is None:
        raise EvidenceError(problem(path, "cannot be decoded as HTML text.", "save the page as UTF-8 HTML."))
    return dammit.unicode_markup


def _metadata(soup: object) -> dict:
    """Title, authors, year and DOI from citation_*, Dublin Core or Open Graph meta tags, else <title>."""
    def metas(*names: str) -> list[str]:
        found = []
        for tag in soup.find_all("meta"):
            key = (tag.get("name") or tag.get("property") or "").lower()
            if key in names and tag.get("content"):
                found.append(clean_text(str(tag["content"])))
        return [f for f in found if f]

    out: dict = {}
    title = metas("citation_title", "dc.title", "og:title")
    if title:
        out["title"] = title[0]
    elif soup.title and clean_text(soup.title.get_text()):
        out["title"] = clean_text(soup.title.get_text())
    authors = metas("citation_author", "dc.creator")
    if authors:
        out["authors"] = authors if len(authors) > 1 else split_authors(authors[0])
    elif (plain := metas("author")):
        out["authors"] = split_authors(plain[0])
    year = year_of(next(iter(metas("citation_publication_date", "citation_date", "dc.date",
                                   "article:published_time")), ""))
    if year:
        out["year"] = year
    doi = next((find_doi(v) for v in metas("citation_doi", "dc.identifier", "prism.doi") if find_doi(v)), "")
    if doi:
        out["doi"] = doi
    return out


def _dropped(tag: object) -> bool:
    """Whether an element must never become text: code, styles, forms, navigation, hidden or boilerplate parts."""
    attrs = tag.attrs or {}
    role = str(attrs.get("role", "")).lower()
    classes = " ".join(attrs.get("class", []) or []) + " " + str(attrs.get("id", ""))
    return (tag.name in DROP_TAGS or "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true"
            or role in DROP_ROLES or bool(_HIDDEN_STYLE.search(str(attrs.get("style", ""))))
            or (tag.name in ("div", "section", "ul", "ol") and bool(_BOILERPLATE.search(classes))))


def _strip(soup: object) -> None:
    """Remove everything that must never become text, and tables but their captions (one pass, any depth)."""
    from bs4 import Comment, Tag

    removed, tables = [], []
    stack = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, Comment):
            removed.append(node)
        elif isinstance(node, Tag) and node is not soup and _dropped(node):
            removed.append(node)
        elif isinstance(node, Tag) and node.name == "table":
            tables.append(node)  # cells are not sentences: keep only the caption, as for PDFs and DOCX
        elif isinstance(node, Tag):
            stack.extend(node.children)
    for node in removed:
        node.extract()
    for table in tables:
        caption = table.find("caption")
        paragraph = soup.new_tag("p")
        paragraph.string = caption.get_text(" ") if caption is not None else ""
        table.replace_with(paragraph)


def _main(soup: object) -> object:
    """The main content: <main> or role=main, else the longest <article>, else <body>."""
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if main is not None:
        return main
    articles = soup.find_all("article")
    if articles:
        return max(articles, key=lambda a: len(a.get_text()))
    return soup.body or soup


def _walk(root: object, emit: "Callable[[object], None]", paragraph: "Callable[[str], None]") -> None:
    """Visit the content in document order without recursion (any nesting depth): each innermost block element is
    emitted whole; text lying between blocks becomes a paragraph of its own."""
    from bs4 import NavigableString, Tag

    holds_blocks: dict[int, bool] = {}
    for tag in reversed([root, *root.find_all(True)]):  # children before their parents
        holds_blocks[id(tag)] = any(isinstance(c, Tag) and (c.name in BLOCK_TAGS or holds_blocks.get(id(c), False))
                                    for c in tag.children)
    loose: list[str] = []

    def flush() -> None:
        if loose:
            paragraph(clean_text(" ".join(loose)))
            loose.clear()

    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the end of an element that holds blocks
            flush()
        elif isinstance(node, NavigableString):
            loose.append(str(node))
        elif isinstance(node, Tag) and holds_blocks.get(id(node), False):
            flush()
            stack.append(None)
            stack.extend(reversed(list(node.children)))
        elif isinstance(node, Tag) and (node.name in BLOCK_TAGS or node is root):
            flush()
            emit(node)
        elif isinstance(node, Tag):
            loose.append(node.get_text(""))
    flush()


def read_html(path: Path) -> Document:
    """Read an HTML page: main content paragraphs under their headings; nothing is run or fetched."""
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(_decode(path), "lxml")
    metadata = _metadata(soup)
    _strip(soup)
    for br in soup.find_all("br"):
        br.replace_with(" ")
    root = _main(soup)
    page = Page("1")
    sections = Sections(page)

    def emit(tag: Tag) -> None:
        text = clean_text(tag.get_text(""))
        if not text:
            return
        if tag.name in HEADINGS:
            sections.heading(text.rstrip(":"))
            if tag.name == "h1":
                metadata.setdefault("title", text)
        else:
            sections.paragraph(text)

    if isinstance(root, Tag):
        _walk(root, emit, sections.paragraph)
    return Document(metadata, [page])
