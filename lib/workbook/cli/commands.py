"""The core subcommands of `workbook`: validate, extract, code, report."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbook.core.errors import ParameterError


def framework_arg(value: str) -> str:
    """A --framework path as the notebooks take it: relative to the evidence directory, which must hold it."""
    from workbook.core.paths import contained, evidence_dir

    if not value:
        return ""
    base = evidence_dir()
    candidate = Path(value)
    if not candidate.is_absolute() and not (base / candidate).exists() and (Path.cwd() / candidate).exists():
        candidate = Path.cwd() / candidate  # a path typed from the project root, e.g. evidence/other.yaml
    resolved = contained(candidate, base, "--framework")
    if not resolved.is_file():
        raise ParameterError(f"--framework {value!r}: no such file. Fix: give a YAML file inside {base}.")
    return str(resolved.relative_to(base))


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every evidence file; print each problem; exit non-zero if any."""
    from workbook.core.paths import evidence_dir
    from workbook.pipeline.validate import validate_evidence

    evidence = evidence_dir()
    fw = framework_arg(args.framework)
    problems = validate_evidence(evidence, evidence / fw if fw else None)
    if problems:
        for p in problems:
            print(f"- {p}", file=sys.stderr)
        print(f"{len(problems)} problem(s) in {evidence}.", file=sys.stderr)
        return 1
    from workbook.evidence.cases import load_cases

    cases = load_cases(evidence)
    print(f"evidence OK: {len(cases)} cases, {sum(len(c.sources) for c in cases.values())} sources ({evidence}).")
    from workbook.pipeline.stages import missing_evidence, resolve

    gaps = missing_evidence(resolve(framework=fw), None)
    if gaps:
        print("Not there yet (the report builds without them and says so):")
        for gap in gaps:
            print(f"- {gap}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    """Extract one case's findings into reports/findings/<case>.csv (or --output)."""
    from workbook.core.tables import write_csv
    from workbook.pipeline.stages import findings_path, resolve, run_extract

    settings = resolve(framework=framework_arg(args.framework))
    table = run_extract(args.case, settings)
    target = Path(args.output) if args.output else findings_path(settings.reports, args.case)
    if args.output:
        write_csv(table, target)
    counts = table["polarity"].value_counts().to_dict()
    print(f"{args.case}: {len(table)} findings from {table['source'].nunique()} sources "
          f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}) -> {target}")
    return 0


def cmd_code(args: argparse.Namespace) -> int:
    """Code any CSV of texts and write the input columns plus dimensions, polarity and reasons."""
    from workbook.coding.rules import code_csv
    from workbook.core.paths import evidence_dir
    from workbook.evidence.framework import load_framework

    fw = framework_arg(args.framework)
    framework = load_framework(evidence_dir() / fw if fw else None)
    rows = code_csv(args.input, args.output, framework, text_column=args.text_column,
                    progress=not args.no_progress and sys.stderr.isatty())
    print(f"coded {rows} rows of {args.input} -> {args.output}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Regenerate reports/: run the notebooks (unchanged runs reused) and write the synthesis."""
    from workbook.core.paths import evidence_dir, reports_dir
    from workbook.pipeline.runner import cached_plan, plan_cache_writer, regenerate

    fw = framework_arg(args.framework)
    # cases.yaml and the framework unchanged since the last report: no need to parse (or import pandas)
    known = cached_plan(fw)
    if known is None:
        from workbook.evidence.cases import load_cases
        from workbook.evidence.framework import load_framework

        framework = load_framework(evidence_dir() / fw if fw else None)
        known = {"case_ids": list(load_cases()),
                 "learned": str(framework.coding.get("default_coder", "rules")) == "learned"}
    outcomes = regenerate(known["case_ids"], framework=fw, learned=known["learned"], force=args.force,
                          jobs=args.jobs, progress=not args.no_progress, wait_seconds=args.wait,
                          after_build=plan_cache_writer(fw, known["case_ids"], known["learned"]),
                          fresh_kernels=args.fresh_kernels, allow_unreadable_reviews=args.allow_unreadable_reviews)
    reused = [o.name for o in outcomes if o.status == "reused"]
    executed = [o.name for o in outcomes if o.status == "executed"]
    print(f"reports written to {reports_dir()}: {len(executed)} notebook run(s) executed, {len(reused)} reused"
          + (f" ({', '.join(reused)})" if reused else "") + ".")
    return 0


def register(sub: "argparse._SubParsersAction") -> None:
    """Add validate, extract, code and report to the `workbook` command's subparsers."""

    p = sub.add_parser("validate", help="check everything in evidence/ against its schema")
    p.add_argument("--framework", default="", help="a framework YAML inside evidence/ (default framework.yaml)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("extract", help="extract one case's findings from its sources")
    p.add_argument("--case", required=True, help="case id from evidence/cases.yaml")
    p.add_argument("--output", default="", help="CSV to write (default reports/findings/<case>.csv)")
    p.add_argument("--framework", default="")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("code", help="code any CSV of texts against the framework")
    p.add_argument("--input", required=True, help="CSV with a text column")
    p.add_argument("--output", required=True, help="CSV to write: input columns + dimensions, polarity, reasons")
    p.add_argument("--text-column", default="text", help="name of the text column (default: text)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (shown when stderr is a terminal)")
    p.add_argument("--framework", default="")
    p.set_defaults(func=cmd_code)

    p = sub.add_parser("report", help="regenerate reports/ (reuses unchanged notebook runs)")
    p.add_argument("--force", action="store_true", help="re-execute every notebook")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="run every notebook on a new kernel of its own (slower; the reference the warm lanes "
                        "are tested against)")
    p.add_argument("--jobs", type=int, default=None, help="parallel notebook workers (default: cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--wait", type=float, default=0, help="seconds to wait for another regeneration's lock")
    p.add_argument("--allow-unreadable-reviews", action="store_true",
                   help="publish even if a review row cannot be read (the report lists it at the top); "
                        "without it such a row stops the regeneration")
    p.add_argument("--framework", default="")
    p.set_defaults(func=cmd_report)
