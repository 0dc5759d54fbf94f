"""REFI-QDA subcommands of `workbook`: export-qdc, export-qdpx, import-qdc, import-qdpx."""
from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from workbook.core.errors import ParameterError

if TYPE_CHECKING:
    from workbook.evidence.framework import Framework
    from workbook.interop.codebook import Codebook
    from workbook.interop.mapping import Resolution

DEFAULT_QDC = "integrated-care-workbook.qdc"
DEFAULT_QDPX = "integrated-care-workbook.qdpx"


def _framework(args: argparse.Namespace) -> "Framework":
    """The framework named by --framework (default evidence/framework.yaml)."""
    from workbook.cli.commands import framework_arg
    from workbook.core.paths import evidence_dir
    from workbook.evidence.framework import load_framework

    fw = framework_arg(getattr(args, "framework", ""))
    return load_framework(evidence_dir() / fw if fw else None)


def _print_tolerated(tolerated: "list[str]") -> None:
    """List what was read leniently."""
    for item in tolerated:
        print(f"  tolerated: {item}")


def cmd_export_qdc(args: argparse.Namespace) -> int:
    """Write the framework as a REFI-QDA codebook (.qdc)."""
    from workbook.core.atomic import write_bytes
    from workbook.interop.codebook import framework_codebook, qdc_bytes

    framework = _framework(args)
    book = framework_codebook(framework)
    target = Path(args.output or DEFAULT_QDC)
    write_bytes(target, qdc_bytes(book))
    print(f"codebook of {framework.id}: {len(book.walk())} codes ({len(framework.dimensions)} dimensions, "
          f"{len(framework.requirements)} delivery items, polarity) -> {target}")
    return 0


def cmd_export_qdpx(args: argparse.Namespace) -> int:
    """Write the coded evidence of the chosen cases (default all) as a REFI-QDA project (.qdpx)."""
    from workbook.coding.reviews import load_reviews
    from workbook.core.atomic import write_bytes
    from workbook.evidence.cases import get_case, load_cases
    from workbook.extract.findings import load_case_sources
    from workbook.interop.project import CaseExport, export_project
    from workbook.pipeline.stages import code_findings, extract_case, resolve

    settings = resolve(framework=_framework_arg_value(args))
    case_ids = args.case or list(load_cases(settings.evidence))
    exports = []
    for cid in dict.fromkeys(case_ids):
        case = get_case(cid, settings.evidence)
        findings = extract_case(case, settings.framework, settings.evidence)
        coded, _ = code_findings(findings, settings, case.id)
        reviews = load_reviews(case.id, settings.framework, settings.evidence)
        exports.append(CaseExport(case, load_case_sources(case, settings.evidence), coded, reviews.decisions,
                                  reviews.consensus))
    data, summary = export_project(settings.framework, exports, dt.datetime.now(dt.timezone.utc))
    target = Path(args.output or DEFAULT_QDPX)
    write_bytes(target, data)
    print(f"project of {len(exports)} case(s): {summary.sources} sources, {summary.selections} selections, "
          f"{summary.codings} codings by {summary.users} users, {summary.notes} notes -> {target}")
    if summary.orphaned:
        print(f"  not exported: {summary.orphaned} decision(s) whose finding no longer exists (see the orphans "
              f"of `workbook report`)")
    return 0


def _framework_arg_value(args: argparse.Namespace) -> str:
    """--framework as the pipeline's resolve() takes it (relative to the evidence directory)."""
    from workbook.cli.commands import framework_arg

    return framework_arg(getattr(args, "framework", ""))


def _show_codes(book: "Codebook", resolution: "Resolution") -> None:
    """Print every code with what it means here."""
    from workbook.interop.guids import normalise_guid

    for code in book.walk():
        target = resolution.targets.get(normalise_guid(code.guid))
        depth = "  " * (len(code.parent_path) + 1)
        meaning = (f"-> {target.kind} {target.value}" if target else
                   ("(grouping)" if not code.codable else "-> UNMAPPED (kept in decision notes)"))
        print(f"{depth}{code.name} {meaning}")


def cmd_import_qdc(args: argparse.Namespace) -> int:
    """Read another tool's codebook: list every code and what it means here; optionally write a suggested map."""
    from workbook.interop.codebook import read_qdc
    from workbook.interop.mapping import load_map, resolve, write_suggested_map

    framework = _framework(args)
    book = read_qdc(args.file)
    if args.suggest_map:
        if not args.map:
            raise ParameterError("--suggest-map needs --map PATH: the file to write the suggested map to.")
        write_suggested_map(book, framework, args.map)
        print(f"suggested map for {len(book.walk())} codes -> {args.map} (check every GUESS, then use --map)")
        return 0
    mapping = load_map(args.map, framework, book) if args.map else None
    resolution = resolve(book, framework, mapping)
    print(f"{args.file}: {len(book.walk())} codes, {len(book.sets)} sets"
          + (f", written by {book.origin}" if book.origin else "") + "; nothing in evidence/ was changed")
    _print_tolerated(book.tolerated)
    _show_codes(book, resolution)
    if resolution.unmapped:
        print(f"  {len(resolution.unmapped)} code(s) have no meaning here; `--map MAP.yaml --suggest-map` writes a "
              f"map to complete")
    return 0


def cmd_import_qdpx(args: argparse.Namespace) -> int:
    """Import another tool's project into a case: sources, coded selections as findings, codings as decisions."""
    from workbook.core.paths import check_id, evidence_dir
    from workbook.interop.importing import apply_import, plan_import
    from workbook.interop.mapping import load_map, resolve, write_suggested_map
    from workbook.interop.project import read_project

    check_id(args.case, "--case")
    framework = _framework(args)
    project = read_project(args.file)
    if args.suggest_map:
        target = Path(args.map or f"{Path(args.file).stem}.map.yaml")
        write_suggested_map(project.codebook, framework, target)
        print(f"suggested map for {len(project.codebook.walk())} codes -> {target}; nothing imported "
              f"(check every GUESS, then run again with --map {target})")
        return 0
    mapping = load_map(args.map, framework, project.codebook) if args.map else None
    resolution = resolve(project.codebook, framework, mapping)
    evidence = evidence_dir()
    plan = plan_import(project, args.case, resolution, framework, evidence)
    apply_import(plan, framework, evidence)
    print(f"imported into case {args.case}: {len(plan.sources)} source(s), {plan.findings} finding(s), "
          f"{len(plan.decisions)} new decision(s), {len(plan.files)} file(s) written in {evidence}")
    _print_tolerated(plan.tolerated)
    if plan.skipped_auto:
        print(f"  {plan.skipped_auto} coding(s) by the automatic coder not imported (the workbook recomputes them)")
    if plan.unmapped:
        print(f"  codes with no meaning here (kept in the decisions' notes): {'; '.join(plan.unmapped)}")
    for note in plan.unattached_notes:
        print(f"  NOT imported, a note on a selection nobody coded: {note}")
    return 0


def register(sub: "argparse._SubParsersAction") -> None:
    """Add export-qdc, export-qdpx, import-qdc and import-qdpx to the `workbook` command's subparsers."""
    p = sub.add_parser("export-qdc", help="write the framework as a REFI-QDA codebook (.qdc)")
    p.add_argument("--output", default="", help=f"file to write (default {DEFAULT_QDC})")
    p.add_argument("--framework", default="")
    p.set_defaults(func=cmd_export_qdc)

    p = sub.add_parser("export-qdpx", help="write the coded evidence as a REFI-QDA project (.qdpx)")
    p.add_argument("--output", default="", help=f"file to write (default {DEFAULT_QDPX})")
    p.add_argument("--case", action="append", default=[], metavar="ID", nargs="+",
                   help="case id(s) to export (default: every case)")
    p.add_argument("--framework", default="")
    p.set_defaults(func=lambda a: cmd_export_qdpx(_flatten_cases(a)))

    p = sub.add_parser("import-qdc", help="read another tool's REFI-QDA codebook and show what each code means here")
    p.add_argument("file", help="the .qdc file")
    p.add_argument("--map", default="", help="a map file (YAML) of the tool's codes to the framework")
    p.add_argument("--suggest-map", action="store_true", help="write a suggested map to --map and stop")
    p.add_argument("--framework", default="")
    p.set_defaults(func=cmd_import_qdc)

    p = sub.add_parser("import-qdpx", help="import another tool's REFI-QDA project (.qdpx) into a case")
    p.add_argument("file", help="the .qdpx file")
    p.add_argument("--case", required=True, help="the case to import into (created in cases.yaml if new)")
    p.add_argument("--map", default="", help="a map file (YAML) of the tool's codes to the framework")
    p.add_argument("--suggest-map", action="store_true",
                   help="write a suggested map (to --map, default <file>.map.yaml) and import nothing")
    p.add_argument("--framework", default="")
    p.set_defaults(func=cmd_import_qdpx)


def _flatten_cases(args: argparse.Namespace) -> argparse.Namespace:
    """--case given several times or with several ids, as one list."""
    args.case = [c for group in args.case for c in group]
    return args
