"""Rebuild the model coder's shipped weights, lib/workbook/coding/model_weights.json.

Fitted to the published train set (`../shared/coding/train_set.csv`: 539 sentences from 101
publications, coded by two coders following CODING_GUIDE.md, disagreements settled by a third) plus the
project's reviewer-coded findings (evidence/reviews/). The file holds weights only: named features (the
rule coder's output, sentence features) and hashed word and phrase features (2**16 hash buckets, no
vocabulary); a hashed word or phrase gets weight only when it occurs in 3 or more publications, so no
sentence can be read back. Calibration and thresholds come from publication-grouped internal
cross-validation. `benchmarks/coding_accuracy.py` measures the same recipe under grouped cross-validation.

Usage: python benchmarks/train_shipped_model.py [--train PATH] [--output PATH]
Exits 0 with a message when the train set is absent (it lives outside the project).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from coding_accuracy import DEFAULT_TRAIN, MIN_GROUPS, extra_sections, project_training  # noqa: E402
from workbook.coding.model import SHIPPED_MODEL, fit_model, save_model  # noqa: E402
from workbook.coding.rules import read_findings_csv, rule_coder  # noqa: E402
from workbook.evidence.framework import load_framework  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Fit the model to the train set and the project's reviewed findings, and write it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    parser.add_argument("--output", type=Path, default=SHIPPED_MODEL)
    args = parser.parse_args(argv)
    if not args.train.exists():
        print(f"train_shipped_model: {args.train} is absent (it lives outside the project, in ../shared/coding/); "
              f"nothing rebuilt.")
        return 0
    framework = load_framework()
    train = read_findings_csv(args.train)
    extra = project_training()
    digest = hashlib.sha256(args.train.read_bytes()).hexdigest()[:16]
    meta = {"source": f"train_set.csv of the shared coding sets (sha256 {digest}...): {len(train)} sentences from "
                      f"{train['publication'].nunique()} publications, plus {len(extra)} reviewer-coded findings "
                      f"of this project; rebuilt by benchmarks/train_shipped_model.py",
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
