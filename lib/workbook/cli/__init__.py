"""The `workbook` command: one module of subcommands per concern, each with register(subparsers).
User errors print one line naming the file and the fix, never a traceback."""
from __future__ import annotations

import argparse
import sys

from workbook.cli import commands
from workbook.cli import sources
from workbook.cli import refi
from workbook.cli import project
from workbook.cli import reviews
from workbook.cli import candidates
from workbook.cli import train
from workbook.core.errors import WorkbookError

COMMAND_MODULES = (commands, sources, project, refi, reviews, candidates, train)
"""Each module's register(sub) adds its subcommands; the order is the order of `workbook --help`."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `workbook` command."""
    parser = argparse.ArgumentParser(prog="workbook", description="Integrated Care Evidence Workbook.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: "list[str] | None" = None) -> int:
    """Entry point: run a subcommand; a WorkbookError becomes one readable message and a non-zero exit."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except WorkbookError as exc:
        print(f"workbook {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a path the user gave cannot be read or written (permissions, missing folder)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"workbook {args.command}: error: {exc.strerror or exc}{where}. Fix: check the path and its "
              f"permissions.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("workbook: interrupted; the previous reports are unchanged.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
