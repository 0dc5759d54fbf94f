"""Measure automatic coding against expert codes: per-dimension Cohen's kappa and F1, their mean,
and polarity accuracy, for the rule coder and/or the learned coder (trained on data that is NOT the
gold set: reviewer-coded findings in evidence/reviews/*.csv when they exist, plus seed examples built
from the framework's own definitions, "delivery requires" items and cues).

Usage: python benchmarks/coding_accuracy.py [--gold PATH] [--coder rules|learned|both] [--errors]
Exit status is 0 whenever the measurement ran (it is a measurement, not a gate); 2 on bad input.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd
from sklearn.metrics import f1_score

from workbook.coding.agreement import kappa_from_table
from workbook.coding.rules import code_frame, read_findings_csv, rule_coder
from workbook.core.errors import WorkbookError
from workbook.evidence.framework import load_framework
from workbook.coding.learned import enough_training, learned_coder, reviewed_training, seed_training
from workbook.core.paths import evidence_dir

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = ROOT.parent / "shared" / "coding" / "dev_set.csv"
GOAL_KAPPA = 0.70
GOAL_POLARITY = 0.75


def dims(cell: str) -> set[str]:
    """Dimension ids of a ';'-joined cell."""
    return {d for d in str(cell).split(";") if d}


def evaluate(gold: pd.DataFrame, coded: pd.DataFrame, dimension_ids: tuple[str, ...]) -> dict[str, object]:
    """Per-dimension kappa and F1, mean kappa and polarity accuracy of coded vs gold."""
    g = [dims(x) for x in gold["dimensions"]]
    a = [dims(x) for x in coded["dimensions"]]
    out: dict[str, object] = {}
    for d in dimension_ids:
        yg = [d in s for s in g]
        ya = [d in s for s in a]
        table = [[0, 0], [0, 0]]
        for x, y in zip(yg, ya):
            table[int(x)][int(y)] += 1
        kappa = kappa_from_table(table)[0]
        out[d] = (kappa, f1_score(yg, ya, zero_division=0.0), sum(yg), sum(ya))
    kappas = [out[d][0] for d in dimension_ids]
    out["mean_kappa"] = sum(0.0 if math.isnan(k) else k for k in kappas) / len(kappas)
    out["polarity_accuracy"] = float((gold["polarity"].to_numpy() == coded["polarity"].to_numpy()).mean())
    return out


def reviewed_findings(framework) -> pd.DataFrame:
    """Reviewer-coded findings of the shipped cases (text, dimensions, polarity); empty when none."""
    try:
        from workbook.pipeline.stages import resolve, training_table
        return training_table(resolve())
    except (ImportError, WorkbookError):
        return reviewed_training(evidence_dir())


def training_data(framework) -> tuple[pd.DataFrame, str]:
    """Training table for the learned coder (never the gold set) and a description of it: the
    reviewer-coded findings plus seed examples built from the framework itself."""
    reviewed = reviewed_findings(framework)
    seed = seed_training(framework)
    both = pd.concat([reviewed, seed], ignore_index=True)
    enough = "enough" if enough_training(reviewed, framework.dimension_ids) else "not enough"
    return both, (f"{len(reviewed)} reviewer-coded findings ({enough} alone) + {len(seed)} seed examples "
                  f"from the framework's definitions, requires items and cues")


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help=f"expert-coded CSV (default {DEFAULT_GOLD})")
    parser.add_argument("--coder", choices=("rules", "learned", "both"), default="both")
    parser.add_argument("--framework", type=Path, default=None, help="framework file (default evidence/framework.yaml)")
    parser.add_argument("--errors", action="store_true", help="also list the disagreements (for error analysis)")
    args = parser.parse_args(argv)
    if not args.gold.exists():
        print(f"error: gold file {args.gold} not found. Fix: pass --gold PATH to an expert-coded CSV "
              f"with columns id, text, dimensions, polarity.", file=sys.stderr)
        return 2
    try:
        framework = load_framework(args.framework)
        gold = read_findings_csv(args.gold)
        missing = [c for c in ("text", "dimensions", "polarity") if c not in gold.columns]
        if missing:
            print(f"error: {args.gold} lacks column(s) {', '.join(missing)}.", file=sys.stderr)
            return 2
        coders = {}
        note = {}
        if args.coder in ("rules", "both"):
            coders["rules"] = rule_coder(framework)
            note["rules"] = "cues and settings in the framework file"
        if args.coder in ("learned", "both"):
            training, desc = training_data(framework)
            coders["learned"] = learned_coder(framework, training)
            note["learned"] = f"trained on {desc}"
        results = {}
        coded_frames = {}
        for name, coder in coders.items():
            coded = code_frame(gold[["text"]].copy(), framework, coder=coder)
            coded_frames[name] = coded
            results[name] = evaluate(gold, coded, framework.dimension_ids)
    except WorkbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    names = list(results)
    print(f"Coding accuracy against {args.gold} ({len(gold)} expert-coded findings)")
    for name in names:
        print(f"  {name}: {note[name]}")
    print()
    header = f"{'dimension':<18}{'gold n':>7}" + "".join(f"{name + ' n':>10}{name + ' kappa':>15}{name + ' F1':>12}"
                                                        for name in names)
    print(header)
    for d in framework.dimension_ids:
        row = f"{d:<18}{results[names[0]][d][2]:>7}"
        for name in names:
            k, f1, _, n_auto = results[name][d]
            row += f"{n_auto:>10}{('nan' if math.isnan(k) else f'{k:.3f}'):>15}{f1:>12.3f}"
        print(row)
    print()
    for name in names:
        r = results[name]
        mk, pa = r["mean_kappa"], r["polarity_accuracy"]
        print(f"{name:<8} mean kappa {mk:.3f} (goal >= {GOAL_KAPPA:.2f}: {'met' if mk >= GOAL_KAPPA else 'NOT met'}); "
              f"polarity accuracy {pa:.3f} (goal >= {GOAL_POLARITY:.2f}: {'met' if pa >= GOAL_POLARITY else 'NOT met'})")
    if args.errors:
        for name in names:
            coded = coded_frames[name]
            print(f"\nDisagreements of {name}:")
            for i in range(len(gold)):
                gd, ad = dims(gold["dimensions"].iat[i]), dims(coded["dimensions"].iat[i])
                gp, ap = gold["polarity"].iat[i], coded["polarity"].iat[i]
                if gd != ad or gp != ap:
                    ident = gold["id"].iat[i] if "id" in gold.columns else i
                    print(f"- {ident}: missed {sorted(gd - ad)} extra {sorted(ad - gd)} polarity {gp}->{ap}"
                          f" | {coded['reasons'].iat[i]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
