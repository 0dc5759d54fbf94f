"""`workbook init DIR [--framework FILE]`: a new, empty workbook project."""
from __future__ import annotations

import argparse


def cmd_init(args: argparse.Namespace) -> int:
    """Make the project and say what to do next."""
    from workbook.core.errors import display_path
    from workbook.evidence.project import init_project

    path = init_project(args.dir, args.framework or None)
    shown = display_path(path)
    print(f"new workbook project in {path}\n"
          f"next: cd {shown}, add a case to evidence/cases.yaml and its sources (workbook add-source, or a "
          f"Markdown file as evidence/sources/README.md shows), then make validate and make report.")
    return 0


def register(sub: "argparse._SubParsersAction") -> None:
    """Add `init` to the `workbook` command's subparsers."""
    p = sub.add_parser("init", help="create a new, empty workbook project in DIR (a new or empty folder)")
    p.add_argument("dir", metavar="DIR", help="the folder to create")
    p.add_argument("--framework", default="",
                   help="a framework YAML to start from (default: the workbook's own framework.yaml)")
    p.set_defaults(func=cmd_init)
