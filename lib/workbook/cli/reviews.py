"""Review subcommands of `workbook`: sample (draw a reproducible share of a case's findings for double coding)."""
from __future__ import annotations

import argparse


def _share(value: str) -> float:
    """--share as a fraction above 0 and at most 1."""
    try:
        share = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number; give a fraction such as 0.2 for 20%") from None
    if not 0 < share <= 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not above 0 and at most 1; give e.g. 0.2 for 20%")
    return share


def _seed(value: str) -> int:
    """--seed as a whole number of 0 or more."""
    try:
        seed = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number; give e.g. 1") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is negative; give 0 or more")
    return seed


def cmd_sample(args: argparse.Namespace) -> int:
    """Draw the share of a case's findings to double-code and write evidence/reviews/<case>/sample.csv."""
    from workbook.coding.reviews import draw_sample, write_sample
    from workbook.core.errors import display_path
    from workbook.evidence.cases import get_case
    from workbook.pipeline.stages import extract_case, resolve

    settings = resolve()
    case = get_case(args.case, settings.evidence)
    findings = extract_case(case, settings.framework, settings.evidence)
    sample = draw_sample(findings, args.share, args.seed)
    path = write_sample(case.id, sample, settings.evidence, replace=args.replace)
    per_source = sample["source"].value_counts().sort_index()
    print(f"{case.id}: {len(sample)} of {len(findings)} findings ({len(sample) / max(1, len(findings)):.0%}) drawn "
          f"for double coding with seed {args.seed} ({', '.join(f'{s} {n}' for s, n in per_source.items())}) "
          f"-> {display_path(path)}")
    return 0


def register(sub: "argparse._SubParsersAction") -> None:
    """Add `sample` to the `workbook` command's subparsers."""
    p = sub.add_parser("sample", help="draw a reproducible share of a case's findings for double coding")
    p.add_argument("--case", required=True, help="case id from evidence/cases.yaml")
    p.add_argument("--share", type=_share, required=True, help="fraction of the findings to draw, e.g. 0.2")
    p.add_argument("--seed", type=_seed, default=1, help="random seed (default 1); the same seed draws the same")
    p.add_argument("--replace", action="store_true", help="replace an existing, different sample.csv")
    p.set_defaults(func=cmd_sample)
