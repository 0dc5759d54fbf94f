"""Audit the shipped evidence for provenance: copied text and paths outside the project.

Two checks, each usable on its own (tests/test_provenance.py imports them):

- **copied text**: no run of ``RUN`` (8) or more consecutive words of the project's own prose (source
  bullets, the `read` and `date` notes of source front matter, maintainers' comments in source files,
  case settings and summaries, review-finding statements and CERQual explanations, checklist and
  reviewers' notes, outcome notes, the framework's definitions and "delivery requires" items, the teaching rationales)
  also appears in the fact packs or seed documents the evidence was written from.
  Words are compared normalised: lower case, punctuation stripped, thousands separators dropped.
  Titles, venues and names in front matter are not checked (they are the source's own words), nor are
  web addresses, double-quoted titles and names inside maintainers' comments, or the body of a
  ``kind: fulltext`` source (a document's own text, imported by ``workbook add-source``).
- **paths**: no file in ``evidence/`` names a location outside the project (an absolute path, a
  ``file:`` URL, a home directory, a ``..`` step out of the folder). Provenance names publications and
  locators only.

Usage: python benchmarks/evidence_audit.py [--shared DIR] [--evidence DIR] [--run N]
Prints every overlapping run and every path, then a summary. Exit status 0 when clean, 1 when anything
was found, 2 when the reference folder (``--shared``, by default ``../shared`` next to the project)
is missing: the copied-text check needs it and it exists only on the build machines.
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"
DEFAULT_EVIDENCE = ROOT / "evidence"
RUN = 8
"""The shortest run of words shared with a reference text that counts as copied."""

REFERENCE_GLOBS: tuple[str, ...] = ("sources/*.md", "seeds/*.txt", "seeds/*.md")
"""The reference texts (fact packs and seed documents), relative to the shared folder."""

# --- words -----------------------------------------------------------------------------------------

_APOSTROPHES = re.compile(r"(?<=\w)['\u2019\u2018](?=\w)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of a text, normalised: lower case, punctuation and thousands separators removed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", _THOUSANDS.sub("", text))
    return _WORD.findall(text)


def located_words(text: str) -> tuple[list[str], list[int]]:
    """The normalised words of a text and the 1-based line each one stands on."""
    out: list[str] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        found = words(line)
        out += found
        lines += [number] * len(found)
    return out, lines


# --- the reference texts ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """One reference text as a stream of normalised words, with the line of each."""

    name: str
    words: tuple[str, ...]
    lines: tuple[int, ...]


@dataclass
class Index:
    """Every run of ``n`` words in the reference texts, mapped to where it first occurs."""

    n: int
    runs: dict[tuple[str, ...], tuple[str, int]]


def load_references(shared: Path) -> list[Reference]:
    """The fact packs and seed documents under `shared`, as word streams."""
    refs = []
    for pattern in REFERENCE_GLOBS:
        for path in sorted(shared.glob(pattern)):
            if path.name.lower() == "readme.md":
                continue
            found, lines = located_words(path.read_text(encoding="utf-8", errors="replace"))
            refs.append(Reference(f"{path.parent.name}/{path.name}", tuple(found), tuple(lines)))
    return refs


def build_index(refs: Iterable[Reference], n: int = RUN) -> Index:
    """An index of every n-word run in the references."""
    runs: dict[tuple[str, ...], tuple[str, int]] = {}
    for ref in refs:
        for i in range(len(ref.words) - n + 1):
            runs.setdefault(ref.words[i:i + n], (ref.name, ref.lines[i]))
    return Index(n, runs)


# --- the project's own prose -----------------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    """A piece of the project's own prose and where it stands (file, line, what it is)."""

    where: str
    text: str
    quotes_exempt: bool = False
    """Whether double-quoted spans are names or titles (in maintainers' comments) rather than prose."""


_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*", re.I)
"""A web address (with or without its scheme): an identifier, not prose."""
_QUOTED = re.compile(r'"[^"\n]{1,200}"|\u201c[^\u201d\n]{1,200}\u201d')
"""A double-quoted span: in comments, the title or name of a publication."""


def prose(text: Text) -> str:
    """The part of a text the copied-text check compares: without addresses (and quoted titles in comments)."""
    out = _ADDRESS.sub(" ", text.text)
    if text.quotes_exempt:
        out = _QUOTED.sub(" ", " ".join(out.split()))
    return out


_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
FULLTEXT = "fulltext"
"""The kind of a source whose body is a document's own text (``workbook add-source``), not a paraphrase."""
FRONT_MATTER_PROSE: tuple[str, ...] = ("read", "date")
"""Front-matter fields written in the project's words (title, venue, authors, publisher are names)."""


def _rel(path: Path, evidence: Path) -> str:
    """A path shown relative to the evidence folder's parent (``evidence/...``)."""
    try:
        return str(path.relative_to(evidence.parent))
    except ValueError:
        return str(path)


def _line_at(text: str, offset: int) -> int:
    """The 1-based line of a character offset."""
    return text.count("\n", 0, offset) + 1


def source_texts(path: Path, evidence: Path) -> Iterator[Text]:
    """Bullets, maintainers' comments and prose front-matter fields of one source file."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    rel = _rel(path, evidence)
    front = _FRONT.match(raw)
    body_start = 0
    meta: object = {}
    if front:
        body_start = front.end()
        try:
            meta = yaml.safe_load(front.group(1)) or {}
        except yaml.YAMLError:
            meta = {}
        if isinstance(meta, dict):
            for key in FRONT_MATTER_PROSE:
                if isinstance(meta.get(key), str):
                    line = next((i for i, s in enumerate(front.group(1).splitlines(), start=2)
                                 if s.startswith(f"{key}:")), 1)
                    yield Text(f"{rel}:{line} ({key})", meta[key])
    for m in _COMMENT.finditer(raw):
        yield Text(f"{rel}:{_line_at(raw, m.start())} (comment)", m.group(1), quotes_exempt=True)
    if isinstance(meta, dict) and meta.get("kind") == FULLTEXT:
        return  # the body is the document's own text, by design
    body = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), raw[body_start:])
    first = _line_at(raw, body_start)
    for i, line in enumerate(body.splitlines()):
        m = _BULLET.match(line)
        if m:
            yield Text(f"{rel}:{first + i} (bullet)", m.group(1))
        elif line.strip() and not line.lstrip().startswith("#"):
            yield Text(f"{rel}:{first + i} (text)", line)


def _yaml_strings(path: Path, evidence: Path, keys: tuple[str, ...]) -> Iterator[Text]:
    """Every string value under one of `keys` in a YAML file, with its line."""
    from workbook.core.yamlio import load_yaml  # the project's loader knows each value's line
    doc = load_yaml(path)

    def walk(node: object, key_path: tuple) -> Iterator[Text]:
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, str) and k in keys:
                    record = next((p for p in key_path if isinstance(p, str)), "")
                    yield Text(f"{_rel(path, evidence)}:{doc.line_of(key_path + (k,))} ({k}"
                               f"{', ' + str(node.get('id')) if 'id' in node else ''})", v)
                else:
                    yield from walk(v, key_path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, key_path + (i,))

    yield from walk(doc.data, ())


def _csv_column(path: Path, evidence: Path, columns: tuple[str, ...]) -> Iterator[Text]:
    """The values of some columns of a CSV file, each with its line."""
    text = path.read_text(encoding="utf-8", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        for col in columns:
            value = row.get(col) or ""
            if value.strip():
                yield Text(f"{_rel(path, evidence)}:{reader.line_num} ({col})", value)


def own_texts(evidence: Path) -> list[Text]:
    """All the prose of the evidence folder that must be in the project's own words."""
    texts: list[Text] = []
    for path in sorted((evidence / "sources").rglob("*")):
        if path.suffix in (".md", ".txt") and path.is_file():
            texts += source_texts(path, evidence)
    if (evidence / "cases.yaml").exists():
        texts += _yaml_strings(evidence / "cases.yaml", evidence, ("setting", "period", "programme", "summary"))
    findings = evidence / "synthesis" / "review_findings.yaml"
    if findings.exists():
        texts += _yaml_strings(findings, evidence, ("statement", "explanation"))
    for folder in ("checklist", "reviews"):
        for path in sorted((evidence / folder).rglob("*.csv")):
            texts += _csv_column(path, evidence, ("note",))
    if (evidence / "outcomes.csv").exists():
        texts += _csv_column(evidence / "outcomes.csv", evidence, ("measure", "note"))
    if (evidence / "framework.yaml").exists():
        texts += _yaml_strings(evidence / "framework.yaml", evidence, ("definition", "text"))
    teaching = evidence / "teaching" / "reference_coding.yaml"
    if teaching.exists():
        texts += _yaml_strings(teaching, evidence, ("rationale",))
    return texts


# --- the copied-text check -------------------------------------------------------------------------

@dataclass(frozen=True)
class Overlap:
    """A run of words of the project's prose that also stands in a reference text."""

    where: str
    run: str
    length: int
    reference: str
    reference_line: int

    def __str__(self) -> str:
        return (f"{self.where}: {self.length} words also in {self.reference}:{self.reference_line}: "
                f"\"{self.run}\"")


def overlaps(text: Text, index: Index) -> list[Overlap]:
    """The maximal runs of `index.n` or more words of `text` that occur in the reference texts."""
    ws = words(prose(text))
    n = index.n
    hits = [index.runs.get(tuple(ws[i:i + n])) for i in range(len(ws) - n + 1)]
    found: list[Overlap] = []
    i = 0
    while i < len(hits):
        if hits[i] is None:
            i += 1
            continue
        j = i
        while j + 1 < len(hits) and hits[j + 1] is not None:
            j += 1
        ref, line = hits[i]
        found.append(Overlap(text.where, " ".join(ws[i:j + n]), j - i + n, ref, line))
        i = j + 1
    return found


def copied_text(evidence: Path, shared: Path, n: int = RUN) -> list[Overlap]:
    """Every run of n or more words of the evidence's own prose found in the shared reference texts."""
    index = build_index(load_references(shared), n)
    return [o for t in own_texts(evidence) for o in overlaps(t, index)]


# --- the path check --------------------------------------------------------------------------------

PATH_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("file URL", re.compile(r"\bfile:", re.I)),
    ("Windows drive path", re.compile(r"(?<![\w])[A-Za-z]:[\\/]")),
    ("Windows network path", re.compile(r"(?<![\w\\])\\\\[\w.$-]+\\")),
    ("home directory", re.compile(r"(?<![\w])~[\w.-]*[\\/]|\$HOME\b|%USERPROFILE%|\$\{HOME\}", re.I)),
    ("step out of the project", re.compile(r"(?<![\w.])\.\.[\\/]|[\\/]\.\.(?:[\\/]|$)")),
    ("absolute path", re.compile(r"(?<![\w.:/\\~-])/(?:[\w.@+-]+/)+[\w.@+-]*"
                                 r"|(?<![\w.:/\\~-])/(?:home|work|tmp|Users|root|mnt|media|var|opt|srv|private"
                                 r"|Volumes|scratch|data)\b")),
)
"""What names a place outside the project, each with a label for the report."""


@dataclass(frozen=True)
class PathHit:
    """A line of an evidence file that names a path outside the project."""

    where: str
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} {self.text!r}"


def _without_urls(line: str) -> str:
    """A line with its http(s) URLs blanked out (their path parts are addresses, not files)."""
    return re.sub(r"\bhttps?://\S+", lambda m: " " * len(m.group(0)), line, flags=re.I)


def line_paths(line: str) -> list[tuple[str, str]]:
    """The outside paths named in one line of text, as (kind, matched text)."""
    clean = _without_urls(line)
    return [(kind, m.group(0)) for kind, pattern in PATH_PATTERNS for m in pattern.finditer(clean)]


def outside_paths(evidence: Path) -> list[PathHit]:
    """Every line of every text file under `evidence` that names a path outside the project."""
    hits: list[PathHit] = []
    for path in sorted(evidence.rglob("*")):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for kind, found in line_paths(line):
                hits.append(PathHit(f"{_rel(path, evidence)}:{number}", kind, found))
    return hits


# --- command line ----------------------------------------------------------------------------------

def main(argv: "list[str] | None" = None) -> int:
    """Run both checks, print what they find, and return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                    help="folder holding sources/ (fact packs) and seeds/ (default: ../shared)")
    ap.add_argument("--evidence", type=Path, default=DEFAULT_EVIDENCE, help="evidence folder to audit")
    ap.add_argument("--run", type=int, default=RUN, help=f"shortest copied run, in words (default {RUN})")
    args = ap.parse_args(argv)
    if args.run < 2:
        ap.error("--run must be 2 or more")
    paths = outside_paths(args.evidence)
    for hit in paths:
        print(f"path: {hit}")
    if not (args.shared / "sources").is_dir():
        print(f"evidence_audit: no reference texts at {args.shared}/sources; the copied-text check needs the "
              f"fact packs (pass --shared DIR). Paths outside the project: {len(paths)}.", file=sys.stderr)
        return 2
    copied = copied_text(args.evidence, args.shared, args.run)
    for o in copied:
        print(f"copied: {o}")
    checked = len(own_texts(args.evidence))
    print(f"evidence_audit: {checked} pieces of own prose checked; {len(copied)} runs of {args.run}+ words "
          f"shared with the reference texts; {len(paths)} paths outside the project.")
    return 1 if copied or paths else 0


if __name__ == "__main__":
    sys.exit(main())
