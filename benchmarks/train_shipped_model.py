"""Rebuild the model coder's shipped weights, lib/workbook/coding/model_weights.json.

Fitted to the published train set (`../shared/coding/train_set.csv`: 539 sentences from 101
publications, coded by two coders following CODING_GUIDE.md, disagreements settled by a third) and the
project's reviewer-coded findings (evidence/reviews/). `--with-dev` adds the development set (`dev_set.csv`:
84 sentences from 14 other publications, coded once). It is off: measured on 2026-11-27, the model fitted
with it found the intended dimension in 84% of the project's own 154 test sentences (tests/own_sentences.py)
against 92% without, and their polarity in 59% against 67%, while grouped CV showed +0.008 [-0.005, +0.020]
kappa for adding it (helper measurement on 10 fold assignments). The file holds weights only: named features (the
rule coder's output, sentence features) and hashed word and phrase features (2**16 hash buckets, no
vocabulary); a hashed word or phrase gets weight only when it occurs in 3 or more publications, so no
sentence can be read back. Calibration and thresholds come from publication-grouped internal
cross-validation. `benchmarks/coding_accuracy.py` measures the same recipe under grouped cross-validation.

Usage: python benchmarks/train_shipped_model.py [--train PATH] [--with-dev [--dev PATH]] [--output PATH]
Exits 0 with a message when the train set is absent (it lives outside the project).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from coding_accuracy import DEFAULT_DEV, DEFAULT_TRAIN, MIN_GROUPS, dev_rows, extra_sections, project_training  # noqa: E402
from workbook.coding.model import SHIPPED_MODEL, fit_model, save_model  # noqa: E402
from workbook.coding.rules import read_findings_csv, rule_coder  # noqa: E402
from workbook.evidence.framework import load_framework  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Fit the model to the train set and the project's reviewed findings, and write it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    parser.add_argument("--output", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="where the development set is (--with-dev)")
    parser.add_argument("--with-dev", action="store_true",
                        help="fit to the development set too (84 more coded sentences; measured worse, see the docstring)")
    args = parser.parse_args(argv)
    if not args.train.exists():
        print(f"train_shipped_model: {args.train} is absent (it lives outside the project, in ../shared/coding/); "
              f"nothing rebuilt.")
        return 0
    framework = load_framework()
    train = read_findings_csv(args.train)
    with_dev = args.with_dev and args.dev.exists()
    if with_dev:
        train = pd.concat([train, dev_rows(read_findings_csv(args.dev))], ignore_index=True)
    extra = project_training()
    digest = hashlib.sha256(args.train.read_bytes()).hexdigest()[:16]
    dev_note = (f" and dev_set.csv (sha256 {hashlib.sha256(args.dev.read_bytes()).hexdigest()[:16]}...)"
                if with_dev else "")
    meta = {"source": f"train_set.csv of the shared coding sets (sha256 {digest}...){dev_note}: {len(train)} "
                      f"sentences from {train['publication'].nunique()} publications, plus {len(extra)} "
                      f"reviewer-coded findings of this project; rebuilt by benchmarks/train_shipped_model.py",
            "fitted_to_dev_set": with_dev,
            "min_publications_per_hashed_feature": MIN_GROUPS,
            "built": dt.date.today().isoformat()}
    coder = fit_model(framework, train["text"].tolist() + extra["text"].tolist(),
                      train["dimensions"].tolist() + extra["dimensions"].tolist(),
                      train["polarity"].tolist() + extra["polarity"].tolist(),
                      sections=train["section"].tolist() + extra_sections(extra),
                      groups=train["publication"].tolist() + [f"project:{i}" for i in range(len(extra))],
                      min_groups=MIN_GROUPS, meta=meta, rules=rule_coder(framework))
    path = save_model(coder, args.output)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB): {meta['source']}")
    print("thresholds: " + ", ".join(f"{d} {m.threshold:.2f}" for d, m in coder.dims.items())
          + f"; polarity temperature {coder.polarity.temperature:.2f}; confidence Platt "
          f"({coder.confidence_platt[0]:.2f}, {coder.confidence_platt[1]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
