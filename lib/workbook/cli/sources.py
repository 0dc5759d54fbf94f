"""The `workbook add-source` subcommand: a PDF, Word, HTML or text document becomes a full-text source."""
from __future__ import annotations

import argparse

from workbook.core.errors import display_path


def cmd_add_source(args: argparse.Namespace) -> int:
    """Add one document to a case and say what was written, created and guessed."""
    from workbook.extract.add_source import add_source

    added = add_source(args.path, args.case, case_name=args.case_name, source_id=args.id, title=args.title,
                       authors=args.authors, year=args.year, venue=args.venue, doi=args.doi, url=args.url,
                       licence=args.licence)
    if added.created_case:
        print(f"created case {added.case_id!r} in cases.yaml")
    print(f"added source {added.source_id!r} to case {added.case_id!r}: {added.pages} page(s), "
          f"{added.paragraphs} paragraph(s)")
    print(f"  text:     {display_path(added.source_file)}")
    print(f"  original: {display_path(added.original)}")
    if added.guessed:
        print("guessed from the file (check them in the front matter of the text file):")
        for name, value in added.guessed.items():
            print(f"  {name}: {value}")
    for note in added.notes:
        print(f"note: {note}")
    return 0


def register(sub: "argparse._SubParsersAction") -> None:
    """Add add-source to the `workbook` command's subparsers."""
    p = sub.add_parser("add-source", help="add a PDF, DOCX, HTML, TXT or MD document to a case as a full-text source")
    p.add_argument("path", help="the document (.pdf, .docx, .html/.htm, .txt, .md)")
    p.add_argument("--case", required=True, help="case id (created in cases.yaml if new)")
    p.add_argument("--case-name", default="", help="the new case's display name")
    p.add_argument("--id", default="", help="source id (default: first author's surname and year)")
    p.add_argument("--title", default="")
    p.add_argument("--authors", default="", help='"Surname A; Surname B"')
    p.add_argument("--year", default=None, help="publication year, or n.d.")
    p.add_argument("--venue", default="", help="journal or publisher")
    link = p.add_mutually_exclusive_group()
    link.add_argument("--doi", default="")
    link.add_argument("--url", default="")
    p.add_argument("--licence", default="", help='as the document states it (default "not stated")')
    p.set_defaults(func=cmd_add_source)
