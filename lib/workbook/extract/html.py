"""Web pages read with BeautifulSoup: the main content only; scripts, styles, navigation and hidden parts dropped."""
from __future__ import annotations

import re
from pathlib import Path

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


def _strip(soup: object) -> None:
    """Remove everything that must never become text: code, styles, navigation, forms, hidden parts."""
    from bs4 import Comment, Tag

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    for table in soup.find_all("table"):  # cells are not sentences: keep only the caption, as PDFs and DOCX do
        caption = table.find("caption")
        if caption is not None:
            paragraph = soup.new_tag("p")
            paragraph.string = caption.get_text(" ")
            table.replace_with(paragraph)
        else:
            table.decompose()
    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.decomposed:
            continue
        attrs = tag.attrs or {}
        role = str(attrs.get("role", "")).lower()
        classes = " ".join(attrs.get("class", []) or []) + " " + str(attrs.get("id", ""))
        if ("hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true" or role in DROP_ROLES
                or _HIDDEN_STYLE.search(str(attrs.get("style", "")))
                or (tag.name in ("div", "section", "ul", "ol") and _BOILERPLATE.search(classes))):
            tag.decompose()


def _main(soup: object) -> object:
    """The main content: <main> or role=main, else the longest <article>, else <body>."""
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if main is not None:
        return main
    articles = soup.find_all("article")
    if articles:
        return max(articles, key=lambda a: len(a.get_text()))
    return soup.body or soup


def read_html(path: Path) -> Document:
    """Read an HTML page: main content paragraphs under their headings; nothing is run or fetched."""
    from bs4 import BeautifulSoup, NavigableString, Tag

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

    def walk(tag: Tag) -> None:
        if not any(isinstance(d, Tag) and d.name in BLOCK_TAGS for d in tag.descendants):
            emit(tag)
            return
        loose: list[str] = []
        for child in tag.children:
            if isinstance(child, NavigableString):
                loose.append(str(child))
            elif isinstance(child, Tag) and (child.name in BLOCK_TAGS or any(
                    isinstance(d, Tag) and d.name in BLOCK_TAGS for d in child.descendants)):
                if loose:
                    sections.paragraph(clean_text(" ".join(loose)))
                loose = []
                walk(child)
            elif isinstance(child, Tag):
                loose.append(child.get_text(""))
        if loose:
            sections.paragraph(clean_text(" ".join(loose)))

    if isinstance(root, Tag):
        walk(root)
    return Document(metadata, [page])
